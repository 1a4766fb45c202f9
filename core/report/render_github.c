/* render_github.c - GitHub Actions workflow commands: an ::error or ::warning annotation per
 * finding at the asset's manifest line (the most important first, as many as GitHub shows,
 * then a ::notice counting the rest), and a ::notice with the verdict. */
#include "config.h"
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* Workflow-command escaping: %, CR and LF always; ':' and ',' too inside properties. */
static void put_escaped(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '%')
			fputs("%25", out);
		else if (c == '\r')
			fputs("%0D", out);
		else if (c == '\n')
			fputs("%0A", out);
		else if (property && c == ':')
			fputs("%3A", out);
		else if (property && c == ',')
			fputs("%2C", out);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', out); /* a reason must not drive the runner's terminal */
		else
			fputc(c, out);
	}
}

/* GitHub shows at most 10 error and 10 warning annotations of a step (docs.github.com,
 * "Workflow commands"); the rest would be dropped without a word. */
#define GITHUB_MAX_PER_LEVEL 10

struct pick {
	const json_t *asset, *f; /* borrowed */
	int rank;                /* lower first: fail before warn, then by severity */
	size_t order;            /* in the evidence */
};

struct picks {
	struct pick *v;
	size_t n, cap;
};

static int severity_rank(const char *sev)
{
	static const char *const order[] = { "critical", "high", "medium", "low", "info" };

	for (size_t i = 0; i < PG_ARRAY_LEN(order); i++)
		if (!strcmp(order[i], sev))
			return (int)i;
	return 2; /* unknown: medium */
}

static bool is_error(const json_t *f)
{
	return !strcmp(pg_json_get_str_or(f, "action", "warn"), "fail");
}

static int collect(const json_t *asset, const json_t *f, void *ud)
{
	struct picks *p = ud;

	if (!strcmp(pg_json_get_str_or(f, "action", "warn"), "pass"))
		return 0; /* accepted by an exception: nothing to annotate */
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = pg_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n] = (struct pick){ asset, f,
				    (is_error(f) ? 0 : 8) +
					    severity_rank(pg_json_get_str_or(f, "severity", "")),
				    p->n };
	p->n++;
	return 0;
}

static int cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return (x->order > y->order) - (x->order < y->order);
}

static void annotate(FILE *out, const char *manifest, const json_t *asset, const json_t *f)
{
	json_int_t line = pg_render_int(asset, "line");
	char *title = pg_xasprintf("%s (%s)", pg_json_get_str_or(f, "rule", "?"),
				   pg_json_get_str_or(f, "asset", "?"));

	fprintf(out, "::%s file=", is_error(f) ? "error" : "warning");
	put_escaped(out, manifest, true);
	if (line > 0)
		fprintf(out, ",line=%lld", (long long)line);
	fputs(",title=", out);
	put_escaped(out, title, true);
	fputs("::", out);
	put_escaped(out, pg_json_get_str_or(f, "reason", ""), false);
	fputc('\n', out);
	free(title);
}

/* The most important findings first, at most GITHUB_MAX_PER_LEVEL of each level, and one
 * notice counting what the evidence has beyond them. */
static void annotate_capped(FILE *out, const json_t *report)
{
	struct picks p = { 0 };
	size_t shown[2] = { 0 }, left[2] = { 0 };

	pg_render_each_finding(report, collect, &p);
	qsort(p.v, p.n, sizeof(*p.v), cmp_pick);
	for (size_t i = 0; i < p.n; i++) {
		int lvl = is_error(p.v[i].f) ? 0 : 1;

		if (shown[lvl] < GITHUB_MAX_PER_LEVEL) {
			annotate(out, pg_render_manifest_path(report), p.v[i].asset, p.v[i].f);
			shown[lvl]++;
		} else {
			left[lvl]++;
		}
	}
	if (left[0] || left[1])
		fprintf(out,
			"::notice title=portgate::%zu more finding(s) (%zu error, %zu warning) "
			"not annotated: GitHub shows %d of each level per step; all are in the "
			"evidence\n",
			left[0] + left[1], left[0], left[1], GITHUB_MAX_PER_LEVEL);
	free(p.v);
}

int pg_render_github(FILE *out, const json_t *report)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");

	annotate_capped(out, report);
	fprintf(out,
		"::notice title=portgate::verdict %s (%s mode): %lld asset(s), %lld pass, "
		"%lld warn, %lld fail, %lld could not check\n",
		pg_json_get_str_or(run, "verdict", "?"), pg_json_get_str_or(run, "mode", "enforce"),
		(long long)pg_render_int(sum, "assets"), (long long)pg_render_int(sum, "pass"),
		(long long)pg_render_int(sum, "warn"), (long long)pg_render_int(sum, "fail"),
		(long long)pg_render_int(sum, "couldNotCheck"));
	return ferror(out) ? -1 : 0;
}
