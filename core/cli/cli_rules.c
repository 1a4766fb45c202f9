/* cli_rules.c - `portgate rules` (every rule portgate decides with: id, default action,
 * severity, source, summary) and `portgate explain RULE` (what it means, what to do, how to
 * tune it), from the rule tables the policy and drift stages use. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plugin/plugin_host.h"
#include "policy/policy.h"
#include "report/drift.h"
#include "report/render.h"

/* One row of either table. */
struct rule_row {
	const char *id, *action, *severity, *source, *summary;
};

static size_t nrules(void)
{
	return pg_rules_n + pg_drift_rules_n;
}

static struct rule_row rule_at(size_t i)
{
	const struct pg_rule_info *r;
	const struct pg_drift_rule *d;

	if (i < pg_rules_n) {
		r = &pg_rules[i];
		return (struct rule_row){ r->id, pg_action_name(r->default_action), r->severity,
					  "core", r->summary };
	}
	d = &pg_drift_rules[i - pg_rules_n];
	return (struct rule_row){ d->id, d->default_action, d->severity, "drift", d->summary };
}

/* The rules the plugins found declare (ABI 1.4), after the core's and drift's:
 * a new array of n rows borrowed from h. */
static struct rule_row *plugin_rows(const struct pg_plugin_host *h, size_t *n)
{
	struct rule_row *rows = NULL;
	const struct pg_rule_spec *r;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < pg_plugin_host_nmodules(h); i++) {
		const struct pg_module *m = pg_plugin_host_module(h, i);
		for (size_t j = 0; (r = pg_module_rule(m, j)); j++) {
			pg_grow(&rows, &cap, *n + 1, sizeof(*rows));
			rows[(*n)++] = (struct rule_row){ r->id, r->default_action, r->severity,
							  pg_module_desc(m)->name, r->summary };
		}
	}
	return rows;
}

static const char rules_usage[] =
	"Usage: portgate rules [--config FILE] [--plugin-dir DIR]... [--json]\n"
	"\n"
	"List every rule portgate decides with: its id, default action, severity, source (core:\n"
	"the check itself; drift: --baseline; else the plugin that declares it) and summary.\n"
	"Plugin rules are those the plugins 'portgate plugins' finds declare (ABI 1.4: the\n"
	"settings' pluginDirs, each --plugin-dir, the installed directory); any rule takes\n"
	"the manifest's overrides.\n"
	"\n"
	"      --config FILE     also look for plugins in this settings file's pluginDirs\n"
	"      --plugin-dir DIR  also look for plugins in DIR (repeatable)\n"
	"      --json        an array of {id, defaultAction, severity, source, summary}\n"
	"  -q, --quiet       print nothing\n"
	"  -v, --verbose     more diagnostics on stderr\n"
	"  -h, --help        this help\n";

static const char explain_usage[] =
	"Usage: portgate explain [--config FILE] [--plugin-dir DIR]... RULE\n"
	"\n"
	"What a rule means, what to do about its findings, and how to tune it in the manifest.\n"
	"RULE is a core or drift rule, or one a plugin found (as 'portgate rules' finds them)\n"
	"declares.\n"
	"\n"
	"      --config FILE     also look for plugins in this settings file's pluginDirs\n"
	"      --plugin-dir DIR  also look for plugins in DIR (repeatable)\n"
	"  -q, --quiet       print nothing (the exit code says whether RULE is known)\n"
	"  -v, --verbose     more diagnostics on stderr\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 known rule; 2 unknown rule or usage error.\n";

static json_t *row_json(const struct rule_row *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r->id, "defaultAction", r->action,
			 "severity", r->severity, "source", r->source, "summary", r->summary);
}

static void print_json(const struct rule_row *extra, size_t nextra)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < nrules(); i++) {
		struct rule_row r = rule_at(i);
		json_array_append_new(arr, row_json(&r));
	}
	for (size_t i = 0; i < nextra; i++)
		json_array_append_new(arr, row_json(&extra[i]));
	json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(arr);
}

static const struct option rules_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "plugin-dir", required_argument, NULL, PG_OPT_PLUGIN_DIR },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const struct option explain_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "plugin-dir", required_argument, NULL, PG_OPT_PLUGIN_DIR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* -1: go on; else the exit code. json NULL: explain, which takes no --json. */
static int parse(const char *cmd, int argc, char **argv, bool *json, bool *quiet,
		 struct pg_cli_common *c)
{
	const struct option *opts = json ? rules_longopts : explain_longopts;
	int ch;

	while ((ch = pg_cli_getopt(cmd, argc, argv, "qvh", opts)) != -1) {
		switch (ch) {
		case 'j': *json = true; break;
		case 'c': c->config_path = optarg; break;
		case PG_OPT_PLUGIN_DIR: pg_cli_common_opt(c, ch, optarg); break;
		case 'q': *quiet = true; break;
		case 'v': break;
		case 'h':
			fputs(strcmp(cmd, "rules") ? explain_usage : rules_usage, stdout);
			return PG_EXIT_PASS;
		default: return PG_EXIT_USAGE; /* pg_cli_getopt said why */
		}
	}
	return -1;
}

static struct rule_row row_at(size_t i, const struct rule_row *extra)
{
	return i < nrules() ? rule_at(i) : extra[i - nrules()];
}

/* One aligned table: the id column as wide as the longest id (headers' are long). */
static void print_table(const struct rule_row *extra, size_t nextra)
{
	int w = 26;

	for (size_t i = 0; i < nrules() + nextra; i++)
		if ((int)strlen(row_at(i, extra).id) > w)
			w = (int)strlen(row_at(i, extra).id);
	printf("%-*s %-6s %-8s %-8s %s\n", w, "RULE", "ACTION", "SEVERITY", "SOURCE", "SUMMARY");
	for (size_t i = 0; i < nrules() + nextra; i++) {
		struct rule_row row = row_at(i, extra);
		printf("%-*s %-6s %-8s %-8s %s\n", w, row.id, row.action, row.severity, row.source,
		       row.summary);
	}
}

/* The plugins found (as `portgate plugins` finds them); NULL after saying why. */
static struct pg_plugin_host *found_plugins(const struct pg_cli_common *c)
{
	struct pg_config *cfg = NULL;
	struct pg_plugin_host *h = NULL;
	struct pg_diag diag = { 0 };

	if (!c->config_path || (cfg = pg_cli_load_config(c)))
		h = pg_cli_plugins_found(c, cfg, &diag);
	pg_diag_print(&diag, stderr);
	if (diag.n) {
		pg_plugin_host_free(h);
		h = NULL;
	}
	pg_diag_clear(&diag);
	pg_config_free(cfg);
	return h;
}

static int list_rules(const struct pg_cli_common *c, bool json)
{
	struct pg_plugin_host *h = found_plugins(c);
	struct rule_row *extra;
	size_t nextra;

	if (!h)
		return PG_EXIT_USAGE;
	extra = plugin_rows(h, &nextra);
	if (json)
		print_json(extra, nextra);
	else
		print_table(extra, nextra);
	free(extra);
	pg_plugin_host_free(h);
	return PG_EXIT_PASS;
}

int pg_cmd_rules(int argc, char **argv)
{
	bool json = false, quiet = false;
	struct pg_cli_common c;
	int r;

	pg_cli_common_init(&c);
	r = parse("rules", argc, argv, &json, &quiet, &c);
	if (r < 0 && (r = pg_cli_no_operands("rules", argc, argv)) < 0)
		r = quiet ? PG_EXIT_PASS : list_rules(&c, json);
	pg_cli_common_clear(&c);
	return r;
}

static void explain(const struct rule_row *r)
{
	printf("%s (%s rule)\n  %s.\n\n", r->id, r->source, r->summary);
	printf("Default action: %s; severity: %s.\n\n", r->action, r->severity);
	if (!strcmp(r->id, PG_RULE_UDP_AMPLIFIER)) /* its default depends on the asset */
		printf("On an asset whose environment is production the default is fail.\n"
		       "Threshold: answer bytes / request bytes >= %.1f (US-CERT TA14-017A's\n"
		       "smallest bandwidth amplification factor, Multicast DNS).\n\n",
		       PG_UDP_AMPLIFIER_FACTOR);
	if (strcmp(r->source, "core") && strcmp(r->source, "drift")) /* a plugin's */
		printf("What to do:\n  See the %s plugin's page (docs/plugins/%s.md).\n\n",
		       r->source, r->source);
	else
		printf("What to do:\n  %s\n\n", pg_render_rule_help(r->id));
	printf("Tune it in the manifest (docs/manifest.md, \"Policy\"):\n"
	       "  policy: { rules: { %s: pass|warn|fail } }       every asset\n"
	       "  policy: { environments: { staging: { %s: warn } } }\n"
	       "  an asset's own policy: { %s: pass }\n"
	       "  policy: { exceptions: [ { rule: %s, asset: NAME, reason: ..., owner: ...,\n"
	       "                            expires: YYYY-MM-DD } ] }  one accepted finding\n",
	       r->id, r->id, r->id, r->id);
}

/* "did you mean" over every known id, or NULL. */
static const char *closest(const char *id, const struct rule_row *extra, size_t nextra)
{
	size_t n = nrules() + nextra;
	const char **names = pg_xcalloc(n, sizeof(*names)), *hint;

	for (size_t i = 0; i < n; i++)
		names[i] = row_at(i, extra).id;
	hint = pg_cli_closest(id, names, n);
	free(names);
	return hint;
}

static int explain_found(const char *id, const struct rule_row *extra, size_t nextra, bool quiet)
{
	const char *hint;

	for (size_t i = 0; i < nrules() + nextra; i++) {
		struct rule_row row = row_at(i, extra);
		if (!strcmp(row.id, id)) {
			if (!quiet)
				explain(&row);
			return PG_EXIT_PASS;
		}
	}
	if ((hint = closest(id, extra, nextra)))
		return pg_cli_usage_error("explain", "unknown rule '%s'; did you mean '%s'?", id,
					  hint);
	return pg_cli_usage_error(
		"explain",
		"unknown rule '%s' (a plugin's? give its --plugin-dir, or see its "
		"page in docs/plugins/)",
		id);
}

int pg_cmd_explain(int argc, char **argv)
{
	bool quiet = false;
	struct pg_cli_common c;
	struct pg_plugin_host *h = NULL;
	struct rule_row *extra = NULL;
	size_t nextra = 0;
	int r;

	pg_cli_common_init(&c);
	r = parse("explain", argc, argv, NULL, &quiet, &c);
	if (r < 0 && optind + 1 != argc)
		r = pg_cli_usage_error("explain",
				       optind < argc ? "one RULE, please"
						     : "which RULE? ('portgate rules' lists them)");
	if (r < 0 && !(h = found_plugins(&c)))
		r = PG_EXIT_USAGE;
	if (r < 0) {
		extra = plugin_rows(h, &nextra);
		r = explain_found(argv[optind], extra, nextra, quiet);
	}
	free(extra);
	pg_plugin_host_free(h);
	pg_cli_common_clear(&c);
	return r;
}
