/* render_json.c - the evidence itself, and NDJSON: one finding per line for log pipelines. */
#include "config.h"
#include "render_int.h"

#include <string.h>

#include "fold_int.h"

/* jansson output of a member nested `depth` levels down: its newlines get
 * the indentation a whole-document dump would have given them. */
struct nested {
	FILE *out;
	int depth;
};

static int put_nested(const char *buf, size_t len, void *ud)
{
	const struct nested *n = ud;

	for (const char *p = buf, *end = buf + len, *nl; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return fwrite(p, 1, (size_t)(end - p), n->out) == (size_t)(end - p) ? 0
											    : -1;
		if (fwrite(p, 1, (size_t)(nl - p) + 1, n->out) != (size_t)(nl - p) + 1 ||
		    fprintf(n->out, "%*s", 2 * n->depth, "") < 0)
			return -1;
	}
	return 0;
}

static int dump_nested(FILE *out, const json_t *v, int depth)
{
	struct nested n = { out, depth };

	return json_dump_callback(v, put_nested, &n,
				  JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
					  PG_JSON_REAL);
}

/* "assets" one at a time, each unfolded only while it is written. Stops at
 * the first failed write, as json_dumpf does, so errno still names the cause
 * (ENOSPC) for the caller: the next unfold's number parsing resets errno. */
static int put_assets(FILE *out, const json_t *assets)
{
	size_t n = json_array_size(assets);
	int r = fputc('[', out) == EOF ? -1 : 0;

	for (size_t i = 0; i < n && !r; i++) {
		json_t *full = pg_fold_full(json_array_get(assets, i));
		r = fputs(i ? ",\n    " : "\n    ", out) == EOF ? -1 : dump_nested(out, full, 2);
		json_decref(full);
	}
	return r ? r : fputs(n ? "\n  ]" : "]", out) == EOF ? -1 : 0;
}

/* One top-level member, "key": value, after its separator. */
static int put_member(FILE *out, const char *k, const json_t *v, bool first)
{
	json_t *key = json_string(k);
	int r = fputs(first ? "\n  " : ",\n  ", out) == EOF ||
				json_dumpf(key, out, JSON_ENCODE_ANY) < 0 || fputs(": ", out) == EOF
			? -1
			: 0;

	json_decref(key);
	if (r)
		return r;
	return !strcmp(k, "assets") && json_is_array(v) ? put_assets(out, v)
							: dump_nested(out, v, 1);
}

int pg_render_json(FILE *out, const json_t *report)
{
	const char *k;
	json_t *v;
	size_t i = 0;
	int r = fputc('{', out) == EOF ? -1 : 0;

	/* streamed: no second copy of a large report as one string, and what is
	 * written equals json_dumpf(JSON_INDENT(2)) of the unfolded report */
	json_object_foreach((json_t *)report, k, v)
	{
		if (r)
			break;
		r = put_member(out, k, v, !i++);
	}
	return r ? r : fputs(i ? "\n}\n" : "}\n", out) == EOF ? -1 : 0;
}

/* The finding as in the evidence, plus where its asset is declared. */
static int put_finding(const json_t *asset, const json_t *f, void *ud)
{
	FILE *out = ud;
	json_t *line = json_copy((json_t *)f);
	int r;

	json_object_set_new(line, "manifestLine", json_integer(pg_render_int(asset, "line")));
	r = json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER | PG_JSON_REAL) < 0 ||
			    fputc('\n', out) == EOF
		    ? -1
		    : 0;
	json_decref(line);
	return r;
}

int pg_render_ndjson(FILE *out, const json_t *report)
{
	return pg_render_each_finding(report, put_finding, out);
}
