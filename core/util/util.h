/* util.h - allocation, strings, time, files and diagnostics shared by every module.
 *
 * Ownership convention used across core/: a function whose name contains
 * new/dup/load/build returns memory the caller owns and frees with the matching
 * *_free; "get"/"find" return borrowed pointers. Struct fields marked "owned"
 * are freed by the struct's *_free / *_clear function. */
#ifndef PG_UTIL_H
#define PG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/clock.h" /* every stage times with it */

#define PG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Allocation that never returns NULL: out of memory aborts with a message. */
void *pg_xmalloc(size_t n);
void *pg_xcalloc(size_t nmemb, size_t size);
void *pg_xrealloc(void *p, size_t n);
/* Grow *p (holding *cap elements of size sz) so that at least need fit. */
void pg_grow(void *pp, size_t *cap, size_t need, size_t sz);
char *pg_xstrdup(const char *s); /* NULL in, NULL out */
char *pg_xstrndup(const char *s, size_t n);
char *pg_xasprintf(const char *fmt, ...) PG_PRINTF(1, 2);

/* DNS names are equal ignoring ASCII case and one trailing root dot. */
bool pg_dns_name_eq(const char *a, const char *b);

/* Bounded copy that always terminates; returns false when truncated. */
bool pg_strlcpy(char *dst, const char *src, size_t size);

/* Strict unsigned parse of a whole string (no sign, no junk, no overflow). */
bool pg_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* Time: the monotonic clock for timers is common/clock.h (pg_clock_now_ms),
 * shared with the plugins; wall clock as ISO 8601 UTC with ms. */
uint64_t pg_wall_ms(void);
void pg_iso8601_ms(uint64_t wall_ms, char out[32]);

/* Read a whole file (NUL-terminated, *len without the NUL). NULL + errno on error. */
char *pg_read_file(const char *path, size_t max, size_t *len);
/* mkdir -p with mode 0700 for the parts it creates. 0 or -errno. */
int pg_mkdir_p(const char *path);
/* Write path atomically: temp file in the same directory, fsync, rename, fsync dir.
 * Readers see the old or the new content, never a half-written file. 0 or -errno. */
int pg_write_file_atomic(const char *path, const void *data, size_t len);
/* The same, with the content streamed by write_fn (returns < 0 on error, errno set).
 * The temp file is DIR/.portgate-tmp.NAME.XXXXXX; ones left by killed writers
 * of NAME are removed first (see pg_atomic_clean_stale). A path that is not a
 * regular file (pipe, terminal, device, /dev/stdout) is written in place; a
 * symlink to a regular file has its target replaced, the link kept. */
int pg_write_atomic_with(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud);
/* Remove temp files of dead writers in dir: of target name base, or all of
 * ours when base is NULL. A live writer's temp file is never touched.
 * Returns how many were removed. */
int pg_atomic_clean_stale(const char *dir, const char *base);

/* Lowercase hex SHA-256 of data into out (65 bytes). */
/* Append src to the NUL-terminated string in dst (size len), cutting at the
 * end; returns false when it was cut. The replacement for strncat. */
bool pg_str_append(char *dst, size_t len, const char *src);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void pg_hex_encode(const unsigned char *in, size_t n, char *out);
void pg_sha256_hex(const void *data, size_t len, char out[65]);
/* HMAC-SHA256(key, data) as lowercase hex (webhook signatures). */
void pg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
			char out[65]);

/* Diagnostics: a list of "file:line: message" strings, so validation can report
 * every problem at once instead of stopping at the first. */
struct pg_diag {
	char **msgs; /* owned */
	size_t n, cap;
};
/* Replace terminal control bytes (C0 except tab, DEL) with '?', in place: text from
 * manifests, settings, servers and plugins must not drive the terminal. Every
 * diagnostic (pg_diag_add, the log, pg_eprint) goes through it. */
void pg_defang(char *s);
/* Make s valid UTF-8 in place: each byte that is not part of a well-formed
 * sequence (a cut one at the end too) becomes '?'. Text from servers reaches
 * JSON, which takes only UTF-8. */
void pg_utf8_fix(char *s);
/* "portgate: MESSAGE\n" on stderr, the message defanged: for errors outside the log. */
void pg_eprint(const char *fmt, ...) PG_PRINTF(1, 2);
void pg_diag_add(struct pg_diag *d, const char *file, int line, const char *fmt, ...)
	PG_PRINTF(4, 5);
void pg_diag_print(const struct pg_diag *d, FILE *out);
void pg_diag_clear(struct pg_diag *d);

#endif
