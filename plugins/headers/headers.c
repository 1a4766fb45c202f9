/* headers.c - enricher: the HTTP security headers of every web port of the
 * finding's asset, graded as the MDN HTTP Observatory grades a site, plus
 * the headers-* findings that follow (the Observatory's failing tests and
 * portgate's own CORS and Cache-Control rules), one per asset and rule
 * listing the ports. Ports 80 and 443 of one asset are one site (the
 * Observatory's http:// and https:// of a host name); any other HTTP or
 * HTTPS port is a site of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <portgate/plugin.h>

#include "common/clock.h"
#include "common/trust.h"
#include "fetch.h"
#include "obs.h"
#include "rules.h"

#define MAX_SITES       16
#define DEFAULT_CALL_MS 30000

struct headers_state {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	struct pg_trust trust; /* its caFile, else the settings' caFile */
	const char *auth_tag, *min_grade;
};

static const char *const grades[] = { "A+", "A",  "A-", "B+", "B",  "B-", "C+",
				      "C",  "C-", "D+", "D",  "D-", "F",  NULL };

/* The typed table (ABI 1.3): the host checks minGrade against the grades at load, so
 * `validate --config` and `check --dry-run` refuse a bad one without calling create(). */
static const struct pg_option_spec headers_options[] = {
	PG_OPTION("caFile", PG_OPT_STRING, NULL, 0,
		  "PEM trust store for https:// (default: the system store)"),
	PG_OPTION(
		"authTag", PG_OPT_STRING, "auth", 0,
		"asset tag of authentication surfaces: failing HSTS, CSP or frame protection fail"),
	PG_OPTION_ENUM("minGrade", NULL, 0,
		       "headers-grade-below when a site grades under this (A+, A, A-, B+, ... F)",
		       grades),
	PG_OPTION_END,
};

static int grade_rank(const char *g)
{
	for (int i = 0; g && grades[i]; i++)
		if (!strcmp(grades[i], g))
			return i;
	return -1;
}

static int headers_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct headers_state *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->ctx = ctx;
	s->host = host;
	s->trust = pg_trust_get(host, ctx, "caFile");
	s->auth_tag = host->opt_string(ctx, "authTag");
	s->min_grade = host->opt_string(ctx, "minGrade");
	if (s->min_grade && grade_rank(s->min_grade) < 0) {
		host->error(ctx,
			    "minGrade: expected one of A+, A, A-, B+, B, B-, C+, C, C-, D+, D, "
			    "D-, F");
		free(s);
		return PG_PLUGIN_FAIL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		host->error(ctx, "curl_global_init failed");
		free(s);
		return PG_PLUGIN_FAIL;
	}
	*state = s;
	return PG_PLUGIN_OK;
}

static void headers_destroy(void *state)
{
	free(state);
}

static uint64_t call_deadline(const struct headers_state *s)
{
	long left = DEFAULT_CALL_MS;

	if (PG_HOST_HAS(s->host, time_left_ms))
		left = s->host->time_left_ms(s->ctx);
	return pg_clock_deadline_ms(left);
}

/* A web port: 1 plain HTTP, 2 HTTPS, 0 neither. */
static int web_kind(const json_t *p)
{
	const char *svc = json_string_value(json_object_get(p, "service"));
	bool tls = json_is_true(json_object_get(p, "speaksTls")) ||
		   json_is_string(json_object_get(p, "tlsVersion"));
	bool http = json_is_object(json_object_get(p, "http")) ||
		    (svc && (!strcmp(svc, "http") || !strcmp(svc, "https")));

	if (!http)
		return 0;
	return tls || (svc && !strcmp(svc, "https")) ? 2 : 1;
}

struct site {
	int http_port, https_port; /* 0: none */
};

/* The asset's sites: 80 + 443 together, every other web port alone. */
static size_t plan_sites(const json_t *ports, struct site *out)
{
	int p80 = 0, p443 = 0;
	size_t n = 0, i;
	const json_t *p;

	json_array_foreach(ports, i, p)
	{
		int port = (int)json_integer_value(json_object_get(p, "port")), k = web_kind(p);
		p80 |= port == 80 && k == 1;
		p443 |= port == 443 && k == 2;
	}
	if (p80 && p443)
		out[n++] = (struct site){ 80, 443 };
	json_array_foreach(ports, i, p)
	{
		int port = (int)json_integer_value(json_object_get(p, "port")), k = web_kind(p);
		if (!k || n >= MAX_SITES || (p80 && p443 && (port == 80 || port == 443)))
			continue;
		out[n++] = k == 1 ? (struct site){ port, 0 } : (struct site){ 0, port };
	}
	return n;
}

static char *site_url(const char *scheme, const char *target, int port, int def)
{
	char buf[512];
	bool v6 = strchr(target, ':') != NULL;

	if (port == def)
		snprintf(buf, sizeof(buf), "%s://%s%s%s/", scheme, v6 ? "[" : "", target,
			 v6 ? "]" : "");
	else
		snprintf(buf, sizeof(buf), "%s://%s%s%s:%d/", scheme, v6 ? "[" : "", target,
			 v6 ? "]" : "", port);
	return strdup(buf);
}

static json_t *session_json(const struct obs_session *s)
{
	json_t *hops = json_array();

	for (size_t i = 0; i < s->nhops; i++)
		json_array_append_new(hops, json_pack("{s:s, s:i}", "url", s->hops[i].url, "status",
						      (int)s->hops[i].status));
	return json_pack("{s:s, s:b, s:b, s:o}", "url", s->url ? s->url : "", "responded", s->ok,
			 "verified", s->verified, "redirects", hops);
}

static bool has_tag(const json_t *finding, const char *tag)
{
	const json_t *tags = json_object_get(json_object_get(finding, "assetContext"), "tags"), *t;
	size_t i;

	json_array_foreach(tags, i, t) if (tag && !strcmp(json_string_value(t), tag)) return true;
	return false;
}

static bool auth_test(const char *name)
{
	return !strcmp(name, "strict-transport-security") ||
	       !strcmp(name, "content-security-policy") || !strcmp(name, "x-frame-options");
}

#define AUTH_SUFFIX " (authentication surface)"

/* headers-<test> for every failing test; headers-grade-below under minGrade. */
static void site_findings(const struct headers_state *s, bool auth, const json_t *graded, int port,
			  json_t *groups)
{
	const char *grade = json_string_value(json_object_get(graded, "grade")), *name;
	char rule[80], what[160];
	json_t *t;

	json_object_foreach(json_object_get(graded, "tests"), name, t)
	{
		bool hard = auth && auth_test(name);
		if (json_is_true(json_object_get(t, "pass")))
			continue;
		snprintf(rule, sizeof(rule), "headers-%s", name);
		snprintf(what, sizeof(what), "%s (score %+d)",
			 json_string_value(json_object_get(t, "result")),
			 (int)json_integer_value(json_object_get(t, "scoreModifier")));
		rules_group_add(groups,
				&(struct rules_hit){ rule, hard ? "high" : "medium",
						     hard ? "fail" : "warn", name, what,
						     hard ? AUTH_SUFFIX : "", port },
				json_deep_copy(t));
	}
	if (s->min_grade && grade && grade_rank(grade) > grade_rank(s->min_grade)) {
		char title[64];
		snprintf(title, sizeof(title), "HTTP headers grade below %s", s->min_grade);
		snprintf(what, sizeof(what), "%s (score %d)", grade,
			 (int)json_integer_value(json_object_get(graded, "score")));
		rules_group_add(groups,
				&(struct rules_hit){ "headers-grade-below", "medium", "warn", title,
						     what, "", port },
				json_pack("{s:s, s:s, s:O}", "grade", grade, "minGrade",
					  s->min_grade, "score", json_object_get(graded, "score")));
	}
}

/* portgate's CORS rule: the made-up origin comes back with credentials. The
 * Observatory grades this "restricted access"; its grade is left as it is. */
static void cors_rule(struct fetch_ctx *f, bool auth, const struct obs_session *graded, int port,
		      json_t *site, json_t *groups)
{
	struct obs_resp probe = { 0 };
	bool reflects;

	if (fetch_origin_probe(f, graded, RULES_PROBE_ORIGIN, &probe) != 0)
		return;
	reflects = rules_cors_reflects(&probe, RULES_PROBE_ORIGIN);
	json_object_set_new(site, "corsReflectsOrigin", json_boolean(reflects));
	if (reflects)
		rules_group_add(
			groups,
			&(struct rules_hit){ "headers-cors-reflects-origin", "high",
					     auth ? "fail" : "warn", "CORS",
					     "any Origin reflected with credentials allowed",
					     auth ? AUTH_SUFFIX : "", port },
			json_pack("{s:s, s:s, s:s}", "origin", RULES_PROBE_ORIGIN,
				  "accessControlAllowOrigin", RULES_PROBE_ORIGIN,
				  "accessControlAllowCredentials", "true"));
	obs_resp_clear(&probe);
}

#define CC_QUOTE_MAX 120 /* bytes of Cache-Control quoted in a reason */

/* portgate's Cache-Control rule: an authentication surface a shared cache may
 * store (RFC 9111) can hand one user's page to the next. */
static void cache_rule(bool auth, const struct obs_session *graded, int port, json_t *site,
		       json_t *groups)
{
	char *cc = obs_header(&graded->final, "cache-control"), what[160];
	bool shared = rules_cache_shared(cc);

	if (cc)
		json_object_set_new(site, "cacheControl", json_string(cc));
	json_object_set_new(site, "sharedCacheable", json_boolean(shared));
	if (shared && auth) {
		snprintf(what, sizeof(what), "%.*s (shared caches may store it)",
			 rules_utf8_prefix(cc, CC_QUOTE_MAX), cc);
		rules_group_add(groups,
				&(struct rules_hit){ "headers-cache-public-auth", "high", "fail",
						     "Cache-Control", what, AUTH_SUFFIX, port },
				json_pack("{s:s}", "cacheControl", cc));
	}
	free(cc);
}

static json_t *grade_site(const struct headers_state *s, struct fetch_ctx *f, bool auth,
			  struct site st, json_t *groups)
{
	struct obs_input in = { .hostname = f->target };
	struct obs_resp cors = { 0 };
	json_t *out = json_object(), *graded;
	int port = st.https_port ? st.https_port : st.http_port;
	char *u;

	if (st.http_port) {
		u = site_url("http", f->target, st.http_port, 80);
		fetch_session(f, u, &in.http);
		free(u);
		json_object_set_new(out, "httpPort", json_integer(st.http_port));
		json_object_set_new(out, "http", session_json(&in.http));
	}
	if (st.https_port) {
		u = site_url("https", f->target, st.https_port, 443);
		fetch_session(f, u, &in.https);
		free(u);
		json_object_set_new(out, "httpsPort", json_integer(st.https_port));
		json_object_set_new(out, "https", session_json(&in.https));
	}
	if (obs_auto(&in) && fetch_cors(f, obs_auto(&in), &cors) == 0)
		in.cors = &cors;
	graded = obs_grade(&in);
	json_object_update(out, graded);
	if (!json_object_get(graded, "error")) {
		site_findings(s, auth, graded, port, groups);
		cors_rule(f, auth, obs_auto(&in), port, out, groups);
		cache_rule(auth, obs_auto(&in), port, out, groups);
	}
	json_decref(graded);
	obs_resp_clear(&cors);
	obs_session_clear(&in.http);
	obs_session_clear(&in.https);
	return out;
}

/* One message line per site: its grade and the tests it fails (test names are
 * the Observatory's fixed ids, never text from the site). */
static void site_line(json_t *out, const json_t *site)
{
	const json_t *port = json_object_get(site, "httpsPort"), *t;
	const char *grade = json_string_value(json_object_get(site, "grade")), *name;
	char line[512];
	size_t n;

	if (!port)
		port = json_object_get(site, "httpPort");
	if (!grade) {
		snprintf(line, sizeof(line), "%lld/tcp: not graded (%.200s)",
			 (long long)json_integer_value(port),
			 json_string_value(json_object_get(site, "error"))
				 ? json_string_value(json_object_get(site, "error"))
				 : "no answer");
		pg_message_line(out, "Headers", line);
		return;
	}
	n = (size_t)snprintf(line, sizeof(line), "%lld/tcp: grade %s (score %lld)",
			     (long long)json_integer_value(port), grade,
			     (long long)json_integer_value(json_object_get(site, "score")));
	json_object_foreach(json_object_get(site, "tests"), name, t)
	{
		if (json_is_true(json_object_get(t, "pass")) || n >= sizeof(line))
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
				      strstr(line, ", failing: ") ? ", " : ", failing: ", name);
	}
	if (n < sizeof(line))
		pg_message_line(out, "Headers", line);
}

static int headers_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct headers_state *s = state;
	struct fetch_ctx f = { .ctx = s->ctx,
			       .host = s->host,
			       .ca_file = pg_trust_curl_file(&s->trust) };
	struct site sites[MAX_SITES];
	json_t *list = json_array(), *groups = json_object();
	bool auth = has_tag(finding, s->auth_tag);
	size_t n;

	f.target = json_string_value(json_object_get(finding, "target"));
	f.ip = json_string_value(json_object_get(finding, "ip"));
	if (!f.ip || !f.target) {
		json_decref(list);
		json_decref(groups);
		json_object_set_new(out, "skipped", json_string("finding has no scanned address"));
		return PG_PLUGIN_OK;
	}
	n = plan_sites(json_object_get(finding, "openPorts"), sites);
	f.deadline_ms = call_deadline(s);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, grade_site(s, &f, auth, sites[i], groups));
	rules_group_emit(groups, new_findings); /* one per rule, listing its ports */
	json_decref(groups);
	json_object_set_new(out, "target", json_string(f.target));
	json_object_set_new(out, "sites", list);
	for (size_t i = 0; i < n && i < 4; i++) /* the host keeps 4 lines per enricher */
		site_line(out, json_array_get(list, i));
	return PG_PLUGIN_OK;
}

/* headers-<test>: one of the Observatory's ten tests (obs_grade.c) fails; extra says
 * what changes on an authentication surface (auth_test). */
#define OBS_RULE(test, extra)                           \
	PG_RULE_SPEC("headers-" test, "warn", "medium", \
		     "The Observatory's " test " test fails" extra)
#define AUTH_HARD " (fail, high on an authentication surface)"

/* site_findings, cors_rule and cache_rule's rules (ABI 1.4), with the actions off an
 * authentication surface (authTag). */
static const struct pg_rule_spec rules[] = {
	OBS_RULE("content-security-policy", AUTH_HARD),
	OBS_RULE("cookies", ""),
	OBS_RULE("cross-origin-resource-sharing", ""),
	OBS_RULE("redirection", ""),
	OBS_RULE("referrer-policy", ""),
	OBS_RULE("strict-transport-security", AUTH_HARD),
	OBS_RULE("subresource-integrity", ""),
	OBS_RULE("x-content-type-options", ""),
	OBS_RULE("x-frame-options", AUTH_HARD),
	OBS_RULE("cross-origin-resource-policy", ""),
	PG_RULE_SPEC("headers-grade-below", "warn", "medium",
		     "The site's HTTP headers grade is below minGrade"),
	PG_RULE_SPEC("headers-cors-reflects-origin", "warn", "high",
		     "Any Origin is reflected with credentials allowed (fail on an authentication "
		     "surface)"),
	PG_RULE_SPEC("headers-cache-public-auth", "fail", "high",
		     "An authentication surface's response may be stored by shared caches"),
	PG_RULE_SPEC_END,
};

static struct pg_plugin headers_plugin = {
	.rule_table = rules,
	.kind = PG_PLUGIN_ENRICHER,
	.name = "headers",
	.version = "1.0.0",
	.description = "HTTP security headers of the asset's web ports, graded like the "
		       "MDN HTTP Observatory",
	.option_table = headers_options,
	.thread_model = PG_THREAD_PARALLEL,
	.create = headers_create,
	.destroy = headers_destroy,
	.enrich = headers_enrich,
	.enrich_scope = PG_SCOPE_ASSET,
	.timeout_ms = 60000,
#ifdef PG_JUDGE_WEB_PORTS
	/* the failing rules of authentication surfaces, finding or not */
	.judges = PG_JUDGE_WEB_PORTS,
	.judges_tag_option = "authTag",
#endif
};

PORTGATE_PLUGIN(headers_plugin)
