/* addr.h - a socket address as text. Which addresses are internal (the check
 * behind pg_http_request.refuse_internal, ABI 1.2) is common/netaddr.h, the
 * one implementation the plugins share. */
#ifndef PG_UTIL_ADDR_H
#define PG_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* The address of an AF_INET or AF_INET6 sockaddr as text (inet_ntop; len is
 * INET6_ADDRSTRLEN at the most needed); false for another family. */
bool pg_sockaddr_text(const struct sockaddr *sa, char *out, size_t len);

#endif
