/* test_drift.c - drift and the judges: a finding whose judge did not re-check
 * the asset this run is kept (not re-checked), never "gone"; a
 * port-newly-open whose port is still open persists. */
#include "config.h"

#include "pg_check.h"
#include <jansson.h>
#include <string.h>

#include "report/drift.h"
#include "report/evidence.h"
#include "report/judged.h"

/* The baseline: asset "shop" with a whois finding and a core finding, and a
 * port-newly-open of the run before on 8080. */
static json_t *baseline_new(void)
{
	json_t *b = json_loads(
		"{\"run\": {\"id\": \"run_1\"}, \"assets\": [{\"name\": \"shop\", \"target\": "
		"\"shop.example\", \"couldNotCheck\": false,"
		" \"scan\": {\"ip\": \"127.0.0.1\", \"ports\": [{\"port\": 8080, \"state\": "
		"\"open\"}]},"
		" \"findings\": ["
		"  {\"rule\": \"domain-expiring-soon\", \"source\": \"whois\", \"action\": "
		"\"warn\","
		"   \"severity\": \"medium\", \"fingerprint\": \"d1\", \"reason\": \"expires in 11 "
		"days\"},"
		"  {\"rule\": \"port-unapproved-open\", \"source\": \"core\", \"action\": \"fail\","
		"   \"severity\": \"high\", \"fingerprint\": \"p1\", \"port\": 2222},"
		"  {\"rule\": \"port-newly-open\", \"source\": \"drift\", \"action\": \"fail\","
		"   \"severity\": \"high\", \"fingerprint\": \"n1\", \"port\": 8080}]}]}",
		0, NULL);

	ck_assert_ptr_nonnull(b);
	return b;
}

/* This run: no finding at all; whois said judged (NULL: did not run), the
 * core could (not) check the asset; port 8080 open or closed. */
static json_t *run_new(const char *whois, bool unchecked, const char *state8080)
{
	json_t *r = json_pack("{s:{s:s, s:{}}, s:[{s:s, s:s, s:b, s:{s:s, s:[{s:i, s:s}]}, s:[]}]}",
			      "run", "id", "run_2", "judges", "assets", "name", "shop", "target",
			      "shop.example", "couldNotCheck", unchecked, "scan", "ip", "127.0.0.1",
			      "ports", "port", 8080, "state", state8080, "findings");

	ck_assert_ptr_nonnull(r);
	if (whois)
		json_object_set_new(json_array_get(json_object_get(r, "assets"), 0), "judged",
				    json_pack("{s:s}", "whois", whois));
	return r;
}

/* The change for fingerprint fp, its kind; "" when none. */
static const char *kind_of(const json_t *report, const char *fp)
{
	const json_t *ch;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(json_object_get(report, "run"), "drift"),
					   "changes"),
			   i, ch)
	{
		const char *x = json_string_value(json_object_get(ch, "fingerprint"));
		if (x && !strcmp(x, fp))
			return json_string_value(json_object_get(ch, "change"));
	}
	return "";
}

static const json_t *finding_of(const json_t *report, const char *fp)
{
	const json_t *f;
	size_t i;

	json_array_foreach(
		json_object_get(json_array_get(json_object_get(report, "assets"), 0), "findings"),
		i,
		f) if (!strcmp(json_string_value(json_object_get(f, "fingerprint")), fp)) return f;
	return NULL;
}

START_TEST(judge_failed_is_not_gone)
{
	json_t *b = baseline_new(),
	       *r = run_new("failed: no answer from 127.0.0.1:43", false, "open");
	const json_t *kept, *list;

	pg_drift_apply(r, b, "base.json");
	ck_assert_str_eq(kind_of(r, "d1"), PG_CHANGE_NOT_RECHECKED);
	ck_assert_str_eq(kind_of(r, "p1"), "finding-gone"); /* the core did check */
	kept = finding_of(r, "d1");
	ck_assert_ptr_nonnull(kept);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(kept, "notRechecked"), "judge")),
		"whois");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(kept, "notRechecked"), "reason")),
		"failed: no answer from 127.0.0.1:43");
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(kept, "notRechecked"), "since")),
		"run_1");
	ck_assert_ptr_null(finding_of(r, "p1"));
	list = json_object_get(json_object_get(r, "run"), "notRechecked");
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "fingerprint")),
			 "d1");
	json_decref(b);
	json_decref(r);
}
END_TEST

START_TEST(judge_ok_is_gone)
{
	json_t *b = baseline_new(), *r = run_new("ok", false, "open");

	pg_drift_apply(r, b, "base.json");
	ck_assert_str_eq(kind_of(r, "d1"), "finding-gone");
	ck_assert_ptr_null(finding_of(r, "d1"));
	ck_assert_int_eq(
		json_array_size(json_object_get(json_object_get(r, "run"), "notRechecked")), 0);
	json_decref(b);
	json_decref(r);
}
END_TEST

/* A judge that did not run on the asset re-checked nothing; an asset the core
 * could not check keeps its core findings. Carried twice, "since" stays. */
START_TEST(judge_absent_and_core_unchecked)
{
	json_t *b = baseline_new(), *r = run_new(NULL, true, "open"), *r3;

	pg_drift_apply(r, b, "base.json");
	ck_assert_str_eq(kind_of(r, "d1"), PG_CHANGE_NOT_RECHECKED);
	ck_assert_str_eq(kind_of(r, "p1"), PG_CHANGE_NOT_RECHECKED);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(finding_of(r, "p1"), "notRechecked"), "reason")),
			 "could not check the asset");
	r3 = run_new(NULL, true, "open");
	json_object_set_new(json_object_get(r3, "run"), "id", json_string("run_3"));
	pg_drift_apply(r3, r, "run2.json");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(finding_of(r3, "d1"), "notRechecked"), "since")),
			 "run_1");
	json_decref(r3);
	json_decref(b);
	json_decref(r);
}
END_TEST

/* port-newly-open fired in the baseline: while 8080 stays open it persists
 * (and the next run still knows it from run.drift.persisting); closed, not. */
START_TEST(port_newly_open_persists_while_open)
{
	json_t *b = baseline_new(), *r = run_new("ok", false, "open"), *r3;
	const json_t *p;

	pg_drift_apply(r, b, "base.json");
	p = json_object_get(json_object_get(json_object_get(r, "run"), "drift"), "persisting");
	ck_assert_int_eq(json_array_size(p), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "fingerprint")),
			 "n1");
	r3 = run_new("ok", false, "open");
	pg_drift_apply(r3, r, "run2.json");
	p = json_object_get(json_object_get(json_object_get(r3, "run"), "drift"), "persisting");
	ck_assert_int_eq(json_array_size(p), 1);
	json_decref(r3);
	r3 = run_new("ok", false, "closed");
	pg_drift_apply(r3, r, "run2.json");
	p = json_object_get(json_object_get(json_object_get(r3, "run"), "drift"), "persisting");
	ck_assert_int_eq(json_array_size(p), 0);
	json_decref(r3);
	json_decref(b);
	json_decref(r);
}
END_TEST

START_TEST(judges_summary)
{
	json_t *r = run_new("failed: timed out", false, "open"), *j,
	       *d = json_pack("{s:s}", "source", "drift");

	pg_judges_summarise(r);
	j = json_object_get(json_object_get(r, "run"), "judges");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "whois"), "failed")),
			 1);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(j, "whois"), "failures"), "shop")),
			 "failed: timed out");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "core"), "ok")), 1);
	ck_assert_ptr_null(pg_judge_of(d));
	json_decref(d);
	json_decref(r);
}
END_TEST

/* Evidence of an older portgate records no judges: an absent finding is gone. */
START_TEST(no_judges_recorded_is_gone)
{
	json_t *b = baseline_new(), *r = run_new(NULL, false, "open");

	json_object_del(json_object_get(r, "run"), "judges");
	pg_drift_apply(r, b, "base.json");
	ck_assert_str_eq(kind_of(r, "d1"), "finding-gone");
	ck_assert_ptr_null(finding_of(r, "d1"));
	json_decref(b);
	json_decref(r);
}
END_TEST

/* Evidence members of the wrong type are refused with their JSON path; what
 * older evidence leaves out (protocol, additionalScans, findings) is not. */
START_TEST(evidence_shape)
{
	static const struct {
		const char *assets, *want;
	} cases[] = {
		{ "[{\"name\": \"a\", \"target\": \"t\"}]", NULL },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"scan\": {\"ports\": [{\"port\": 80, "
		  "\"state\": \"open\"}]}}]",
		  NULL },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"scan\": \"garbage\"}]",
		  "f.json: assets[0].scan: expected an object" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"scan\": {\"ports\": [{\"port\": \"x\", "
		  "\"state\": 5}]}}]",
		  "f.json: assets[0].scan.ports[0].port: expected an integer from 1 to 65535" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"scan\": {\"ports\": [{\"port\": 65536, "
		  "\"state\": \"open\"}]}}]",
		  "f.json: assets[0].scan.ports[0].port: expected an integer from 1 to 65535" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"scan\": {\"ports\": [{\"port\": 1, "
		  "\"protocol\": \"tcp\", \"state\": 5}]}}]",
		  "f.json: assets[0].scan.ports[0].state: expected one of \"open\", \"closed\", "
		  "\"filtered\", \"error\"" },
		{ "[{\"name\": \"a\", \"target\": 1}]",
		  "f.json: assets[0].target: expected a string" },
		{ "[{\"name\": \"a\", \"target\": \"t\"}, []]",
		  "f.json: assets[1]: expected an object" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"findings\": [1]}]",
		  "f.json: assets[0].findings[0]: expected an object" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"additionalScans\": {}}]",
		  "f.json: assets[0].additionalScans: expected an array" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"findings\": [{\"rule\": "
		  "\"port-unapproved-open\", \"action\": \"fial\"}]}]",
		  "f.json: assets[0].findings[0].action: expected \"pass\", \"warn\" or \"fail\"" },
		{ "[{\"name\": \"a\", \"target\": \"t\", \"findings\": [{\"rule\": null}]}]",
		  "f.json: assets[0].findings[0].rule: expected a rule id" },
		/* not decided yet (a finding injected before the policy ran): no action */
		{ "[{\"name\": \"a\", \"target\": \"t\", \"findings\": [{\"rule\": "
		  "\"udp-amplifier\"}]}]",
		  NULL },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *d = json_pack("{s:o}", "assets", json_loads(cases[i].assets, 0, NULL));
		err[0] = 0;
		ck_assert_int_eq(pg_evidence_check_shape(d, "f.json", err, sizeof(err)),
				 cases[i].want == NULL);
		ck_assert_str_eq(err, cases[i].want ? cases[i].want : "");
		json_decref(d);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drift");
	TCase *tc = tcase_create("drift");

	tcase_add_test(tc, judge_failed_is_not_gone);
	tcase_add_test(tc, judge_ok_is_gone);
	tcase_add_test(tc, judge_absent_and_core_unchecked);
	tcase_add_test(tc, port_newly_open_persists_while_open);
	tcase_add_test(tc, judges_summary);
	tcase_add_test(tc, no_judges_recorded_is_gone);
	tcase_add_test(tc, evidence_shape);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
