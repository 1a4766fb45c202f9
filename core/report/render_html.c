/* render_html.c - one self-contained HTML page for build artifacts and people: the
 * verdict, a chart of port states and findings per asset, the assets, and every
 * finding with its investigation packet (packet.h, the lines a notification
 * carries), fail first, then by the asset's criticality.
 *
 * Self-contained because an artifact is opened from a CI server or a mail
 * attachment: inline CSS, inline SVG, no script, no font, no URL fetched; the
 * Content-Security-Policy meta says so to the browser too. Usable without
 * JavaScript: <details>/<summary> expand a finding. Every string from the
 * evidence (manifest names, banners, reasons, plugin lines) is untrusted:
 * one line (packet.h's rule) and HTML-escaped, so a banner "<script>" is text. */
#include "config.h"
#include "render_int.h"
#include "evidence.h"
#include "packet.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define MAX_ASSETS   500  /* rows of the chart and the table; the worst come first */
#define MAX_FINDINGS 1000 /* findings shown with their packet; the worst come first */
#define TEXT_MAX     1024 /* bytes of one shown string */
#define LABEL_MAX    34   /* bytes of an asset name in the chart */
#define REASON_MAX   200  /* bytes of a reason in a finding's summary line */

/* Port states in the order the chart stacks them, as scan.summary names them. */
enum port_state { ST_OPEN, ST_CLOSED, ST_FILTERED, ST_ERROR, ST_COUNT };
static const char *const state_name[ST_COUNT] = { "open", "closed", "filtered", "error" };
static const char *const state_color[ST_COUNT] = { "#1f6fb2", "#9aa5b1", "#d99a00", "#7b2cbf" };

/* ---- escaping ---------------------------------------------------------------- */

static void esc_cut(FILE *out, const char *s, size_t max)
{
	char *line = pg_packet_line_new(s ? s : "", max);

	for (const char *p = line; *p; p++) {
		const char *e = *p == '&'    ? "&amp;"
				: *p == '<'  ? "&lt;"
				: *p == '>'  ? "&gt;"
				: *p == '"'  ? "&quot;"
				: *p == '\'' ? "&#39;"
					     : NULL;
		if (e)
			fputs(e, out);
		else
			fputc(*p, out);
	}
	free(line);
}

static void esc(FILE *out, const char *s)
{
	esc_cut(out, s, TEXT_MAX);
}

/* A class name for a verdict or action: one of a fixed set, never evidence text. */
static const char *word_class(const char *w)
{
	static const char *const known[] = { "pass", "warn", "fail", "could-not-check" };

	for (size_t i = 0; w && i < PG_ARRAY_LEN(known); i++)
		if (!strcmp(known[i], w))
			return known[i];
	return "unknown";
}

/* ---- ranks -------------------------------------------------------------------- */

/* Position of w in words, else n (unknown text), else n + 1 (absent). */
static int rank_of(const char *const *words, int n, const char *w)
{
	for (int i = 0; w && i < n; i++)
		if (!strcmp(words[i], w))
			return i;
	return w ? n : n + 1;
}

static int action_rank(const char *a)
{
	static const char *const order[] = { "fail", "warn", "pass" };

	return rank_of(order, (int)PG_ARRAY_LEN(order), a);
}

/* criticality is free text in the manifest; these are the words docs/manifest.md
 * suggests, and any other text sorts after them, an absent one last. */
static int level_rank(const char *v)
{
	static const char *const order[] = { "critical", "high", "medium", "low", "info" };

	return rank_of(order, (int)PG_ARRAY_LEN(order), v);
}

static int verdict_rank(const char *v)
{
	static const char *const order[] = { "fail", "could-not-check", "warn", "pass" };

	return rank_of(order, (int)PG_ARRAY_LEN(order), v);
}

/* ---- what the page shows, collected in one walk -------------------------------- */

struct asset_row {
	const char *name, *target, *verdict; /* borrowed from the report */
	json_int_t ports[ST_COUNT];
	size_t fail, warn, findings;
	size_t seq;
};

struct finding_row {
	const json_t *f; /* borrowed from the report */
	json_t *ctx;     /* owned reference: the asset's context (packet.h) */
	json_t *res;     /* owned reference: the asset's resolution, or NULL */
	int action, crit, sev;
	size_t seq;
};

struct page {
	struct asset_row *assets;
	size_t n_assets, cap_assets;
	struct finding_row *findings;
	size_t n_findings, cap_findings;
};

static void add_ports(json_int_t ports[ST_COUNT], const json_t *scan)
{
	const json_t *sum = json_object_get(scan, "summary");

	for (int s = 0; s < ST_COUNT; s++)
		ports[s] += pg_render_int(sum, state_name[s]);
}

static void collect_findings(struct page *pg, struct asset_row *row, const json_t *report,
			     const json_t *a)
{
	const json_t *list = json_object_get(a, "findings"), *f;
	json_t *ctx, *res = json_object_get(a, "resolution");
	size_t i;

	if (!json_array_size(list))
		return;
	ctx = pg_packet_asset_context_new(report, a);
	json_array_foreach(list, i, f)
	{
		const char *action = pg_json_get_str(f, "action");
		struct finding_row *r;
		pg_grow(&pg->findings, &pg->cap_findings, pg->n_findings + 1, sizeof(*r));
		r = &pg->findings[pg->n_findings];
		*r = (struct finding_row){ f,
					   json_incref(ctx),
					   json_incref(res),
					   action_rank(action),
					   level_rank(pg_json_get_str(ctx, "criticality")),
					   level_rank(pg_json_get_str(f, "severity")),
					   pg->n_findings };
		pg->n_findings++;
		row->fail += action && !strcmp(action, "fail");
		row->warn += action && !strcmp(action, "warn");
	}
	row->findings = json_array_size(list);
	json_decref(ctx);
}

static void collect_asset(struct page *pg, const json_t *report, const json_t *a)
{
	struct asset_row *row;
	const json_t *s;
	size_t i;

	pg_grow(&pg->assets, &pg->cap_assets, pg->n_assets + 1, sizeof(*row));
	row = &pg->assets[pg->n_assets];
	*row = (struct asset_row){ .name = pg_json_get_str_or(a, "name", "?"),
				   .target = pg_json_get_str_or(a, "target", ""),
				   .verdict = pg_json_get_str_or(a, "verdict", "?"),
				   .seq = pg->n_assets };
	add_ports(row->ports, json_object_get(a, "scan"));
	json_array_foreach(json_object_get(a, "additionalScans"), i, s) add_ports(row->ports, s);
	collect_findings(pg, row, report, a);
	pg->n_assets++;
}

static int cmp_asset(const void *x, const void *y)
{
	const struct asset_row *a = x, *b = y;
	int d = verdict_rank(a->verdict) - verdict_rank(b->verdict);

	return d ? d : (a->seq > b->seq) - (a->seq < b->seq);
}

static int cmp_finding(const void *x, const void *y)
{
	const struct finding_row *a = x, *b = y;
	int d = a->action != b->action ? a->action - b->action
		: a->crit != b->crit   ? a->crit - b->crit
				       : a->sev - b->sev;

	return d ? d : (a->seq > b->seq) - (a->seq < b->seq);
}

static void page_collect(struct page *pg, const json_t *report)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
	const json_t *a;

	while ((a = pg_evidence_walk_next(&w)))
		collect_asset(pg, report, a);
	if (pg->n_assets)
		qsort(pg->assets, pg->n_assets, sizeof(*pg->assets), cmp_asset);
	if (pg->n_findings)
		qsort(pg->findings, pg->n_findings, sizeof(*pg->findings), cmp_finding);
}

static void page_free(struct page *pg)
{
	for (size_t i = 0; i < pg->n_findings; i++) {
		json_decref(pg->findings[i].ctx);
		json_decref(pg->findings[i].res);
	}
	free(pg->findings);
	free(pg->assets);
}

/* ---- head and summary ------------------------------------------------------------ */

static const char css[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;"
	"padding:16px 24px;color:#1d2330;background:#fff}\n"
	"h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:26px 0 8px;"
	"border-bottom:1px solid #d8dde6;padding-bottom:4px}\n"
	".v{display:inline-block;padding:1px 8px;border-radius:4px;color:#fff;font-weight:600;"
	"text-transform:uppercase;font-size:12px}h1 .v{font-size:18px;padding:2px 10px}\n"
	".fail{background:#c62828}.warn{background:#a35f00}.pass{background:#2e7d32}"
	".could-not-check,.unknown{background:#5f6b7a}\n"
	".meta{color:#5f6b7a}.tag{color:#5f6b7a;font-style:italic}\n"
	"code,dd{font:12px/1.5 ui-monospace,monospace;overflow-wrap:anywhere}"
	"code{background:#f2f4f7;padding:1px 4px;border-radius:3px}\n"
	"table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;"
	"border-bottom:1px solid #e6e9ef;vertical-align:top}.n{text-align:right}\n"
	"details{border:1px solid #d8dde6;border-radius:6px;margin:6px 0;padding:0 10px}"
	"summary{cursor:pointer;padding:6px 0}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:2px 0 10px}"
	"dt{font-weight:600;color:#3b4656}dd{margin:0}\n"
	"svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#1d2330}\n";

static void head(FILE *out, const json_t *report, const json_t *run)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" "
	      "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>portgate ",
	      out);
	esc(out, pg_json_get_str_or(run, "verdict", "?"));
	fputs(": ", out);
	esc(out, pg_render_manifest_path(report));
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

/* Where the run came from: the manifest, the run id, when and how long, which portgate. */
static void run_line(FILE *out, const json_t *report, const json_t *run)
{
	char secs[32];

	fputs("<p class=\"meta\">manifest <code>", out);
	esc(out, pg_render_manifest_path(report));
	fputs("</code> &middot; run <code>", out);
	esc(out, pg_json_get_str_or(run, "id", "?"));
	fputs("</code> &middot; started ", out);
	esc(out, pg_json_get_str_or(run, "startedAt", "?"));
	pg_render_seconds(pg_render_int(run, "durationMs"), secs);
	fprintf(out, " &middot; %s s &middot; portgate ", secs);
	esc(out, pg_json_get_str_or(json_object_get(report, "portgate"), "version", "?"));
	fputs("</p>\n", out);
}

static void summary(FILE *out, const json_t *report)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");
	const json_t *fs = json_object_get(sum, "findings");
	const char *v = pg_json_get_str_or(run, "verdict", "?");

	fprintf(out, "<header>\n<h1><span class=\"v %s\">", word_class(v));
	esc(out, v);
	fprintf(out,
		"</span> portgate</h1>\n<p><b>%lld asset(s)</b>: %lld pass, %lld warn, %lld fail, "
		"%lld could not check &middot; findings: %lld fail, %lld warn, %lld excepted "
		"&middot; ",
		(long long)pg_render_int(sum, "assets"), (long long)pg_render_int(sum, "pass"),
		(long long)pg_render_int(sum, "warn"), (long long)pg_render_int(sum, "fail"),
		(long long)pg_render_int(sum, "couldNotCheck"),
		(long long)pg_render_int(fs, "fail"), (long long)pg_render_int(fs, "warn"),
		(long long)pg_render_int(fs, "excepted"));
	esc(out, pg_json_get_str_or(run, "mode", "enforce"));
	fprintf(out, " mode &middot; exit code %lld</p>\n",
		(long long)pg_render_int(run, "exitCode"));
	run_line(out, report, run);
	fputs("</header>\n", out);
}

/* ---- the chart ---------------------------------------------------------------------- */

#define ROW_H   24
#define TOP     44  /* legend and column titles */
#define BAR_X   250 /* port-state bar */
#define BAR_W   440
#define FIND_X  790 /* findings bar */
#define FIND_W  150
#define CHART_W 1000

static void rect(FILE *out, double x, double y, double w, const char *color, const char *tip,
		 long long n)
{
	fprintf(out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\">"
		"<title>%s: %lld</title></rect>\n",
		x, y, w, color, tip, n);
}

static void legend(FILE *out)
{
	static const char *const find_color[2] = { "#c62828", "#a35f00" };
	static const char *const find_name[2] = { "fail findings", "warn findings" };
	int x = BAR_X;

	for (int s = 0; s < ST_COUNT; s++, x += 90) {
		fprintf(out, "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"12\" fill=\"%s\"/>", x,
			state_color[s]);
		fprintf(out, "<text x=\"%d\" y=\"14\">%s</text>\n", x + 16, state_name[s]);
	}
	for (int k = 0, fx = FIND_X - 60; k < 2; k++, fx += 110) {
		fprintf(out, "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"12\" fill=\"%s\"/>", fx,
			find_color[k]);
		fprintf(out, "<text x=\"%d\" y=\"14\">%s</text>\n", fx + 16, find_name[k]);
	}
	fprintf(out,
		"<text x=\"0\" y=\"36\" font-weight=\"bold\">asset</text>"
		"<text x=\"%d\" y=\"36\" font-weight=\"bold\">port states (share of ports "
		"scanned)</text><text x=\"%d\" y=\"36\" font-weight=\"bold\">findings</text>\n",
		BAR_X, FIND_X);
}

static void port_bar(FILE *out, const struct asset_row *r, double y)
{
	json_int_t total = 0;
	double x = BAR_X;

	for (int s = 0; s < ST_COUNT; s++)
		total += r->ports[s];
	if (!total) {
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" fill=\"#5f6b7a\">not scanned</text>\n",
			BAR_X, y + 13);
		return;
	}
	for (int s = 0; s < ST_COUNT; s++) {
		double w = (double)BAR_W * (double)r->ports[s] / (double)total;
		if (r->ports[s])
			rect(out, x, y, w, state_color[s], state_name[s], (long long)r->ports[s]);
		x += w;
	}
	fprintf(out, "<text x=\"%d\" y=\"%.1f\">%lld/%lld open</text>\n", BAR_X + BAR_W + 8, y + 13,
		(long long)r->ports[ST_OPEN], (long long)total);
}

static void finding_bar(FILE *out, const struct asset_row *r, double y, size_t most)
{
	double wf = most ? (double)FIND_W * (double)r->fail / (double)most : 0;
	double ww = most ? (double)FIND_W * (double)r->warn / (double)most : 0;

	if (r->fail)
		rect(out, FIND_X, y, wf, "#c62828", "fail", (long long)r->fail);
	if (r->warn)
		rect(out, FIND_X + wf, y, ww, "#a35f00", "warn", (long long)r->warn);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">%zu</text>\n", FIND_X + wf + ww + 6, y + 13,
		r->findings);
}

static void chart(FILE *out, const struct page *pg, size_t shown)
{
	size_t most = 0;

	for (size_t i = 0; i < shown; i++)
		most = pg->assets[i].fail + pg->assets[i].warn > most
			       ? pg->assets[i].fail + pg->assets[i].warn
			       : most;
	fprintf(out,
		"<svg width=\"%d\" height=\"%zu\" "
		"viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"port states and findings per "
		"asset\">\n",
		CHART_W, TOP + shown * ROW_H, CHART_W, TOP + shown * ROW_H);
	legend(out);
	for (size_t i = 0; i < shown; i++) {
		const struct asset_row *r = &pg->assets[i];
		double y = TOP + (double)i * ROW_H + 4;
		fprintf(out, "<text x=\"0\" y=\"%.1f\">", y + 13);
		esc_cut(out, r->name, LABEL_MAX);
		fputs("</text>\n", out);
		port_bar(out, r, y);
		finding_bar(out, r, y, most);
	}
	fputs("</svg>\n", out);
}

/* ---- the assets table ------------------------------------------------------------- */

static void asset_table(FILE *out, const struct page *pg, size_t shown)
{
	fputs("<table>\n<tr><th>Asset</th><th>Target</th><th>Verdict</th><th class=\"n\">Open</th>"
	      "<th class=\"n\">Closed</th><th class=\"n\">Filtered</th><th class=\"n\">Error</th>"
	      "<th class=\"n\">Findings</th></tr>\n",
	      out);
	for (size_t i = 0; i < shown; i++) {
		const struct asset_row *r = &pg->assets[i];
		fputs("<tr><td>", out);
		esc(out, r->name);
		fputs("</td><td><code>", out);
		esc(out, r->target);
		fprintf(out, "</code></td><td><span class=\"v %s\">", word_class(r->verdict));
		esc(out, r->verdict);
		fputs("</span></td>", out);
		for (int s = 0; s < ST_COUNT; s++)
			fprintf(out, "<td class=\"n\">%lld</td>", (long long)r->ports[s]);
		fprintf(out, "<td class=\"n\">%zu</td></tr>\n", r->findings);
	}
	fputs("</table>\n", out);
}

static void assets(FILE *out, const struct page *pg)
{
	size_t shown = pg->n_assets < MAX_ASSETS ? pg->n_assets : MAX_ASSETS;

	fputs("<h2>Assets</h2>\n", out);
	chart(out, pg, shown);
	asset_table(out, pg, shown);
	if (shown < pg->n_assets)
		fprintf(out, "<p class=\"meta\">%zu more assets in the evidence.</p>\n",
			pg->n_assets - shown);
}

/* ---- findings ----------------------------------------------------------------------- */

static void finding_tags(FILE *out, const json_t *f)
{
	if (json_is_object(json_object_get(f, "exception")))
		fputs(" <span class=\"tag\">exception</span>", out);
	if (json_is_false(json_object_get(f, "enforced")))
		fputs(" <span class=\"tag\">not enforced</span>", out);
	if (json_is_object(json_object_get(f, "notRechecked")))
		fputs(" <span class=\"tag\">not re-checked</span>", out);
}

static void finding_summary(FILE *out, const struct finding_row *r)
{
	const char *action = pg_json_get_str_or(r->f, "action", "warn");
	json_int_t port = pg_render_int(r->f, "port");

	fprintf(out, "<summary><span class=\"v %s\">", word_class(action));
	esc(out, action);
	fputs("</span> <code>", out);
	esc(out, pg_json_get_str_or(r->f, "rule", "?"));
	fputs("</code> ", out);
	esc(out, pg_json_get_str_or(r->f, "asset", "?"));
	if (port)
		fprintf(out, " &middot; %lld/", (long long)port);
	if (port)
		esc(out, pg_json_get_str_or(r->f, "protocol", "tcp"));
	fputs(" &middot; ", out);
	esc_cut(out, pg_json_get_str_or(r->f, "reason", ""), REASON_MAX);
	finding_tags(out, r->f);
	fputs("</summary>\n", out);
}

static void packet(FILE *out, const struct finding_row *r, const char *run_id)
{
	json_t *fields = pg_packet_fields_new(r->f, r->ctx, r->res, NULL, run_id), *fl;
	size_t i;

	fputs("<dl>\n", out);
	json_array_foreach(fields, i, fl)
	{
		fputs("<dt>", out);
		esc(out, pg_json_get_str(fl, "name"));
		fputs("</dt><dd>", out);
		esc(out, pg_json_get_str(fl, "value"));
		fputs("</dd>\n", out);
	}
	fputs("</dl>\n", out);
	json_decref(fields);
}

static void findings(FILE *out, const struct page *pg, const json_t *report)
{
	const char *run_id = pg_json_get_str(json_object_get(report, "run"), "id");
	size_t shown = pg->n_findings < MAX_FINDINGS ? pg->n_findings : MAX_FINDINGS;

	fprintf(out, "<h2>Findings (%zu)</h2>\n", pg->n_findings);
	if (!pg->n_findings)
		fputs("<p>None.</p>\n", out);
	for (size_t i = 0; i < shown; i++) {
		const struct finding_row *r = &pg->findings[i];
		/* failures open: what blocked the build is visible without a click */
		fputs(r->action == 0 ? "<details open>\n" : "<details>\n", out);
		finding_summary(out, r);
		packet(out, r, run_id);
		fputs("</details>\n", out);
	}
	if (shown < pg->n_findings)
		fprintf(out, "<p class=\"meta\">%zu more findings in the evidence.</p>\n",
			pg->n_findings - shown);
}

int pg_render_html(FILE *out, const json_t *report)
{
	struct page pg = { 0 };

	page_collect(&pg, report);
	head(out, report, json_object_get(report, "run"));
	summary(out, report);
	assets(out, &pg);
	findings(out, &pg, report);
	fputs("<footer><p class=\"meta\">Rendered from the evidence JSON alone: no script, no "
	      "external resource.</p></footer>\n</body>\n</html>\n",
	      out);
	page_free(&pg);
	return ferror(out) ? -1 : 0;
}
