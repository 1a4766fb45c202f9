/* whois_net.h - one port-43 query (RFC 3912) bounded in time and size. */
#ifndef PG_WHOIS_NET_H
#define PG_WHOIS_NET_H

#include "netlib/netlib.h"

struct whois_answer {
	char *data; /* owned, NUL-terminated (may hold NULs of its own) */
	size_t len;
	int truncated; /* stopped at max_bytes */
	int internal;  /* the server's address is internal (common/netaddr.h) */
};

#define WN_REFUSED (-2)

/* Split "host", "host:port", "[v6]:port" into host and port (default 43). */
int whois_split_server(const char *server, char *host, size_t hostlen, unsigned *port);

/* Send query + CRLF to server, read until it closes, at most max_bytes.
 * The whole exchange (name lookup through the host's resolver, connect,
 * send, read) stays within timeout_ms. A server whose address is internal is
 * refused unless allow_internal (WN_REFUSED, nothing sent). 0 or -1 with err. */
int whois_query(const struct nl_env *e, const char *server, const char *query, long timeout_ms,
		size_t max_bytes, int allow_internal, struct whois_answer *out, char *err,
		size_t errlen);
void whois_answer_clear(struct whois_answer *a);

#endif
