/* report_text.c - human summary of a report for the terminal / CI log. */
#include "config.h"
#include "report_text.h"
#include "evidence.h"

#include "common/json_get.h"
#include "probe/probe.h" /* pg_banner_sanitize */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RED "\033[31m"
#define YEL "\033[33m"
#define GRN "\033[32m"
#define MAG "\033[35m"
#define RST "\033[0m"

enum pg_color pg_color_mode = PG_COLOR_AUTO;

bool pg_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM"), *fc = getenv("FORCE_COLOR");

	if (pg_color_mode != PG_COLOR_AUTO)
		return pg_color_mode == PG_COLOR_ALWAYS;
	/* force-color.org: set and non-empty forces colour (CI logs that render it), over
	 * NO_COLOR and TERM=dumb; only --color never turns it off */
	if (fc && *fc)
		return true;
	return isatty(fileno(f)) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

bool pg_color_parse(const char *s)
{
	static const char *const names[] = { "auto", "always", "never" };

	for (size_t i = 0; i < PG_ARRAY_LEN(names); i++)
		if (!strcmp(s, names[i])) {
			pg_color_mode = (enum pg_color)i;
			return true;
		}
	return false;
}

static const char *verdict_color(const char *v)
{
	if (!strcmp(v, "fail"))
		return RED;
	if (!strcmp(v, "warn"))
		return YEL;
	if (!strcmp(v, "pass"))
		return GRN;
	return MAG;
}

static const char *verdict_label(const char *v)
{
	if (!strcmp(v, "could-not-check"))
		return "UNCHECKED";
	if (!strcmp(v, "fail"))
		return "FAIL";
	if (!strcmp(v, "warn"))
		return "WARN";
	return "PASS";
}

/* The action and verdict words a report may hold; anything else is shown as "?". */
static const char *verdict_word(const char *v)
{
	static const char *const words[] = { "pass", "warn", "fail", "could-not-check" };

	for (size_t i = 0; i < PG_ARRAY_LEN(words); i++)
		if (!strcmp(v, words[i]))
			return words[i];
	return "?";
}

static json_int_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Port counts over "scan" and "additionalScans"; ips as "a, b". */
struct scan_totals {
	long long open, closed, filtered, error;
	char ips[256];
	size_t nscans;
};

/* Text from a report reaches the terminal only through this: `merge`, `diff` and
 * --baseline print evidence files, which are untrusted input (no escape sequence,
 * no newline that would start a CI command line). */
static const char *safe(const char *raw, char *buf, size_t len)
{
	pg_banner_sanitize(raw, strlen(raw), buf, len);
	return buf;
}

static void add_scan(struct scan_totals *t, const json_t *scan)
{
	const json_t *sum = json_object_get(scan, "summary");
	size_t used = strlen(t->ips);
	char ip[128];

	t->open += num(sum, "open");
	t->closed += num(sum, "closed");
	t->filtered += num(sum, "filtered");
	t->error += num(sum, "error");
	snprintf(t->ips + used, sizeof(t->ips) - used, "%s%s", t->nscans++ ? ", " : "",
		 safe(pg_json_get_str_or(scan, "ip", "?"), ip, sizeof(ip)));
}

/* "whois failed: ..." of a notRechecked object, sanitised into buf. */
static const char *judge_line(const json_t *nr, char *buf, size_t n)
{
	char raw[512];

	snprintf(raw, sizeof(raw), "%s %s", pg_json_get_str_or(nr, "judge", "?"),
		 pg_json_get_str_or(nr, "reason", "?"));
	return safe(raw, buf, n);
}

static void print_findings(const json_t *a, FILE *out, bool color)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(a, "findings"), i, f)
	{
		const char *act = pg_json_get_str_or(f, "action", "warn"),
			   *rule = pg_json_get_str_or(f, "rule", "?");
		const char *reason = pg_json_get_str_or(f, "reason", "");
		char rule_s[128], why[512];

		/* plugins write findings too: nothing they say may drive the terminal */
		fprintf(out, "          %s%-4s%s %s: %s\n", color ? verdict_color(act) : "",
			verdict_word(act), color ? RST : "", safe(rule, rule_s, sizeof(rule_s)),
			safe(reason, why, sizeof(why)));
		if (json_object_get(f, "notRechecked")) /* kept from the baseline */
			fprintf(out, "               (not re-checked this run: %s)\n",
				judge_line(json_object_get(f, "notRechecked"), why, sizeof(why)));
	}
}

static void print_asset(const json_t *a, FILE *out, bool color)
{
	const char *v = pg_json_get_str_or(a, "verdict", "pass"),
		   *rawname = pg_json_get_str_or(a, "name", "?");
	const char *rawtarget = pg_json_get_str_or(a, "target", "?");
	const json_t *scan = json_object_get(a, "scan"), *more;
	struct scan_totals t = { 0 };
	char name[256], target[256], why[512];
	size_t i;

	if (scan)
		add_scan(&t, scan);
	json_array_foreach(json_object_get(a, "additionalScans"), i, more) add_scan(&t, more);
	safe(rawname, name, sizeof(name));
	safe(rawtarget, target, sizeof(target));
	/* "app app.example.com (203.0.113.10):" without repeating what is equal */
	fprintf(out, "%s%-9s%s %s", color ? verdict_color(v) : "", verdict_label(v),
		color ? RST : "", name);
	if (strcmp(name, target))
		fprintf(out, " %s", target);
	if (t.nscans && strcmp(t.ips, target))
		fprintf(out, " (%s)", t.ips);
	if (t.nscans)
		fprintf(out, ": %lld open, %lld closed, %lld filtered", t.open, t.closed,
			t.filtered);
	else
		fprintf(out, ": not scanned: %s",
			safe(pg_json_get_str_or(json_object_get(a, "resolution"), "error",
						"no address"),
			     why, sizeof(why)));
	if (t.error)
		fprintf(out, ", %lld error", t.error);
	fputc('\n', out);
	print_findings(a, out, color);
}

void pg_report_text(const json_t *report, FILE *out, bool color)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
	const json_t *a;
	char mode[32];

	while ((a = pg_evidence_walk_next(&w)))
		print_asset(a, out, color);
	fprintf(out,
		"portgate: %lld asset%s: %lld pass, %lld warn, %lld fail, %lld could not check; "
		"verdict %s (%s mode)\n",
		(long long)num(sum, "assets"), num(sum, "assets") == 1 ? "" : "s",
		(long long)num(sum, "pass"), (long long)num(sum, "warn"),
		(long long)num(sum, "fail"), (long long)num(sum, "couldNotCheck"),
		verdict_word(pg_json_get_str_or(run, "verdict", "?")),
		safe(pg_json_get_str_or(run, "mode", "enforce"), mode, sizeof(mode)));
	if (json_array_size(json_object_get(run, "notRechecked")))
		fprintf(out, "portgate: %zu finding%s not re-checked (kept from the baseline)\n",
			json_array_size(json_object_get(run, "notRechecked")),
			json_array_size(json_object_get(run, "notRechecked")) == 1 ? "" : "s");
}
