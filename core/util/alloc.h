/* alloc.h - allocation that never returns NULL: out of memory aborts with a message.
 * Everything returned here is owned by the caller, who frees it with free(). */
#ifndef PG_UTIL_ALLOC_H
#define PG_UTIL_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "macros.h"

void *pg_xmalloc(size_t n);
void *pg_xcalloc(size_t nmemb, size_t size);
void *pg_xrealloc(void *p, size_t n);
/* Grow *p (holding *cap elements of size sz) so that at least need fit. */
void pg_grow(void *pp, size_t *cap, size_t need, size_t sz);
char *pg_xstrdup(const char *s); /* NULL in, NULL out */
char *pg_xstrndup(const char *s, size_t n);
char *pg_xasprintf(const char *fmt, ...) PG_PRINTF(1, 2);
char *pg_xvasprintf(const char *fmt, va_list ap) PG_PRINTF(1, 0);

#endif
