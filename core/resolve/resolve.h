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
#include <stdint.h>
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
	bool is_literal; /* target was an IP literal, no DNS used */
	bool ok;         /* at least one address */
	char *error;     /* owned, when !ok: human text, see docs/resolve.md */
	char **cnames;   /* owned, CNAME chain in order: target -> cnames[0] -> ... ->
				 * cnames[n-1] (canonical); the target itself is not included */
	size_t ncnames;
	struct pg_addr *addrs; /* owned, A records first then AAAA, in answer order */
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

/* One query of one record type, for callers outside the resolver (the
 * plugin host's DNS helper). rrtype: "A", "AAAA", "CNAME", "NS", "MX", "TXT",
 * "CAA" or "SOA". One try of timeout_ms (default 2000) through server (NULL:
 * the system's), given up at deadline_ms (monotonic; 0: none). */
struct pg_lookup {
	const char *server;
	const char *name;
	const char *rrtype;
	int timeout_ms;
	uint64_t deadline_ms;
};

/* Answers of the asked type as text, in answer order (owned strings). */
struct pg_rr_list {
	char **v;
	size_t n;
};

/* 0 with out filled (NXDOMAIN and no data give n == 0), or -1 with a message
 * in err (unsupported type, bad server, timeout, server failure). Text forms:
 * A/AAAA numeric, CNAME/NS the name, MX "pref name", TXT the strings joined,
 * CAA "flags tag \"value\"", SOA "mname rname serial refresh retry expire
 * minimum"; names without the root dot. */
int pg_resolve_lookup(const struct pg_lookup *q, struct pg_rr_list *out, char *err, size_t errlen);
void pg_rr_list_clear(struct pg_rr_list *l);
/* The numeric type of a record type name accepted by pg_resolve_lookup, or -1. */
int pg_resolve_rrtype(const char *s);

#endif
