/* render_json.c - the evidence itself, and NDJSON: one finding per line for log pipelines. */
#include "config.h"
#include "render_int.h"

int pg_render_json(FILE *out, const json_t *report)
{
	/* streamed: no second copy of a large report as one string */
	return json_dumpf(report, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
			       fputc('\n', out) == EOF
		       ? -1
		       : 0;
}

/* The finding as in the evidence, plus where its asset is declared. */
static int put_finding(const json_t *asset, const json_t *f, void *ud)
{
	FILE *out = ud;
	json_t *line = json_copy((json_t *)f);
	int r;

	json_object_set_new(line, "manifestLine", json_integer(pg_rj_int(asset, "line")));
	r = json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0 || fputc('\n', out) == EOF
		    ? -1
		    : 0;
	json_decref(line);
	return r;
}

int pg_render_ndjson(FILE *out, const json_t *report)
{
	return pg_rj_each_finding(report, put_finding, out);
}
