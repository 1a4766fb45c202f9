/* obs.c - what the Observatory's tests read from fetched sessions: header access as Node
 * presents it, the session to grade, the registrable domain, URL parts. The scan itself
 * (obs_grade) is in obs_grade.c, above the tests that call these. */
#include "obs_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/psl.h"
#include "common/url.h"

const struct obs_session *obs_auto(const struct obs_input *in)
{
	if (in->https.ok)
		return &in->https;
	return in->http.ok ? &in->http : NULL;
}

/* Node keeps only the first of these when a response repeats them. */
static bool single_valued(const char *name)
{
	static const char *const names[] = {
		"age",
		"authorization",
		"content-length",
		"content-type",
		"etag",
		"expires",
		"from",
		"host",
		"if-modified-since",
		"if-unmodified-since",
		"last-modified",
		"location",
		"max-forwards",
		"proxy-authorization",
		"referer",
		"retry-after",
		"server",
		"user-agent",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

char *obs_header(const struct obs_resp *r, const char *name)
{
	const char *sep = strcmp(name, "cookie") ? ", " : "; ";
	char *acc = NULL;
	size_t len = 0, i;
	json_t *h;

	json_array_foreach(r ? r->headers : NULL, i, h)
	{
		const char *v = json_string_value(json_object_get(h, "value"));
		size_t vl;
		if (strcasecmp(json_string_value(json_object_get(h, "name")), name) || !v)
			continue;
		vl = strlen(v);
		acc = realloc(acc, len + vl + 3);
		if (!acc)
			abort();
		if (len) {
			if (single_valued(name))
				break;
			memcpy(acc + len, sep, 2);
			len += 2;
		}
		memcpy(acc + len, v, vl + 1);
		len += vl;
	}
	return acc;
}

json_t *obs_header_list(const struct obs_resp *r, const char *name)
{
	json_t *a = json_array(), *h;
	size_t i;

	json_array_foreach(r ? r->headers : NULL, i,
			   h) if (!strcasecmp(json_string_value(json_object_get(h, "name")), name))
		json_array_append(a, json_object_get(h, "value"));
	return a;
}

bool obs_is_html(const char *t)
{
	size_t n;

	if (!t)
		return false;
	n = strcspn(t, ";");
	return (n == 9 && !strncmp(t, "text/html", 9)) ||
	       (n == 21 && !strncmp(t, "application/xhtml+xml", 21));
}

char *obs_domain(const char *host)
{
	const char *d;
	char *lower = strdup(host), *out = NULL;

	if (!lower)
		abort();
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strchr(lower, ':') || strspn(lower, "0123456789.") == strlen(lower)) {
		free(lower); /* an IP address has no registrable domain */
		return NULL;
	}
	d = psl_registrable_domain(pg_psl_list(), lower);
	if (d)
		out = strdup(d);
	free(lower);
	return out;
}

int obs_url_parts(const char *url, char *scheme, size_t slen, char *host, size_t hlen)
{
	struct pg_url_parts u;

	if (!pg_url_split(url, &u) || strlen(u.scheme) >= slen || strlen(u.host) >= hlen)
		return -1;
	snprintf(scheme, slen, "%s", u.scheme);
	snprintf(host, hlen, "%s", u.host);
	return 0;
}

void obs_resp_clear(struct obs_resp *r)
{
	json_decref(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void obs_session_clear(struct obs_session *s)
{
	for (size_t i = 0; i < s->nhops; i++)
		free(s->hops[i].url);
	for (size_t i = 0; i < s->njar; i++) {
		free(s->jar[i].key);
		free(s->jar[i].domain);
		free(s->jar[i].path);
	}
	free(s->hops);
	free(s->jar);
	free(s->url);
	obs_resp_clear(&s->final);
	memset(s, 0, sizeof(*s));
}
