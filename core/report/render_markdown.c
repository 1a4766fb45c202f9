/* render_markdown.c - a Markdown summary for $GITHUB_STEP_SUMMARY or a merge request note:
 * the verdict, a line per asset and the findings, bounded so a huge portfolio still fits
 * the 1 MiB a step summary may hold. */
#include "config.h"
#include "render_int.h"
#include "evidence.h"

#include <string.h>
#include <strings.h>

#include "probe/probe.h" /* pg_banner_sanitize */

#define MAX_ROWS 300

static void fence(FILE *out, size_t n)
{
	while (n--)
		fputc('`', out);
}

/* Text already sanitised as a code span. Backslash escapes are literal inside one
 * (CommonMark 6.1), so nothing is escaped: the fence is one backtick longer than
 * the longest run in the text, and a space pads each side when the text starts
 * or ends with a backtick or with spaces on both ends (one is stripped from each
 * side). In a table (in_table) '|' still takes its backslash: GFM splits the row
 * into cells before it reads code spans, and drops that backslash. */
static void code_clean(FILE *out, const char *clean, size_t n, bool in_table)
{
	size_t f = 0, run = 0;
	bool pad;

	for (size_t i = 0; i < n; i++) {
		run = clean[i] == '`' ? run + 1 : 0;
		f = run > f ? run : f;
	}
	f++;
	pad = !n || clean[0] == '`' || clean[n - 1] == '`' ||
	      (clean[0] == ' ' && clean[n - 1] == ' ' && strspn(clean, " ") < n);
	fence(out, f);
	if (pad)
		fputc(' ', out);
	for (size_t i = 0; i < n; i++) {
		if (in_table && clean[i] == '|')
			fputc('\\', out);
		fputc(clean[i], out);
	}
	if (pad && n)
		fputc(' ', out);
	fence(out, f);
}

/* Untrusted text as a code span. */
static void code_span(FILE *out, const char *s, bool in_table)
{
	char clean[1024];
	size_t n = pg_banner_sanitize(s, strlen(s), clean, sizeof(clean));

	code_clean(out, clean, n, in_table);
}

/* GitHub autolinks a bare URL (GFM: "http://", "https://", "www.") in any text that is
 * not code, and turns "@org/team" into a mention (a notification to the team) after
 * Markdown is rendered, so a backslash does not stop either. */
static bool url_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((i + 3 <= n && !memcmp(w + i, "://", 3)) ||
		    (i + 4 <= n && !strncasecmp(w + i, "www.", 4)))
			return true;
	return false;
}

/* U+200D (zero-width joiner) after '@' : no mention and no e-mail autolink, and the
 * text still reads the same. */
#define MENTION_BREAK "\xe2\x80\x8d"

static void cell_word(FILE *out, const char *w, size_t n)
{
	if (url_word(w, n)) {
		code_clean(out, w, n, true);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strchr("\\`*_[]<>|#~!&", w[i]))
			fputc('\\', out);
		fputc(w[i], out);
		if (w[i] == '@')
			fputs(MENTION_BREAK, out);
	}
}

/* Untrusted text (names from the manifest, reasons from servers and plugins) as one
 * table cell: control bytes neutralised, Markdown and HTML punctuation escaped, URLs
 * as code spans, mentions broken. */
static void cell(FILE *out, const char *s)
{
	char clean[1024];
	const char *p = clean;

	pg_banner_sanitize(s, strlen(s), clean, sizeof(clean));
	while (*p) {
		size_t sp = strspn(p, " "), n;

		fwrite(p, 1, sp, out);
		p += sp;
		n = strcspn(p, " ");
		cell_word(out, p, n);
		p += n;
	}
}

static const char *icon(const char *verdict)
{
	if (!strcmp(verdict, "fail"))
		return ":x:";
	if (!strcmp(verdict, "warn"))
		return ":warning:";
	if (!strcmp(verdict, "pass"))
		return ":white_check_mark:";
	return ":grey_question:";
}

static json_int_t open_ports(const json_t *asset)
{
	json_int_t n = pg_render_int(json_object_get(json_object_get(asset, "scan"), "summary"),
				     "open");
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(asset, "additionalScans"), i, s)
		n += pg_render_int(json_object_get(s, "summary"), "open");
	return n;
}

static void asset_rows(FILE *out, const json_t *report)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
	const json_t *a;

	fputs("| Asset | Target | Verdict | Open ports | Findings |\n|---|---|---|---:|---:|\n",
	      out);
	while ((a = pg_evidence_walk_next(&w))) {
		const char *v = pg_json_get_str_or(a, "verdict", "?");
		if (w.i - 1 == MAX_ROWS) {
			fprintf(out, "| ... | %zu more assets in the evidence | | | |\n",
				json_array_size(w.assets) - (w.i - 1));
			pg_evidence_walk_end(&w);
			break;
		}
		fputs("| ", out);
		cell(out, pg_json_get_str_or(a, "name", "?"));
		fputs(" | ", out);
		cell(out, pg_json_get_str_or(a, "target", "?"));
		fprintf(out, " | %s %s | %lld | %zu |\n", icon(v), v, (long long)open_ports(a),
			json_array_size(json_object_get(a, "findings")));
	}
}

struct rows {
	FILE *out;
	size_t n;
};

static int finding_row(const json_t *asset, const json_t *f, void *ud)
{
	struct rows *r = ud;
	json_int_t port = pg_render_int(f, "port");

	(void)asset;
	if (r->n++ >= MAX_ROWS)
		return 0;
	fprintf(r->out, "| %s %s | ", icon(pg_json_get_str_or(f, "action", "warn")),
		pg_json_get_str_or(f, "action", "warn"));
	code_span(r->out, pg_json_get_str_or(f, "rule", "?"), true);
	fputs(" | ", r->out);
	cell(r->out, pg_json_get_str_or(f, "asset", "?"));
	fputs(port ? " | " : " | - | ", r->out);
	if (port) /* TCP as the bare number it always was; UDP as "53/udp" */
		fprintf(r->out, "%lld%s | ", (long long)port,
			strcmp(pg_json_get_str_or(f, "protocol", "tcp"), "udp") ? "" : "/udp");
	cell(r->out, pg_json_get_str_or(f, "reason", ""));
	fputs(" |\n", r->out);
	return 0;
}

int pg_render_markdown(FILE *out, const json_t *report)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");
	const char *v = pg_json_get_str_or(run, "verdict", "?");
	struct rows r = { out, 0 };

	fprintf(out, "## %s portgate: %s\n\n", icon(v), v);
	fprintf(out,
		"**%lld asset(s)**: %lld pass, %lld warn, %lld fail, %lld could not check "
		"&middot; %s mode &middot; exit code %lld &middot; manifest ",
		(long long)pg_render_int(sum, "assets"), (long long)pg_render_int(sum, "pass"),
		(long long)pg_render_int(sum, "warn"), (long long)pg_render_int(sum, "fail"),
		(long long)pg_render_int(sum, "couldNotCheck"),
		pg_json_get_str_or(run, "mode", "enforce"),
		(long long)pg_render_int(run, "exitCode"));
	code_span(out, pg_render_manifest_path(report), false);
	fputs("\n\n", out);
	asset_rows(out, report);
	fputs("\n### Findings\n\n", out);
	fputs("| Action | Rule | Asset | Port | Reason |\n|---|---|---|---:|---|\n", out);
	pg_render_each_finding(report, finding_row, &r);
	if (r.n > MAX_ROWS)
		fprintf(out, "| | | | | ... %zu more findings in the evidence |\n", r.n - MAX_ROWS);
	if (!r.n)
		fputs("| | | | | none |\n", out);
	return ferror(out) ? -1 : 0;
}
