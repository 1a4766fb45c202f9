/* html.h - the few things the Observatory reads from a page: <meta> CSP and
 * referrer, and <script> elements. A tag scanner, not a full HTML parser:
 * comments are skipped, script bodies are not scanned for tags. */
#ifndef PG_HEADERS_HTML_H
#define PG_HEADERS_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct html_script {
	char *src;       /* owned, NULL when the attribute is absent */
	char *integrity; /* owned, NULL when absent */
};

struct html_page {
	json_t *meta_csp;    /* owned: content of each <meta http-equiv=content-security-policy> */
	char *meta_referrer; /* owned: content of the last <meta name=referrer>, or NULL */
	struct html_script *scripts; /* owned */
	size_t nscripts;
};

void html_scan(const char *body, size_t len, struct html_page *out);
void html_page_clear(struct html_page *p);

#endif
