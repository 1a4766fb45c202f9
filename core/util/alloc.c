/* alloc.c - allocation that never returns NULL (docs/CODE_STYLE.md: a scanner out of memory
 * has no honest verdict to give) and the string copies and formats built on it. */
#include "config.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "portgate: out of memory (%zu bytes)\n", n);
	abort();
}

void *pg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *pg_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *pg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void pg_grow(void *pp, size_t *cap, size_t need, size_t sz)
{
	void **p = pp;
	size_t c = *cap;

	if (need <= c)
		return;
	c = c ? c : 8;
	while (c < need) {
		if (c > SIZE_MAX / 2 / sz)
			oom(SIZE_MAX);
		c *= 2;
	}
	*p = pg_xrealloc(*p, c * sz);
	*cap = c;
}

char *pg_xstrdup(const char *s)
{
	return s ? pg_xstrndup(s, strlen(s)) : NULL;
}

char *pg_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = pg_xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *pg_xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	return s;
}

char *pg_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = pg_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}
