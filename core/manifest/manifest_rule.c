/* manifest_rule.c - the words a policy is made of: action names and the rule-id grammar.
 * Below manifest_policy.c and manifest_rollout.c, which both read them (and the policy stage
 * and the plugin host), so that neither calls the other back. */
#include "config.h"
#include "manifest.h"

#include <string.h>

const char *pg_action_name(enum pg_action a)
{
	switch (a) {
	case PG_ACTION_PASS: return "pass";
	case PG_ACTION_WARN: return "warn";
	case PG_ACTION_FAIL:
	case PG_ACTION_COUNT: break;
	}
	return "fail";
}

bool pg_action_parse(const char *s, enum pg_action *out)
{
	if (!s)
		return false;
	if (!strcmp(s, "pass"))
		*out = PG_ACTION_PASS;
	else if (!strcmp(s, "warn"))
		*out = PG_ACTION_WARN;
	else if (!strcmp(s, "fail"))
		*out = PG_ACTION_FAIL;
	else
		return false;
	return true;
}

/* The one rule-id grammar, for core rules, plugin rules and manifest
 * overrides alike: ^[a-z0-9]+([.-][a-z0-9]+)*$, at most PG_RULE_ID_MAX chars. */
bool pg_rule_id_valid(const char *s)
{
	bool prev_sep = true; /* no leading separator */
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++, n++) {
		if (*s == '-' || *s == '.') {
			if (prev_sep)
				return false;
			prev_sep = true;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
			prev_sep = false;
		} else {
			return false;
		}
	}
	return !prev_sep && n <= PG_RULE_ID_MAX;
}
