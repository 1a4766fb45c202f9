/* test_render.c - the renderers' output for hostile text: Markdown code spans. */
#include "config.h"

#include "pg_check.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/render.h"

/* The markdown renderer's output for report (caller frees). */
static char *markdown_new(const json_t *report)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pg_renderer_find("markdown")->render(f, report), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
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

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, markdown_code_spans_fence_not_escape);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
