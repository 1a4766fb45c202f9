/* strbuf.c - see strbuf.h. */
#include "common/strbuf.h"

#include <stdlib.h>
#include <string.h>

/* The first allocation: a CEF line or a message title fits without a regrow. */
#define FIRST_CAP 256

static bool grow(struct pg_strbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : FIRST_CAP;
	char *d;

	while (cap < need)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return false;
	b->data = d;
	b->cap = cap;
	return true;
}

void pg_strbuf_addn(struct pg_strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap && !grow(b, b->len + n + 1)) {
		b->oom = true;
		return;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void pg_strbuf_add(struct pg_strbuf *b, const char *s)
{
	pg_strbuf_addn(b, s, strlen(s));
}

char *pg_strbuf_take(struct pg_strbuf *b)
{
	char *s = b->oom ? NULL : b->data ? b->data : strdup("");

	if (b->oom)
		free(b->data);
	memset(b, 0, sizeof(*b));
	return s;
}

void pg_strbuf_free(struct pg_strbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
