/* addr.h - address classes for the headers enricher's redirect guard. */
#ifndef PG_HEADERS_ADDR_H
#define PG_HEADERS_ADDR_H

#include <stdbool.h>

/* Loopback, private (RFC 1918), link-local, CGNAT, unique-local, unspecified or
 * multicast, IPv4 or IPv6 (v4-mapped too). False for anything that is not an
 * address literal. */
bool addr_is_internal(const char *addr);

#endif
