/* resolve_int.h - internals of the resolver, shared by core/resolve/resolve*.c.
 * Not a contract for other modules: use resolve.h. */
#ifndef PG_RESOLVE_INT_H
#define PG_RESOLVE_INT_H

#include <ares.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "resolve.h"

#define DNS_T_A     1
#define DNS_T_CNAME 5
#define DNS_T_AAAA  28
#define DNS_C_IN    1

/* The two queries of every name. */
enum { SLOT_A, SLOT_AAAA, NSLOTS };

/* What one answer (A or AAAA) gave. */
struct answer {
	int status; /* ares status; ARES_ENODATA when no address of the type */
	bool done;
	char **chain; /* owned */
	size_t nchain, chaincap;
	struct pg_addr *addrs; /* owned */
	size_t naddrs, addrcap;
};

/* resolve_addr.c: fill a from raw network-order bytes (4 or 16), with text. */
void pg_addr_from_v4(struct pg_addr *a, const void *raw4);
void pg_addr_from_v6(struct pg_addr *a, const void *raw16, uint32_t scope);

/* resolve_answer.c: add to ans the CNAME chain from qname and the addresses
 * of the slot's type (A or AAAA) owned by qname or its chain, in answer
 * order. A malformed answer adds nothing. */
void pg_resolve_parse_answer(const unsigned char *abuf, int alen, int slot, const char *qname,
			     struct answer *ans);

/* resolve_server.c: server spec to a c-ares node (port 53 by default);
 * -1 with a message in err when malformed. */
int pg_resolve_parse_server(const char *spec, struct ares_addr_port_node *node, char *err,
			    size_t errlen);
/* "127.0.0.1:5353" or "[::1]:53", comma-separated, for every server of ch. */
void pg_resolve_describe_servers(ares_channel ch, char *buf, size_t len);

/* resolve_poll.c: wait for the channel's sockets or its next timer (at most
 * until deadline, monotonic ms), then process what happened. */
void pg_resolve_poll_once(ares_channel ch, uint64_t deadline);

#endif
