/* cli_output.c - `--format FMT --output FILE` pairs (as trivy and semgrep take them):
 * several outputs of one run, each rendered from the same evidence. */
#include "config.h"
#include "cli_output.h"

#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_text.h"
#include "util/path.h"
#include "util/util.h"

const char pg_cli_output_help[] =
	"      --format FMT           add an output: json (the evidence), sarif, junit, gitlab,\n"
	"                             markdown, github, ndjson, html (repeatable; to stdout\n"
	"                             unless --output follows)\n"
	"      --output FILE          where the preceding --format goes ('-' = stdout);\n"
	"                             regular files are replaced atomically (the file of\n"
	"                             $GITHUB_STEP_SUMMARY is appended to), pipes and devices\n"
	"                             written in place; two outputs into one file, or one onto\n"
	"                             an input, are refused\n"
	"      --color WHEN           auto (default: a terminal, unless NO_COLOR or TERM=dumb;\n"
	"                             anything when FORCE_COLOR is set), always or never\n";

/* Which file a name stands for: device and inode when it exists ("-" is stdout's), and
 * the canonical name of where it would be created (the same file spelled ./x or a/../x,
 * or reached through a dangling symlink). */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	char *name; /* owned; NULL for stdout or when the directory cannot be resolved */
};

static char *canonical_name(const char *path)
{
	char *target = pg_path_link_target(path);
	char *d = pg_xstrdup(target ? target : path), *b = pg_xstrdup(target ? target : path);
	char *dir = realpath(dirname(d), NULL), *name = NULL;

	if (dir)
		name = pg_xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", basename(b));
	free(dir);
	free(d);
	free(b);
	free(target);
	return name;
}

static void file_id_of(const char *path, struct file_id *id)
{
	struct stat st;
	bool out = !strcmp(path, "-");

	id->exists = out ? fstat(STDOUT_FILENO, &st) == 0 : stat(path, &st) == 0;
	id->dev = id->exists ? st.st_dev : 0;
	id->ino = id->exists ? st.st_ino : 0;
	id->name = out ? NULL : canonical_name(path);
}

/* /dev/null takes any number of outputs: nothing of one is lost there. */
static bool same_file(const struct file_id *a, const struct file_id *b)
{
	struct stat null;

	if (a->exists && b->exists)
		return a->dev == b->dev && a->ino == b->ino &&
		       !(stat("/dev/null", &null) == 0 && null.st_dev == a->dev &&
			 null.st_ino == a->ino);
	return a->name && b->name && !strcmp(a->name, b->name);
}

/* GitHub appends to the step summary (>>): what earlier commands of the step wrote there
 * stays, so an output into that file is appended too. */
static bool is_step_summary(const char *path)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	struct file_id a, b;
	bool same;

	if (!summary || !*summary || !*path || !strcmp(path, "-"))
		return false;
	file_id_of(path, &a);
	file_id_of(summary, &b);
	same = same_file(&a, &b);
	free(a.name);
	free(b.name);
	return same;
}

static int add(struct pg_cli_outputs *o, const char *format, const char *path)
{
	o->v = pg_xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	memset(&o->v[o->n], 0, sizeof(o->v[o->n]));
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
		o->v[o->n - 1].append = is_step_summary(arg);
		o->pending = false;
		return -1;
	case PG_OPT_EVIDENCE_OUT: /* -o/--out FILE: the evidence, as before --format existed */
		add(o, "json", arg);
		o->v[o->n - 1].option = "--out";
		o->v[o->n - 1].append = is_step_summary(arg);
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

static const char *opt_of(const struct pg_output *v)
{
	return v->option ? v->option : "--output";
}

/* The directory an output lands in must take a new file (the atomic write's temp file):
 * for a dangling symlink, the directory of the file it names, which the write creates. */
static int dir_error(const char *cmd, const struct pg_output *v)
{
	char *target = pg_path_link_target(v->path);
	char *copy = pg_xstrdup(target ? target : v->path);
	const char *dir = dirname(copy);
	struct stat st;
	int r = -1;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		r = pg_cli_usage_error(cmd, "%s %s: directory %s does not exist", opt_of(v),
				       v->path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		r = pg_cli_usage_error(cmd, "%s %s: directory %s is not writable: %s", opt_of(v),
				       v->path, dir, strerror(errno));
	free(copy);
	free(target);
	return r;
}

/* An output that cannot be written is a usage error found before the scan, not a failed
 * artifact after it: an empty path (an unset $GITHUB_STEP_SUMMARY), a directory, a file
 * that cannot be replaced, a missing directory. */
static int unwritable(const char *cmd, const struct pg_output *v)
{
	const char *path = v->path;
	struct stat st;

	if (!*path)
		return pg_cli_usage_error(cmd, "%s: empty path (an unset variable?)", opt_of(v));
	if (!strcmp(path, "-"))
		return -1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return pg_cli_usage_error(cmd, "%s %s: is a directory", opt_of(v), path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return access(path, W_OK) == 0 ? -1 /* a pipe or device, written in place */
					       : pg_cli_usage_error(cmd, "%s %s: %s", opt_of(v),
								    path, strerror(errno));
	return dir_error(cmd, v);
}

static void describe(const struct pg_output *v, char *buf, size_t len)
{
	if (v->option)
		snprintf(buf, len, "%s %s", v->option, v->path);
	else if (!strcmp(v->path, "-"))
		snprintf(buf, len, "--format %s (stdout)", v->format);
	else
		snprintf(buf, len, "--format %s --output %s", v->format, v->path);
}

static int clash(const char *cmd, const struct pg_output *a, const struct pg_output *b,
		 const struct pg_cli_input *in)
{
	char da[PATH_MAX + 64], db[PATH_MAX + 64];

	describe(b, db, sizeof(db));
	if (in)
		return pg_cli_usage_error(cmd, "%s would overwrite the input %s %s", db, in->opt,
					  in->path);
	describe(a, da, sizeof(da));
	return pg_cli_usage_error(cmd, "%s and %s go to the same file; one would be lost", da, db);
}

/* Output i against the outputs before it and every input. */
static int overlap_of(const char *cmd, const struct pg_cli_outputs *o, size_t i,
		      const struct file_id *ids, const struct pg_cli_input *in, size_t nin)
{
	for (size_t j = 0; j < i; j++)
		if (same_file(&ids[j], &ids[i]))
			return clash(cmd, &o->v[j], &o->v[i], NULL);
	for (size_t k = 0; k < nin; k++)
		if (in[k].path && strcmp(in[k].path, "-") && same_file(&ids[o->n + k], &ids[i]))
			return clash(cmd, NULL, &o->v[i], &in[k]);
	return -1;
}

/* Two outputs into one file keep only the last; an output onto an input destroys it. */
static int overlaps(const char *cmd, const struct pg_cli_outputs *o, const struct pg_cli_input *in,
		    size_t nin)
{
	struct file_id *ids = pg_xcalloc(o->n + nin + 1, sizeof(*ids));
	int r = -1;

	for (size_t i = 0; i < o->n; i++)
		file_id_of(o->v[i].path, &ids[i]);
	for (size_t k = 0; k < nin; k++) /* "-" is stdin there, read before anything is written */
		if (in[k].path && strcmp(in[k].path, "-"))
			file_id_of(in[k].path, &ids[o->n + k]);
	for (size_t i = 0; i < o->n && r < 0; i++)
		r = overlap_of(cmd, o, i, ids, in, nin);
	for (size_t i = 0; i < o->n + nin; i++)
		free(ids[i].name);
	free(ids);
	return r;
}

int pg_cli_outputs_check(const struct pg_cli_outputs *o, const char *cmd,
			 const struct pg_cli_input *in, size_t nin)
{
	size_t to_stdout = 0;
	int r;

	for (size_t i = 0; i < o->n; i++) {
		if ((r = unwritable(cmd, &o->v[i])) >= 0)
			return r;
		to_stdout += !strcmp(o->v[i].path, "-");
	}
	if (to_stdout > 1)
		return pg_cli_usage_error(cmd,
					  "%zu outputs go to stdout; give all but one "
					  "an --output FILE",
					  to_stdout);
	return overlaps(cmd, o, in, nin);
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
