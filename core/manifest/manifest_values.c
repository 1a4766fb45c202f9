/* manifest_values.c - the checks and parsers of single manifest values that
 * need no error context: host names and targets, CIDRs, ASNs. */
#include "config.h"
#include "manifest_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* RFC 1123 host name: LDH labels of 1-63 chars, no dash at either end, at
 * most 253 chars, one optional trailing dot. An all-numeric last label is
 * refused so that a mistyped address (10.0.0.300) is not taken for a name. */
bool pg_manifest_valid_hostname(const char *s)
{
	size_t len = strlen(s), start = 0, i;

	if (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		size_t llen;

		if (i < len && s[i] != '.') {
			if (!isalnum((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		llen = i - start;
		if (llen == 0 || llen > 63 || s[start] == '-' || s[i - 1] == '-')
			return false;
		if (i == len && all_digits(s + start, llen))
			return false;
		start = i + 1;
	}
	return true;
}

bool pg_manifest_valid_target(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1 ||
	       pg_manifest_valid_hostname(s);
}

bool pg_cidr_parse(const char *s, struct pg_cidr *out)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix;
	unsigned maxp, i;

	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		maxp = 128;
	} else {
		return false;
	}
	prefix = maxp;
	if (slash && !pg_parse_ulong(slash + 1, maxp, &prefix))
		return false;
	out->prefix = (unsigned)prefix;
	/* Zero the host bits so contains() can compare whole bytes. */
	for (i = out->prefix; i < maxp; i++)
		out->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return true;
}

bool pg_cidr_contains(const struct pg_cidr *c, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full, rest;

	if (!c || !addr || family != c->family)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, c->addr, full))
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ c->addr[full]) & (uint8_t)(0xffu << (8 - rest))) == 0;
}

/* "AS64500", "as64500" or "64500" -> ASN (1 .. 2^32-1). */
bool pg_manifest_parse_asn(const char *s, uint32_t *out)
{
	unsigned long v;

	if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		s += 2;
	if (!pg_parse_ulong(s, UINT32_MAX, &v) || v == 0)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* True when the address part of CIDR text s is its network address. */
bool pg_manifest_cidr_is_exact(const char *s, const struct pg_cidr *cidr)
{
	unsigned char raw[16];
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	if (alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	return inet_pton(cidr->family, addr, raw) == 1 &&
	       !memcmp(raw, cidr->addr, cidr->family == AF_INET ? 4 : 16);
}
