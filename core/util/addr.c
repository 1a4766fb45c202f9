/* addr.c - address classes (see addr.h). */
#include "config.h"
#include "addr.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

struct pg_net {
	unsigned char prefix[16];
	unsigned bits;
};

/* Kept in step with plugins/netlib/addr.c: both must refuse the same things. */
static const struct pg_net internal_v4[] = {
	{ { 0 }, 8 },         { { 10 }, 8 },       { { 127 }, 8 },       { { 100, 64 }, 10 },
	{ { 169, 254 }, 16 }, { { 172, 16 }, 12 }, { { 192, 168 }, 16 }, { { 224 }, 3 },
};
static const struct pg_net internal_v6[] = {
	{ { 0 }, 120 },
	{ { 0xfc }, 7 },
	{ { 0xfe, 0x80 }, 10 },
	{ { 0xff }, 8 },
};
static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool in_net(const unsigned char *a, const struct pg_net *n)
{
	unsigned whole = n->bits / 8, rest = n->bits % 8;
	unsigned char mask = (unsigned char)(0xff00u >> rest);

	return !memcmp(a, n->prefix, whole) && (!rest || (a[whole] & mask) == n->prefix[whole]);
}

static bool in_any(const unsigned char *a, const struct pg_net *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in_net(a, &nets[i]))
			return true;
	return false;
}

bool pg_addr_is_internal(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return in_any(b, internal_v4, sizeof(internal_v4) / sizeof(internal_v4[0]));
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	if (!memcmp(b, v4mapped, sizeof(v4mapped)))
		return in_any(b + 12, internal_v4, sizeof(internal_v4) / sizeof(internal_v4[0]));
	return in_any(b, internal_v6, sizeof(internal_v6) / sizeof(internal_v6[0]));
}
