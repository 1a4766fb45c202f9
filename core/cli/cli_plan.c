/* cli_plan.c - `check --dry-run`: what a check would scan, as text, from pg_run_plan's JSON. */
#include "config.h"
#include "cli_plan.h"

#include <stdlib.h>

#include "common/json_get.h"
#include "util/util.h"

/* Manifest and DNS strings reach the terminal defanged (control bytes), between pre and post. */
static void put(FILE *out, const char *pre, const char *s, const char *post)
{
	char *t = pg_xstrdup(s ? s : "");

	pg_defang(t);
	fprintf(out, "%s%s%s", pre, t, post);
	free(t);
}

/* [[lo, hi], ...] as "80,8000-8010" (suffix "/udp" for UDP ranges), after *n items. */
static size_t put_range_list(FILE *out, const json_t *ranges, const char *suffix, size_t *items)
{
	size_t i, n = 0;
	json_t *r;

	json_array_foreach(ranges, i, r)
	{
		json_int_t lo = json_integer_value(json_array_get(r, 0));
		json_int_t hi = json_integer_value(json_array_get(r, 1));

		if ((*items)++)
			fputc(',', out);
		if (lo == hi)
			fprintf(out, "%lld%s", (long long)lo, suffix);
		else
			fprintf(out, "%lld-%lld%s", (long long)lo, (long long)hi, suffix);
		n += (size_t)(hi - lo + 1);
	}
	return n;
}

/* TCP ranges, then UDP ranges (may be NULL) written as the manifest writes them. */
static void put_ranges(FILE *out, const json_t *ranges, const json_t *udp)
{
	size_t items = 0, n = put_range_list(out, ranges, "", &items);

	n += put_range_list(out, udp, "/udp", &items);
	if (n)
		fprintf(out, " (%zu port%s)", n, n == 1 ? "" : "s");
	else
		fputs("none", out);
}

static void put_addresses(FILE *out, const json_t *addrs)
{
	size_t i;
	json_t *a;

	json_array_foreach(addrs, i, a)
	{
		put(out, "  ", pg_json_get_str_or(a, "ip", "?"), ": ");
		if (json_is_true(json_object_get(a, "scan")))
			fputs(json_object_get(a, "reason") ? "scan (scanUnexpected: " : "scan",
			      out);
		else
			fputs("skip (", out);
		if (json_object_get(a, "reason") || !json_is_true(json_object_get(a, "scan")))
			put(out, "", pg_json_get_str_or(a, "reason", "out of scope"), ")");
		fputc('\n', out);
	}
}

void pg_cli_plan_print(const json_t *plan, FILE *out)
{
	size_t i, scan = 0;
	json_t *e;

	json_array_foreach(plan, i, e)
	{
		put(out, "", pg_json_get_str_or(e, "asset", "?"), " ");
		put(out, "(", pg_json_get_str_or(e, "target", "?"), "");
		fprintf(out, ", line %lld): ",
			(long long)json_integer_value(json_object_get(e, "line")));
		if (!json_is_true(json_object_get(e, "resolved"))) {
			put(out, "not resolved: ", pg_json_get_str_or(e, "error", "no address"),
			    "\n");
			continue;
		}
		fputs("ports ", out);
		put_ranges(out, json_object_get(e, "ports"), json_object_get(e, "udpPorts"));
		if (json_array_size(json_object_get(e, "tlsPorts"))) {
			fputs(", TLS ", out);
			put_ranges(out, json_object_get(e, "tlsPorts"), NULL);
		}
		fputc('\n', out);
		put_addresses(out, json_object_get(e, "addresses"));
		scan++;
	}
	fprintf(out, "dry run: %zu of %zu asset(s) resolved; nothing was connected to\n", scan,
		json_array_size(plan));
}
