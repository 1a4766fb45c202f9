/* test_headers.c - the headers enricher's pure parts: the Observatory CSP
 * parser (csp.c), header access as Node presents it, the CSP test's
 * verdicts, and the score / grade rules (obs_score.c). Expected values are
 * those of @mdn/mdn-http-observatory 1.4.8 (its cspParser.js and grader). */
#include "config.h"

#include "pg_check.h"

#include "../plugins/headers/csp.h"
#include "../plugins/headers/obs_int.h"

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

/* The redirect guard: which hops count as inside somebody's network. */
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
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
