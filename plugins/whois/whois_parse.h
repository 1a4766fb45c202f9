/* whois_parse.h - turn a port-43 WHOIS answer (any registry's format) into
 * fields. Pure functions on bytes: no I/O, no globals (fuzzed by
 * fuzz/fuzz_whois.c). */
#ifndef PG_WHOIS_PARSE_H
#define PG_WHOIS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* What one answer says. Strings are owned (free with whois_record_clear). */
struct whois_record {
	char *registrar;
	char *registrant_org; /* published registrant organisation; NULL: absent or redacted */
	int64_t created, updated, expires; /* Unix seconds, -1 when absent */
	json_t *nameservers;               /* array of lowercase names, no trailing dot */
	json_t *status;                    /* array of strings */
	char *referral;                    /* "host" or "host:port" the answer points to */
	int iana_style;                    /* "refer:" pointer answer (IANA): fields not data */
	int not_found, rate_limited;
};

void whois_record_init(struct whois_record *r);
void whois_record_clear(struct whois_record *r);

/* Add a name server (first word, lowercased, no trailing dot, deduplicated)
 * or a status (cut at " http", trimmed, deduplicated; v is modified), at most
 * 32 of each: the one bound for port 43 and RDAP answers. */
void whois_record_add_ns(struct whois_record *r, const char *v);
void whois_record_add_status(struct whois_record *r, char *v);

/* Parse len bytes (not NUL-terminated, any encoding). */
void whois_record_parse(const char *text, size_t len, struct whois_record *r);

/* The registrant organisation an RDAP domain object publishes (RFC 9083):
 * the top-level entity with role "registrant", its vCard "org" (or "fn" when
 * its "kind" is "org"). NULL when absent or a redaction notice; borrowed. */
const char *whois_rdap_registrant_org(const json_t *domain);

/* A registry date in any of the usual forms ("2028-09-14T04:00:00Z",
 * "2015.06.24", "14-Sep-2028", "20280914", "2028/09/30 01:05:04 (JST)",
 * "Sep 14 2028", ...) as Unix seconds UTC; -1 when not a date. */
int64_t whois_date_parse(const char *s);

/* Copy of len bytes as valid UTF-8 without control bytes (tabs and newlines
 * kept; bad bytes become U+FFFD), at most max bytes of input. New string. */
json_t *whois_sanitized_json(const char *text, size_t len, size_t max);

#endif
