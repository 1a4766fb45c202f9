/* render.h - the machine outputs derived from the evidence JSON, chosen by name.
 *
 * Every renderer reads only the evidence (docs/evidence.md), so what CI shows
 * is exactly what the artifact records: json (the evidence itself), sarif,
 * junit, gitlab (Code Quality), markdown, github (Actions annotations), ndjson,
 * html (one self-contained page for people). */
#ifndef PG_RENDER_H
#define PG_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct pg_renderer {
	const char *name;
	const char *summary;                            /* one line for --help */
	int (*render)(FILE *out, const json_t *report); /* 0, or -1 on a write error */
};

/* NULL when no renderer has that name. */
const struct pg_renderer *pg_renderer_find(const char *name);
extern const struct pg_renderer pg_renderers[];
extern const size_t pg_renderers_n;

/* One requested output: format name and path ("-" = stdout). Both borrowed. */
struct pg_output {
	const char *format;
	const char *path;
	const char *option; /* the option that named path ("--out"), for messages; NULL =
			     * --output */
	bool append;        /* appended to, not replaced ($GITHUB_STEP_SUMMARY) */
};

/* Write one output: stdout for "-", else through pg_write_atomic_with (atomic
 * for regular files, in place for pipes and devices), or pg_append_with when
 * o->append. 0 or -errno. */
int pg_render_to(const struct pg_output *o, const json_t *report);

/* Write every output; a message on stderr names each that failed. Returns the
 * number of failures. */
size_t pg_render_all(const struct pg_output *o, size_t n, const json_t *report);

/* What to do about a rule's findings (the SARIF help; `portgate explain`): a static string,
 * a generic one for a rule portgate does not know (a plugin's). */
const char *pg_render_rule_help(const char *rule);

#endif
