/* netaddr.c - see netaddr.h. */
#include "common/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

struct net {
	unsigned char prefix[16];
	unsigned bits;
};

static const struct net internal_v4[] = {
	{ { 0 }, 8 },         { { 10 }, 8 },       { { 127 }, 8 },       { { 100, 64 }, 10 },
	{ { 169, 254 }, 16 }, { { 172, 16 }, 12 }, { { 192, 168 }, 16 }, { { 224 }, 3 },
};
static const struct net internal_v6[] = {
	{ { 0 }, 120 },
	{ { 0xfc }, 7 },
	{ { 0xfe, 0x80 }, 10 },
	{ { 0xff }, 8 },
};
/* IPv6 prefixes whose last 32 bits are an IPv4 address that the packets reach:
 * v4-mapped, NAT64 well-known (RFC 6052) and local-use (RFC 8215, /48 of which
 * the IPv4 is the last 32 bits in a /96 layout). 6to4 (2002::/16, RFC 3056)
 * carries it in bits 16-47 instead. */
static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
static const unsigned char nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };

static bool in_net(const unsigned char *a, const struct net *n)
{
	unsigned whole = n->bits / 8, rest = n->bits % 8;
	unsigned char mask = (unsigned char)(0xff00u >> rest);

	return !memcmp(a, n->prefix, whole) && (!rest || (a[whole] & mask) == n->prefix[whole]);
}

static bool in_any(const unsigned char *a, const struct net *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in_net(a, &nets[i]))
			return true;
	return false;
}

static bool v4_internal(const unsigned char *a)
{
	return in_any(a, internal_v4, sizeof(internal_v4) / sizeof(internal_v4[0]));
}

bool pg_netaddr_is_internal(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return v4_internal(b);
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	if (!memcmp(b, v4mapped, sizeof(v4mapped)) || !memcmp(b, nat64, sizeof(nat64)) ||
	    !memcmp(b, nat64_local, sizeof(nat64_local)))
		return v4_internal(b + 12);
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_internal(b + 2);
	return in_any(b, internal_v6, sizeof(internal_v6) / sizeof(internal_v6[0]));
}
