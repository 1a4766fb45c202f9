/* cli_check.c - `portgate check`: manifest -> resolve -> scan -> policy -> evidence. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "report/evidence.h"
#include "util/log.h"
#include "manifest/manifest.h"
#include "run/check_run.h"
#include "notify/notify.h"
#include "plugin/plugin_host.h"
#include "run/rule_check.h"
#include "run/run_stages.h"
#include "report/report_text.h"
#include "cli_output.h"
#include "report/drift.h"
#include "cli_plan.h"
#include "cli_source.h"

static const char check_usage[] =
	"Usage: portgate check -m MANIFEST [OPTIONS]\n"
	"\n"
	"Resolve and scan every asset of MANIFEST, decide with the policy, write the evidence\n"
	"and print one line per asset with its verdict, then its findings.\n"
	"\n"
	"  -m, --manifest FILE        asset manifest (YAML or JSON)\n"
	"  -o, --out FILE             the evidence JSON (= --format json --output FILE)\n"
	"%s"
	"      --mode MODE            enforce (default: failures fail the build) or monitor\n"
	"                             (report everything, never exit 1; still 3 when a target\n"
	"                             could not be checked)\n"
	"      --shard I/N            check only the I-th of N stable slices of the manifest\n"
	"      --baseline FILE        compare with a previous run's evidence: port-newly-open\n"
	"                             (fail), port-newly-closed, certificate-changed,\n"
	"                             address-changed, asn-changed (warn), findings new/gone\n"
	"      --skip-cache           do not use cached enrichment results\n"
	"      --no-notify            run everything but notify nothing: no notification is\n"
	"                             stored or sent, the outbox's backlog waits\n"
	"      --source-root DIR      the repository's top, for the manifest's path in SARIF,\n"
	"                             annotations and Code Quality (default: the nearest .git\n"
	"                             above the working directory, else $GITHUB_WORKSPACE)\n"
	"      --dry-run              check the settings as a real run does (plugins loaded and\n"
	"                             their options checked, none started), resolve and print\n"
	"                             what would be scanned (targets, addresses, ports, scope\n"
	"                             decisions); connect to nothing, write no output; exit 0,\n"
	"                             2 on a settings error, or 3 if a target did not resolve\n"
	"  -q, --quiet                print nothing on stdout (exit code and outputs only); the\n"
	"                             summary also stays off stdout when an output goes there\n"
	"  -v, --verbose              more diagnostics on stderr (repeatable)\n"
	"  -h, --help                 this help\n"
	"%s"
	"\n"
	"Exit status: 0 pass; 1 policy failed; 2 usage, manifest or config error; 3 a target\n"
	"could not be resolved or scanned and nothing failed. Monitor mode: 0, or 3 when a\n"
	"target could not be checked (even if something failed).\n";

struct check_args {
	const char *manifest, *baseline, *source_root;
	struct pg_cli_outputs outputs;
	enum pg_mode mode;
	unsigned shard_i, shard_n; /* 1-based; 0 = no sharding */
	bool skip_cache, quiet, no_notify, dry_run;
};

static bool parse_shard(const char *s, struct check_args *a)
{
	const char *slash = strchr(s, '/');
	unsigned long i, n;
	char buf[32];

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!pg_parse_ulong(buf, 100000, &i) || !pg_parse_ulong(slash + 1, 100000, &n) || !i ||
	    i > n)
		return false;
	a->shard_i = (unsigned)i;
	a->shard_n = (unsigned)n;
	return true;
}

/* No output may overwrite what the run reads. */
static int outputs_check(const struct check_args *a, const struct pg_cli_common *c)
{
	const struct pg_cli_input in[] = {
		{ "--manifest", a->manifest },
		{ "--config", c->config_path },
		{ "--baseline", a->baseline },
	};

	return pg_cli_outputs_check(&a->outputs, "check", in, PG_ARRAY_LEN(in));
}

static int parse(int argc, char **argv, struct check_args *a, struct pg_cli_common *c)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "shard", required_argument, NULL, 'S' },
		{ "skip-cache", no_argument, NULL, 'K' },
		{ "no-notify", no_argument, NULL, 'N' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "source-root", required_argument, NULL, 'R' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		PG_CLI_COMMON_LONGOPTS,
		PG_CLI_OUTPUT_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, r;

	while ((ch = pg_cli_getopt("check", argc, argv, "m:o:qvh", longopts)) != -1) {
		switch (ch) {
		case 'm': a->manifest = optarg; break;
		case 'o': ch = PG_OPT_EVIDENCE_OUT; /* fall through */
		case PG_OPT_FORMAT:
		case PG_OPT_OUTPUT:
		case PG_OPT_EVIDENCE_OUT:
		case PG_OPT_COLOR:
			if ((r = pg_cli_output_opt(&a->outputs, "check", ch, optarg)) >= 0)
				return r;
			break;
		case 'M':
			if (!strcmp(optarg, "enforce"))
				a->mode = PG_MODE_ENFORCE;
			else if (!strcmp(optarg, "monitor"))
				a->mode = PG_MODE_MONITOR;
			else
				return pg_cli_usage_error(
					"check", "--mode: expected enforce or monitor, got '%s'",
					optarg);
			break;
		case 'S':
			if (!parse_shard(optarg, a))
				return pg_cli_usage_error(
					"check", "--shard: expected I/N with 1 <= I <= N, got '%s'",
					optarg);
			break;
		case 'K': a->skip_cache = true; break;
		case 'N': a->no_notify = true; break;
		case 'D': a->dry_run = true; break;
		case 'R':
			if (!pg_cli_source_root_check(optarg))
				return pg_cli_usage_error("check", "--source-root %s: %s", optarg,
							  strerror(errno));
			a->source_root = optarg;
			break;
		case 'B': a->baseline = optarg; break;
		case 'q': a->quiet = true; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'h':
			printf(check_usage, pg_cli_output_help, pg_cli_common_help);
			return PG_EXIT_PASS;
		default:
			if ((r = pg_cli_common_fallback(c, "check", ch, optarg)) >= 0)
				return r;
		}
	}
	if ((r = pg_cli_no_operands("check", argc, argv)) >= 0 || (r = outputs_check(a, c)) >= 0)
		return r;
	if (!a->manifest)
		return pg_cli_usage_error("check", "--manifest is required");
	return -1;
}

static bool in_shard(const struct pg_asset *as, const struct check_args *a)
{
	return !a->shard_n || pg_manifest_shard_of(as->name, as->target, a->shard_n) == a->shard_i;
}

struct run {
	struct pg_manifest *m;
	struct pg_plugin_host *host;
	const struct pg_asset **assets; /* borrowed from m: the shard's assets */
	json_t *baseline;               /* owned: --baseline evidence, or NULL */
	size_t n;
};

/* The outputs and the summary, before anything is notified. */
static int publish(json_t *report, int code, void *ud)
{
	const struct check_args *a = ud;

	pg_cli_source_record(report, a->manifest, a->source_root);
	code = pg_cli_outputs_write(&a->outputs, report, code);
	if (!a->quiet && !pg_cli_outputs_use_stdout(&a->outputs)) {
		pg_report_text(report, stdout, pg_want_color(stdout));
		pg_drift_print(report, stdout);
	}
	fflush(stdout);
	return code;
}

/* Resolve and print the plan; -1 with err when the resolver could not run. */
static int dry_run(const struct check_args *a, const struct pg_check_options *o, char *err,
		   size_t errlen)
{
	int code;
	json_t *plan = pg_run_plan(o, &code, err, errlen);

	if (!plan)
		return -1;
	if (!a->quiet)
		pg_cli_plan_print(plan, stdout);
	json_decref(plan);
	return code;
}

static int check(const struct check_args *a, struct pg_config *cfg, struct run *r)
{
	struct pg_check_options o = {
		.manifest_path = a->manifest,
		.m = r->m,
		.assets = r->assets,
		.n = r->n,
		.cfg = cfg,
		.host = r->host,
		.mode = a->mode,
		.skip_cache = a->skip_cache,
		.no_notify = a->no_notify,
		.progress = a->quiet ? NULL : pg_cli_progress_tty(),
		.baseline = r->baseline,
		.baseline_path = a->baseline,
		.shard_i = a->shard_i,
		.shard_n = a->shard_n,
		.compact = true,
		.publish = publish,
		.ud = (void *)a,
	};
	char err[256];
	int code = a->dry_run ? dry_run(a, &o, err, sizeof(err))
			      : pg_run_check(&o, err, sizeof(err));

	if (code < 0) {
		pg_eprint("check: %s", err);
		return PG_EXIT_UNCHECKED;
	}
	return code;
}

static struct pg_manifest *load_manifest(const char *path)
{
	struct pg_diag diag = { 0 };
	struct pg_manifest *m = pg_manifest_load(path, &diag);

	if (!m)
		pg_diag_print(&diag, stderr);
	pg_diag_clear(&diag);
	return m;
}

/* Every plugin is loaded and every instance created before any thread starts. A dry run
 * checks the same settings (stages, plugin names, each instance's options against its
 * plugin's table, a required secret's variable) but creates nothing: no create(), no network. */
static struct pg_plugin_host *load_plugins(const struct pg_config *cfg,
					   const struct pg_cli_common *c, bool dry_run)
{
	struct pg_diag diag = { 0 };
	struct pg_plugin_host *h = dry_run ? pg_plugin_host_dry_run(cfg, c->plugin_dirs,
								    c->nplugin_dirs, pg_run_stages,
								    &diag)
					   : pg_plugin_host_new(cfg, c->plugin_dirs,
								c->nplugin_dirs, pg_run_stages,
								&diag);

	if (!h)
		pg_diag_print(&diag, stderr);
	pg_diag_clear(&diag);
	return h;
}

/* With --shard, the baseline's assets of other shards are not this run's to
 * compare: left in, each would be an asset-removed. */
static void baseline_shard(json_t *baseline, const struct check_args *a)
{
	json_t *assets = json_object_get(baseline, "assets");

	for (size_t i = json_array_size(assets); a->shard_n && i-- > 0;) {
		const json_t *ja = json_array_get(assets, i);
		if (pg_manifest_shard_of(json_string_value(json_object_get(ja, "name")),
					 json_string_value(json_object_get(ja, "target")),
					 a->shard_n) != a->shard_i)
			json_array_remove(assets, i);
	}
}

/* A bad baseline is a usage error found before anything is scanned. */
static bool load_baseline(const struct check_args *a, struct run *r)
{
	char err[512];

	if (!a->baseline)
		return true;
	if (!(r->baseline = pg_evidence_load(a->baseline, err, sizeof(err))))
		fprintf(stderr, "portgate: check: --baseline %s\n", err);
	else
		baseline_shard(r->baseline, a);
	return r->baseline != NULL;
}

int pg_cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct pg_cli_common c;
	struct pg_config *cfg = NULL;
	struct run r = { 0 };
	int code;

	pg_cli_common_init(&c);
	code = parse(argc, argv, &a, &c); /* -1: go on; else the exit code */
	if (code < 0 &&
	    (!(r.m = load_manifest(a.manifest)) || !load_baseline(&a, &r) ||
	     !(cfg = pg_cli_load_config(&c)) || !(r.host = load_plugins(cfg, &c, a.dry_run))))
		code = PG_EXIT_USAGE;
	if (code < 0) {
		/* once per unknown id, before any asset is scanned */
		if (r.host)
			pg_rule_check_warn(r.m, r.host);
		r.assets = pg_xcalloc(r.m->nassets, sizeof(*r.assets));
		for (size_t i = 0; i < r.m->nassets; i++)
			if (in_shard(&r.m->assets[i], &a))
				r.assets[r.n++] = &r.m->assets[i];
		code = check(&a, cfg, &r);
	}
	free(r.assets);
	pg_plugin_host_free(r.host);
	pg_manifest_free(r.m);
	json_decref(r.baseline);
	pg_config_free(cfg);
	pg_cli_common_clear(&c);
	pg_cli_outputs_clear(&a.outputs);
	return code;
}
