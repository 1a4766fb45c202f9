/* addr.h - address classes for the redirect and referral guards of the
 * headers, ip and whois enrichers: a public server must not be able to point
 * portgate into an internal network. */
#ifndef PG_NETLIB_ADDR_H
#define PG_NETLIB_ADDR_H

#include <stdbool.h>

/* Loopback, private (RFC 1918), link-local, CGNAT, unique-local, unspecified or
 * multicast, IPv4 or IPv6 (v4-mapped too). False for anything that is not an
 * address literal. */
bool nl_addr_is_internal(const char *addr);

#endif
