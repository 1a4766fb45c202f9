/* test_render.c - the renderers' output for hostile text (Markdown code
 * spans) and the severity the CI formats export for an action. */
#include "config.h"

#include "pg_check.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "report/render.h"
#include "report/render_int.h"

/* A renderer's output for report (caller frees). */
static char *rendered_new(const char *format, const json_t *report)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pg_renderer_find(format)->render(f, report), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static char *markdown_new(const json_t *report)
{
	return rendered_new("markdown", report);
}

/* Well-formed UTF-8 holding only characters XML 1.0 allows. */
static bool xml_chars_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned long cp;
		size_t n = *p < 0x80   ? 1
			   : *p < 0xc2 ? 0
			   : *p < 0xe0 ? 2
			   : *p < 0xf0 ? 3
			   : *p < 0xf5 ? 4
				       : 0;
		if (!n)
			return false;
		cp = n == 1 ? *p : (unsigned long)(*p & (0x7f >> n));
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((cp < 0x20 && cp != 9 && cp != 10 && cp != 13) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
			return false;
		p += n;
	}
	return true;
}

static json_t *report_new(const char *manifest, const char *rule)
{
	json_t *r = json_pack("{s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:i, s:s}]}]}",
			      "run", "verdict", "fail", "manifest", manifest, "assets", "name",
			      "a*b", "target", "t.example", "verdict", "fail", "findings", "rule",
			      rule, "action", "fail", "asset", "a_b", "port", 22, "reason", "r*");

	ck_assert_ptr_nonnull(r);
	return r;
}

/* Registry text with U+FFFE and U+FFFF (valid UTF-8, not XML) in a failure, and an asset
 * name whose classname is cut where a two-byte character straddles the cut. */
START_TEST(junit_is_xml_whatever_the_text)
{
	char name[1200];
	json_t *r;
	char *xml;

	memset(name, 'x', 1);
	for (size_t i = 1; i + 2 < sizeof(name); i += 2)
		memcpy(name + i, "\xc3\xa9", 2); /* e-acute: 'x' first puts the cut mid-character */
	name[sizeof(name) - 1] = '\0';
	r = report_new("m.yaml", "domain-expiring-soon");
	json_object_set_new(json_array_get(json_object_get(r, "assets"), 0), "name",
			    json_string(name));
	json_object_set_new(
		json_array_get(json_object_get(json_array_get(json_object_get(r, "assets"), 0),
					       "findings"),
			       0),
		"reason", json_string("Registrar \xef\xbf\xbe Ltd \xef\xbf\xbf\x01 <b>"));
	xml = rendered_new("junit", r);
	ck_assert_msg(xml_chars_ok(xml), "not XML 1.0 characters:\n%s", xml);
	ck_assert_ptr_nonnull(strstr(xml, "Registrar ? Ltd ?? &lt;b&gt;"));
	ck_assert_msg(strstr(xml, "classname=\"portgate.x\xc3\xa9"), "%.300s", xml);
	free(xml);
	json_decref(r);
}
END_TEST

/* Inside a code span nothing is escaped (a backslash would show); the fence is
 * one backtick longer than the longest run inside, padded with a space when the
 * text starts or ends with a backtick, or starts and ends with a space (CommonMark
 * 6.1 strips one from each side). In a table cell '|'
 * still needs its backslash: GFM splits cells before it parses code spans. */
START_TEST(markdown_code_spans_fence_not_escape)
{
	static const struct {
		const char *manifest, *rule, *head, *row;
	} cases[] = {
		{ "infra/x_y*z.yaml", "a_b*c", "manifest `infra/x_y*z.yaml`\n",
		  "| :x: fail | `a_b*c` | a\\_b | 22 | r\\* |\n" },
		{ "infra/`odd`.yaml", "x`y``z|w", "manifest ``infra/`odd`.yaml``\n",
		  "| :x: fail | ```x`y``z\\|w``` | a\\_b | 22 | r\\* |\n" },
		{ "`m`", "``r", "manifest `` `m` ``\n", "| :x: fail | ``` ``r ``` |" },
		{ " sp ", "", "manifest `  sp  `\n", "| :x: fail | ` ` |" },
		{ "a\\b", "<b>&amp;</b>", "manifest `a\\x5cb`\n", "| :x: fail | `<b>&amp;</b>` |" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = report_new(cases[i].manifest, cases[i].rule);
		char *md = markdown_new(r);
		ck_assert_msg(strstr(md, cases[i].head), "case %zu head:\n%s", i, md);
		ck_assert_msg(strstr(md, cases[i].row), "case %zu row:\n%s", i, md);
		ck_assert_msg(strstr(md, "| a\\*b | t.example |"), "asset cell escaped:\n%s", md);
		free(md);
		json_decref(r);
	}
}
END_TEST

#define ZWJ "\xe2\x80\x8d" /* U+200D */

/* GitHub makes "@org/team" a mention and a bare URL a link in any text that is not code:
 * an asset name, a reason and the banner a reason quotes keep neither live. */
START_TEST(markdown_no_live_mentions_or_links)
{
	json_t *r = report_new("m.yaml", "port-unexpected-open");
	json_t *a = json_array_get(json_object_get(r, "assets"), 0);
	char *md;

	json_object_set_new(a, "name", json_string("web @org/team https://evil.example/x"));
	json_object_set_new(
		json_array_get(json_object_get(a, "findings"), 0), "reason",
		json_string("port 22 open (ssh: SSH-2.0 ping @admin at "
			    "www.evil.example or (http://x.example/a|b) mail a@b.example)"));
	md = markdown_new(r);
	ck_assert_msg(strstr(md, "| web @" ZWJ "org/team `https://evil.example/x` |"), "%s", md);
	ck_assert_msg(strstr(md, "ping @" ZWJ "admin at `www.evil.example` or "
				 "`(http://x.example/a\\|b)` mail a@" ZWJ "b.example) |"),
		      "%s", md);
	ck_assert_ptr_null(strstr(md, " @org"));
	free(md);
	json_decref(r);
}
END_TEST

/* The one mapping: fail keeps the severity, warn caps it at medium, pass is info. */
START_TEST(export_severity_follows_action)
{
	static const char *const cases[][3] = {
		{ "fail", "critical", "critical" }, { "fail", "high", "high" },
		{ "fail", "low", "low" },           { "warn", "critical", "medium" },
		{ "warn", "high", "medium" },       { "warn", "medium", "medium" },
		{ "warn", "low", "low" },           { "warn", "info", "info" },
		{ "pass", "critical", "info" },     { "fail", "bogus", "medium" },
		{ "warn", NULL, "medium" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(
			!strcmp(pg_render_export_severity(cases[i][0], cases[i][1]), cases[i][2]),
			"case %zu: %s %s -> %s", i, cases[i][0],
			cases[i][1] ? cases[i][1] : "(null)",
			pg_render_export_severity(cases[i][0], cases[i][1]));
	ck_assert_str_eq(pg_render_export_severity(NULL, "high"), "info");
}
END_TEST

/* A warn dns-unresolved (severity high) is neither critical in GitLab Code
 * Quality nor security-severity >= 7 in SARIF; a fail of the same severity is. */
START_TEST(ci_formats_warn_not_critical)
{
	json_t *r = json_pack("{s:{s:s, s:s}, s:[{s:s, s:s, s:i, s:[{s:s, s:s, s:s, s:s, s:s}, "
			      "{s:s, s:s, s:s, s:s, s:s, s:i}]}]}",
			      "run", "verdict", "fail", "manifest", "m.yaml", "assets", "name", "a",
			      "target", "t.example", "line", 3, "findings", "rule",
			      "dns-unresolved", "action", "warn", "severity", "high", "asset", "a",
			      "fingerprint", "aa", "rule", "port-unapproved-open", "action", "fail",
			      "severity", "high", "asset", "a", "fingerprint", "bb", "port", 22);
	char *gl = rendered_new("gitlab", r), *sarif = rendered_new("sarif", r);
	json_t *g = json_loads(gl, 0, NULL), *s = json_loads(sarif, 0, NULL), *rule;
	size_t i;
	int seen = 0;

	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "severity")),
			 "major");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 1), "severity")),
			 "critical");
	json_array_foreach(
		json_object_get(
			json_object_get(
				json_object_get(json_array_get(json_object_get(s, "runs"), 0),
						"tool"),
				"driver"),
			"rules"),
		i, rule)
	{
		const char *id = json_string_value(json_object_get(rule, "id"));
		const char *ss = json_string_value(
			json_object_get(json_object_get(rule, "properties"), "security-severity"));
		if (!strcmp(id, "dns-unresolved")) {
			ck_assert_str_eq(ss, "5.5");
			seen++;
		}
		if (!strcmp(id, "port-unapproved-open")) {
			ck_assert_str_eq(ss, "8.0");
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	json_decref(g);
	json_decref(s);
	free(gl);
	free(sarif);
	json_decref(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, markdown_code_spans_fence_not_escape);
	tcase_add_test(tc, markdown_no_live_mentions_or_links);
	tcase_add_test(tc, junit_is_xml_whatever_the_text);
	tcase_add_test(tc, export_severity_follows_action);
	tcase_add_test(tc, ci_formats_warn_not_critical);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
