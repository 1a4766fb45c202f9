/* manifest_diag.c - manifest errors: the error budget, and "did you mean"
 * hints for unknown keys. */
#include "config.h"
#include "manifest_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void pg_manifest_err(struct ctx *c, const struct pg_node *at, const char *where, const char *fmt,
		     ...)
{
	va_list ap;
	char *msg = NULL;

	if (c->quiet)
		return;
	if (c->nerr++ >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	pg_diag_add(c->diag, c->path, at ? at->line : 0, "%s%s%s", where ? where : "",
		    where ? ": " : "", msg ? msg : fmt);
	free(msg);
}

/* The closest of names (NULL-terminated) to key, or NULL when none is close. */
static const char *closest(const char *key, const char *const *names)
{
	const char *best = NULL;
	size_t len = strlen(key), best_d = SIZE_MAX, limit = len / 3;

	/* Short keys only tolerate one typo, or "MX" would suggest "A". */
	if (limit < 2)
		limit = len <= 3 ? 1 : 2;
	for (; *names; names++) {
		size_t d = pg_edit_distance(key, *names, true);
		if (d < best_d) {
			best_d = d;
			best = *names;
		}
	}
	return best_d <= limit ? best : NULL;
}

void pg_manifest_unknown_field(struct ctx *c, const struct pg_node *key, const char *where,
			       const char *const *names)
{
	/* The hint costs an edit distance per known name: skip it once messages
	 * are no longer shown (a map of a million unknown keys took 1.8 s). */
	const char *hint = c->quiet || c->nerr >= MAX_ERRORS ? NULL : closest(key->scalar, names);

	if (hint)
		pg_manifest_err(c, key, where, "unknown field '%s' (did you mean '%s'?)",
				key->scalar, hint);
	else
		pg_manifest_err(c, key, where, "unknown field '%s'", key->scalar);
}

void pg_manifest_wrong_type(struct ctx *c, const struct pg_node *n, const char *where,
			    const char *expected)
{
	pg_manifest_err(c, n, where, "expected %s, got %s", expected, pg_node_type_name(n));
}

void pg_manifest_note_rule(struct ctx *c, const struct pg_node *n, const char *where,
			   const char *rule)
{
	struct pg_manifest *m = c->m;
	struct pg_rule_ref *r;

	if (c->quiet || !m)
		return;
	pg_grow(&m->rule_refs, &m->caprule_refs, m->nrule_refs + 1, sizeof(*m->rule_refs));
	r = &m->rule_refs[m->nrule_refs++];
	r->rule = pg_xstrdup(rule);
	r->where = pg_xstrdup(where);
	r->line = n ? n->line : 0;
}
