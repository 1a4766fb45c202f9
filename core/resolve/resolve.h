/* resolve.h - resolve every target of a run concurrently (c-ares).
 *
 * IP literals are parsed without DNS. Names get A and AAAA queries in one
 * c-ares channel, so a portfolio resolves in about one round trip; the CNAME
 * chain is kept for the evidence and for expectedRecords checks. */
#ifndef PG_RESOLVE_H
#define PG_RESOLVE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct pg_resolve_opts {
	const char *server; /* "HOST:PORT", "HOST", "[v6]:PORT" or NULL for the system resolver */
	int timeout_ms;     /* per try; default 2000 */
	int tries;          /* default 2 */
};

struct pg_addr {
	int family; /* AF_INET / AF_INET6 */
	struct sockaddr_storage ss;
	socklen_t sslen;
	char text[46]; /* numeric form */
};

struct pg_resolution {
	bool is_literal;        /* target was an IP literal, no DNS used */
	bool ok;                /* at least one address */
	char *error;            /* owned, when !ok: human text, see docs/resolve.md */
	char **cnames;          /* owned, CNAME chain in order: target -> cnames[0] -> ... ->
				 * cnames[n-1] (canonical); the target itself is not included */
	size_t ncnames;
	struct pg_addr *addrs;  /* owned, A records first then AAAA, in answer order */
	size_t naddrs;
};

/* Resolve names[0..n) into out[0..n) (caller-allocated, zeroed). Returns 0, or
 * -1 if the resolver could not even start (bad server spec: msg in err). */
int pg_resolve_all(char *const *names, size_t n, const struct pg_resolve_opts *opts,
		   struct pg_resolution *out, char *err, size_t errlen);
void pg_resolution_clear(struct pg_resolution *r);

/* Check a DNS server spec ("HOST:PORT", "HOST", "[v6]:PORT"; HOST an IP) the
 * way pg_resolve_all will, so the CLI can reject a bad --dns-server or
 * dns.server as a usage error (exit 2). false with a message in err. */
bool pg_resolve_server_check(const char *spec, char *err, size_t errlen);

/* Parse an IP literal (v4, v6, v6 in brackets) into a; false if not a literal. */
bool pg_addr_parse_literal(const char *s, uint16_t port, struct pg_addr *a);
void pg_addr_set_port(struct pg_addr *a, uint16_t port);

#endif
