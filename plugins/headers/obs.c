/* obs.c - the Observatory's scan (scanner/index.js) over fetched sessions:
 * header access as Node presents it, the ten tests, the score and grade. */
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

json_t *obs_grade(const struct obs_input *in)
{
	static const char *const names[] = {
		"content-security-policy",
		"cookies",
		"cross-origin-resource-sharing",
		"redirection",
		"referrer-policy",
		"strict-transport-security",
		"subresource-integrity",
		"x-content-type-options",
		"x-frame-options",
		"cross-origin-resource-policy",
	};
	json_t *(*const tests[])(const struct obs_input *) = {
		NULL,
		obs_test_cookies,
		obs_test_cors,
		obs_test_redirection,
		obs_test_referrer,
		obs_test_hsts,
		obs_test_sri,
		obs_test_xcto,
		obs_test_xfo,
		obs_test_corp,
	};
	const struct obs_session *a = obs_auto(in);
	int mods[10], score, passed = 0;
	json_t *out, *t;
	long st;

	if (!a)
		return json_pack("{s:s}", "error", "The site seems to be down.");
	st = a->final.status;
	if (st < 200 || (st >= 400 && st != 401 && st != 403))
		return json_pack("{s:s, s:i}", "error", "unexpected HTTP status", "status",
				 (int)st);
	t = json_object();
	for (size_t i = 0; i < 10; i++) {
		json_t *r = i == 0 ? obs_test_csp(in, NULL) : tests[i](in);
		mods[i] = (int)json_integer_value(json_object_get(r, "scoreModifier"));
		passed += json_is_true(json_object_get(r, "pass"));
		json_object_set_new(t, names[i], r);
	}
	score = obs_score(mods, 10);
	out = json_pack("{s:i, s:i, s:s, s:i, s:i, s:i, s:o}", "algorithmVersion", 4, "score",
			score, "grade", obs_grade_for(score), "statusCode", (int)st, "testsPassed",
			passed, "testsFailed", 10 - passed, "tests", t);
	return out;
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
