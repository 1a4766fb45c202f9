/* obs_csp.c - the Observatory's content-security-policy test (csp.js). */
#include "obs_int.h"

#include <stdlib.h>
#include <string.h>

#include "csp.h"
#include "html.h"

static const char *const broad[] = { "ftp:",       "http:",     "https:",      "*", "http://*",
				     "http://*.*", "https://*", "https://*.*", NULL };
static const char *const nonces[] = { "'sha256-", "'sha384-", "'sha512-", "'nonce-", NULL };

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static bool broad_or_inline(const char *s)
{
	return in_list(broad, s) || !strcmp(s, "'unsafe-inline'") || !strcmp(s, "data:");
}

static bool any(const struct csp_directive *d, bool (*pred)(const char *))
{
	for (size_t i = 0; d && i < d->nsrc; i++)
		if (pred(d->src[i]))
			return true;
	return false;
}

static bool is_broad(const char *s)
{
	return in_list(broad, s);
}

static bool is_nonce_hash(const char *s)
{
	for (size_t i = 0; nonces[i]; i++)
		if (!strncmp(s, nonces[i], strlen(nonces[i])))
			return true;
	return false;
}

static bool insecure_scheme(const char *s)
{
	return !strncmp(s, "http:", 5) || !strncmp(s, "ftp:", 4);
}

static bool starts_broad(const char *s)
{
	for (size_t i = 0; broad[i]; i++)
		if (!strncmp(s, broad[i], strlen(broad[i])))
			return true;
	return false;
}

/* The header values and <meta> values of the graded response. */
static void csp_sources(const struct obs_session *a, char **hdr, json_t **meta)
{
	char *type = obs_header(&a->final, "content-type");
	struct html_page page;

	*hdr = obs_header(&a->final, "content-security-policy");
	*meta = json_array();
	if (obs_is_html(type) && a->final.body_len) {
		html_scan(a->final.body, a->final.body_len, &page);
		json_decref(*meta);
		*meta = json_incref(page.meta_csp);
		html_page_clear(&page);
	}
	free(type);
}

struct cspctx {
	struct csp_policy all, hdr, meta;
	struct csp_directive star; /* a fresh {"*"} where a directive is absent */
};

static struct csp_directive *or_star(struct cspctx *c, struct csp_directive *d)
{
	return d ? d : &c->star;
}

/* The verdict over the combined policy; the first matching rule wins. */
static const char *judge(struct cspctx *c, bool https)
{
	struct csp_directive *script = or_star(c, csp_get(&c->all, "script-src")
							  ? csp_get(&c->all, "script-src")
							  : csp_get(&c->all, "default-src"));
	struct csp_directive *style = or_star(c, csp_get(&c->all, "style-src")
							 ? csp_get(&c->all, "style-src")
							 : csp_get(&c->all, "default-src"));
	struct csp_directive *object = or_star(c, csp_get(&c->all, "object-src")
							  ? csp_get(&c->all, "object-src")
							  : csp_get(&c->all, "default-src"));
	struct csp_directive *def;
	const char *result = NULL;
	bool active_insecure = false, passive_insecure = false;

	if (any(script, is_nonce_hash) && csp_has(script, "'unsafe-inline'"))
		csp_remove(script, "'unsafe-inline'");
	if (any(style, is_nonce_hash) && csp_has(style, "'unsafe-inline'"))
		csp_remove(style, "'unsafe-inline'");
	if (any(script, is_nonce_hash) && csp_has(script, "'strict-dynamic'")) {
		for (size_t i = script->nsrc; i-- > 0;) {
			const char *s = script->src[i];
			if (starts_broad(s) || !strcmp(s, "'self'") ||
			    !strcmp(s, "'unsafe-inline'"))
				csp_remove(script, s);
		}
	} else if (csp_has(script, "'strict-dynamic'")) {
		result = "csp-header-invalid";
	}
	/* Active sources: every directive but img-src, media-src and script-src, plus script. */
	for (size_t i = 0; i < c->all.n; i++) {
		const char *n = c->all.d[i].name;
		if (strcmp(n, "img-src") && strcmp(n, "media-src") && strcmp(n, "script-src"))
			active_insecure = active_insecure || any(&c->all.d[i], insecure_scheme);
	}
	active_insecure = active_insecure || any(script, insecure_scheme);
	def = csp_get(&c->all, "default-src");
	for (size_t k = 0; k < 2; k++) {
		struct csp_directive *d = csp_get(&c->all, k ? "media-src" : "img-src");
		passive_insecure = passive_insecure || any(d ? d : def, insecure_scheme);
	}
	if (!result && (any(script, broad_or_inline) || any(object, is_broad)))
		result = "csp-implemented-with-unsafe-inline";
	if (!result && https && active_insecure)
		result = "csp-implemented-with-insecure-scheme";
	if (!result && (csp_has(script, "'unsafe-eval'") || csp_has(style, "'unsafe-eval'")))
		result = "csp-implemented-with-unsafe-eval";
	if (!result && https && passive_insecure)
		result = "csp-implemented-with-insecure-scheme-in-passive-content-only";
	if (!result && any(style, broad_or_inline))
		result = "csp-implemented-with-unsafe-inline-in-style-src-only";
	def = csp_get(&c->all, "default-src");
	if (!result && def && def->nsrc == 1 && csp_has(def, "'none'"))
		result = "csp-implemented-with-no-unsafe-default-src-none";
	return result ? result : "csp-implemented-with-no-unsafe";
}

static json_t *policy_json(const struct csp_policy *p)
{
	json_t *o = json_object();

	for (size_t i = 0; i < p->n; i++) {
		json_t *a = json_array();
		for (size_t k = 0; k < p->d[i].nsrc; k++)
			json_array_append_new(a, json_string(p->d[i].src[k]));
		json_object_set_new(o, p->d[i].name, a);
	}
	return o;
}

json_t *obs_test_csp(const struct obs_input *in, json_t **data)
{
	const struct obs_session *a = obs_auto(in);
	static char star_src[] = "*";
	char *star_list[] = { star_src };
	struct cspctx c = { .star = { .name = star_src, .src = star_list, .nsrc = 1 } };
	const char **all = NULL;
	char *hdr = NULL, *ro;
	json_t *meta = NULL, *v, *out;
	size_t n = 0, i;
	const char *result;
	bool pass;

	if (data)
		*data = NULL;
	if (!a)
		return obs_result("csp-not-implemented", false);
	csp_sources(a, &hdr, &meta);
	all = calloc(json_array_size(meta) + 2, sizeof(*all));
	if (!all)
		abort();
	if (hdr)
		all[n++] = hdr;
	json_array_foreach(meta, i, v) all[n++] = json_string_value(v);
	if (csp_parse(all, n, false, &c.all) != 0) {
		out = obs_result("csp-header-invalid", false);
		goto done;
	}
	if (csp_parse((const char *const *)&hdr, hdr ? 1 : 0, false, &c.hdr) != 0)
		memset(&c.hdr, 0, sizeof(c.hdr));
	if (csp_parse(all + (hdr ? 1 : 0), n - (hdr ? 1 : 0), true, &c.meta) != 0)
		memset(&c.meta, 0, sizeof(c.meta));
	if (c.hdr.n + c.meta.n == 0) {
		ro = obs_header(&a->final, "content-security-policy-report-only");
		out = obs_result(ro ? "csp-not-implemented-but-reporting-enabled"
				    : "csp-not-implemented",
				 false);
		free(ro);
		goto done;
	}
	result = judge(&c, in->https.ok);
	pass = !strcmp(result, "csp-implemented-with-no-unsafe") ||
	       !strcmp(result, "csp-implemented-with-no-unsafe-default-src-none") ||
	       !strcmp(result, "csp-implemented-with-unsafe-inline-in-style-src-only") ||
	       !strcmp(result, "csp-implemented-with-insecure-scheme-in-passive-content-only");
	if (pass && c.all.duplicate_warning)
		result = "csp-implemented-but-duplicate-directives";
	out = obs_result(result, pass);
	json_object_set_new(out, "policy", policy_json(&c.all));
	/* frame-ancestors counts from the header only (x-frame-options reads it). */
	if (data && csp_get(&c.all, "frame-ancestors"))
		*data = json_true();
done:
	csp_policy_free(&c.all);
	csp_policy_free(&c.hdr);
	csp_policy_free(&c.meta);
	free(all);
	free(hdr);
	json_decref(meta);
	return out;
}
