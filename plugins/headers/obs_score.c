/* obs_score.c - the Observatory's score table (grader/charts.js), a test's result object
 * with its modifier (every obs_test_* builds one here), the grade chart and the final score
 * with its extra-credit rule (scanner/index.js). */
#include "obs_int.h"

#include <string.h>

static const struct {
	const char *result;
	int modifier;
} score_table[] = {
	{ "csp-implemented-with-no-unsafe-default-src-none", 10 },
	{ "csp-implemented-with-no-unsafe", 5 },
	{ "csp-implemented-with-unsafe-inline-in-style-src-only", 0 },
	{ "csp-implemented-with-insecure-scheme-in-passive-content-only", -10 },
	{ "csp-implemented-with-unsafe-eval", -10 },
	{ "csp-implemented-with-unsafe-inline", -20 },
	{ "csp-implemented-with-insecure-scheme", -20 },
	{ "csp-header-invalid", -25 },
	{ "csp-not-implemented", -25 },
	{ "csp-not-implemented-but-reporting-enabled", -25 },
	{ "csp-implemented-but-duplicate-directives", 0 },
	{ "cookies-secure-with-httponly-sessions-and-samesite", 5 },
	{ "cookies-secure-with-httponly-sessions", 0 },
	{ "cookies-not-found", 0 },
	{ "cookies-without-secure-flag-but-protected-by-hsts", -5 },
	{ "cookies-session-without-secure-flag-but-protected-by-hsts", -10 },
	{ "cookies-without-secure-flag", -20 },
	{ "cookies-samesite-flag-invalid", -20 },
	{ "cookies-anticsrf-without-samesite-flag", -20 },
	{ "cookies-session-without-httponly-flag", -30 },
	{ "cookies-session-without-secure-flag", -40 },
	{ "cross-origin-resource-sharing-not-implemented", 0 },
	{ "cross-origin-resource-sharing-implemented-with-public-access", 0 },
	{ "cross-origin-resource-sharing-implemented-with-restricted-access", 0 },
	{ "cross-origin-resource-sharing-implemented-with-universal-access", -50 },
	{ "redirection-all-redirects-preloaded", 0 },
	{ "redirection-to-https", 0 },
	{ "redirection-not-needed-no-http", 0 },
	{ "redirection-off-host-from-http", -5 },
	{ "redirection-not-to-https-on-initial-redirection", -10 },
	{ "redirection-not-to-https", -20 },
	{ "redirection-missing", -20 },
	{ "redirection-invalid-cert", -20 },
	{ "referrer-policy-private", 5 },
	{ "referrer-policy-not-implemented", 0 },
	{ "referrer-policy-unsafe", -5 },
	{ "referrer-policy-header-invalid", -5 },
	{ "hsts-preloaded", 5 },
	{ "hsts-implemented-max-age-at-least-six-months", 0 },
	{ "hsts-implemented-max-age-less-than-six-months", -10 },
	{ "hsts-not-implemented", -20 },
	{ "hsts-header-invalid", -20 },
	{ "hsts-not-implemented-no-https", -20 },
	{ "hsts-invalid-cert", -20 },
	{ "sri-implemented-and-all-scripts-loaded-securely", 5 },
	{ "sri-implemented-and-external-scripts-loaded-securely", 5 },
	{ "sri-not-implemented-response-not-html", 0 },
	{ "sri-not-implemented-but-no-scripts-loaded", 0 },
	{ "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0 },
	{ "sri-not-implemented-but-external-scripts-loaded-securely", -5 },
	{ "sri-implemented-but-external-scripts-not-loaded-securely", -20 },
	{ "sri-not-implemented-and-external-scripts-not-loaded-securely", -50 },
	{ "x-content-type-options-nosniff", 0 },
	{ "x-content-type-options-not-implemented", -5 },
	{ "x-content-type-options-header-invalid", -5 },
	{ "x-frame-options-implemented-via-csp", 5 },
	{ "x-frame-options-sameorigin-or-deny", 0 },
	{ "x-frame-options-allow-from-origin", 0 },
	{ "x-frame-options-not-implemented", -20 },
	{ "x-frame-options-header-invalid", -20 },
	{ "corp-header-invalid", -5 },
	{ "corp-implemented-with-cross-origin", 0 },
	{ "corp-implemented-with-same-origin", 10 },
	{ "corp-implemented-with-same-site", 10 },
	{ "corp-not-implemented", 0 },
	{ "html-not-parseable", -20 },
};

#define MINIMUM_SCORE_FOR_EXTRA_CREDIT 90

int obs_modifier(const char *result)
{
	for (size_t i = 0; i < sizeof(score_table) / sizeof(score_table[0]); i++)
		if (!strcmp(score_table[i].result, result))
			return score_table[i].modifier;
	return 0;
}

const char *obs_grade_for(int score)
{
	static const char *const chart[] = {
		/* index: score / 5, 0..20 */
		"F", "F",  "F",  "F", "F", "D-", "D",  "D", "D+", "C-", "C",
		"C", "C+", "B-", "B", "B", "B+", "A-", "A", "A",  "A+",
	};
	int key = score < 0 ? 0 : score;

	key = key - key % 5;
	if (key > 100)
		key = 100;
	return chart[key / 5];
}

int obs_score(const int *modifiers, size_t n)
{
	int extra = 100, uncurved = 100;

	for (size_t i = 0; i < n; i++) {
		extra += modifiers[i];
		if (modifiers[i] < 0)
			uncurved += modifiers[i];
	}
	/* Only an A before bonuses earns the bonuses; never below 0. */
	extra = uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? extra : uncurved;
	return extra < 0 ? 0 : extra;
}

json_t *obs_result(const char *result, bool pass)
{
	return json_pack("{s:s, s:b, s:i}", "result", result, "pass", pass, "scoreModifier",
			 obs_modifier(result));
}
