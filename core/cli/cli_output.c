/* cli_output.c - `--format FMT --output FILE` pairs (as trivy and semgrep take them):
 * several outputs of one run, each rendered from the same evidence. */
#include "config.h"
#include "cli_output.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_text.h"
#include "util/util.h"

const char pg_cli_output_help[] =
	"      --format FMT           add an output: json (the evidence), sarif, junit, gitlab,\n"
	"                             markdown, github, ndjson, html (repeatable; to stdout\n"
	"                             unless --output follows)\n"
	"      --output FILE          where the preceding --format goes ('-' = stdout);\n"
	"                             regular files are replaced atomically, pipes and devices\n"
	"                             written in place\n"
	"      --color WHEN           auto (default: a terminal, unless NO_COLOR or TERM=dumb;\n"
	"                             anything when FORCE_COLOR is set), always or never\n";

static int add(struct pg_cli_outputs *o, const char *format, const char *path)
{
	o->v = pg_xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	o->v[o->n].format = format;
	o->v[o->n].path = path;
	o->pending = path == NULL;
	if (!path)
		o->v[o->n].path = "-";
	o->n++;
	return -1;
}

int pg_cli_output_opt(struct pg_cli_outputs *o, const char *cmd, int code, const char *arg)
{
	switch (code) {
	case PG_OPT_FORMAT:
		if (!pg_renderer_find(arg))
			return pg_cli_usage_error(cmd,
						  "--format: unknown format '%s' (json, sarif, "
						  "junit, gitlab, markdown, github, ndjson, "
						  "html)",
						  arg);
		return add(o, arg, NULL);
	case PG_OPT_OUTPUT:
		if (!o->pending)
			return pg_cli_usage_error(cmd, "--output '%s' needs a --format before it",
						  arg);
		o->v[o->n - 1].path = arg;
		o->pending = false;
		return -1;
	case PG_OPT_EVIDENCE_OUT: /* -o/--out FILE: the evidence, as before --format existed */
		add(o, "json", arg);
		return -1;
	case PG_OPT_COLOR:
		if (!pg_color_parse(arg))
			return pg_cli_usage_error(cmd,
						  "--color: expected auto, always or never, "
						  "got '%s'",
						  arg);
		return -1;
	}
	return pg_cli_usage_error(cmd, "unknown option");
}

/* The directory an output lands in must take a new file (the atomic write's temp file). */
static int dir_error(const char *cmd, const char *path)
{
	char *copy = pg_xstrdup(path);
	const char *dir = dirname(copy);
	struct stat st;
	int r = -1;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		r = pg_cli_usage_error(cmd, "--output %s: directory %s does not exist", path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		r = pg_cli_usage_error(cmd, "--output %s: directory %s is not writable: %s", path,
				       dir, strerror(errno));
	free(copy);
	return r;
}

/* An output that cannot be written is a usage error found before the scan, not a failed
 * artifact after it: an empty path (an unset $GITHUB_STEP_SUMMARY), a directory, a file
 * that cannot be replaced, a missing directory. */
static int unwritable(const char *cmd, const char *path)
{
	struct stat st;

	if (!*path)
		return pg_cli_usage_error(cmd, "--output: empty path (an unset variable?)");
	if (!strcmp(path, "-"))
		return -1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return pg_cli_usage_error(cmd, "--output %s: is a directory", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return access(path, W_OK) == 0
			       ? -1 /* a pipe or device, written in place */
			       : pg_cli_usage_error(cmd, "--output %s: %s", path, strerror(errno));
	return dir_error(cmd, path);
}

int pg_cli_outputs_check(const struct pg_cli_outputs *o, const char *cmd)
{
	size_t to_stdout = 0;
	int r;

	for (size_t i = 0; i < o->n; i++) {
		if ((r = unwritable(cmd, o->v[i].path)) >= 0)
			return r;
		to_stdout += !strcmp(o->v[i].path, "-");
	}
	if (to_stdout > 1)
		return pg_cli_usage_error(cmd,
					  "%zu outputs go to stdout; give all but one "
					  "an --output FILE",
					  to_stdout);
	return -1;
}

bool pg_cli_outputs_use_stdout(const struct pg_cli_outputs *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].path, "-"))
			return true;
	return false;
}

int pg_cli_outputs_write(const struct pg_cli_outputs *o, const json_t *report, int code)
{
	/* the artifacts are part of the check: a pass becomes 3, a failure stays 1 */
	if (pg_render_all(o->v, o->n, report) && code == PG_EXIT_PASS)
		return PG_EXIT_UNCHECKED;
	return code;
}

void pg_cli_outputs_clear(struct pg_cli_outputs *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}
