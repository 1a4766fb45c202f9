/* addr.c - address classes (see addr.h). */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

/* Loopback, private, link-local, CGNAT, unique-local, unspecified or multicast: an
 * address inside somebody's network, not on the internet. */
bool nl_addr_is_internal(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168);
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (!memcmp(b, v4mapped, 12)) {
		char v4[INET_ADDRSTRLEN];
		return inet_ntop(AF_INET, b + 12, v4, sizeof(v4)) && nl_addr_is_internal(v4);
	}
	static const unsigned char zero[15] = { 0 };
	return !memcmp(b, zero, 15) || (b[0] & 0xfe) == 0xfc || b[0] == 0xff ||
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}
