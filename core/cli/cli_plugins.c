/* cli_plugins.c - `portgate plugins`, `plugin-check`, `plugin-test`, `outbox`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/log.h"
#include "enrich/enrich.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "plugin/plugin_host.h"
#include "run/run_stages.h"
#include "config/settings.h"

struct plug_args {
	struct pg_cli_common common; /* --config and --plugin-dir, as check takes them */
	bool json, all;
	const char *describe; /* plugins --describe NAME */
	int first_arg;        /* index of the first non-option argument */
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "plugin-dir", required_argument, NULL, 'P' },
	{ "json", no_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
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
		      "List loadable plugins with version, ABI, kind and options; --describe NAME\n"
		      "prints one plugin's option reference (name, type, default, range or "
		      "values,\n"
		      "description: the table the host validates the config against).\n",
		      out);
	else if (!strcmp(cmd, "plugin-check"))
		fputs("usage: portgate plugin-check [--json] FILE.so...\n"
		      "Load each plugin and validate its descriptor; exit 0 when all are valid, 2 "
		      "otherwise.\n",
		      out);
	else if (!strcmp(cmd, "plugin-test"))
		fputs("usage: portgate plugin-test enrich CONFIG FINDING.json [--plugin-dir "
		      "DIR]...\n"
		      "       portgate plugin-test notify CONFIG EVENT.json [--plugin-dir DIR]...\n"
		      "Run every enricher (notifier) of CONFIG on the finding (event) as a run "
		      "would:\n"
		      "in worker processes, with the deadlines and the added-finding rules. Prints "
		      "a\n"
		      "JSON object per instance: result (ok|fail|retry|timeout|crash), error, "
		      "out,\n"
		      "findings (as the run would add them), sent (every host->http request). Exit "
		      "0\n"
		      "when every instance returned ok, 1 otherwise, 2 on a usage or config "
		      "error.\n",
		      out);
	else
		fputs("usage: portgate outbox list [--config FILE] [--json]\n"
		      "       portgate outbox flush [--config FILE] [--plugin-dir DIR]... [--all]\n"
		      "list shows notifications waiting for delivery and when a run tries each\n"
		      "next; flush delivers them now, with the retries, ignoring that time and\n"
		      "the backlog budget (--all: also those a receiver rejected). Parallel runs\n"
		      "and flushes never deliver one twice. flush exits 0 when the outbox is\n"
		      "empty afterwards, 1 when some remain (or another process still delivers\n"
		      "them), 2 on a configuration error.\n",
		      out);
}

/* ---- plugins / plugin-check ------------------------------------------- */

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
		puts("no plugins found");
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
	char **dirs;
	size_t n = 0;
	int rc = parse_args(argc, argv, &a);

	if (rc != 0 || a.first_arg < argc) {
		if (rc != -2) /* -2: the bad option was named already */
			usage("plugins", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	/* the same settings checks as `check`; prints its own errors */
	if (a.common.config_path && !(cfg = pg_cli_load_config(&a.common))) {
		rc = PG_EXIT_USAGE;
		goto out;
	}
	/* Only load (no instances): listing must work with an incomplete config. */
	dirs = pg_xcalloc(a.common.nplugin_dirs + (cfg ? cfg->nplugin_dirs : 0) + 2,
			  sizeof(char *));
	for (size_t i = 0; i < a.common.nplugin_dirs; i++)
		dirs[n++] = a.common.plugin_dirs[i];
	for (size_t i = 0; cfg && i < cfg->nplugin_dirs; i++)
		dirs[n++] = cfg->plugin_dirs[i];
	dirs[n++] = (char *)PG_PLUGINDIR;
	h = pg_plugin_host_empty();
	pg_plugin_load_dirs(h, dirs, n - (access(PG_PLUGINDIR, F_OK) == 0 ? 0 : 1), &diag);
	free(dirs);
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

int pg_cmd_plugin_check(int argc, char **argv)
{
	struct pg_diag diag = { 0 };
	struct plug_args a;
	struct pg_plugin_host *h;
	int rc = parse_args(argc, argv, &a);

	if (rc != 0 || a.first_arg >= argc) {
		if (rc != -2) /* -2: the bad option was named already */
			usage("plugin-check", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	h = pg_plugin_host_empty();
	for (int i = a.first_arg; i < argc; i++) {
		size_t before = diag.n;
		struct pg_module *m = pg_plugin_load_file(h, argv[i], &diag);
		const struct pg_plugin *d = m ? pg_module_desc(m) : NULL;
		if (m && !a.json)
			printf("%s: ok: %s %s, %s, ABI %u.%u, descriptor %zu bytes%s%s\n", argv[i],
			       d->name, d->version, pg_plugin_kind_name(d->kind), d->abi_major,
			       d->abi_minor, pg_module_declared_size(m),
			       pg_module_is_older(m) ? " (older, accepted)" : "",
			       d->create ? "" : "; no create (optional: state is NULL)");
		else if (!m && diag.n == before)
			pg_diag_add(&diag, argv[i], 0, "not loadable");
	}
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

static int run_plugin_test(const char *verb, const struct plug_args *a, const char *file)
{
	struct pg_diag diag = { 0 };
	struct pg_config *cfg = pg_cli_load_config(&a->common);
	struct pg_plugin_host *h = NULL;
	json_error_t jerr;
	json_t *in = json_load_file(file, 0, &jerr), *res;
	int rc = PG_EXIT_USAGE;

	if (!in || !json_is_object(in))
		fprintf(stderr, "portgate: plugin-test: %s:%d: %s\n", file, in ? 1 : jerr.line,
			in ? "expected a JSON object" : jerr.text);
	else if (cfg && !(h = pg_plugin_host_new(cfg, a->common.plugin_dirs, a->common.nplugin_dirs,
						 pg_run_stages, &diag)))
		pg_diag_print(&diag, stderr);
	if (h) {
		res = !strcmp(verb, "enrich") ? pg_enrich_test(h, in) : pg_notify_test(h, in);
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

	if (rc != 0 || argc - a.first_arg != 3 ||
	    (strcmp(verb, "enrich") && strcmp(verb, "notify"))) {
		if (rc != -2)
			usage("plugin-test", rc == 1 ? stdout : stderr);
		pg_cli_common_clear(&a.common);
		return rc == 1 ? PG_EXIT_PASS : PG_EXIT_USAGE;
	}
	a.common.config_path = argv[a.first_arg + 1];
	rc = run_plugin_test(verb, &a, argv[a.first_arg + 2]);
	pg_cli_common_clear(&a.common);
	return rc;
}

/* ---- outbox ----------------------------------------------------------- */

static int outbox_list(const struct pg_config *cfg, bool as_json)
{
	size_t n;
	struct pg_outbox_entry *e = pg_outbox_load(cfg->state_dir, &n);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *d = e[i].doc, *ev = json_object_get(d, "event");
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
				arr, json_pack("{s:O, s:O, s:s, s:O, s:O, s:O*, s:I, s:s}", "id",
					       json_object_get(d, "id"), "instance",
					       json_object_get(d, "instance"), "createdAt", when,
					       "attempts", json_object_get(d, "attempts"), "status",
					       json_object_get(d, "status"), "lastError",
					       json_object_get(d, "lastError"), "findings",
					       (json_int_t)nf, "nextAttempt", next));
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
	} else if (n == 0) {
		printf("outbox empty (%s/outbox)\n", cfg->state_dir ? cfg->state_dir : "-");
	}
	json_decref(arr);
	pg_outbox_entries_free(e, n);
	return PG_EXIT_PASS;
}

static int outbox_flush(const struct pg_config *cfg, const struct plug_args *a,
			struct pg_diag *diag)
{
	struct pg_plugin_host *h = pg_plugin_host_new(cfg, a->common.plugin_dirs,
						      a->common.nplugin_dirs, pg_run_stages, diag);
	int left;

	if (!h) {
		pg_diag_print(diag, stderr);
		return PG_EXIT_USAGE;
	}
	left = pg_notify_flush_outbox(h, a->all);
	pg_plugin_host_free(h);
	if (left)
		fprintf(stderr, "portgate: %d notification%s still in the outbox\n", left,
			left == 1 ? "" : "s");
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
	cfg = pg_cli_load_config(&a.common); /* the same settings checks as `check` */
	if (!cfg)
		rc = PG_EXIT_USAGE;
	else if (!strcmp(verb, "list"))
		rc = outbox_list(cfg, a.json);
	else
		rc = outbox_flush(cfg, &a, &diag);
	pg_config_free(cfg);
	pg_diag_clear(&diag);
	pg_cli_common_clear(&a.common);
	return rc;
}
