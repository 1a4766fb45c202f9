/* cli_plugins.c - `portgate plugins`, `plugin-check`, `plugin-test`, `outbox`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/log.h"
#include "enrich/enrich.h"
#include "notify/deliver.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "plugin/plugin_host.h"
#include "report/evidence.h"
#include "run/run_stages.h"
#include "config/settings.h"

struct plug_args {
	struct pg_cli_common common; /* --config and --plugin-dir, as check takes them */
	bool json, all, dead;
	const char *instance;                /* outbox flush --instance */
	const char *evidence, *asset, *rule; /* plugin-test enrich --from-evidence */
	const char *describe;                /* plugins --describe NAME */
	int first_arg;                       /* index of the first non-option argument */
};

/* An asset name is a manifest key; nothing longer can name one. */
#define PG_ASSET_NAME_MAX 256

/* Long options without a short form. */
enum { OPT_INSTANCE = 256, OPT_DEAD, OPT_EVIDENCE, OPT_ASSET, OPT_RULE };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "plugin-dir", required_argument, NULL, 'P' },
	{ "json", no_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{ "dead", no_argument, NULL, OPT_DEAD },
	{ "from-evidence", required_argument, NULL, OPT_EVIDENCE },
	{ "asset", required_argument, NULL, OPT_ASSET },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "describe", required_argument, NULL, 'D' },
	{ NULL, 0, NULL, 0 },
};

/* argv[0] is the subcommand. Returns 0, 1 for --help, -1 on usage error. */
static int parse_args(int argc, char **argv, struct plug_args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	pg_cli_common_init(&a->common);
	optind = 0; /* glibc: full re-initialisation (main may have used getopt) */
	while ((ch = pg_cli_getopt(argv[0], argc, argv, "c:P:javqhD:", long_opts)) != -1) {
		switch (ch) {
		case 'c': a->common.config_path = optarg; break;
		case 'P': pg_cli_common_opt(&a->common, PG_OPT_PLUGIN_DIR, optarg); break;
		case 'j': a->json = true; break;
		case 'a': a->all = true; break;
		case 'D': a->describe = optarg; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'q': pg_log_threshold = PG_LOG_ERROR; break;
		case 'h': return 1;
		case OPT_INSTANCE: a->instance = optarg; break;
		case OPT_DEAD: a->dead = true; break;
		case OPT_EVIDENCE: a->evidence = optarg; break;
		case OPT_ASSET: a->asset = optarg; break;
		case OPT_RULE: a->rule = optarg; break;
		case PG_CLI_BADOPT: return -2; /* said once by pg_cli_getopt */
		default: return -1;
		}
	}
	a->first_arg = optind;
	return 0;
}

static void usage(const char *cmd, FILE *out)
{
	if (!strcmp(cmd, "plugins"))
		fputs("usage: portgate plugins [--config FILE] [--plugin-dir DIR]... [--json]\n"
		      "                        [--describe NAME]\n"
		      "List loadable plugins with version, ABI, kind, options and the rules each\n"
		      "declares (ABI 1.4: id, default action, severity, summary); --describe NAME\n"
		      "prints one plugin's option reference (name, type, default, range or "
		      "values,\n"
		      "description: the table the host validates the config against).\n",
		      out);
	else if (!strcmp(cmd, "plugin-check"))
		fputs("usage: portgate plugin-check [--json] FILE.so|DIR...\n"
		      "Load each plugin (each *.so of a DIR) in a child process first and validate "
		      "its\ndescriptor; exit 0 when all are valid, 2 otherwise.\n",
		      out);
	else if (!strcmp(cmd, "plugin-test"))
		fputs("usage: portgate plugin-test enrich CONFIG FINDING.json [--plugin-dir "
		      "DIR]...\n"
		      "       portgate plugin-test enrich CONFIG --from-evidence FILE --asset NAME "
		      "[--rule RULE]\n"
		      "       portgate plugin-test notify CONFIG EVENT.json [--plugin-dir DIR]...\n"
		      "Run every enricher (notifier) of CONFIG on the finding (event) as a run "
		      "would:\n"
		      "in worker processes, with the deadlines and the added-finding rules. Prints "
		      "a\n"
		      "JSON object per instance: result (ok|fail|retry|timeout|crash), error, "
		      "out,\n"
		      "findings (as the run would add them), sent (every host->http request and\n"
		      "host->dns query). The enricher's input is built as check builds it (asset\n"
		      "context, openPorts); --from-evidence replays the asset's finding with RULE\n"
		      "(default: its first; the asset itself when it has none) from a report. Exit "
		      "0\n"
		      "when every instance returned ok, 1 otherwise, 2 on a usage or config "
		      "error.\n",
		      out);
	else
		fputs("usage: portgate outbox list [--config FILE] [--json] [--dead]\n"
		      "       portgate outbox flush [--config FILE] [--plugin-dir DIR]... [--all]\n"
		      "                             [--instance NAME] [--dead]\n"
		      "list shows notifications waiting for delivery and when a run tries each\n"
		      "next (--dead: the dead letters, each with its reason); flush delivers them\n"
		      "now, each entry with the retries, ignoring that time, the backlog budget\n"
		      "and a receiver found down by an earlier entry (--all: also those a\n"
		      "receiver rejected), and says how many it delivered and how many wait.\n"
		      "--instance NAME starts only that notifier and flushes only its entries.\n"
		      "A notification whose delivery crashed its plugin 3 times is a dead letter:\n"
		      "no run or flush tries it again but flush --dead (which tries only those).\n"
		      "Parallel runs and flushes never deliver one twice. flush exits 0 when none\n"
		      "of the entries it chose remain, 1 when some do (or another process still\n"
		      "delivers them), 2 on a configuration error.\n",
		      out);
}

/* Which of the options only some commands take a command accepts. */
enum { OPTS_REPLAY = 1, OPTS_FLUSH = 2, OPTS_DEAD = 4 };

/* An option given to a command that does not take it (or --from-evidence
 * and --asset apart): said once, true. */
static bool misplaced(const char *cmd, const struct plug_args *a, int takes)
{
	const char *opt = NULL;

	if (!(takes & OPTS_REPLAY) && (a->evidence || a->asset || a->rule))
		opt = a->evidence ? "--from-evidence" : a->asset ? "--asset" : "--rule";
	else if (!(takes & OPTS_FLUSH) && a->instance)
		opt = "--instance";
	else if (!(takes & OPTS_DEAD) && a->dead)
		opt = "--dead";
	if (opt)
		pg_cli_usage_error(cmd, "option '%s' does not apply here", opt);
	else if ((takes & OPTS_REPLAY) && !a->evidence != !a->asset)
		pg_cli_usage_error(cmd, "--from-evidence FILE and --asset NAME go together");
	else if (a->asset && strlen(a->asset) > PG_ASSET_NAME_MAX)
		pg_cli_usage_error(cmd, "--asset: longer than %d characters", PG_ASSET_NAME_MAX);
	else
		return false;
	return true;
}

/* ---- plugins / plugin-check ------------------------------------------- */

/* ABI 1.4: the rules it declares (an older plugin declares none). */
static void print_rules(const struct pg_module *m, FILE *out)
{
	const struct pg_rule_spec *r;

	fputs(pg_module_rule(m, 0) ? "  rules:\n" : "  rules: none declared\n", out);
	for (size_t i = 0; (r = pg_module_rule(m, i)); i++)
		fprintf(out, "    %-36s %-4s %-8s %s\n", r->id, r->default_action, r->severity,
			r->summary);
}

static void print_module(const struct pg_module *m, FILE *out)
{
	const struct pg_plugin *d = pg_module_desc(m);

	fprintf(out, "%s %s  %s, ABI %u.%u, %s%s\n  %s\n  file: %s\n", d->name, d->version,
		pg_plugin_kind_name(d->kind), d->abi_major, d->abi_minor,
		d->thread_model == PG_THREAD_PARALLEL ? "parallel" : "serialized",
		d->kind == PG_PLUGIN_NOTIFIER
			? (d->notify_mode == PG_NOTIFY_PER_FINDING ? ", one event per finding"
								   : ", one event per report")
			: "",
		d->description, pg_module_path(m));
	if (d->kind == PG_PLUGIN_ENRICHER)
		fprintf(out, "  scope: %s, cache %u s\n",
			d->enrich_scope == PG_SCOPE_ASSET     ? "asset (memo per asset+target+ip)"
			: d->enrich_scope == PG_SCOPE_FINDING ? "finding (memo per fingerprint)"
							      : "target (memo per target+ip)",
			d->cache_ttl_s);
	fprintf(out, "  host keys: %s\n",
		d->kind == PG_PLUGIN_NOTIFIER
			? "timeoutMs, events (per-report|per-finding), on [actions], route {owner, "
			  "environment, criticality, tags, rule, action}"
			: "timeoutMs, cacheTtlSeconds, on [actions], route {...}, after "
			  "[instances]");
	fputs(pg_module_option(m, 0) ? "  options:\n" : "  options: none\n", out);
	for (size_t i = 0; pg_module_option(m, i); i++) {
		const struct pg_option_spec *o = pg_module_option(m, i);
		char attr[160] = "";

		if (o->required)
			snprintf(attr, sizeof(attr), "required; ");
		else if (o->def)
			snprintf(attr, sizeof(attr), "default %s; ", o->def);
		fprintf(out, "    %-16s %-10s %s%s\n", o->name, pg_option_type_name(o->type), attr,
			o->help ? o->help : "");
	}
	print_rules(m, out);
}

/* plugins --describe NAME: the one plugin's option reference. */
static int describe_module(struct pg_plugin_host *h, const char *name, bool as_json)
{
	const struct pg_module *m = pg_plugin_find(h, name);
	json_t *j;

	if (!m) {
		pg_error("no plugin named '%s' in the plugin directories", name);
		return PG_EXIT_USAGE;
	}
	if (!as_json) {
		pg_module_describe(m, stdout);
		return PG_EXIT_PASS;
	}
	j = pg_module_json(m);
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(j);
	return PG_EXIT_PASS;
}

static int list_modules(struct pg_plugin_host *h, bool as_json)
{
	json_t *arr;

	if (as_json) {
		arr = json_array();
		for (size_t i = 0; i < pg_plugin_host_nmodules(h); i++)
			json_array_append_new(arr, pg_module_json(pg_plugin_host_module(h, i)));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
		return 0;
	}
	if (pg_plugin_host_nmodules(h) == 0)
		puts("no plugins found (-v names each directory searched: --plugin-dir, the "
		     "settings' pluginDirs, " PG_PLUGINDIR ")");
	for (size_t i = 0; i < pg_plugin_host_nmodules(h); i++) {
		if (i)
			putchar('\n');
		print_module(pg_plugin_host_module(h, i), stdout);
	}
	return 0;
}

int pg_cmd_plugins(int argc, char **argv)
{
	struct pg_diag diag = { 0 };
	struct plug_args a;
	struct pg_config *cfg = NULL;
	struct pg_plugin_host *h;
	int rc = parse_args(argc, argv, &a);

	if (rc != 0 || a.first_arg < argc) {
		if (rc != -2) /* -2: the bad option was named already */
			usage("plugins", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	if (misplaced("plugins", &a, 0)) {
		pg_cli_common_clear(&a.common);
		return PG_EXIT_USAGE;
	}
	/* the same settings checks as `check`; prints its own errors */
	if (a.common.config_path && !(cfg = pg_cli_load_config(&a.common))) {
		rc = PG_EXIT_USAGE;
		goto out;
	}
	/* Only load (no instances): listing must work with an incomplete config. */
	h = pg_cli_plugins_found(&a.common, cfg, &diag);
	rc = a.describe ? describe_module(h, a.describe, a.json) : list_modules(h, a.json);
	pg_plugin_host_free(h);
	pg_diag_print(&diag, stderr);
	rc = diag.n ? PG_EXIT_USAGE : rc;
out:
	pg_diag_clear(&diag);
	pg_config_free(cfg);
	pg_cli_common_clear(&a.common);
	return rc;
}

static void print_ok(const char *path, const struct pg_module *m)
{
	const struct pg_plugin *d = pg_module_desc(m);

	printf("%s: ok: %s %s, %s, ABI %u.%u, descriptor %zu bytes%s%s\n", path, d->name,
	       d->version, pg_plugin_kind_name(d->kind), d->abi_major, d->abi_minor,
	       pg_module_declared_size(m), pg_module_is_older(m) ? " (older, accepted)" : "",
	       d->create ? "" : "; no create (optional: state is NULL)");
}

/* A file, or every *.so of a directory: each loaded in a child first, so a
 * constructor that crashes is reported with the others, not fatal. */
static void check_one(struct pg_plugin_host *h, char *path, bool json, struct pg_diag *diag)
{
	size_t before = diag->n, nmods = pg_plugin_host_nmodules(h);
	struct stat st;
	struct pg_module *m;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		pg_plugin_load_dirs(h, &path, 1, diag);
		for (size_t i = nmods; !json && i < pg_plugin_host_nmodules(h); i++)
			print_ok(pg_module_path(pg_plugin_host_module(h, i)),
				 pg_plugin_host_module(h, i));
		return;
	}
	m = pg_plugin_load_probed(h, path, diag);
	if (m && !json)
		print_ok(path, m);
	else if (!m && diag->n == before)
		pg_diag_add(diag, path, 0, "not loadable");
}

int pg_cmd_plugin_check(int argc, char **argv)
{
	struct pg_diag diag = { 0 };
	struct plug_args a;
	struct pg_plugin_host *h;
	int rc = parse_args(argc, argv, &a);

	if (rc != 0 || a.first_arg >= argc || (rc == 0 && misplaced("plugin-check", &a, 0))) {
		if (rc != -2 && (rc != 0 || a.first_arg >= argc))
			usage("plugin-check", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	h = pg_plugin_host_empty();
	for (int i = a.first_arg; i < argc; i++)
		check_one(h, argv[i], a.json, &diag);
	if (a.json)
		list_modules(h, true);
	pg_diag_print(&diag, stderr);
	rc = diag.n ? PG_EXIT_USAGE : PG_EXIT_PASS;
	pg_plugin_host_free(h);
	pg_diag_clear(&diag);
	pg_cli_common_clear(&a.common);
	return rc;
}

/* ---- plugin-test ------------------------------------------------------ */

static bool all_ok(const json_t *res)
{
	const char *k;
	json_t *v;

	json_object_foreach(
		(json_t *)res, k,
		v) if (strcmp(json_string_value(json_object_get(v, "result")), "ok")) return false;
	return true;
}

/* The input file: a finding or event written by hand (a JSON object), or
 * (--from-evidence) a report portgate wrote; NULL after saying why. */
static json_t *load_input(const struct plug_args *a, const char *file)
{
	json_error_t jerr;
	json_t *in;
	char err[512];

	if (a->evidence) {
		in = pg_evidence_load(a->evidence, err, sizeof(err));
		if (!in)
			fprintf(stderr, "portgate: plugin-test: %s\n", err);
		return in;
	}
	in = json_load_file(file, 0, &jerr);
	if (!in || !json_is_object(in)) {
		fprintf(stderr, "portgate: plugin-test: %s:%d: %s\n", file, in ? 1 : jerr.line,
			in ? "expected a JSON object" : jerr.text);
		json_decref(in);
		return NULL;
	}
	return in;
}

static json_t *test_results(struct pg_plugin_host *h, const char *verb, const struct plug_args *a,
			    const json_t *in)
{
	char err[600];
	json_t *res;

	if (strcmp(verb, "enrich"))
		return pg_notify_test(h, in);
	if (!a->evidence)
		return pg_enrich_test(h, in);
	res = pg_enrich_test_evidence(h, in, a->asset, a->rule, err, sizeof(err));
	if (!res)
		fprintf(stderr, "portgate: plugin-test: %s: %s\n", a->evidence, err);
	return res;
}

static int run_plugin_test(const char *verb, const struct plug_args *a, const char *file)
{
	struct pg_diag diag = { 0 };
	struct pg_config *cfg = pg_cli_load_config(&a->common);
	struct pg_plugin_host *h = NULL;
	json_t *in = load_input(a, file), *res = NULL;
	int rc = PG_EXIT_USAGE;

	if (in && cfg &&
	    !(h = pg_plugin_host_new(cfg, a->common.plugin_dirs, a->common.nplugin_dirs,
				     pg_run_stages, &diag)))
		pg_diag_print(&diag, stderr);
	if (h && (res = test_results(h, verb, a, in))) {
		if (json_object_size(res) == 0)
			fprintf(stderr, "portgate: plugin-test: %s configures no %s\n",
				a->common.config_path,
				!strcmp(verb, "enrich") ? "enrichers" : "notifiers");
		json_dumpf(res, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		rc = json_object_size(res) && all_ok(res) ? PG_EXIT_PASS : PG_EXIT_POLICY;
		json_decref(res);
	}
	pg_plugin_host_free(h);
	pg_diag_clear(&diag);
	pg_config_free(cfg);
	json_decref(in);
	return rc;
}

int pg_cmd_plugin_test(int argc, char **argv)
{
	struct plug_args a;
	int rc = parse_args(argc, argv, &a);
	const char *verb = rc == 0 && a.first_arg < argc ? argv[a.first_arg] : NULL;

	if (rc != 0 || argc - a.first_arg != (a.evidence ? 2 : 3) ||
	    (strcmp(verb, "enrich") && strcmp(verb, "notify"))) {
		if (rc != -2)
			usage("plugin-test", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	if (misplaced("plugin-test", &a, strcmp(verb, "enrich") ? 0 : OPTS_REPLAY)) {
		pg_cli_common_clear(&a.common);
		return PG_EXIT_USAGE;
	}
	a.common.config_path = argv[a.first_arg + 1];
	rc = run_plugin_test(verb, &a, a.evidence ? NULL : argv[a.first_arg + 2]);
	pg_cli_common_clear(&a.common);
	return rc;
}

/* ---- outbox ----------------------------------------------------------- */

static int outbox_list(const struct pg_config *cfg, bool as_json, bool dead)
{
	size_t n, shown = 0, ndead = 0;
	struct pg_outbox_entry *e = pg_outbox_load(cfg->state_dir, &n);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *d = e[i].doc, *ev = json_object_get(d, "event");
		ndead += pg_outbox_is_dead(d);
		if (pg_outbox_is_dead(d) != dead)
			continue; /* the dead letters are a list of their own */
		shown++;
		size_t nf = json_is_array(json_object_get(ev, "findings"))
				    ? json_array_size(json_object_get(ev, "findings"))
				    : 1;
		json_int_t next_ms = json_integer_value(json_object_get(d, "nextAttemptAt"));
		char when[32], next[32] = "now";

		pg_iso8601_ms((uint64_t)json_integer_value(json_object_get(d, "createdAt")), when);
		if (next_ms > 0 && (uint64_t)next_ms > pg_wall_ms())
			pg_iso8601_ms((uint64_t)next_ms, next);
		if (as_json) {
			json_array_append_new(
				arr, json_pack("{s:O, s:O, s:s, s:O, s:O, s:O*, s:I, s:s, s:O*}",
					       "id", json_object_get(d, "id"), "instance",
					       json_object_get(d, "instance"), "createdAt", when,
					       "attempts", json_object_get(d, "attempts"), "status",
					       json_object_get(d, "status"), "lastError",
					       json_object_get(d, "lastError"), "findings",
					       (json_int_t)nf, "nextAttempt", next, "crashes",
					       json_object_get(d, "crashes")));
			continue;
		}
		printf("%s  %-12s %s  %-7s attempts=%lld findings=%zu next=%s%s%s\n",
		       json_string_value(json_object_get(d, "id")),
		       json_string_value(json_object_get(d, "instance")), when,
		       json_string_value(json_object_get(d, "status")),
		       (long long)json_integer_value(json_object_get(d, "attempts")), nf, next,
		       json_object_get(d, "lastError") ? "  last error: " : "",
		       json_string_value(json_object_get(d, "lastError"))
			       ? json_string_value(json_object_get(d, "lastError"))
			       : "");
	}
	if (as_json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else if (shown == 0) {
		printf(dead ? "no dead letters (%s/outbox)\n" : "outbox empty (%s/outbox)\n",
		       cfg->state_dir ? cfg->state_dir : "-");
	}
	if (!as_json && !dead && ndead)
		printf("%zu dead letter%s: portgate outbox list --dead\n", ndead,
		       ndead == 1 ? "" : "s");
	json_decref(arr);
	pg_outbox_entries_free(e, n);
	return PG_EXIT_PASS;
}

/* cfg with only notifier instance name (and no enricher): a flush of one
 * instance starts nothing else, so another's missing token or plugin does
 * not block it. *one and *sub hold what the copy borrows; false: no such
 * instance (said). */
static bool only_instance(const struct pg_config *cfg, const char *name, struct pg_config *one,
			  struct pg_node *sub)
{
	const struct pg_node *sec = cfg->notifiers;

	for (size_t i = 0; sec && sec->kind == PG_NODE_MAP && i < sec->n; i++) {
		if (strcmp(sec->keys[i]->scalar, name))
			continue;
		*sub = (struct pg_node){ .kind = PG_NODE_MAP,
					 .line = sec->line,
					 .col = sec->col,
					 .n = 1,
					 .items = &sec->items[i],
					 .keys = &sec->keys[i] };
		*one = *cfg;
		one->enrichers = NULL;
		one->notifiers = sub;
		return true;
	}
	pg_cli_usage_error("outbox", "--instance: %s configures no notifier '%s'",
			   cfg->path ? cfg->path : "the settings", name);
	return false;
}

/* What a flush did, on stdout: the operator asked for it. */
static void say_flushed(const struct pg_notify_tally *t, int left, bool dead)
{
	printf("delivered %d, %d still waiting", t->delivered, left);
	if (t->dead)
		printf(", %d moved to the dead letters", t->dead);
	if (dead)
		printf(" (dead letters tried: %d)",
		       t->delivered + t->kept + t->dead + t->timed_out);
	putchar('\n');
}

static int outbox_flush(const struct pg_config *cfg, const struct plug_args *a,
			struct pg_diag *diag)
{
	struct pg_flush_opts f = { .include_failed = a->all,
				   .dead = a->dead,
				   .instance = a->instance };
	struct pg_notify_tally t = { 0 };
	struct pg_config one;
	struct pg_node sub;
	struct pg_plugin_host *h;
	int left;

	if (a->instance && !only_instance(cfg, a->instance, &one, &sub))
		return PG_EXIT_USAGE;
	h = pg_plugin_host_new(a->instance ? &one : cfg, a->common.plugin_dirs,
			       a->common.nplugin_dirs, pg_run_stages, diag);
	if (!h) {
		pg_diag_print(diag, stderr);
		return PG_EXIT_USAGE;
	}
	left = pg_notify_flush(h, &f, &t);
	pg_plugin_host_free(h);
	say_flushed(&t, left, a->dead);
	return left ? PG_EXIT_POLICY : PG_EXIT_PASS;
}

int pg_cmd_outbox(int argc, char **argv)
{
	struct pg_diag diag = { 0 };
	struct pg_config *cfg;
	struct plug_args a;
	const char *verb = NULL;
	int rc = parse_args(argc, argv, &a);

	/* getopt permuted the verb behind the options. */
	if (rc == 0 && a.first_arg == argc - 1)
		verb = argv[a.first_arg];
	if (rc == 0 && verb && strcmp(verb, "list") && strcmp(verb, "flush")) {
		static const char *const verbs[] = { "list", "flush" };
		const char *hint = pg_cli_closest(verb, verbs, 2);
		pg_cli_common_clear(&a.common);
		if (hint)
			return pg_cli_usage_error("outbox",
						  "unknown subcommand '%s'; did you mean "
						  "'%s'?",
						  verb, hint);
		return pg_cli_usage_error("outbox", "unknown subcommand '%s' (list or flush)",
					  verb);
	}
	if (rc == -2) {
		pg_cli_common_clear(&a.common);
		return PG_EXIT_USAGE;
	}
	if (!verb || (strcmp(verb, "list") && strcmp(verb, "flush"))) {
		usage("outbox", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	if (misplaced("outbox", &a, strcmp(verb, "list") ? OPTS_FLUSH | OPTS_DEAD : OPTS_DEAD)) {
		pg_cli_common_clear(&a.common);
		return PG_EXIT_USAGE;
	}
	cfg = pg_cli_load_config(&a.common); /* the same settings checks as `check` */
	if (!cfg)
		rc = PG_EXIT_USAGE;
	else if (!strcmp(verb, "list"))
		rc = outbox_list(cfg, a.json, a.dead);
	else
		rc = outbox_flush(cfg, &a, &diag);
	pg_config_free(cfg);
	pg_diag_clear(&diag);
	pg_cli_common_clear(&a.common);
	return rc;
}
