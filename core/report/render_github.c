/* render_github.c - GitHub Actions workflow commands: an ::error or ::warning annotation
 * per finding at the asset's manifest line, and a ::notice with the verdict. */
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

struct ctx {
	FILE *out;
	const char *manifest;
};

static int annotate(const json_t *asset, const json_t *f, void *ud)
{
	const struct ctx *c = ud;
	json_int_t line = pg_render_int(asset, "line");
	char *title;

	if (!strcmp(pg_json_get_str_or(f, "action", "warn"), "pass"))
		return 0; /* accepted by an exception: nothing to annotate */
	title = pg_xasprintf("%s (%s)", pg_json_get_str_or(f, "rule", "?"),
			     pg_json_get_str_or(f, "asset", "?"));

	fprintf(c->out, "::%s file=",
		strcmp(pg_json_get_str_or(f, "action", "warn"), "fail") ? "warning" : "error");
	put_escaped(c->out, c->manifest, true);
	if (line > 0)
		fprintf(c->out, ",line=%lld", (long long)line);
	fputs(",title=", c->out);
	put_escaped(c->out, title, true);
	fputs("::", c->out);
	put_escaped(c->out, pg_json_get_str_or(f, "reason", ""), false);
	fputc('\n', c->out);
	free(title);
	return 0;
}

int pg_render_github(FILE *out, const json_t *report)
{
	const json_t *run = json_object_get(report, "run"), *sum = json_object_get(run, "summary");
	struct ctx c = { out, pg_json_get_str_or(run, "manifest", "") };

	pg_render_each_finding(report, annotate, &c);
	fprintf(out,
		"::notice title=portgate::verdict %s (%s mode): %lld asset(s), %lld pass, "
		"%lld warn, %lld fail, %lld could not check\n",
		pg_json_get_str_or(run, "verdict", "?"), pg_json_get_str_or(run, "mode", "enforce"),
		(long long)pg_render_int(sum, "assets"), (long long)pg_render_int(sum, "pass"),
		(long long)pg_render_int(sum, "warn"), (long long)pg_render_int(sum, "fail"),
		(long long)pg_render_int(sum, "couldNotCheck"));
	return ferror(out) ? -1 : 0;
}
