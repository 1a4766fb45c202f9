/* rules.h - portgate's own header rules, beyond the Observatory's grade
 * (which they never change), and the grouping of a site's failing tests into
 * one finding per asset and rule that lists the ports. Pure functions. */
#ifndef PG_HEADERS_RULES_H
#define PG_HEADERS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "obs.h"

/* The made-up origin of the CORS probe: .invalid (RFC 6761) is nobody's, so a
 * server that allows it allows any origin. */
#define RULES_PROBE_ORIGIN "https://cors-probe.portgate.invalid"

/* The response to a request carrying Origin: origin echoes it in
 * Access-Control-Allow-Origin and allows credentials
 * (Access-Control-Allow-Credentials: true, case-sensitive as the Fetch
 * standard reads it): any site can read what a logged-in user sees. */
bool rules_cors_reflects(const struct obs_resp *r, const char *origin);

/* A response a shared cache may store and reuse (RFC 9111 sections 3 and
 * 5.2.2): Cache-Control "public", or max-age / s-maxage above 0, and neither
 * "no-store" nor an unqualified "private". cc may be NULL (false). */
bool rules_cache_shared(const char *cc);

/* The length of s cut at max bytes without splitting a UTF-8 sequence: a
 * server's value quoted in a reason keeps it a valid JSON string. */
int rules_utf8_prefix(const char *s, size_t max);

/* One port's failure of a rule: severity and action are the rule's on this
 * asset; the reason reads "<title>: <what> on ports 443, 8443<suffix>". */
struct rules_hit {
	const char *rule, *severity, *action;
	const char *title; /* "x-frame-options", "Cache-Control" */
	const char
		*what; /* what failed on this port: "x-frame-options-not-implemented (score -20)" */
	const char *suffix; /* " (authentication surface)" or "" */
	int port;
};

/* Add h to groups ({rule: group}); evidence (stolen) is that port's. Ports
 * whose what is the same share one clause of the reason. */
void rules_group_add(json_t *groups, const struct rules_hit *h, json_t *evidence);

/* One finding per rule of groups, appended to added: assetLevel (the
 * fingerprint is the asset's and the rule's, whichever ports fail it),
 * "ports" in the order seen, a reason naming them, evidence
 * {sites: [{port, ...}, ...]}. */
void rules_group_emit(const json_t *groups, json_t *added);

#endif
