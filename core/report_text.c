/* report_text.c - human summary of a report for the terminal / CI log. */
#include "config.h"
#include "report_text.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RED "\033[31m"
#define YEL "\033[33m"
#define GRN "\033[32m"
#define MAG "\033[35m"
#define RST "\033[0m"

bool pg_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fileno(f)) && !(nc && *nc);
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

static const char *str(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : dflt;
}

static json_int_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void print_asset(const json_t *a, FILE *out, bool color)
{
	const char *v = str(a, "verdict", "pass");
	const json_t *scan = json_object_get(a, "scan"), *sum = json_object_get(scan, "summary");
	const json_t *res = json_object_get(a, "resolution"), *f;
	size_t i;

	const char *name = str(a, "name", "?"), *target = str(a, "target", "?");
	const char *ip = scan ? str(scan, "ip", "?") : NULL;

	/* "app app.example.com (203.0.113.10):" without repeating what is equal */
	fprintf(out, "%s%-9s%s %s", color ? verdict_color(v) : "", verdict_label(v), color ? RST : "", name);
	if (strcmp(name, target))
		fprintf(out, " %s", target);
	if (ip && strcmp(ip, target))
		fprintf(out, " (%s)", ip);
	if (scan)
		fprintf(out, ": %lld open, %lld closed, %lld filtered", (long long)num(sum, "open"),
			(long long)num(sum, "closed"), (long long)num(sum, "filtered"));
	else
		fprintf(out, ": not scanned: %s", str(res, "error", "no address"));
	if (num(sum, "error"))
		fprintf(out, ", %lld error", (long long)num(sum, "error"));
	fputc('\n', out);
	json_array_foreach(json_object_get(a, "findings"), i, f) {
		const char *act = str(f, "action", "warn");
		fprintf(out, "          %s%-4s%s %s: %s\n", color ? verdict_color(act) : "", act,
			color ? RST : "", str(f, "rule", "?"), str(f, "reason", ""));
	}
}

void pg_report_text(const json_t *report, FILE *out, bool color)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(report, "assets"), i, a)
		print_asset(a, out, color);
	fprintf(out, "portgate: %lld asset%s: %lld pass, %lld warn, %lld fail, %lld could not check; "
		"verdict %s (%s mode)\n",
		(long long)num(sum, "assets"), num(sum, "assets") == 1 ? "" : "s", (long long)num(sum, "pass"), (long long)num(sum, "warn"),
		(long long)num(sum, "fail"), (long long)num(sum, "couldNotCheck"),
		str(run, "verdict", "?"), str(run, "mode", "enforce"));
}
