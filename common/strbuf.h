/* strbuf.h - a growing NUL-terminated string, for the notification message
 * (core/notify/message.c) and the siem plugin's event formats. */
#ifndef PG_COMMON_STRBUF_H
#define PG_COMMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Start as { 0 }. After an allocation failure every add is a no-op and oom
 * stays set: a half-built string is never sent. */
struct pg_strbuf {
	char *data; /* owned, NUL-terminated; NULL until the first add */
	size_t len, cap;
	bool oom;
};

void pg_strbuf_addn(struct pg_strbuf *b, const char *s, size_t n);
void pg_strbuf_add(struct pg_strbuf *b, const char *s);
/* The string (caller owns; "" when nothing was added), b reset to { 0 };
 * NULL after an allocation failure. */
char *pg_strbuf_take(struct pg_strbuf *b);
void pg_strbuf_free(struct pg_strbuf *b);

#endif
