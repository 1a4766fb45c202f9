/* csp.h - Content-Security-Policy parsing as the MDN HTTP Observatory does it
 * (its cspParser.js, algorithm version 4): several policies combine into one
 * map of directive -> source set; a repeated directive in one policy makes the
 * whole header invalid (report-uri / report-to only warn). */
#ifndef PG_HEADERS_CSP_H
#define PG_HEADERS_CSP_H

#include <stdbool.h>
#include <stddef.h>

struct csp_directive {
	char *name; /* owned, lowercase */
	char **src; /* owned strings, lowercase, unique, in first-seen order */
	size_t nsrc;
};

struct csp_policy {
	struct csp_directive *d; /* owned, in first-seen order */
	size_t n;
	bool duplicate_warning; /* a repeated report-uri / report-to */
};

/* Parse n policy strings (header values, then meta values). 0 on success;
 * -1 when the Observatory calls it invalid (out zeroed). meta: drop the
 * directives a <meta> tag may not set (frame-ancestors, report-uri, sandbox). */
int csp_parse(const char *const *list, size_t n, bool meta, struct csp_policy *out);
void csp_policy_free(struct csp_policy *p);

/* The directive, NULL when absent (borrowed). */
struct csp_directive *csp_get(const struct csp_policy *p, const char *name);
bool csp_has(const struct csp_directive *d, const char *src);
/* Remove src from d when present (the Observatory edits the parsed sets). */
void csp_remove(struct csp_directive *d, const char *src);

#endif
