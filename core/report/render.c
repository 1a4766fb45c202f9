/* render.c - the renderer table and the one entry point that writes outputs. */
#include "config.h"
#include "render.h"
#include "render_int.h"

#include <errno.h>
#include <string.h>

#include "util/util.h"

const struct pg_renderer pg_renderers[] = {
	{ "json", "the evidence JSON (docs/evidence.md)", pg_render_json },
	{ "sarif", "SARIF 2.1.0 (GitHub code scanning, IDEs)", pg_render_sarif },
	{ "junit", "JUnit XML: one test case per asset and rule", pg_render_junit },
	{ "gitlab", "GitLab Code Quality report (JSON)", pg_render_gitlab },
	{ "markdown", "Markdown summary (for $GITHUB_STEP_SUMMARY)", pg_render_markdown },
	{ "github", "GitHub Actions annotations (::error file=...,line=...::)", pg_render_github },
	{ "ndjson", "one finding per line (JSON)", pg_render_ndjson },
	{ "html", "a self-contained HTML report (chart, findings with their packet)",
	  pg_render_html },
};
const size_t pg_renderers_n = PG_ARRAY_LEN(pg_renderers);

const struct pg_renderer *pg_renderer_find(const char *name)
{
	for (size_t i = 0; name && i < pg_renderers_n; i++)
		if (!strcmp(pg_renderers[i].name, name))
			return &pg_renderers[i];
	return NULL;
}

struct job {
	const struct pg_renderer *r;
	const json_t *report;
};

static int run_job(FILE *f, void *ud)
{
	const struct job *j = ud;

	return j->r->render(f, j->report);
}

int pg_render_to(const struct pg_output *o, const json_t *report)
{
	struct job j = { pg_renderer_find(o->format), report };

	if (!j.r)
		return -EINVAL;
	if (strcmp(o->path, "-") && o->append)
		return pg_append_with(o->path, run_job, &j);
	if (strcmp(o->path, "-"))
		return pg_write_atomic_with(o->path, run_job, &j);
	errno = 0;
	if (run_job(stdout, &j) < 0 || fflush(stdout) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

size_t pg_render_all(const struct pg_output *o, size_t n, const json_t *report)
{
	size_t failed = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		if ((r = pg_render_to(&o[i], report)) == 0)
			continue;
		pg_eprint("cannot write %s%s to %s: %s",
			  strcmp(o[i].format, "json") ? o[i].format : "evidence",
			  strcmp(o[i].format, "json") ? " output" : "",
			  strcmp(o[i].path, "-") ? o[i].path : "stdout", strerror(-r));
		failed++;
	}
	return failed;
}
