/* addr.h - which addresses are inside somebody's network rather than on the
 * internet: the host's check behind pg_http_request.refuse_internal (ABI 1.2).
 * plugins/netlib/addr.c holds the plugins' copy (a plugin links nothing of
 * portgate); tests/unit/test_addr.c runs one table through both. */
#ifndef PG_UTIL_ADDR_H
#define PG_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* Loopback, "this network" (0/8), private (RFC 1918), CGNAT (100.64/10),
 * link-local, multicast and reserved (224/3); IPv6 ::/120 (unspecified,
 * loopback), ULA (fc00::/7), link-local (fe80::/10), multicast (ff00::/8),
 * and a v4-mapped address by its IPv4 class. False for anything that is not
 * an address literal. */
bool pg_addr_is_internal(const char *addr);

/* The address of an AF_INET or AF_INET6 sockaddr as text (inet_ntop; len is
 * INET6_ADDRSTRLEN at the most needed); false for another family. */
bool pg_sockaddr_text(const struct sockaddr *sa, char *out, size_t len);

#endif
