/* text.h - bounded strings, strict number parsing, DNS names, and the sanitisers for text
 * that came from outside. */
#ifndef PG_UTIL_TEXT_H
#define PG_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* DNS names are equal ignoring ASCII case and one trailing root dot; cmp orders them
 * the same way (for sorting), eq says whether they are the same name. */
int pg_dns_name_cmp(const char *a, const char *b);
bool pg_dns_name_eq(const char *a, const char *b);

/* Levenshtein distance of two short words (rule ids, option and field names), for
 * "did you mean" hints; nocase compares ASCII letters ignoring case. SIZE_MAX
 * when either is longer than PG_EDIT_DISTANCE_MAX bytes (no word is). */
#define PG_EDIT_DISTANCE_MAX 64
size_t pg_edit_distance(const char *a, const char *b, bool nocase);

/* Bounded copy that always terminates; returns false when truncated. */
bool pg_strlcpy(char *dst, const char *src, size_t size);

/* Append src to the NUL-terminated string in dst (size len), cutting at the
 * end; returns false when it was cut. The replacement for strncat. */
bool pg_str_append(char *dst, size_t len, const char *src);

/* Strict unsigned parse of a whole string (no sign, no junk, no overflow). */
bool pg_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* Replace terminal control bytes (C0 except tab, DEL) with '?', in place: text from
 * manifests, settings, servers and plugins must not drive the terminal. Every
 * diagnostic (pg_diag_add, the log, pg_eprint) goes through it. */
void pg_defang(char *s);
/* Make s valid UTF-8 in place: each byte that is not part of a well-formed
 * sequence (a cut one at the end too) becomes '?'. Text from servers reaches
 * JSON, which takes only UTF-8. */
void pg_utf8_fix(char *s);

#endif
