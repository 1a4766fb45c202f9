/* fuzz_html.c - the headers enricher's tag scanner (plugins/headers/html.c):
 * whatever a server sends as a page. */
#include "config.h"

#include "../plugins/headers/html.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size copy: the scanner must not read past len, nor need a NUL. */
	char *buf = malloc(size ? size : 1);
	struct html_page p;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	html_scan(buf, size, &p);
	if (!json_is_array(p.meta_csp) || p.nscripts > 512)
		abort();
	for (size_t i = 0; i < json_array_size(p.meta_csp); i++)
		if (!json_string_value(json_array_get(p.meta_csp, i)))
			abort();
	html_page_clear(&p);
	free(buf);
	return 0;
}
