/* addr.c - address classes (see addr.h). */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

/* The IPv4 address inside a v4-mapped, NAT64 (RFC 6052 well-known, RFC 8215
 * local-use) or 6to4 (RFC 3056) address: where its packets go. NULL if none. */
static const unsigned char *embedded_v4(const unsigned char b[16])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };

	if (!memcmp(b, v4mapped, 12) || !memcmp(b, nat64, 12) || !memcmp(b, nat64_local, 6))
		return b + 12;
	return b[0] == 0x20 && b[1] == 0x02 ? b + 2 : NULL;
}

/* Loopback, private, link-local, CGNAT, unique-local, unspecified or multicast: an
 * address inside somebody's network, not on the internet (also when an IPv6
 * address carries it). */
bool nl_addr_is_internal(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168);
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	const unsigned char *v4b = embedded_v4(b);
	if (v4b) {
		char v4[INET_ADDRSTRLEN];
		return inet_ntop(AF_INET, v4b, v4, sizeof(v4)) && nl_addr_is_internal(v4);
	}
	static const unsigned char zero[15] = { 0 };
	return !memcmp(b, zero, 15) || (b[0] & 0xfe) == 0xfc || b[0] == 0xff ||
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}
