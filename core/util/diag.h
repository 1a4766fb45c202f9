/* diag.h - diagnostics: a list of "file:line: message" strings, so validation can report
 * every problem at once instead of stopping at the first; single errors on stderr. */
#ifndef PG_UTIL_DIAG_H
#define PG_UTIL_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "macros.h"

struct pg_diag {
	char **msgs; /* owned */
	size_t n, cap;
};
/* "portgate: MESSAGE\n" on stderr, the message defanged: for errors outside the log. */
void pg_eprint(const char *fmt, ...) PG_PRINTF(1, 2);
void pg_diag_add(struct pg_diag *d, const char *file, int line, const char *fmt, ...)
	PG_PRINTF(4, 5);
void pg_diag_print(const struct pg_diag *d, FILE *out);
void pg_diag_clear(struct pg_diag *d);

#endif
