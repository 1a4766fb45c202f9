/* whois.h - the whois enricher's state and its two lookup paths. */
#ifndef PG_WHOIS_H
#define PG_WHOIS_H

#include "netlib/netlib.h"
#include "whois_parse.h"

struct whois_state {
	struct nl_env env;
	int rdap;
	json_t *boot;          /* owned; NULL without RDAP bootstrap */
	const char *rdap_base; /* borrowed option */
	const char *server;    /* first port-43 server */
	const char *verisign;  /* servers wanting "domain NAME" */
	long lookup_ms, expiring_days;
	unsigned max_referrals, cache_s;
	size_t max_bytes, raw_bytes;
	const char *soon_sev, *expired_sev;
	struct nl_memo *memo;
	struct nl_gate *gate;
};

/* RDAP for domain into r. NL_RDAP_* code; err says why when not OK. */
int whois_rdap(struct whois_state *s, const char *domain, struct whois_record *r, json_t **raw,
	       char *err, size_t errlen);

/* Port-43 chain for domain into r; servers asked are appended to servers.
 * 0 answered (maybe notFound / rateLimited), -1 with err. */
int whois_port43(struct whois_state *s, const char *domain, struct whois_record *r, json_t *servers,
		 json_t **raw, char *err, size_t errlen);

#endif
