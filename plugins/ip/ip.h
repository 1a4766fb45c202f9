/* ip.h - the ip enricher's sources (each fills the same answer object). */
#ifndef PG_IP_H
#define PG_IP_H

#include <maxminddb.h>

#include "netlib/netlib.h"

enum ip_source { SRC_MMDB, SRC_CYMRU, SRC_RDAP, SRC_COUNT };

struct ip_state {
	struct nl_env env;
	enum ip_source order[SRC_COUNT];
	size_t norder;
	MMDB_s asn_db, country_db;
	int have_asn_db, have_country_db;
	char *cymru_zone;      /* owned */
	json_t *boot4, *boot6; /* owned, NULL when not loaded */
	const char *rdap_base; /* borrowed option, NULL: bootstrap */
	long lookup_ms;
	unsigned cache_s;
	const char *severity;
	struct nl_memo *memo;
	struct nl_gate *gate;
};

/* Each returns 1 when it answered (fields set in ans), 0 when it has no
 * answer (why appended to errs), never fails the call. */
int ip_from_mmdb(struct ip_state *s, const char *ip, json_t *ans, json_t *errs);
int ip_from_cymru(struct ip_state *s, const char *ip, json_t *ans, json_t *errs);
int ip_from_rdap(struct ip_state *s, const char *ip, json_t *ans, json_t *errs);

/* Country from the country database alone (added when the winner had none). */
void ip_country_from_mmdb(struct ip_state *s, const char *ip, json_t *ans);

/* The Team Cymru origin query name for ip under zone (owned) or NULL. */
char *ip_cymru_origin_name(const char *ip, const char *zone);
/* Parse "64500 | 192.0.2.0/24 | US | arin | 2000-01-01" into ans; 0 on success. */
int ip_cymru_parse_origin(const char *txt, json_t *ans);

#endif
