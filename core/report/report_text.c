/* report_text.c - human summary of a report for the terminal / CI log. */
#include "config.h"
#include "report_text.h"
#include "fold.h"

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
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (pg_color_mode != PG_COLOR_AUTO)
		return pg_color_mode == PG_COLOR_ALWAYS;
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

static void add_scan(struct scan_totals *t, const json_t *scan)
{
	const json_t *sum = json_object_get(scan, "summary");
	size_t used = strlen(t->ips);

	t->open += num(sum, "open");
	t->closed += num(sum, "closed");
	t->filtered += num(sum, "filtered");
	t->error += num(sum, "error");
	snprintf(t->ips + used, sizeof(t->ips) - used, "%s%s", t->nscans++ ? ", " : "",
		 pg_json_get_str_or(scan, "ip", "?"));
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
		pg_banner_sanitize(rule, strlen(rule), rule_s, sizeof(rule_s));
		pg_banner_sanitize(reason, strlen(reason), why, sizeof(why));
		fprintf(out, "          %s%-4s%s %s: %s\n", color ? verdict_color(act) : "", act,
			color ? RST : "", rule_s, why);
	}
}

static void print_asset(const json_t *a, FILE *out, bool color)
{
	const char *v = pg_json_get_str_or(a, "verdict", "pass"),
		   *rawname = pg_json_get_str_or(a, "name", "?");
	const char *rawtarget = pg_json_get_str_or(a, "target", "?");
	const json_t *scan = json_object_get(a, "scan"), *more;
	struct scan_totals t = { 0 };
	char name[256], target[256];
	size_t i;

	if (scan)
		add_scan(&t, scan);
	json_array_foreach(json_object_get(a, "additionalScans"), i, more) add_scan(&t, more);
	pg_banner_sanitize(rawname, strlen(rawname), name, sizeof(name));
	pg_banner_sanitize(rawtarget, strlen(rawtarget), target, sizeof(target));
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
			pg_json_get_str_or(json_object_get(a, "resolution"), "error",
					   "no address"));
	if (t.error)
		fprintf(out, ", %lld error", t.error);
	fputc('\n', out);
	print_findings(a, out, color);
}

void pg_report_text(const json_t *report, FILE *out, bool color)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(report, "assets"), i, a)
	{
		json_t *full = pg_fold_full(a);
		print_asset(full, out, color);
		json_decref(full);
	}
	fprintf(out,
		"portgate: %lld asset%s: %lld pass, %lld warn, %lld fail, %lld could not check; "
		"verdict %s (%s mode)\n",
		(long long)num(sum, "assets"), num(sum, "assets") == 1 ? "" : "s",
		(long long)num(sum, "pass"), (long long)num(sum, "warn"),
		(long long)num(sum, "fail"), (long long)num(sum, "couldNotCheck"),
		pg_json_get_str_or(run, "verdict", "?"),
		pg_json_get_str_or(run, "mode", "enforce"));
}
