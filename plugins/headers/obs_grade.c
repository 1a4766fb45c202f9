/* obs_grade.c - the Observatory's scan (scanner/index.js): the ten tests over the session to
 * grade, their score and grade. Its own file because it calls every test and the tests call
 * obs.c and obs_score.c: the scan sits on top. */
#include "obs_int.h"

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
