/* html.c - tag scanning for <meta> and <script> (see html.h). */
#include "html.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SCRIPTS 512

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Parse attributes from p to the closing '>'; keep the wanted ones (first
 * occurrence wins, as in HTML). Returns the position after '>'. */
static const char *parse_attrs(const char *p, const char *end, const char *const *want,
			       size_t nwant, char **vals)
{
	while (p < end && *p != '>') {
		const char *n, *v = NULL;
		size_t nl, vl = 0;

		while (p < end && (is_ws(*p) || *p == '/'))
			p++;
		n = p;
		while (p < end && !is_ws(*p) && *p != '=' && *p != '>' && *p != '/')
			p++;
		nl = (size_t)(p - n);
		while (p < end && is_ws(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_ws(*p))
				p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;
				v = p;
				while (p < end && *p != q)
					p++;
				vl = (size_t)(p - v);
				if (p < end)
					p++;
			} else {
				v = p;
				while (p < end && !is_ws(*p) && *p != '>')
					p++;
				vl = (size_t)(p - v);
			}
		}
		if (!nl) {
			if (p < end && *p != '>')
				p++;
			continue;
		}
		for (size_t i = 0; i < nwant; i++)
			if (strlen(want[i]) == nl && !strncasecmp(n, want[i], nl) && !vals[i])
				vals[i] = dupn(v ? v : "", v ? vl : 0);
	}
	return p < end ? p + 1 : end;
}

static char *lower_trim(const char *s)
{
	size_t b = 0, e = strlen(s);
	char *d;

	while (b < e && is_ws(s[b]))
		b++;
	while (e > b && is_ws(s[e - 1]))
		e--;
	d = dupn(s + b, e - b);
	for (char *c = d; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return d;
}

static void on_meta(struct html_page *out, char **v)
{
	/* v: http-equiv, content, name */
	if (v[0] && v[1]) {
		char *he = lower_trim(v[0]);
		if (!strcmp(he, "content-security-policy") && *v[1])
			json_array_append_new(out->meta_csp, json_string(v[1]));
		free(he);
	} else if (v[2]) {
		char *nm = lower_trim(v[2]);
		if (!strcmp(nm, "referrer") && v[1] && *v[1]) {
			free(out->meta_referrer);
			out->meta_referrer = dupn(v[1], strlen(v[1]));
		}
		free(nm);
	}
}

/* Skip a script's body: to just after </script>. */
static const char *skip_script_body(const char *p, const char *end)
{
	for (; p + 9 <= end; p++)
		if (!strncasecmp(p, "</script", 8) && (is_ws(p[8]) || p[8] == '>' || p[8] == '/'))
			break;
	while (p < end && *p != '>')
		p++;
	return p < end ? p + 1 : end;
}

static bool tag_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - p) > n && !strncasecmp(p, name, n) &&
	       (is_ws(p[n]) || p[n] == '>' || p[n] == '/');
}

void html_scan(const char *body, size_t len, struct html_page *out)
{
	static const char *const meta_want[] = { "http-equiv", "content", "name" };
	static const char *const script_want[] = { "src", "integrity" };
	const char *p = body, *end = body + len;

	memset(out, 0, sizeof(*out));
	out->meta_csp = json_array();
	while (p && p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		char *v[3] = { NULL, NULL, NULL };

		if (!lt)
			break;
		p = lt + 1;
		if ((size_t)(end - p) >= 3 && !strncmp(p, "!--", 3)) {
			const char *c = p + 3;
			while (c + 3 <= end && strncmp(c, "-->", 3))
				c++;
			p = c + 3 <= end ? c + 3 : end;
		} else if (tag_is(p, end, "meta")) {
			p = parse_attrs(p + 4, end, meta_want, 3, v);
			on_meta(out, v);
		} else if (tag_is(p, end, "script")) {
			p = parse_attrs(p + 6, end, script_want, 2, v);
			if (out->nscripts < MAX_SCRIPTS) {
				struct html_script *s;
				out->scripts = realloc(out->scripts,
						       (out->nscripts + 1) * sizeof(*out->scripts));
				if (!out->scripts)
					abort();
				s = &out->scripts[out->nscripts++];
				s->src = v[0];
				s->integrity = v[1];
				v[0] = v[1] = NULL;
			}
			p = skip_script_body(p, end);
		}
		for (size_t i = 0; i < 3; i++)
			free(v[i]);
	}
}

void html_page_clear(struct html_page *p)
{
	for (size_t i = 0; i < p->nscripts; i++) {
		free(p->scripts[i].src);
		free(p->scripts[i].integrity);
	}
	free(p->scripts);
	free(p->meta_referrer);
	json_decref(p->meta_csp);
	memset(p, 0, sizeof(*p));
}
