/* policy_rules.c - the core rules: their ids, default actions, severities and
 * summaries, the table every stage looks a rule up in (evaluate, finalize,
 * the renderers through policy.h). It calls nothing. */
#include "config.h"
#include "policy.h"

#include <string.h>
#include <strings.h>

const struct pg_rule_info pg_rules[] = {
	{ PG_RULE_PORT_UNAPPROVED_OPEN, PG_ACTION_FAIL, "high",
	  "A port is open that the manifest does not approve" },
	{ PG_RULE_TLS_CERT_INVALID, PG_ACTION_FAIL, "high",
	  "A TLS port presents a certificate that is expired, not yet valid, untrusted or for "
	  "another name" },
	{ PG_RULE_TLS_NOT_OFFERED, PG_ACTION_FAIL, "high",
	  "A port the manifest lists in tlsPorts completes no TLS handshake" },
	{ PG_RULE_DNS_UNEXPECTED, PG_ACTION_FAIL, "high",
	  "DNS answers differ from the manifest's expectedRecords" },
	{ PG_RULE_NETWORK_UNEXPECTED, PG_ACTION_FAIL, "high",
	  "The target's address is outside the manifest's expectedNetwork" },
	{ PG_RULE_PORT_APPROVED_FILTERED, PG_ACTION_WARN, "medium",
	  "An approved port does not answer (filtered)" },
	{ PG_RULE_PORT_APPROVED_CLOSED, PG_ACTION_WARN, "low", "An approved port is closed" },
	{ PG_RULE_DNS_UNRESOLVED, PG_ACTION_WARN, "high",
	  "The target does not resolve, so it could not be checked" },
	{ PG_RULE_SCAN_ERROR, PG_ACTION_WARN, "medium",
	  "A port could not be scanned (local or routing error), so it was not checked" },
	/* warn here; a production asset's finding carries defaultAction fail
	 * (pg_policy_production_default) */
	{ PG_RULE_UDP_AMPLIFIER, PG_ACTION_WARN, "high",
	  "An open UDP port answers with many times the bytes of the request (a reflector for "
	  "amplified floods; fail on production)" },
	/* warn here; a finding on an asset whose environment is production defaults to fail
	 * (pg_policy_production_default) */
	{ PG_RULE_SERVICE_UNAUTH, PG_ACTION_WARN, "high",
	  "A data store or UDP service answers without authentication (default fail on "
	  "production assets)" },
};
const size_t pg_rules_n = PG_ARRAY_LEN(pg_rules);

const struct pg_rule_info *pg_rule_find(const char *id)
{
	for (size_t i = 0; i < pg_rules_n; i++)
		if (!strcmp(pg_rules[i].id, id))
			return &pg_rules[i];
	return NULL;
}

bool pg_rule_reserved(const char *id)
{
	return pg_rule_find(id) && strcmp(id, PG_RULE_NETWORK_UNEXPECTED);
}

bool pg_severity_valid(const char *s)
{
	static const char *const severities[] = { "info", "low", "medium", "high", "critical" };

	for (size_t i = 0; s && i < PG_ARRAY_LEN(severities); i++)
		if (!strcmp(s, severities[i]))
			return true;
	return false;
}

bool pg_udp_amplifies(long long sent, long long received, double *factor)
{
	if (sent <= 0 || received <= 0)
		return false;
	*factor = (double)received / (double)sent;
	return *factor >= PG_UDP_AMPLIFIER_FACTOR;
}

enum pg_action pg_policy_production_default(const struct pg_asset *a)
{
	return a->environment && !strcasecmp(a->environment, "production") ? PG_ACTION_FAIL
									   : PG_ACTION_WARN;
}
