/* rules.c - portgate's own header rules (CORS reflecting any origin with
 * credentials, an authentication surface cacheable by shared caches) and the
 * grouping of failures per asset and rule. */
#include "rules.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REASON_MAX 1024

bool rules_cors_reflects(const struct obs_resp *r, const char *origin)
{
	char *acao = obs_header(r, "access-control-allow-origin");
	char *acac = obs_header(r, "access-control-allow-credentials");
	bool yes = acao && acac && !strcmp(acao, origin) && !strcmp(acac, "true");

	free(acao);
	free(acac);
	return yes;
}

/* One Cache-Control directive at *p ("name[=value]", value maybe quoted):
 * name and value copied lowercase (value as is), *p moved past its comma. */
static void next_directive(const char **p, char *name, size_t nlen, char *val, size_t vlen)
{
	const char *s = *p + strspn(*p, " \t,");
	size_t n = strcspn(s, "=, \t");

	snprintf(name, nlen, "%.*s", (int)n, s);
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	s += n;
	s += strspn(s, " \t");
	*val = '\0';
	if (*s == '=') {
		s++;
		s += strspn(s, " \t");
		n = *s == '"' ? strcspn(s + 1, "\"") + 2 : strcspn(s, ", \t");
		if (n > strlen(s)) /* an unclosed quote runs to the end */
			n = strlen(s);
		/* a quoted delta-seconds is read without its quotes (RFC 9111 1.2.2) */
		if (*s == '"' && n >= 2 && s[n - 1] == '"')
			snprintf(val, vlen, "%.*s", (int)n - 2, s + 1);
		else
			snprintf(val, vlen, "%.*s", (int)n, s);
		s += n;
	}
	*p = s + strcspn(s, ",");
}

/* A delta-seconds value above 0 (digits only; "0", "", "-1", "abc" are not). */
static bool positive_seconds(const char *v)
{
	return *v && strspn(v, "0123456789") == strlen(v) && strspn(v, "0") < strlen(v);
}

bool rules_cache_shared(const char *cc)
{
	char name[32], val[64];
	bool store = false, forbid = false;
	const char *p = cc;

	/* bounded: each step consumes at least one byte or stops at the end */
	while (p && *p && *(p + strspn(p, " \t,"))) {
		next_directive(&p, name, sizeof(name), val, sizeof(val));
		if (!strcmp(name, "no-store") || (!strcmp(name, "private") && !*val))
			forbid = true; /* private="Set-Cookie" keeps only that field private */
		else if (!strcmp(name, "public"))
			store = true;
		else if ((!strcmp(name, "max-age") || !strcmp(name, "s-maxage")) &&
			 positive_seconds(val))
			store = true;
	}
	return store && !forbid;
}

int rules_utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

static json_t *group_of(json_t *groups, const struct rules_hit *h)
{
	json_t *g = json_object_get(groups, h->rule);

	if (g)
		return g;
	g = json_pack("{s:s, s:s, s:s, s:s, s:[], s:[], s:[]}", "severity", h->severity,
		      "defaultAction", h->action, "title", h->title, "suffix", h->suffix, "ports",
		      "parts", "sites");
	json_object_set_new(groups, h->rule, g);
	return g;
}

void rules_group_add(json_t *groups, const struct rules_hit *h, json_t *evidence)
{
	json_t *g = group_of(groups, h), *parts = json_object_get(g, "parts"), *part = NULL, *x;
	size_t i;

	json_array_foreach(parts, i, x)
	{
		if (!strcmp(json_string_value(json_object_get(x, "what")), h->what))
			part = x;
	}
	if (!part) {
		part = json_pack("{s:s, s:[]}", "what", h->what, "ports");
		json_array_append_new(parts, part);
	}
	json_array_append_new(json_object_get(part, "ports"), json_integer(h->port));
	json_array_append_new(json_object_get(g, "ports"), json_integer(h->port));
	if (!json_is_object(evidence)) {
		json_decref(evidence);
		evidence = json_object();
	}
	json_object_set_new(evidence, "port", json_integer(h->port));
	json_array_append_new(json_object_get(g, "sites"), evidence);
}

/* Append to buf (size REASON_MAX); a reason that would not fit is cut. */
static void put(char *buf, size_t *off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off >= REASON_MAX - 1)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, REASON_MAX - *off, fmt, ap);
	va_end(ap);
	*off += w > 0 ? (size_t)w : 0;
	if (*off > REASON_MAX - 1)
		*off = REASON_MAX - 1;
}

/* "<title>: <what> on port 443; <what> on ports 8443, 9443<suffix>" */
static json_t *reason_of(const json_t *g)
{
	char buf[REASON_MAX] = "";
	size_t off = 0, i, k;
	const json_t *part, *port, *ports;

	put(buf, &off, "%s: ", json_string_value(json_object_get(g, "title")));
	json_array_foreach(json_object_get(g, "parts"), i, part)
	{
		ports = json_object_get(part, "ports");
		put(buf, &off, "%s%s on port%s", i ? "; " : "",
		    json_string_value(json_object_get(part, "what")),
		    json_array_size(ports) > 1 ? "s" : "");
		json_array_foreach(ports, k, port)
			put(buf, &off, "%s%ld", k ? ", " : " ", (long)json_integer_value(port));
	}
	put(buf, &off, "%s", json_string_value(json_object_get(g, "suffix")));
	return json_string(buf);
}

void rules_group_emit(const json_t *groups, json_t *added)
{
	const char *rule;
	json_t *g;

	json_object_foreach((json_t *)groups, rule, g)
	{
		json_t *f = json_pack("{s:s, s:O, s:O, s:b, s:O, s:o, s:{s:O}}", "rule", rule,
				      "severity", json_object_get(g, "severity"), "defaultAction",
				      json_object_get(g, "defaultAction"), "assetLevel", 1, "ports",
				      json_object_get(g, "ports"), "reason", reason_of(g),
				      "evidence", "sites", json_object_get(g, "sites"));
		json_array_append_new(added, f);
	}
}
