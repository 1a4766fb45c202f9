/* render_sarif.c - SARIF 2.1.0: the rules portgate knows, one result per finding located at
 * the manifest line of its asset (GitHub code scanning shows it there), errors first, in runs
 * of at most 25,000 results (GitHub code scanning's limit per run). */
#include "config.h"
#include "render_int.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "util/exitcode.h"
#include "util/log.h"
#include "util/util.h"

/* Where the rules are explained (PACKAGE_URL: configure.ac AC_INIT). */
#define PG_PROJECT_URL PACKAGE_URL
#define PG_RULES_URL   PG_PROJECT_URL "/blob/main/docs/rules.md"
#define SARIF_SCHEMA                                                          \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/" \
	"sarif-schema-2.1.0.json"

/* What to do about each core rule: the SARIF help shown next to a result. */
static const struct {
	const char *rule, *help;
} helps[] = {
	{ "port-unapproved-open",
	  "Close the port or restrict it with a firewall/security group. If "
	  "the exposure is intended, add the port to the asset's approvedPorts in the manifest "
	  "(reviewed like any code change)." },
	{ "tls-certificate-invalid",
	  "Renew or replace the certificate so it is valid now, chains to "
	  "a trusted CA and names the target (see the finding's certificate reasons)." },
	{ "tls-not-offered",
	  "Serve TLS on this port, or remove it from tlsPorts if it is not meant "
	  "to speak TLS." },
	{ "dns-unexpected-record", "Fix the DNS record or update expectedRecords in the manifest "
				   "when the change is intended." },
	{ "network-unexpected",
	  "The address is outside expectedNetwork: check for a takeover or an "
	  "unplanned migration, then fix DNS or the manifest." },
	{ "port-approved-filtered", "An approved service does not answer: check the service and "
				    "the firewall, or drop the port from approvedPorts." },
	{ "port-approved-closed", "An approved service is down: check it, or drop the port from "
				  "approvedPorts." },
	{ "dns-unresolved", "The target does not resolve: fix DNS or remove the asset from the "
			    "manifest." },
	{ "port-newly-open", "A port opened since the baseline run: confirm the change was "
			     "intended (a deploy, a new service) or close it; approve it in the "
			     "manifest if it stays." },
	{ "port-newly-closed", "A port that was open in the baseline is closed or filtered now: "
			       "expected after a decommission, otherwise check the service." },
	{ "certificate-changed",
	  "The certificate differs from the baseline's: expected after a "
	  "renewal; otherwise check who issued it (see the sha256 in the evidence)." },
	{ "address-changed", "The target resolves elsewhere than in the baseline: confirm the "
			     "migration, or look for a hijacked record." },
	{ "asn-changed", "The addresses are announced by another network than in the baseline: "
			 "confirm the provider change, or look for a takeover." },
	{ "udp-amplifier",
	  "This UDP service answers a small request with a much larger answer, so anyone can "
	  "aim its answers at a victim with spoofed requests (reflection). Close it to the "
	  "internet, restrict who may query it (an ACL, no open resolver or public monitoring "
	  "commands), or turn the command off; approving the port does not silence this rule." },
	{ "service-unauthenticated",
	  "Require authentication (Redis requirepass/ACL, pg_hba.conf without trust, "
	  "Elasticsearch security, memcached SASL or -Y and no UDP, SNMPv3 or a secret "
	  "community instead of public) and keep the port off public interfaces: anyone "
	  "who reaches it reads (and for data stores writes) the data." },
	{ "scan-error", "The port could not be scanned from this runner (local or routing error): "
			"check the runner's network and limits." },
};

const char *pg_render_rule_help(const char *rule)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].rule, rule))
			return helps[i].help;
	return "Reported by a plugin rule; see the plugin's documentation.";
}

/* reportingDescriptor.name: a readable identifier ("PortUnapprovedOpen"), as SARIF
 * producers name rules; the id stays the kebab-case one findings carry. New string. */
static char *rule_name(const char *id)
{
	char *n = pg_xmalloc(strlen(id) + 1), *o = n;
	bool up = true;

	for (; *id; id++) {
		if (*id == '-' || *id == '_' || *id == '.') {
			up = true;
			continue;
		}
		*o++ = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
		up = false;
	}
	*o = '\0';
	return n;
}

/* GitHub maps security-severity to critical >= 9.0, high >= 7.0, medium >= 4.0, low. */
static const char *security_severity(const char *sev)
{
	static const char *const map[][2] = {
		{ "critical", "9.5" }, { "high", "8.0" }, { "medium", "5.5" },
		{ "low", "3.0" },      { "info", "0.0" },
	};

	return pg_render_lookup(map, PG_ARRAY_LEN(map), sev, "5.5");
}

static const char *level_of(const char *action)
{
	if (!strcmp(action, "fail"))
		return "error";
	return !strcmp(action, "warn") ? "warning" : "note";
}

static json_t *rule_object(const json_t *report, const char *id)
{
	const char *summary = pg_render_rule_summary(id), *help = pg_render_rule_help(id);
	const char *act = pg_render_rule_action(report, id);
	const char *sev = pg_render_export_severity(act, pg_render_rule_severity(report, id));
	char *md = pg_xasprintf("**%s**\n\n%s\n\n`portgate explain %s` says more.", id, help, id);
	char *name = rule_name(id), *uri = pg_xasprintf("%s#%s", PG_RULES_URL, id);
	json_t *r;

	r = json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s}, "
		      "s:{s:s, s:s, s:[s, s]}}",
		      "id", id, "name", name, "helpUri", uri, "shortDescription", "text",
		      summary ? summary : id, "fullDescription", "text",
		      summary ? summary : "Finding reported by a plugin rule", "help", "text", help,
		      "markdown", md, "defaultConfiguration", "level",
		      level_of(pg_render_rule_default(id)), "properties", "security-severity",
		      security_severity(sev), "problem.severity",
		      !strcmp(sev, "high") || !strcmp(sev, "critical") ? "error" : "warning",
		      "tags", "security", "external-exposure");
	free(md);
	free(name);
	free(uri);
	return r;
}

struct results {
	json_t *arr;
	const json_t *ids;
	const char *uri;
	bool base; /* uri is relative to SRCROOT (run.source.root) */
};

static json_t *location(const struct results *rs, const json_t *asset)
{
	json_int_t line = pg_render_int(asset, "line");
	json_t *phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", rs->uri);
	char *fq = pg_xasprintf("%s/%s", pg_json_get_str_or(asset, "name", "?"),
				pg_json_get_str_or(asset, "target", "?"));
	json_t *loc;

	if (rs->base)
		json_object_set_new(json_object_get(phys, "artifactLocation"), "uriBaseId",
				    json_string("SRCROOT"));
	if (line > 0)
		json_object_set_new(phys, "region", json_pack("{s:I}", "startLine", line));
	loc = json_pack("{s:o, s:[{s:s, s:s, s:s}]}", "physicalLocation", phys, "logicalLocations",
			"name", pg_json_get_str_or(asset, "name", "?"), "fullyQualifiedName", fq,
			"kind", "resource");
	free(fq);
	return loc;
}

static int add_result(const json_t *asset, const json_t *f, void *ud)
{
	struct results *rs = ud;
	const char *rule = pg_json_get_str_or(f, "rule", "unknown");
	json_t *result, *props = json_pack("{s:s, s:s, s:s, s:s}", "asset",
					   pg_json_get_str_or(f, "asset", "?"), "target",
					   pg_json_get_str_or(f, "target", "?"), "action",
					   pg_json_get_str_or(f, "action", "warn"), "severity",
					   pg_json_get_str_or(f, "severity", "medium"));

	if (json_object_get(f, "ip"))
		json_object_set(props, "ip", json_object_get(f, "ip"));
	if (json_object_get(f, "port"))
		json_object_set(props, "port", json_object_get(f, "port"));
	if (json_object_get(f, "port") && !strcmp(pg_json_get_str_or(f, "protocol", "tcp"), "udp"))
		json_object_set_new(props, "protocol", json_string("udp")); /* TCP as before */
	if (json_object_get(f, "exception"))
		json_object_set(props, "exception", json_object_get(f, "exception"));
	json_array_append_new(
		rs->arr,
		result = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o], s:{s:s}, s:o}", "ruleId", rule,
				   "ruleIndex", (json_int_t)pg_render_index_of(rs->ids, rule),
				   "level", level_of(pg_json_get_str_or(f, "action", "warn")),
				   "message", "text", pg_json_get_str_or(f, "reason", rule),
				   "locations", location(rs, asset), "partialFingerprints",
				   "portgateFingerprint/v1",
				   pg_json_get_str_or(f, "fingerprint", ""), "properties", props));
	if (json_is_true(json_object_get(json_object_get(f, "exception"), "active")))
		json_object_set_new(result, "suppressions",
				    json_pack("[{s:s, s:s, s:s}]", "kind", "external", "status",
					      "accepted", "justification",
					      pg_json_get_str_or(json_object_get(f, "exception"),
								 "reason", "")));
	return 0;
}

/* GitHub code scanning reads at most 25,000 results of a run and 20 runs of a file
 * (docs.github.com, "SARIF support for code scanning", upload limits). */
#define SARIF_MAX_RESULTS 25000
#define SARIF_MAX_RUNS    20

struct ranked {
	json_t *result; /* borrowed */
	size_t order;   /* in the evidence */
};

static int level_rank(const json_t *result)
{
	const char *l = pg_json_get_str_or(result, "level", "note");

	return !strcmp(l, "error") ? 0 : !strcmp(l, "warning") ? 1 : 2;
}

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int d = level_rank(x->result) - level_rank(y->result);

	return d ? d : (x->order > y->order) - (x->order < y->order);
}

/* Errors, then warnings, then notes, each in evidence order: what a reader (or a limit that
 * keeps the first results) must not miss comes first. A new array. */
static json_t *by_level(const json_t *results)
{
	size_t n = json_array_size(results);
	struct ranked *v = pg_xcalloc(n ? n : 1, sizeof(*v));
	json_t *out = json_array();

	for (size_t i = 0; i < n; i++)
		v[i] = (struct ranked){ json_array_get(results, i), i };
	qsort(v, n, sizeof(*v), cmp_ranked);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i].result);
	free(v);
	return out;
}

/* originalUriBaseIds.SRCROOT: the source root as a file URI ending in '/'. */
static json_t *base_ids(const json_t *report)
{
	const char *root = pg_json_get_str_or(
		json_object_get(json_object_get(report, "run"), "source"), "root", NULL);
	char *enc, *uri;
	json_t *b;

	if (!root || root[0] != '/')
		return NULL;
	enc = pg_render_uri_encode(root);
	uri = pg_xasprintf("file://%s%s", enc, enc[strlen(enc) - 1] == '/' ? "" : "/");
	b = json_pack("{s:{s:s}}", "SRCROOT", "uri", uri);
	free(enc);
	free(uri);
	return b;
}

static json_t *driver(const json_t *report, json_t *rules)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:O}", "name", "portgate", "version",
		pg_json_get_str_or(json_object_get(report, "portgate"), "version", PACKAGE_VERSION),
		"semanticVersion", PACKAGE_VERSION, "informationUri", PG_PROJECT_URL, "rules",
		rules);
}

/* Run part (0-based) of nparts: the driver and invocation are shared (referenced), the
 * results are the part's slice. A split run gets its own automationDetails.id: GitHub
 * refuses two runs of one tool and category in one upload, and the upload step keeps an id
 * a run has. */
static json_t *run_part(const json_t *report, json_t *rules, json_t *inv, json_t *base,
			const json_t *results, size_t part, size_t nparts)
{
	json_t *slice = json_array(), *run;
	size_t n = json_array_size(results), end = (part + 1) * SARIF_MAX_RESULTS;

	for (size_t i = part * SARIF_MAX_RESULTS; i < n && i < end; i++)
		json_array_append(slice, json_array_get(results, i));
	run = json_pack("{s:{s:o}, s:[O], s:o}", "tool", "driver", driver(report, rules),
			"invocations", inv, "results", slice);
	if (base)
		json_object_set(run, "originalUriBaseIds", base);
	if (nparts > 1) {
		char id[48];
		snprintf(id, sizeof(id), "portgate/part-%zu/", part + 1);
		json_object_set_new(run, "automationDetails", json_pack("{s:s}", "id", id));
	}
	return run;
}

static void say_split(size_t n, size_t nparts)
{
	pg_warn("sarif: %zu results in %zu runs of at most %d each (GitHub code scanning's limit "
		"per run), errors first; each run is its own category portgate/part-N/",
		n, nparts, SARIF_MAX_RESULTS);
	if (nparts > SARIF_MAX_RUNS)
		pg_warn("sarif: %zu runs are more than the %d GitHub accepts in one file", nparts,
			SARIF_MAX_RUNS);
}

/* At most this many assets are named one by one; one more notification counts the rest. */
#define SARIF_MAX_NOTES 20

/* Why asset could not be checked: its first dns-unresolved or scan-error finding. */
static const char *unchecked_reason(const json_t *asset)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		const char *rule = pg_json_get_str_or(f, "rule", "");
		if (!strcmp(rule, "dns-unresolved") || !strcmp(rule, "scan-error"))
			return pg_json_get_str_or(f, "reason", rule);
	}
	return "not every address and port was scanned";
}

static void add_note(json_t *notes, const char *text)
{
	json_array_append_new(
		notes, json_pack("{s:s, s:{s:s}}", "level", "error", "message", "text", text));
}

/* SARIF 2.1.0 3.20.21: what kept the run from checking, one error per asset not fully
 * checked (the first SARIF_MAX_NOTES), so a viewer of executionSuccessful false sees why. */
static json_t *unchecked_notes(const json_t *report)
{
	json_t *notes = json_array();
	const json_t *a;
	size_t i, n = 0;
	char *text;

	json_array_foreach(json_object_get(report, "assets"), i, a)
	{
		if (!json_is_true(json_object_get(a, "couldNotCheck")) || n++ >= SARIF_MAX_NOTES)
			continue;
		text = pg_xasprintf("could not check %s (%s): %s",
				    pg_json_get_str_or(a, "name", "?"),
				    pg_json_get_str_or(a, "target", "?"), unchecked_reason(a));
		add_note(notes, text);
		free(text);
	}
	if (n > SARIF_MAX_NOTES) {
		text = pg_xasprintf("and %zu more assets could not be checked",
				    n - SARIF_MAX_NOTES);
		add_note(notes, text);
		free(text);
	}
	if (!n)
		add_note(notes, "a target could not be checked (exit 3)");
	return notes;
}

/* A run that exits 3 could not check: it did not execute successfully (3.20.14). */
static json_t *invocation(const json_t *report)
{
	const json_t *run = json_object_get(report, "run");
	json_int_t code = pg_render_int(run, "exitCode");
	json_t *inv = json_pack("{s:b, s:I}", "executionSuccessful", code != PG_EXIT_UNCHECKED,
				"exitCode", code);

	if (code == PG_EXIT_UNCHECKED)
		json_object_set_new(inv, "toolExecutionNotifications", unchecked_notes(report));
	if (json_object_get(run, "startedAt"))
		json_object_set(inv, "startTimeUtc", json_object_get(run, "startedAt"));
	return inv;
}

static json_t *sarif_log(const json_t *report)
{
	const json_t *run = json_object_get(report, "run");
	json_t *ids = pg_render_rule_ids(report), *rules = json_array(), *v, *inv, *sorted, *runs;
	const char *path = pg_render_manifest_path(report);
	char *uri = pg_render_manifest_uri(report);
	json_t *base = strcmp(path, "stdin") && path[0] != '/' && json_object_get(run, "source")
			       ? base_ids(report)
			       : NULL;
	struct results rs = { json_array(), ids, uri, base != NULL };
	size_t i, nparts;

	json_array_foreach(ids, i, v)
		json_array_append_new(rules, rule_object(report, json_string_value(v)));
	pg_render_each_finding(report, add_result, &rs);
	inv = invocation(report);
	sorted = by_level(rs.arr);
	nparts = (json_array_size(sorted) + SARIF_MAX_RESULTS - 1) / SARIF_MAX_RESULTS;
	nparts = nparts ? nparts : 1;
	if (nparts > 1)
		say_split(json_array_size(sorted), nparts);
	/* no automationDetails on a single run: its id is the code-scanning category, which
	 * the upload step names (a per-run id would make every run a new category) */
	runs = json_array();
	for (size_t p = 0; p < nparts; p++)
		json_array_append_new(runs, run_part(report, rules, inv, base, sorted, p, nparts));
	json_decref(ids);
	json_decref(rs.arr);
	json_decref(sorted);
	json_decref(rules);
	json_decref(inv);
	json_decref(base);
	free(uri);
	return json_pack("{s:s, s:s, s:o}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs",
			 runs);
}

int pg_render_sarif(FILE *out, const json_t *report)
{
	json_t *log = sarif_log(report);
	int r = json_dumpf(log, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | PG_JSON_REAL) < 0 ||
				fputc('\n', out) == EOF
			? -1
			: 0;

	json_decref(log);
	return r;
}
