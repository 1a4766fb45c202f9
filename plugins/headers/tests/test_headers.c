/* test_headers.c - the headers enricher's pure parts: the Observatory CSP
 * parser (csp.c), header access as Node presents it, the CSP test's
 * verdicts, and the score / grade rules (obs_score.c). Expected values are
 * those of @mdn/mdn-http-observatory 1.4.8 (its cspParser.js and grader).
 * Then portgate's own rules (rules.c): CORS reflecting any origin with
 * credentials, shared-cacheable responses (RFC 9111), and the grouping of
 * failures into one finding per asset and rule. */
#include "config.h"

#include "pg_check.h"

#include "../plugins/headers/csp.h"
#include "../plugins/headers/obs_int.h"
#include "../plugins/headers/rules.h"

static const char *src_of(const struct csp_policy *p, const char *dir, size_t i)
{
	const struct csp_directive *d = csp_get(p, dir);

	return d && i < d->nsrc ? d->src[i] : NULL;
}

START_TEST(csp_parses_like_the_observatory)
{
	const char *one[] = {
		"Default-Src 'SELF' https://A.example; img-src; Script-SRC 'self' 'self'"
	};
	struct csp_policy p;

	ck_assert_int_eq(csp_parse(one, 1, false, &p), 0);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_str_eq(src_of(&p, "default-src", 0), "'self'"); /* lowercased, sorted */
	ck_assert_str_eq(src_of(&p, "default-src", 1), "https://a.example");
	ck_assert_str_eq(src_of(&p, "img-src", 0), "'none'");  /* empty -src: 'none' */
	ck_assert_uint_eq(csp_get(&p, "script-src")->nsrc, 1); /* duplicate source */
	ck_assert(!p.duplicate_warning);
	csp_policy_free(&p);
}
END_TEST

START_TEST(csp_refuses_what_the_observatory_refuses)
{
	const char *dup[] = { "script-src 'self'; script-src 'none'" };
	const char *shortp[] = { "a b" };
	const char *empty[] = { "   " };
	const char *report[] = { "default-src 'self'; report-uri /a; report-uri /b" };
	struct csp_policy p;

	ck_assert_int_eq(csp_parse(dup, 1, false, &p), -1);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_int_eq(csp_parse(shortp, 1, false, &p), -1); /* under 6 characters */
	ck_assert_int_eq(csp_parse(empty, 1, false, &p), -1);
	ck_assert_int_eq(csp_parse(report, 1, false, &p), 0); /* report-uri may repeat */
	ck_assert(p.duplicate_warning);
	csp_policy_free(&p);
	ck_assert_int_eq(csp_parse(NULL, 0, false, &p), 0); /* no policy: empty map */
	ck_assert_uint_eq(p.n, 0);
	csp_policy_free(&p);
}
END_TEST

START_TEST(csp_two_policies_intersect)
{
	/* A source counts when both policies allow it; a directive only the first
	 * policy has keeps its sources; one only the second has ends up 'none'. */
	const char *two[] = { "script-src 'self' https://a.example/; object-src 'none'",
			      "script-src https://a.example/x.js; style-src 'self'" };
	const char *meta[] = { "default-src 'self'; frame-ancestors 'none'; sandbox" };
	struct csp_policy p;

	ck_assert_int_eq(csp_parse(two, 2, false, &p), 0);
	ck_assert_uint_eq(csp_get(&p, "script-src")->nsrc, 1);
	ck_assert_str_eq(src_of(&p, "script-src", 0), "https://a.example/x.js");
	ck_assert_str_eq(src_of(&p, "object-src", 0), "'none'");
	ck_assert_str_eq(src_of(&p, "style-src", 0), "'none'");
	csp_policy_free(&p);
	ck_assert_int_eq(csp_parse(meta, 1, true, &p), 0); /* <meta> may not set them */
	ck_assert_ptr_null(csp_get(&p, "frame-ancestors"));
	ck_assert_ptr_null(csp_get(&p, "sandbox"));
	ck_assert_ptr_nonnull(csp_get(&p, "default-src"));
	csp_policy_free(&p);
}
END_TEST

/* A graded https-only site whose response carries these headers. */
static json_t *csp_result(const char *csp)
{
	struct obs_input in = { .hostname = "a.example" };
	json_t *r;
	const char *res;

	in.https.ok = in.https.verified = true;
	in.https.final.status = 200;
	in.https.final.headers = json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "content-type",
					   "value", "text/plain", "name", "content-security-policy",
					   "value", csp);
	r = obs_test_csp(&in, NULL);
	res = json_string_value(json_object_get(r, "result"));
	json_object_set_new(r, "r", json_string(res));
	json_decref(in.https.final.headers);
	return r;
}

START_TEST(csp_verdicts)
{
	static const struct {
		const char *csp, *result;
		int mod;
		bool pass;
	} cases[] = {
		{ "default-src 'none'", "csp-implemented-with-no-unsafe-default-src-none", 10,
		  true },
		{ "default-src 'self'", "csp-implemented-with-no-unsafe", 5, true },
		{ "default-src 'self'; script-src 'unsafe-inline'",
		  "csp-implemented-with-unsafe-inline", -20, false },
		{ "default-src 'self'; script-src 'nonce-x' 'unsafe-inline'",
		  "csp-implemented-with-no-unsafe", 5, true }, /* nonce cancels unsafe-inline */
		{ "script-src 'nonce-x'; object-src 'none'",   /* style-src falls back to * */
		  "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true },
		{ "default-src 'self'; script-src 'strict-dynamic'", "csp-header-invalid", -25,
		  false },
		{ "default-src 'self'; script-src 'self' 'unsafe-eval'",
		  "csp-implemented-with-unsafe-eval", -10, false },
		{ "default-src 'self'; img-src http://x.example",
		  "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true },
		{ "default-src 'self'; style-src 'unsafe-inline'",
		  "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true },
		{ "default-src 'self'; report-uri /a; report-uri /b",
		  "csp-implemented-but-duplicate-directives", 0, true },
		{ "script-src 'self'; script-src 'self'", "csp-header-invalid", -25, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = csp_result(cases[i].csp);
		ck_assert_msg(!strcmp(json_string_value(json_object_get(r, "r")), cases[i].result),
			      "%s: %s", cases[i].csp, json_string_value(json_object_get(r, "r")));
		ck_assert_int_eq(json_integer_value(json_object_get(r, "scoreModifier")),
				 cases[i].mod);
		ck_assert_int_eq(json_is_true(json_object_get(r, "pass")), cases[i].pass);
		json_decref(r);
	}
}
END_TEST

START_TEST(headers_join_as_node_does)
{
	struct obs_resp r = { .status = 200 };
	char *v;

	r.headers = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "name", "x-a", "value",
			      "1", "name", "content-type", "value", "text/html", "name", "x-a",
			      "value", "2", "name", "content-type", "value", "text/plain");
	v = obs_header(&r, "X-A");
	ck_assert_str_eq(v, "1, 2");
	free(v);
	v = obs_header(&r, "content-type"); /* first one kept */
	ck_assert_str_eq(v, "text/html");
	free(v);
	ck_assert_ptr_null(obs_header(&r, "x-b"));
	ck_assert(obs_is_html("text/html; charset=utf-8"));
	ck_assert(!obs_is_html("text/htmlx"));
	json_decref(r.headers);
}
END_TEST

START_TEST(score_and_grade)
{
	const int bonus[] = { 10, 5, 0 }, capped[] = { -5, -10, 10 }, floor0[] = { -50, -50, -25 };

	ck_assert_int_eq(obs_score(bonus, 3), 115); /* A before bonuses: bonuses count */
	ck_assert_int_eq(obs_score(capped, 3), 85); /* 85 < 90: the +10 is dropped */
	ck_assert_int_eq(obs_score(floor0, 3), 0);
	ck_assert_str_eq(obs_grade_for(130), "A+");
	ck_assert_str_eq(obs_grade_for(100), "A+");
	ck_assert_str_eq(obs_grade_for(99), "A");
	ck_assert_str_eq(obs_grade_for(85), "A-");
	ck_assert_str_eq(obs_grade_for(79), "B");
	ck_assert_str_eq(obs_grade_for(25), "D-");
	ck_assert_str_eq(obs_grade_for(24), "F");
	ck_assert_int_eq(obs_modifier("cookies-session-without-secure-flag"), -40);
	ck_assert_int_eq(obs_modifier("corp-implemented-with-same-site"), 10);
}
END_TEST

static struct obs_resp resp_with(const char *const *kv)
{
	struct obs_resp r = { .status = 200, .headers = json_array() };

	for (size_t i = 0; kv[i]; i += 2)
		json_array_append_new(r.headers,
				      json_pack("{s:s, s:s}", "name", kv[i], "value", kv[i + 1]));
	return r;
}

static bool reflects(const char *const *kv)
{
	struct obs_resp r = resp_with(kv);
	bool yes = rules_cors_reflects(&r, RULES_PROBE_ORIGIN);

	json_decref(r.headers);
	return yes;
}

START_TEST(cors_reflects_origin)
{
	const char *o = RULES_PROBE_ORIGIN;

	ck_assert(reflects((const char *[]){ "access-control-allow-origin", o,
					     "access-control-allow-credentials", "true", NULL }));
	/* not without credentials, not "*" (browsers refuse it with credentials),
	 * not an allow-list's own origin, not "True" (the Fetch standard compares
	 * byte for byte), not two values joined */
	ck_assert(!reflects((const char *[]){ "access-control-allow-origin", o, NULL }));
	ck_assert(!reflects((const char *[]){ "access-control-allow-origin", "*",
					      "access-control-allow-credentials", "true", NULL }));
	ck_assert(!reflects((const char *[]){ "access-control-allow-origin",
					      "https://app.example.com",
					      "access-control-allow-credentials", "true", NULL }));
	ck_assert(!reflects((const char *[]){ "access-control-allow-origin", o,
					      "access-control-allow-credentials", "True", NULL }));
	ck_assert(!reflects((const char *[]){ "access-control-allow-origin", o,
					      "access-control-allow-origin", o,
					      "access-control-allow-credentials", "true", NULL }));
	ck_assert(!reflects((const char *[]){ NULL }));
}
END_TEST

/* RFC 9111: what a shared cache may store and reuse. */
START_TEST(cache_shared_rfc9111)
{
	static const struct {
		const char *cc;
		bool shared;
	} cases[] = {
		{ "public, max-age=3600", true },
		{ "public", true },
		{ "max-age=3600", true },
		{ "s-maxage=60", true },
		{ "PUBLIC, Max-Age=\"600\"", true },
		{ "private=\"set-cookie\", max-age=600", true }, /* only that field is private */
		{ "max-age=0", false },
		{ "max-age=0, s-maxage=0", false },
		{ "public, max-age=3600, private", false },
		{ "private, max-age=3600", false },
		{ "no-store, public", false },
		{ "max-age=3600,no-store", false },
		{ "no-cache", false },
		{ "must-revalidate", false },
		{ "max-age=-1", false },
		{ "max-age=abc", false },
		{ "max-age=", false },
		{ "", false },
		{ " , ,, ", false },
		{ "max-age=\"3600", false }, /* malformed: ignored, as a cache would */
		{ "=,=public", false },      /* values without names: nothing, and it ends */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(rules_cache_shared(cases[i].cc) == cases[i].shared, "'%s'",
			      cases[i].cc);
	ck_assert(!rules_cache_shared(NULL));
}
END_TEST

/* A quoted server value is cut before a multi-byte character, never in it. */
START_TEST(utf8_prefix_keeps_characters)
{
	ck_assert_int_eq(rules_utf8_prefix("public", 120), 6);
	ck_assert_int_eq(rules_utf8_prefix("abc\xc3\xa9", 4), 3); /* "abc" + half of e-acute */
	ck_assert_int_eq(rules_utf8_prefix("abc\xc3\xa9", 5), 5);
	ck_assert_int_eq(rules_utf8_prefix("ab\xe2\x82\xacx", 4), 2); /* inside the euro sign */
	ck_assert_int_eq(rules_utf8_prefix("\xe2\x82\xac", 2), 0);
}
END_TEST

/* "443 8443": the finding's ports */
static const char *ports_of(const json_t *f)
{
	static char buf[128];
	size_t off = 0, i;
	const json_t *p;

	buf[0] = '\0';
	json_array_foreach(json_object_get(f, "ports"), i, p)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%lld", i ? " " : "",
					(long long)json_integer_value(p));
	return buf;
}

static const json_t *finding_of(const json_t *added, const char *rule)
{
	const json_t *f;
	size_t i;

	json_array_foreach(added, i, f)
	{
		if (!strcmp(json_string_value(json_object_get(f, "rule")), rule))
			return f;
	}
	return NULL;
}

/* The field report: one site, 4 TLS ports, 6 failing tests gave 24
 * findings. Grouped: 6, each listing the 4 ports, no port of its own (the
 * host then fingerprints it per asset and rule). */
START_TEST(grouped_per_asset_and_rule)
{
	static const char *const tests[] = {
		"content-security-policy", "strict-transport-security",
		"x-frame-options",         "x-content-type-options",
		"referrer-policy",         "cross-origin-resource-policy"
	};
	static const int ports[] = { 443, 8443, 9443, 10443 };
	json_t *groups = json_object(), *added = json_array();
	const json_t *f;
	char rule[80];

	for (size_t p = 0; p < 4; p++)
		for (size_t t = 0; t < 6; t++) {
			snprintf(rule, sizeof(rule), "headers-%s", tests[t]);
			rules_group_add(groups,
					&(struct rules_hit){ rule, "medium", "warn", tests[t],
							     "x-not-implemented (score -20)", "",
							     ports[p] },
					json_pack("{s:s}", "result", "x-not-implemented"));
		}
	rules_group_emit(groups, added);
	ck_assert_uint_eq(json_array_size(added), 6);
	f = finding_of(added, "headers-x-frame-options");
	ck_assert_ptr_nonnull(f);
	ck_assert(json_is_true(json_object_get(f, "assetLevel")));
	ck_assert_ptr_null(json_object_get(f, "port"));
	ck_assert_ptr_null(json_object_get(f, "ip"));
	ck_assert_str_eq(ports_of(f), "443 8443 9443 10443");
	ck_assert_str_eq(json_string_value(json_object_get(f, "reason")),
			 "x-frame-options: x-not-implemented (score -20) on ports 443, 8443, "
			 "9443, 10443");
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(f, "evidence"), "sites")),
			  4);
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(json_object_get(f, "evidence"), "sites"), 3),
			"port")),
		10443);
	json_decref(groups);
	json_decref(added);
}
END_TEST

/* Different results on different ports: one clause each, in the order seen;
 * the action and severity are the rule's (an authentication surface's). */
START_TEST(grouped_reason_per_result)
{
	json_t *groups = json_object(), *added = json_array();
	const json_t *f;

	rules_group_add(groups,
			&(struct rules_hit){ "headers-x-frame-options", "high", "fail",
					     "x-frame-options",
					     "x-frame-options-not-implemented (score -20)",
					     " (authentication surface)", 443 },
			json_object());
	rules_group_add(groups,
			&(struct rules_hit){ "headers-cors-reflects-origin", "high", "fail", "CORS",
					     "any Origin reflected with credentials allowed",
					     " (authentication surface)", 443 },
			NULL);
	rules_group_add(groups,
			&(struct rules_hit){ "headers-x-frame-options", "high", "fail",
					     "x-frame-options",
					     "x-frame-options-header-invalid (score -20)",
					     " (authentication surface)", 8443 },
			json_object());
	rules_group_add(groups,
			&(struct rules_hit){ "headers-x-frame-options", "high", "fail",
					     "x-frame-options",
					     "x-frame-options-not-implemented (score -20)",
					     " (authentication surface)", 9443 },
			json_object());
	rules_group_emit(groups, added);
	ck_assert_uint_eq(json_array_size(added), 2);
	f = finding_of(added, "headers-x-frame-options");
	ck_assert_str_eq(json_string_value(json_object_get(f, "reason")),
			 "x-frame-options: x-frame-options-not-implemented (score -20) on ports "
			 "443, 9443; x-frame-options-header-invalid (score -20) on port 8443 "
			 "(authentication surface)");
	ck_assert_str_eq(json_string_value(json_object_get(f, "defaultAction")), "fail");
	ck_assert_str_eq(json_string_value(json_object_get(f, "severity")), "high");
	ck_assert_str_eq(ports_of(f), "443 8443 9443");
	f = finding_of(added, "headers-cors-reflects-origin");
	ck_assert_str_eq(json_string_value(json_object_get(f, "reason")),
			 "CORS: any Origin reflected with credentials allowed on port 443 "
			 "(authentication surface)");
	json_decref(groups);
	json_decref(added);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("headers");
	TCase *tc = tcase_create("headers");

	tcase_add_test(tc, csp_parses_like_the_observatory);
	tcase_add_test(tc, csp_refuses_what_the_observatory_refuses);
	tcase_add_test(tc, csp_two_policies_intersect);
	tcase_add_test(tc, csp_verdicts);
	tcase_add_test(tc, headers_join_as_node_does);
	tcase_add_test(tc, score_and_grade);
	tcase_add_test(tc, cors_reflects_origin);
	tcase_add_test(tc, cache_shared_rfc9111);
	tcase_add_test(tc, utf8_prefix_keeps_characters);
	tcase_add_test(tc, grouped_per_asset_and_rule);
	tcase_add_test(tc, grouped_reason_per_result);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
