/* cli_rules.c - `portgate rules` (every rule portgate decides with: id, default action,
 * severity, source, summary) and `portgate explain RULE` (what it means, what to do, how to
 * tune it), from the rule tables the policy and drift stages use. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include <jansson.h>

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

static const char rules_usage[] =
	"Usage: portgate rules [--json]\n"
	"\n"
	"List every rule portgate decides with: its id, default action, severity, source (core:\n"
	"the check itself; drift: --baseline) and summary. Plugins add their own rules (see\n"
	"'portgate plugins' and docs/plugins/); any rule takes the manifest's overrides.\n"
	"\n"
	"      --json        an array of {id, defaultAction, severity, source, summary}\n"
	"  -q, --quiet       print nothing\n"
	"  -v, --verbose     more diagnostics on stderr\n"
	"  -h, --help        this help\n";

static const char explain_usage[] =
	"Usage: portgate explain RULE\n"
	"\n"
	"What a rule means, what to do about its findings, and how to tune it in the manifest.\n"
	"\n"
	"  -q, --quiet       print nothing (the exit code says whether RULE is known)\n"
	"  -v, --verbose     more diagnostics on stderr\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 known rule; 2 unknown rule or usage error.\n";

static void print_json(void)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < nrules(); i++) {
		struct rule_row r = rule_at(i);
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r.id,
						"defaultAction", r.action, "severity", r.severity,
						"source", r.source, "summary", r.summary));
	}
	json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(arr);
}

static const struct option rules_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const struct option explain_longopts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* -1: go on; else the exit code. json NULL: explain, which takes no --json. */
static int parse(const char *cmd, int argc, char **argv, bool *json, bool *quiet)
{
	const struct option *opts = json ? rules_longopts : explain_longopts;
	int ch;

	while ((ch = pg_cli_getopt(cmd, argc, argv, "qvh", opts)) != -1) {
		switch (ch) {
		case 'j': *json = true; break;
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

int pg_cmd_rules(int argc, char **argv)
{
	bool json = false, quiet = false;
	int r = parse("rules", argc, argv, &json, &quiet);

	if (r >= 0 || (r = pg_cli_no_operands("rules", argc, argv)) >= 0 || quiet)
		return r >= 0 ? r : PG_EXIT_PASS;
	if (json) {
		print_json();
		return PG_EXIT_PASS;
	}
	printf("%-26s %-6s %-8s %-6s %s\n", "RULE", "ACTION", "SEVERITY", "SOURCE", "SUMMARY");
	for (size_t i = 0; i < nrules(); i++) {
		struct rule_row row = rule_at(i);
		printf("%-26s %-6s %-8s %-6s %s\n", row.id, row.action, row.severity, row.source,
		       row.summary);
	}
	return PG_EXIT_PASS;
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
	printf("What to do:\n  %s\n\n", pg_render_rule_help(r->id));
	printf("Tune it in the manifest (docs/manifest.md, \"Policy\"):\n"
	       "  policy: { rules: { %s: pass|warn|fail } }       every asset\n"
	       "  policy: { environments: { staging: { %s: warn } } }\n"
	       "  an asset's own policy: { %s: pass }\n"
	       "  policy: { exceptions: [ { rule: %s, asset: NAME, reason: ..., owner: ...,\n"
	       "                            expires: YYYY-MM-DD } ] }  one accepted finding\n",
	       r->id, r->id, r->id, r->id);
}

int pg_cmd_explain(int argc, char **argv)
{
	bool quiet = false;
	int r = parse("explain", argc, argv, NULL, &quiet);
	const char *names[64];
	const char *hint;
	size_t n = nrules() < PG_ARRAY_LEN(names) ? nrules() : PG_ARRAY_LEN(names);

	if (r >= 0)
		return r;
	if (optind + 1 != argc)
		return pg_cli_usage_error(
			"explain", optind < argc ? "one RULE, please"
						 : "which RULE? ('portgate rules' lists them)");
	for (size_t i = 0; i < nrules(); i++) {
		struct rule_row row = rule_at(i);
		if (!strcmp(row.id, argv[optind])) {
			if (!quiet)
				explain(&row);
			return PG_EXIT_PASS;
		}
	}
	for (size_t i = 0; i < n; i++)
		names[i] = rule_at(i).id;
	if ((hint = pg_cli_closest(argv[optind], names, n)))
		return pg_cli_usage_error("explain", "unknown rule '%s'; did you mean '%s'?",
					  argv[optind], hint);
	return pg_cli_usage_error("explain",
				  "unknown rule '%s' (a plugin's? see its page in docs/plugins/)",
				  argv[optind]);
}
