/* test_fold.c - folded assets (report/fold_int.h, private to report/): the round trip keeps every value
 * and the key order, and every reader of the evidence - each renderer, the
 * text report, drift - gives the same output for a folded report as for the
 * unfolded one. */
#include "config.h"

#include "pg_check.h"
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/drift.h"
#include "report/evidence.h"
#include "report/fold_int.h"
#include "report/render.h"
#include "report/report_text.h"
#include "common/json_get.h"

static json_t *port(int n, const char *state, double rtt)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:f}", "port", n, "protocol", "tcp", "state", state,
			 "service", "h\xc3\xbcttp", "rttMs", rtt);
}

static json_t *scan(const char *ip, int open_port)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:i, s:[o, o, o]}", "target", "a.test", "ip",
			      ip, "scanId", "scan_1", "timestamp", "2026-12-02T00:00:00.000Z",
			      "scanDurationMs", 3, "ports", port(open_port, "open", 0.05),
			      port(81, "closed", 1.0 / 3), port(82, "filtered", 0));
	json_object_set_new(s, "banner", json_stringn("a\0b", 3)); /* NUL survives */
	json_object_set_new(s, "summary",
			    json_pack("{s:i, s:i, s:i, s:i, s:i}", "totalScanned", 3, "open", 1,
				      "closed", 1, "filtered", 1, "error", 0));
	return s;
}

/* An asset as check builds it; with_findings adds an unapproved-port finding. */
static json_t *asset(const char *name, bool two_scans, bool with_findings)
{
	json_t *a = json_pack("{s:s, s:s, s:i, s:{s:s}, s:{s:b, s:[s, s], s:[]}, s:o}", "name",
			      name, "target", "a.test", "line", 3, "manifest", "owner", "team",
			      "resolution", "literal", 0, "addresses", "127.0.0.1", "::1", "cnames",
			      "scan", scan("127.0.0.1", 80));
	if (two_scans)
		json_object_set_new(a, "additionalScans", json_pack("[o]", scan("::1", 8080)));
	json_object_set_new(a, "couldNotCheck", json_false());
	json_object_set_new(a, "findings",
			    with_findings ? json_pack("[{s:s, s:i, s:s, s:s, s:s}]", "rule",
						      "unapproved-open-port", "port", 80, "action",
						      "fail", "fingerprint", "00ff", "reason", "r")
					  : json_array());
	json_object_set_new(a, "verdict", json_string(with_findings ? "fail" : "pass"));
	return a;
}

static json_t *report(void)
{
	return json_pack("{s:{s:s, s:i}, s:{s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i}}, s:[o, o, o]}",
			 "portgate", "version", "0.0", "evidenceSchema", 1, "run", "id", "run_1",
			 "verdict", "fail", "summary", "assets", 3, "pass", 2, "warn", 0, "fail", 1,
			 "couldNotCheck", 0, "assets", asset("one", false, false),
			 asset("two", true, false), asset("three", true, true));
}

/* The report as a compact `check` holds it: every asset added folded. */
static json_t *folded_copy(const json_t *r)
{
	json_t *f = json_deep_copy(r), *assets = json_incref(json_object_get(f, "assets")), *a;
	size_t i;

	json_object_set_new(f, "assets", json_array());
	json_array_foreach(assets, i, a) pg_evidence_add_asset(f, json_incref(a), true);
	json_decref(assets);
	return f;
}

static char *keys_of(const json_t *o)
{
	char *out = pg_xstrdup("");
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		char *n = pg_xasprintf("%s%s,", out, k);
		free(out);
		out = n;
	}
	return out;
}

START_TEST(fold_round_trip_keeps_values_and_order)
{
	json_t *a = asset("two", true, false), *f = pg_fold(json_deep_copy(a)), *back, *same;
	char *ka, *kf, *kb;

	ck_assert(pg_fold_is_folded(f));
	ck_assert(!pg_fold_is_folded(a));
	ck_assert_ptr_null(json_object_get(f, "scan"));
	ck_assert_ptr_null(json_object_get(f, "resolution"));
	kf = keys_of(f);
	ck_assert_str_eq(kf, "name,target,line,manifest,_folded,couldNotCheck,findings,verdict,");
	/* the point of folding: one string instead of the object trees */
	ck_assert_uint_lt(json_string_length(json_object_get(f, PG_FOLD_KEY)), 1200);
	back = pg_fold_full(f);
	ck_assert(json_equal(a, back));
	ka = keys_of(a);
	kb = keys_of(back);
	ck_assert_str_eq(ka, kb);
	same = pg_fold_full(a);
	ck_assert(same == a); /* not folded: the same object, a new reference */
	json_decref(same);
	free(ka);
	free(kb);
	free(kf);
	json_decref(back);
	json_decref(f);
	json_decref(a);
}
END_TEST

START_TEST(walk_sees_whole_assets_and_shares_findings)
{
	json_t *r = report(), *f = folded_copy(r), *a, *added;
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(f);
	size_t n = 0;

	ck_assert(pg_fold_is_folded(json_array_get(json_object_get(f, "assets"), 0)));
	while ((a = pg_evidence_walk_next(&w))) {
		ck_assert(json_equal(a, json_array_get(json_object_get(r, "assets"), w.i - 1)));
		n++;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(w.cur); /* the walk holds nothing once it is over */
	/* a finding added through the walk is in the report */
	w = (struct pg_evidence_walk)PG_EVIDENCE_WALK(f);
	a = pg_evidence_walk_next(&w);
	added = json_pack("{s:s}", "rule", "x");
	json_array_append_new(json_object_get(a, "findings"), added);
	pg_evidence_walk_end(&w);
	ck_assert_ptr_eq(
		json_array_get(json_object_get(json_array_get(json_object_get(f, "assets"), 0),
					       "findings"),
			       0),
		added);
	json_decref(f);
	json_decref(r);
}
END_TEST

static char *render(const char *format, const json_t *r)
{
	const struct pg_renderer *re = pg_renderer_find(format);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(re);
	ck_assert_int_eq(re->render(f, r), 0);
	fclose(f);
	return buf;
}

START_TEST(json_is_jansson_dump_of_unfolded)
{
	json_t *r = report(), *fr = folded_copy(r), *empty = json_pack("{s:[]}", "assets");
	char *want = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER | PG_JSON_REAL),
	     *got = render("json", fr);
	char *want_line = pg_xasprintf("%s\n", want), *got_plain = render("json", r);
	char *e_want = json_dumps(empty, JSON_INDENT(2)), *e_got = render("json", empty);
	char *e_line = pg_xasprintf("%s\n", e_want);

	ck_assert_msg(!strcmp(got, want_line), "folded evidence differs from the jansson dump");
	ck_assert_msg(!strcmp(got_plain, want_line), "evidence differs from the jansson dump");
	ck_assert_ptr_null(strstr(got, PG_FOLD_KEY));
	ck_assert_str_eq(e_got, e_line);
	free(want);
	free(got);
	free(want_line);
	free(got_plain);
	free(e_want);
	free(e_got);
	free(e_line);
	json_decref(empty);
	json_decref(fr);
	json_decref(r);
}
END_TEST

START_TEST(every_reader_sees_through_the_fold)
{
	json_t *r = report(), *fr = folded_copy(r);
	char *a = NULL, *b = NULL;
	size_t la, lb;
	FILE *fa, *fb;

	for (size_t i = 0; i < pg_renderers_n; i++) {
		char *want = render(pg_renderers[i].name, r),
		     *got = render(pg_renderers[i].name, fr);
		ck_assert_msg(!strcmp(want, got), "%s differs when folded", pg_renderers[i].name);
		free(want);
		free(got);
	}
	fa = open_memstream(&a, &la);
	fb = open_memstream(&b, &lb);
	pg_report_text(r, fa, false);
	pg_report_text(fr, fb, false);
	fclose(fa);
	fclose(fb);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, "1 open")); /* it did read the scans */
	free(a);
	free(b);
	json_decref(fr);
	json_decref(r);
}
END_TEST

START_TEST(drift_sees_through_the_fold)
{
	json_t *r = report(), *fr = folded_copy(r), *ch, *fch, *before, *fbefore, *p80;

	/* drift both ways against a baseline where port 80 was closed: newly open
	 * reads the open port, newly closed the closed state, through the fold */
	before = json_deep_copy(r);
	p80 = json_array_get(
		json_object_get(
			json_object_get(json_array_get(json_object_get(before, "assets"), 0),
					"scan"),
			"ports"),
		0);
	json_object_set_new(p80, "state", json_string("closed"));
	fbefore = folded_copy(before);
	for (int dir = 0; dir < 2; dir++) {
		ch = dir ? pg_drift_changes(r, before) : pg_drift_changes(before, r);
		fch = dir ? pg_drift_changes(fr, fbefore) : pg_drift_changes(fbefore, fr);
		ck_assert_uint_ge(json_array_size(ch), 1);
		ck_assert_msg(json_equal(ch, fch), "drift differs when folded");
		json_decref(ch);
		json_decref(fch);
	}
	json_decref(before);
	json_decref(fbefore);
	json_decref(fr);
	json_decref(r);
}
END_TEST

/* An asset without "resolution" (evidence written by hand or by another tool)
 * still gets its port drift. */
START_TEST(drift_without_resolution)
{
	json_t *after = report(), *before, *a0, *ch;
	size_t newly_open = 0, i;
	const json_t *c;

	a0 = json_array_get(json_object_get(after, "assets"), 0);
	json_object_del(a0, "resolution");
	before = json_deep_copy(after);
	json_object_set_new(
		json_array_get(json_object_get(
				       json_object_get(
					       json_array_get(json_object_get(before, "assets"), 0),
					       "scan"),
				       "ports"),
			       0),
		"state", json_string("closed"));
	ch = pg_drift_changes(before, after);
	json_array_foreach(ch, i, c)
		newly_open += !strcmp(json_string_value(json_object_get(c, "change"))
					      ? json_string_value(json_object_get(c, "change"))
					      : "",
				      "port-newly-open");
	ck_assert_uint_eq(newly_open, 1);
	json_decref(ch);
	json_decref(before);
	json_decref(after);
}
END_TEST

/* A disk that is full: every write fails with ENOSPC, and counts itself. */
static ssize_t full_disk(void *ud, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	++*(int *)ud;
	errno = ENOSPC;
	return -1;
}

/* The writer stops at the first failed write, as json_dumpf did, so errno
 * still says ENOSPC when it returns: before, it went on unfolding the next
 * assets (jansson's number parser sets errno to 0) and `check --out /dev/full`
 * said "Input/output error". */
START_TEST(json_write_error_keeps_errno)
{
	json_t *r = report(), *assets = json_object_get(r, "assets"), *fr;
	cookie_io_functions_t io = { .write = full_disk };

	for (int i = 0; i < 100; i++) /* far more than one stdio buffer */
		json_array_append_new(assets, asset("many", true, false));
	fr = folded_copy(r);
	for (int folded = 0; folded < 2; folded++) {
		int writes = 0;
		FILE *f = fopencookie(&writes, "w", io);
		errno = 0;
		ck_assert_int_lt(pg_renderer_find("json")->render(f, folded ? fr : r), 0);
		ck_assert_int_eq(errno, ENOSPC);
		ck_assert_int_eq(writes, 1);
		fclose(f);
	}
	json_decref(fr);
	json_decref(r);
}
END_TEST

/* A file never holds a fold, so one there was put by hand, and drift, merge
 * and the renderers would read it over the asset's visible scan: loading
 * evidence refuses it (before, diff took the smuggled ports). */
START_TEST(evidence_with_a_fold_is_refused)
{
	json_t *r = report(), *fr, *back, *a;
	char path[] = "/tmp/test_fold_XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	size_t i;

	json_array_foreach(json_object_get(r, "assets"), i, a)
	{ /* a file holds no NUL */
		json_object_del(json_object_get(a, "scan"), "banner");
		json_object_del(json_array_get(json_object_get(a, "additionalScans"), 0), "banner");
	}
	fr = folded_copy(r);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(json_dump_file(r, path, JSON_INDENT(2)), 0);
	back = pg_evidence_load(path, err, sizeof(err));
	ck_assert_msg(back != NULL, "%s", err); /* the unfolded report loads */
	json_decref(back);
	ck_assert_int_eq(json_dump_file(fr, path, JSON_INDENT(2)), 0);
	ck_assert_ptr_null(pg_evidence_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "assets[0] has \"_folded\""));
	unlink(path);
	json_decref(fr);
	json_decref(r);
}
END_TEST

/* Renderers unfold between a failed write and reading errno: jansson's number
 * parser zeroes errno, and `check --format junit --output /dev/full` said
 * "Input/output error" instead of ENOSPC. */
START_TEST(unfold_keeps_errno)
{
	json_t *f = pg_fold(asset("two", true, false)), *full;

	errno = ENOSPC;
	full = pg_fold_full(f);
	ck_assert_ptr_nonnull(json_object_get(full, "scan"));
	ck_assert_int_eq(errno, ENOSPC);
	json_decref(full);
	json_decref(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fold");
	TCase *tc = tcase_create("fold");

	tcase_add_test(tc, fold_round_trip_keeps_values_and_order);
	tcase_add_test(tc, walk_sees_whole_assets_and_shares_findings);
	tcase_add_test(tc, json_is_jansson_dump_of_unfolded);
	tcase_add_test(tc, every_reader_sees_through_the_fold);
	tcase_add_test(tc, drift_sees_through_the_fold);
	tcase_add_test(tc, drift_without_resolution);
	tcase_add_test(tc, json_write_error_keeps_errno);
	tcase_add_test(tc, evidence_with_a_fold_is_refused);
	tcase_add_test(tc, unfold_keeps_errno);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
