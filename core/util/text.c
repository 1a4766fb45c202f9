/* text.c - bounded string copies, strict number parsing, DNS name comparison, and the
 * sanitisers every byte from outside passes before a terminal, a log or JSON sees it. */
#include "config.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool pg_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size == 0)
		return len == 0;
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

static size_t without_root_dot(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '.' ? n - 1 : n;
}

int pg_dns_name_cmp(const char *a, const char *b)
{
	size_t la = without_root_dot(a), lb = without_root_dot(b);
	int r = strncasecmp(a, b, la < lb ? la : lb);

	return r ? r : (la > lb) - (la < lb);
}

bool pg_dns_name_eq(const char *a, const char *b)
{
	return pg_dns_name_cmp(a, b) == 0;
}

bool pg_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false; /* rejects "", "-1", "+1", " 1" */
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool pg_str_append(char *dst, size_t len, const char *src)
{
	size_t used = strnlen(dst, len);
	int n;

	if (used >= len)
		return false;
	n = snprintf(dst + used, len - used, "%s", src);
	return n >= 0 && (size_t)n < len - used;
}

void pg_defang(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 ? *s != '\t' : (unsigned char)*s == 0x7f)
			*s = '?';
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if none. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t need = s[0] < 0x80                    ? 1
		      : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
		      : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		      : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
						     : 0;
	unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */

	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* beyond U+10FFFF */
	for (size_t i = 1; i < need; i++)
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0; /* the NUL terminator stops here too */
	return need;
}

void pg_utf8_fix(char *s)
{
	while (*s) {
		size_t n = utf8_seq((const unsigned char *)s);
		if (!n) {
			*s++ = '?';
			continue;
		}
		s += n;
	}
}

static bool same_char(char x, char y, bool nocase)
{
	return nocase ? tolower((unsigned char)x) == tolower((unsigned char)y) : x == y;
}

/* One row of the table at a time: O(len b) memory on the stack. */
size_t pg_edit_distance(const char *a, const char *b, bool nocase)
{
	size_t la = strlen(a), lb = strlen(b), row[PG_EDIT_DISTANCE_MAX + 1];

	if (la > PG_EDIT_DISTANCE_MAX || lb > PG_EDIT_DISTANCE_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + !same_char(a[i - 1], b[j - 1], nocase);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}
