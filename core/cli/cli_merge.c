/* cli_merge.c - `portgate merge A.json B.json ...`: the evidence of the shards of one
 * manifest (check --shard I/N on several runners) as one report, one set of outputs and
 * one exit code, decided by the same policy as an unsharded check. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_output.h"
#include "cli_source.h"
#include "manifest/manifest.h"
#include "policy/policy.h"
#include "report/drift.h"
#include "report/evidence.h"
#include "report/merge.h"
#include "report/report_text.h"
#include "util/log.h"

static const char merge_usage[] =
	"Usage: portgate merge [OPTIONS] SHARD.json...\n"
	"\n"
	"Join the evidence of every shard of one manifest (check --shard I/N) into one report\n"
	"and decide it as one check would: one set of outputs, one exit code. Refuses shards\n"
	"of different manifests, a missing or doubled shard, and a manifest changed since.\n"
	"\n"
	"  -m, --manifest FILE        the shards' manifest (default: the path they recorded)\n"
	"  -o, --out FILE             the merged evidence JSON (= --format json --output FILE)\n"
	"%s"
	"      --baseline FILE        compare with a previous run's evidence (as check does)\n"
	"  -q, --quiet                print nothing on stdout\n"
	"  -v, --verbose              more diagnostics on stderr (repeatable)\n"
	"  -h, --help                 this help\n"
	"\n"
	"Exit status: as check: 0 pass (or monitor mode); 1 policy failed; 2 usage error or\n"
	"shards that do not make one set; 3 a target could not be checked, nothing failed.\n";

struct merge_args {
	const char *manifest, *baseline;
	struct pg_cli_outputs outputs;
	bool quiet;
};

/* No output may overwrite what the merge reads: the manifest, the baseline, a shard. */
static int outputs_check(const struct merge_args *a, char **shards, size_t n)
{
	struct pg_cli_input *in = pg_xcalloc(n + 2, sizeof(*in));
	int r;

	in[0] = (struct pg_cli_input){ "--manifest", a->manifest };
	in[1] = (struct pg_cli_input){ "--baseline", a->baseline };
	for (size_t i = 0; i < n; i++)
		in[i + 2] = (struct pg_cli_input){ "shard", shards[i] };
	r = pg_cli_outputs_check(&a->outputs, "merge", in, n + 2);
	free(in);
	return r;
}

static int parse(int argc, char **argv, struct merge_args *a)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		PG_CLI_OUTPUT_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, r;

	while ((ch = pg_cli_getopt("merge", argc, argv, "m:o:qvh", longopts)) != -1) {
		switch (ch) {
		case 'm': a->manifest = optarg; break;
		case 'B': a->baseline = optarg; break;
		case 'q': a->quiet = true; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'h': printf(merge_usage, pg_cli_output_help); return PG_EXIT_PASS;
		case 'o': ch = PG_OPT_EVIDENCE_OUT; /* fall through */
		case PG_OPT_FORMAT:
		case PG_OPT_OUTPUT:
		case PG_OPT_EVIDENCE_OUT:
		case PG_OPT_COLOR:
			if ((r = pg_cli_output_opt(&a->outputs, "merge", ch, optarg)) >= 0)
				return r;
			break;
		default: return pg_cli_common_fallback(NULL, "merge", ch, optarg);
		}
	}
	if (optind >= argc)
		return pg_cli_usage_error("merge", "no shard evidence files given");
	return outputs_check(a, argv + optind, (size_t)(argc - optind));
}

struct merge {
	json_t **docs, *report, *baseline;
	size_t n;
	struct pg_manifest *m;
	const struct pg_asset **assets; /* borrowed from m, in report order */
};

static bool load_all(struct merge *g, char **files, size_t n, const struct merge_args *a)
{
	char err[512];

	g->docs = pg_xcalloc(n, sizeof(*g->docs));
	for (g->n = 0; g->n < n; g->n++)
		if (!(g->docs[g->n] = pg_evidence_load(files[g->n], err, sizeof(err))))
			break;
	if (g->n == n && a->baseline &&
	    !(g->baseline = pg_evidence_load(a->baseline, err, sizeof(err))))
		fprintf(stderr, "portgate: merge: --baseline %s\n", err);
	else if (g->n < n)
		fprintf(stderr, "portgate: merge: %s\n", err);
	else if (!(g->report = pg_merge_shards(g->docs, (const char *const *)files, n, err,
					       sizeof(err))))
		fprintf(stderr, "portgate: merge: %s\n", err);
	return g->report && (!a->baseline || g->baseline);
}

/* Where the shards' manifest may be, without -m: the path they recorded (from the
 * directory they ran in), then run.source (the path from the repository's top)
 * under the recorded root and under this directory, which is the top when merge
 * runs there. Owned strings, NULL-terminated. */
static char **candidates(const json_t *run)
{
	const json_t *src = json_object_get(run, "source");
	const char *given = json_string_value(json_object_get(run, "manifest"));
	const char *root = json_string_value(json_object_get(src, "root"));
	const char *rel = json_string_value(json_object_get(src, "manifest"));
	char **v = pg_xcalloc(4, sizeof(char *));
	size_t n = 0;

	if (given && strcmp(given, "-"))
		v[n++] = pg_xstrdup(given);
	if (rel && strcmp(rel, "stdin") && root)
		v[n++] = pg_xasprintf("%s/%s", root, rel);
	if (rel && strcmp(rel, "stdin"))
		v[n++] = pg_xstrdup(rel);
	return v;
}

/* The first candidate with the shards' bytes; NULL with a message. */
static struct pg_manifest *find_manifest(char **paths, const char *want)
{
	const char *unread = NULL, *other = NULL;
	struct pg_diag diag = { 0 };
	struct pg_manifest *m = NULL;

	for (size_t i = 0; paths[i] && !m; i++) {
		if (!(m = pg_manifest_load(paths[i], &diag)))
			unread = unread ? unread : paths[i];
		else if (strcmp(m->sha256, want)) {
			other = other ? other : paths[i];
			pg_manifest_free(m);
			m = NULL;
		}
		if (paths[i + 1] || m || other)
			pg_diag_clear(&diag);
	}
	if (!m && other)
		fprintf(stderr,
			"portgate: merge: %s is not the manifest the shards ran (sha256 "
			"%.12s...)\n",
			other, want);
	else if (!m) {
		pg_diag_print(&diag, stderr);
		if (unread)
			fprintf(stderr,
				"portgate: merge: cannot read the manifest %s (give -m FILE)\n",
				unread);
		else
			fputs("portgate: merge: the shards read their manifest from stdin (-m -): "
			      "give it with -m FILE\n",
			      stderr);
	}
	pg_diag_clear(&diag);
	return m;
}

/* Each asset of the report is the manifest's asset at its recorded line. */
static bool match_assets(struct merge *g)
{
	json_t *ja;
	size_t i;

	g->assets = pg_xcalloc(json_array_size(json_object_get(g->report, "assets")),
			       sizeof(*g->assets));
	json_array_foreach(json_object_get(g->report, "assets"), i, ja)
	{
		json_int_t line = json_integer_value(json_object_get(ja, "line"));
		for (size_t k = 0; k < g->m->nassets && !g->assets[i]; k++)
			if (g->m->assets[k].line == line)
				g->assets[i] = &g->m->assets[k];
		if (!g->assets[i]) {
			fprintf(stderr, "portgate: merge: %s has no asset at line %lld\n",
				g->m->path, (long long)line);
			return false;
		}
	}
	return true;
}

/* The merged run names the manifest merge read (-m, else the candidate with the shards'
 * bytes) as check would from here, not whatever the first shard recorded. Without -m the
 * shards' recorded root stays the root when that manifest lies under it. */
static void name_manifest(json_t *report, const char *path, bool given)
{
	json_t *run = json_object_get(report, "run");
	json_t *src = json_incref(json_object_get(run, "source"));
	const char *root = json_string_value(json_object_get(src, "root"));

	json_object_set_new(run, "manifest", json_string(path));
	json_object_del(run, "source");
	if (!given && root && pg_cli_source_root_check(root))
		pg_cli_source_record(report, path, root);
	if (!json_object_get(run, "source"))
		pg_cli_source_record(report, path, NULL);
	json_decref(src);
}

/* The manifest the shards ran: same bytes, and an asset at every recorded line. */
static bool load_manifest(struct merge *g, const struct merge_args *a)
{
	json_t *run = json_object_get(g->report, "run");
	char *given[2] = { (char *)a->manifest, NULL };
	char **paths = a->manifest ? given : candidates(run);

	g->m = find_manifest(paths, json_string_value(json_object_get(run, "manifestSha256")));
	for (size_t i = 0; paths != given && paths[i]; i++)
		free(paths[i]);
	if (paths != given)
		free(paths);
	if (g->m)
		name_manifest(g->report, g->m->path, a->manifest != NULL);
	return g->m && match_assets(g);
}

static enum pg_mode shards_mode(const struct merge *g)
{
	const char *mode = json_string_value(
		json_object_get(json_object_get(g->docs[0], "run"), "mode"));

	return mode && !strcmp(mode, "monitor") ? PG_MODE_MONITOR : PG_MODE_ENFORCE;
}

static int decide(struct merge *g, const struct merge_args *a)
{
	json_int_t longest = 0;
	int code;

	for (size_t i = 0; i < g->n; i++) {
		json_int_t d = json_integer_value(
			json_object_get(json_object_get(g->docs[i], "run"), "durationMs"));
		longest = d > longest ? d : longest;
	}
	if (g->baseline)
		pg_drift_apply(g->report, g->baseline, a->baseline);
	code = pg_policy_finalize(g->m, g->assets, shards_mode(g), g->report);
	json_object_set_new(json_object_get(g->report, "run"), "durationMs", json_integer(longest));
	code = pg_cli_outputs_write(&a->outputs, g->report, code);
	if (!a->quiet && !pg_cli_outputs_use_stdout(&a->outputs)) {
		pg_report_text(g->report, stdout, pg_want_color(stdout));
		pg_drift_print(g->report, stdout);
	}
	return code;
}

int pg_cmd_merge(int argc, char **argv)
{
	struct merge_args a = { 0 };
	struct merge g = { 0 };
	int code = parse(argc, argv, &a);

	if (code < 0)
		code = load_all(&g, argv + optind, (size_t)(argc - optind), &a) &&
				       load_manifest(&g, &a)
			       ? decide(&g, &a)
			       : PG_EXIT_USAGE;
	for (size_t i = 0; i < g.n; i++)
		json_decref(g.docs[i]);
	free(g.docs);
	free(g.assets);
	json_decref(g.report);
	json_decref(g.baseline);
	pg_manifest_free(g.m);
	pg_cli_outputs_clear(&a.outputs);
	return code;
}
