/* netaddr.h - which addresses are inside somebody's network rather than on
 * the internet: the host's check behind pg_http_request.refuse_internal
 * (ABI 1.2) and the plugins' guards of redirects and referrals (netlib),
 * one implementation so they refuse the same things (tests/unit/addr_table.h). */
#ifndef PG_COMMON_NETADDR_H
#define PG_COMMON_NETADDR_H

#include <stdbool.h>

/* Loopback, "this network" (0/8), private (RFC 1918), CGNAT (100.64/10),
 * link-local, multicast and reserved (224/3); IPv6 ::/120 (unspecified,
 * loopback), ULA (fc00::/7), link-local (fe80::/10), multicast (ff00::/8);
 * an IPv6 address that carries an IPv4 one (v4-mapped, NAT64, 6to4) by its
 * IPv4 class. False for anything that is not an address literal. */
bool pg_netaddr_is_internal(const char *addr);

#endif
