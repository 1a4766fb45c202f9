/* obs_tests.c - the Observatory's header tests other than CSP and cookies:
 * strict-transport-security, x-content-type-options, x-frame-options,
 * referrer-policy, cross-origin-resource-policy, cross-origin-resource-sharing
 * and redirection (the analyzer/tests scripts). */
#include "obs_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#define SIX_MONTHS 15552000L

/* s[0..cap) trimmed and lowercased, a new string. */
static char *norm(const char *s, size_t cap)
{
	size_t n = strlen(s), b = 0;
	char *d;

	if (n > cap)
		n = cap;
	while (b < n && isspace((unsigned char)s[b]))
		b++;
	while (n > b && isspace((unsigned char)s[n - 1]))
		n--;
	d = malloc(n - b + 1);
	if (!d)
		abort();
	for (size_t i = b; i < n; i++)
		d[i - b] = (char)tolower((unsigned char)s[i]);
	d[n - b] = '\0';
	return d;
}

/* JavaScript parseInt(s, 10) on a bounded slice; *nan when no digits. */
static long js_parse_int(const char *s, bool *nan)
{
	long v = 0;
	int sign = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	*nan = !isdigit((unsigned char)*s);
	for (; isdigit((unsigned char)*s); s++)
		v = v < 100000000000L ? v * 10 + (*s - '0') : v;
	return sign * v;
}

json_t *obs_test_hsts(const struct obs_input *in)
{
	const struct obs_session *s = &in->https;
	const char *result = "hsts-not-implemented";
	char *h, *p, *save = NULL, *tok;
	bool have_age = false, nan = false, pass;
	long age = 0;

	if (!s->ok)
		return obs_result("hsts-not-implemented-no-https", false);
	if (!s->verified)
		return obs_result("hsts-invalid-cert", false);
	h = obs_header(&s->final, "strict-transport-security");
	if (h) {
		p = norm(h, 1024);
		for (tok = strtok_r(p, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			char *t = norm(tok, strlen(tok));
			if (!strncmp(t, "max-age=", 8)) {
				char slice[121];
				size_t n = strlen(t + 8);
				n = n > 120 ? 120 : n;
				memcpy(slice, t + 8, n);
				slice[n] = '\0';
				age = js_parse_int(slice, &nan);
				have_age = true;
			}
			free(t);
		}
		if (strchr(h, ',') || !have_age)
			result = "hsts-header-invalid";
		else if (nan)
			/* parseInt gives NaN, and NaN < SIX_MONTHS is false in JavaScript. */
			result = "hsts-implemented-max-age-at-least-six-months";
		else
			result = age < SIX_MONTHS ? "hsts-implemented-max-age-less-than-six-months"
						  : "hsts-implemented-max-age-at-least-six-months";
		free(p);
		free(h);
	}
	/* The preload list is not consulted (empty, as in the agreement test). */
	pass = !strcmp(result, "hsts-implemented-max-age-at-least-six-months");
	return obs_result(result, pass);
}

json_t *obs_test_xcto(const struct obs_input *in)
{
	const struct obs_session *a = obs_auto(in);
	const char *result = "x-content-type-options-not-implemented";
	char *h = a ? obs_header(&a->final, "x-content-type-options") : NULL;

	if (h && *h) {
		char *v = norm(h, 256);
		result = !strcmp(v, "nosniff") ? "x-content-type-options-nosniff"
					       : "x-content-type-options-header-invalid";
		free(v);
	}
	free(h);
	return obs_result(result, !strcmp(result, "x-content-type-options-nosniff"));
}

json_t *obs_test_xfo(const struct obs_input *in)
{
	const struct obs_session *a = obs_auto(in);
	const char *result = "x-frame-options-not-implemented";
	char *h = a ? obs_header(&a->final, "x-frame-options") : NULL;
	json_t *csp, *fa = NULL;

	if (!a)
		return obs_result(result, false);
	if (h && *h) {
		char *v = norm(h, 1024);
		if (!strcmp(v, "deny") || !strcmp(v, "sameorigin"))
			result = "x-frame-options-sameorigin-or-deny";
		else if (!strncmp(v, "allow-from", 10))
			result = "x-frame-options-allow-from-origin";
		else
			result = "x-frame-options-header-invalid";
		free(v);
	}
	free(h);
	csp = obs_test_csp(in, &fa);
	if (fa)
		result = "x-frame-options-implemented-via-csp";
	json_decref(csp);
	json_decref(fa);
	return obs_result(result, strcmp(result, "x-frame-options-not-implemented") &&
					  strcmp(result, "x-frame-options-header-invalid"));
}

static int policy_rank(const char *v)
{
	static const char *const good[] = { "no-referrer", "same-origin", "strict-origin",
					    "strict-origin-when-cross-origin" };
	static const char *const bad[] = { "origin", "origin-when-cross-origin", "unsafe-url",
					   "no-referrer-when-downgrade" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(v, good[i]))
			return 1;
		if (!strcmp(v, bad[i]))
			return -1;
	}
	return 0;
}

json_t *obs_test_referrer(const struct obs_input *in)
{
	const struct obs_session *a = obs_auto(in);
	char *h, *data, *save = NULL, *tok, *type;
	struct html_page page = { 0 };
	int last = 0;
	const char *result;
	size_t len;

	if (!a)
		return obs_result("referrer-policy-not-implemented", false);
	h = obs_header(&a->final, "referrer-policy");
	type = obs_header(&a->final, "content-type");
	if (obs_is_html(type) && a->final.body_len)
		html_scan(a->final.body, a->final.body_len, &page);
	free(type);
	if (!h && !page.meta_referrer) {
		html_page_clear(&page);
		return obs_result("referrer-policy-not-implemented", true);
	}
	len = (h ? strlen(h) : 0) + (page.meta_referrer ? strlen(page.meta_referrer) : 0) + 3;
	data = malloc(len);
	if (!data)
		abort();
	snprintf(data, len, "%s%s%s", h ? h : "", h && page.meta_referrer ? ", " : "",
		 page.meta_referrer ? page.meta_referrer : "");
	/* The last valid token wins (a meta tag comes after the header). */
	for (tok = strtok_r(data, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = norm(tok, strlen(tok));
		if (policy_rank(v))
			last = policy_rank(v);
		free(v);
	}
	result = last > 0   ? "referrer-policy-private"
		 : last < 0 ? "referrer-policy-unsafe"
			    : "referrer-policy-header-invalid";
	free(data);
	free(h);
	html_page_clear(&page);
	return obs_result(result, last > 0);
}

json_t *obs_test_corp(const struct obs_input *in)
{
	const struct obs_session *a = obs_auto(in);
	const char *result = "corp-not-implemented";
	char *h = a ? obs_header(&a->final, "cross-origin-resource-policy") : NULL;

	if (h && *h) {
		char *v = norm(h, 256);
		if (!*v)
			result = "corp-not-implemented";
		else if (!strcmp(v, "same-site"))
			result = "corp-implemented-with-same-site";
		else if (!strcmp(v, "same-origin"))
			result = "corp-implemented-with-same-origin";
		else if (!strcmp(v, "cross-origin"))
			result = "corp-implemented-with-cross-origin";
		else
			result = "corp-header-invalid";
		free(v);
	}
	free(h);
	return obs_result(result, strcmp(result, "corp-header-invalid"));
}

json_t *obs_test_cors(const struct obs_input *in)
{
	const char *result = "cross-origin-resource-sharing-not-implemented";
	char *acao = in->cors ? obs_header(in->cors, "access-control-allow-origin") : NULL;
	json_t *out;

	if (acao && *acao) {
		char *v = norm(acao, 256);
		/* The Observatory compares with the Origin it sent as read back from
		 * the request object, which axios does not expose there: a reflected
		 * Origin with credentials is never "universal" in 1.4.x. */
		result = !strcmp(v, "*")
				 ? "cross-origin-resource-sharing-implemented-with-public-access"
				 : "cross-origin-resource-sharing-implemented-with-restricted-"
				   "access";
		free(v);
	}
	out = obs_result(
		result,
		strcmp(result, "cross-origin-resource-sharing-implemented-with-universal-access"));
	if (acao)
		json_object_set_new(out, "data", json_string(acao));
	free(acao);
	return out;
}

json_t *obs_test_redirection(const struct obs_input *in)
{
	const struct obs_session *s = &in->http;
	char s0[16], s1[16], sl[16], h0[256], h1[256];
	const char *result;
	json_t *route, *out;

	if (!s->ok)
		return obs_result("redirection-not-needed-no-http", true);
	if (!s->verified)
		return obs_result("redirection-invalid-cert", false);
	route = json_array();
	for (size_t i = 0; i < s->nhops; i++)
		json_array_append_new(route, json_string(s->hops[i].url));
	if (s->nhops <= 1) {
		result = "redirection-missing";
	} else if (obs_url_parts(s->hops[s->nhops - 1].url, sl, sizeof(sl), h1, sizeof(h1)) ||
		   strcmp(sl, "https")) {
		result = "redirection-not-to-https";
	} else if (obs_url_parts(s->hops[1].url, s1, sizeof(s1), h1, sizeof(h1)) == 0 &&
		   !strcmp(s1, "http")) {
		result = "redirection-not-to-https-on-initial-redirection";
	} else if (obs_url_parts(s->hops[0].url, s0, sizeof(s0), h0, sizeof(h0)) == 0 &&
		   !strcmp(s0, "http") && !strcmp(s1, "https") && strcmp(h0, h1)) {
		result = "redirection-off-host-from-http";
	} else {
		result = "redirection-to-https";
	}
	out = obs_result(result, !strcmp(result, "redirection-to-https"));
	json_object_set_new(out, "route", route);
	return out;
}
