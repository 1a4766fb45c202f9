/* drift_rules.c - the drift rules (drift.h): ids, default actions, severities and
 * summaries, read by drift and by the renderers that describe rules. It calls
 * nothing, so both can use it without calling each other. */
#include "config.h"
#include "drift.h"

#include <string.h>

#include "policy/policy.h"
#include "util/util.h"

const struct pg_drift_rule pg_drift_rules[] = {
	{ PG_RULE_PORT_NEWLY_OPEN, "fail", "high",
	  "A port is open that was not open in the baseline run" },
	{ PG_RULE_PORT_NEWLY_CLOSED, "warn", "low",
	  "A port that was open in the baseline run is no longer open" },
	{ PG_RULE_CERT_CHANGED, "warn", "medium",
	  "The TLS certificate on a port differs from the baseline run's" },
	{ PG_RULE_ADDRESS_CHANGED, "warn", "medium",
	  "The target resolves to other addresses than in the baseline run" },
	{ PG_RULE_ASN_CHANGED, "warn", "high",
	  "The target's addresses are announced by another ASN than in the baseline run" },
};
const size_t pg_drift_rules_n = PG_ARRAY_LEN(pg_drift_rules);

const struct pg_drift_rule *pg_drift_rule_find(const char *id)
{
	for (size_t i = 0; id && i < pg_drift_rules_n; i++)
		if (!strcmp(pg_drift_rules[i].id, id))
			return &pg_drift_rules[i];
	return NULL;
}
