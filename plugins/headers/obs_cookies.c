/* obs_cookies.c - the Observatory's cookies and subresource-integrity tests
 * (cookies.js, subresource-integrity.js). */
#include "obs_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"

/* Worst first is last: onlyIfWorse keeps the later entry of this order. */
static const char *const cookie_order[] = {
	"cookies-without-secure-flag-but-protected-by-hsts",
	"cookies-without-secure-flag",
	"cookies-session-without-secure-flag-but-protected-by-hsts",
	"cookies-samesite-flag-invalid",
	"cookies-anticsrf-without-samesite-flag",
	"cookies-session-without-httponly-flag",
	"cookies-session-without-secure-flag",
	NULL,
};

static int rank(const char *const *order, const char *r)
{
	for (int i = 0; order[i]; i++)
		if (!strcmp(order[i], r))
			return i;
	return -1;
}

static const char *worse(const char *const *order, const char *now, const char *cand)
{
	if (!now || rank(order, cand) > rank(order, now))
		return cand;
	return now;
}

/* containsInvalidSameSiteCookie: a SameSite attribute without a valid value. */
static bool bad_samesite(const char *raw)
{
	const char *p = raw;

	while (p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p), b = 0, e;
		char val[16];

		while (b < len && isspace((unsigned char)p[b]))
			b++;
		eq = memchr(p + b, '=', len - b);
		e = eq ? (size_t)(eq - p) : len;
		while (e > b && isspace((unsigned char)p[e - 1]))
			e--;
		if (e - b == 8 && !strncasecmp(p + b, "samesite", 8)) {
			/* split("=") keeps only what precedes a second '='. */
			const char *v = eq ? eq + 1 : NULL;
			const char *vend = end ? end : p + len;
			const char *eq2 = v ? memchr(v, '=', (size_t)(vend - v)) : NULL;
			size_t vl, vb = 0;
			if (!v || v == (eq2 ? eq2 : vend))
				return true;
			vl = (size_t)((eq2 ? eq2 : vend) - v);
			while (vb < vl && isspace((unsigned char)v[vb]))
				vb++;
			while (vl > vb && isspace((unsigned char)v[vl - 1]))
				vl--;
			if (vl - vb >= sizeof(val))
				return true;
			memcpy(val, v + vb, vl - vb);
			val[vl - vb] = '\0';
			if (strcasecmp(val, "lax") && strcasecmp(val, "strict") &&
			    strcasecmp(val, "none"))
				return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool contains_ci(const char *s, const char *needle)
{
	return strcasestr(s, needle) != NULL;
}

json_t *obs_test_cookies(const struct obs_input *in)
{
	const struct obs_session *a = obs_auto(in);
	json_t *hsts = obs_test_hsts(in), *raw, *v, *out, *data;
	bool protected = json_is_true(json_object_get(hsts, "pass")), missing_ss = false;
	const char *result = NULL;
	size_t i, n = 0;

	json_decref(hsts);
	if (a) {
		raw = obs_header_list(&a->final, "set-cookie");
		json_array_foreach(raw, i, v) if (bad_samesite(json_string_value(v)))
			result = worse(cookie_order, result, "cookies-samesite-flag-invalid");
		json_decref(raw);
	}
	data = json_object();
	for (i = 0; a && i < a->njar; i++) {
		const struct obs_cookie *c = &a->jar[i];
		bool session = contains_ci(c->key, "login") || contains_ci(c->key, "sess");
		bool csrf = contains_ci(c->key, "csrf");

		if (!strcmp(c->key, "heroku-session-affinity"))
			continue;
		n++;
		if (!c->secure && !strcmp(c->samesite, "none"))
			result = worse(cookie_order, result, "cookies-samesite-flag-invalid");
		if (!c->secure)
			result = worse(cookie_order, result,
				       protected
					       ? "cookies-without-secure-flag-but-protected-by-hsts"
					       : "cookies-without-secure-flag");
		if (csrf && !c->samesite[0])
			result = worse(cookie_order, result,
				       "cookies-anticsrf-without-samesite-flag");
		if (session && !c->secure)
			result = worse(cookie_order, result,
				       protected ? "cookies-session-without-secure-flag-but-"
						   "protected-by-hsts"
						 : "cookies-session-without-secure-flag");
		if (session && !c->httponly)
			result = worse(cookie_order, result,
				       "cookies-session-without-httponly-flag");
		missing_ss = missing_ss || !c->samesite[0];
		json_object_set_new(data, c->key,
				    json_pack("{s:b, s:b, s:s?}", "secure", c->secure, "httponly",
					      c->httponly, "samesite",
					      c->samesite[0] ? c->samesite : NULL));
	}
	if (!n)
		result = "cookies-not-found";
	else if (!result)
		result = missing_ss ? "cookies-secure-with-httponly-sessions"
				    : "cookies-secure-with-httponly-sessions-and-samesite";
	out = obs_result(
		result,
		!strcmp(result, "cookies-not-found") ||
			!strcmp(result, "cookies-secure-with-httponly-sessions-and-samesite") ||
			!strcmp(result, "cookies-secure-with-httponly-sessions"));
	if (n)
		json_object_set_new(out, "data", data);
	else
		json_decref(data);
	return out;
}

static const char *const sri_order[] = {
	"sri-implemented-and-all-scripts-loaded-securely",
	"sri-implemented-and-external-scripts-loaded-securely",
	"sri-implemented-but-external-scripts-not-loaded-securely",
	"sri-not-implemented-but-external-scripts-loaded-securely",
	"sri-not-implemented-and-external-scripts-not-loaded-securely",
	"sri-not-implemented-response-not-html",
	NULL,
};

/* One <script src>: what it does to the result (see subresource-integrity.js). */
static const char *judge_script(const struct obs_input *in, const struct html_script *s,
				const char *result, bool *foreign)
{
	char scheme[16], host[256];
	bool rel_proto = s->src[0] == '/' && s->src[1] == '/' && s->src[2] && s->src[2] != '/';
	bool full = !strncasecmp(s->src, "http://", 7) || !strncasecmp(s->src, "https://", 8);
	bool rel_origin = !rel_proto && !full, same_sld = true, secure_origin, secure_scheme;
	bool integrity = s->integrity && *s->integrity;

	if (full) {
		char *d1 = obs_url_parts(s->src, scheme, sizeof(scheme), host, sizeof(host)) == 0
				   ? obs_domain(host)
				   : NULL;
		char *d2 = obs_domain(in->hostname);
		same_sld = (d1 && d2 && !strcmp(d1, d2)) || (!d1 && !d2);
		free(d1);
		free(d2);
	}
	secure_origin = rel_origin || (same_sld && !rel_proto);
	if (!secure_origin)
		*foreign = true;
	secure_scheme = (full && !strncasecmp(s->src, "https:", 6)) || (rel_origin && in->https.ok);
	if (secure_origin)
		return integrity && secure_scheme && !result
			       ? "sri-implemented-and-all-scripts-loaded-securely"
			       : result;
	if (integrity && !secure_scheme)
		return worse(sri_order, result,
			     "sri-implemented-but-external-scripts-not-loaded-securely");
	if (!integrity && secure_scheme)
		return worse(sri_order, result,
			     "sri-not-implemented-but-external-scripts-loaded-securely");
	if (!integrity)
		return worse(sri_order, result,
			     "sri-not-implemented-and-external-scripts-not-loaded-securely");
	return result;
}

json_t *obs_test_sri(const struct obs_input *in)
{
	const struct obs_session *a = obs_auto(in);
	const char *result = NULL;
	struct html_page page;
	bool foreign = false, pass;
	char *type;

	if (!a)
		return obs_result("sri-not-implemented-but-no-scripts-loaded", false);
	type = obs_header(&a->final, "content-type");
	if (!obs_is_html(type)) {
		free(type);
		return obs_result("sri-not-implemented-response-not-html", true);
	}
	free(type);
	html_scan(a->final.body, a->final.body_len, &page);
	for (size_t i = 0; i < page.nscripts; i++)
		if (page.scripts[i].src && *page.scripts[i].src)
			result = judge_script(in, &page.scripts[i], result, &foreign);
	if (!page.nscripts)
		result = "sri-not-implemented-but-no-scripts-loaded";
	else if (!result)
		result = foreign ? "sri-implemented-and-external-scripts-loaded-securely"
				 : "sri-not-implemented-but-all-scripts-loaded-from-secure-origin";
	html_page_clear(&page);
	pass = !strcmp(result, "sri-implemented-and-all-scripts-loaded-securely") ||
	       !strcmp(result, "sri-implemented-and-external-scripts-loaded-securely") ||
	       !strcmp(result, "sri-not-implemented-response-not-html") ||
	       !strcmp(result, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin") ||
	       !strcmp(result, "sri-not-implemented-but-no-scripts-loaded");
	return obs_result(result, pass);
}
