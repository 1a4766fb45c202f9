/* diag.c - diagnostics: every problem of an input collected as "file:line: message", and
 * single errors on stderr; both defanged. */
#include "config.h"
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "alloc.h"
#include "text.h"

void pg_eprint(const char *fmt, ...)
{
	va_list ap;
	char msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pg_defang(msg);
	fprintf(stderr, "portgate: %s\n", msg);
}

void pg_diag_add(struct pg_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg, *full;

	va_start(ap, fmt);
	msg = pg_xvasprintf(fmt, ap);
	va_end(ap);
	if (file && line > 0)
		full = pg_xasprintf("%s:%d: %s", file, line, msg);
	else if (file)
		full = pg_xasprintf("%s: %s", file, msg);
	else
		full = pg_xstrdup(msg);
	free(msg);
	pg_defang(full);
	pg_grow(&d->msgs, &d->cap, d->n + 1, sizeof(*d->msgs));
	d->msgs[d->n++] = full;
}

void pg_diag_print(const struct pg_diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(out, "portgate: %s\n", d->msgs[i]);
}

void pg_diag_clear(struct pg_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = d->cap = 0;
}
