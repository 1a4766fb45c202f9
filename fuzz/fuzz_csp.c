/* fuzz_csp.c - the headers enricher's CSP parser (plugins/headers/csp.c).
 * Input: up to 4 policies separated by '\n' (a header value, then <meta>
 * values); parsed as the combined policy and as <meta> policies. */
#include "config.h"

#include <ctype.h>

#include "../plugins/headers/csp.h"
#include "fuzz_common.h"

/* The contract: names and sources lowercase, non-empty and unique; every
 * directive has a source; <meta> parsing drops what a meta tag may not set. */
static void check(const struct csp_policy *p, bool meta)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct csp_directive *d = &p->d[i];
		if (!d->name[0] || !d->nsrc || csp_get(p, d->name) != d)
			abort();
		for (const char *c = d->name; *c; c++)
			if (isupper((unsigned char)*c))
				abort();
		if (meta && (!strcmp(d->name, "frame-ancestors") || !strcmp(d->name, "report-uri") ||
			     !strcmp(d->name, "sandbox")))
			abort();
		for (size_t k = 0; k < d->nsrc; k++) {
			if (!d->src[k][0])
				abort();
			for (size_t j = 0; j < k; j++)
				if (!strcmp(d->src[j], d->src[k]))
					abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *pol[4], *nl, *cur = text;
	size_t n = 0;
	struct csp_policy p;

	while (n < 4) {
		pol[n++] = cur;
		nl = strchr(cur, '\n');
		if (!nl)
			break;
		*nl = '\0';
		cur = nl + 1;
	}
	for (int meta = 0; meta < 2; meta++) {
		if (csp_parse((const char *const *)pol, n, meta, &p) != 0) {
			if (p.n || p.d)
				abort(); /* a refused policy leaves nothing behind */
			continue;
		}
		check(&p, meta);
		if (p.n && p.d[0].nsrc) {
			char *first = strdup(p.d[0].src[0]);
			csp_remove(&p.d[0], first);
			if (csp_has(&p.d[0], first))
				abort();
			free(first);
		}
		csp_policy_free(&p);
	}
	free(text);
	return 0;
}
