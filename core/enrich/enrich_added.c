/* enrich_added.c - the findings enrichers add: checked against the rules of
 * docs/plugin-guide.md ("Adding findings") and completed from the finding
 * that triggered them. A finding that breaks a rule is dropped with a warning
 * that names the instance, the plugin and the rule. */
#include "config.h"
#include "enrich.h"

#include <string.h>

#include "manifest/manifest.h"
#include "plugin/plugin_instance.h"
#include "policy/policy.h"
#include "util/log.h"

static bool valid_action(const char *s)
{
	return !strcmp(s, "warn") || !strcmp(s, "fail") || !strcmp(s, "pass");
}

/* Why in cannot be added, or NULL when it can. */
static const char *refusal(const json_t *in, const char *rule, char *buf, size_t len)
{
	const json_t *sev = json_object_get(in, "severity");
	const json_t *da = json_object_get(in, "defaultAction");
	const json_t *al = json_object_get(in, "assetLevel");

	if (!pg_rule_id_valid(rule))
		return "the rule id is not [a-z0-9]+([.-][a-z0-9]+)*";
	if (pg_rule_reserved(rule)) {
		snprintf(buf, len, "'%s' is a core rule (only %s may be reused)", rule,
			 PG_RULE_NETWORK_UNEXPECTED);
		return buf;
	}
	if (sev && !pg_severity_valid(json_string_value(sev))) {
		snprintf(buf, len, "severity %s is not one of info, low, medium, high, critical",
			 json_is_string(sev) ? json_string_value(sev) : "(not a string)");
		return buf;
	}
	if (da && (!json_is_string(da) || !valid_action(json_string_value(da))))
		return "defaultAction is not one of pass, warn, fail";
	if (al && !json_is_boolean(al))
		return "assetLevel is not true or false";
	return NULL;
}

/* The fields an added finding takes from the one that triggered it: an
 * asset-level one only asset and target, so its fingerprint is the same
 * whichever port or address triggered it. */
static void complete_from(json_t *f, const json_t *origin, bool asset_level)
{
	static const char *const keep[] = { "asset", "target", "ip", "port", "protocol" };
	size_t n = asset_level ? 2 : PG_ARRAY_LEN(keep);

	for (size_t i = 0; i < n; i++)
		if (!json_object_get(f, keep[i]) && json_object_get(origin, keep[i]))
			json_object_set(f, keep[i], json_object_get(origin, keep[i]));
}

json_t *pg_enrich_shape_added(const struct pg_plugin_ctx *c, const json_t *in, const json_t *origin)
{
	const char *rule = json_string_value(json_object_get(in, "rule"));
	bool asset_level = json_is_true(json_object_get(in, "assetLevel"));
	const char *why;
	char buf[160];
	json_t *f;

	why = json_is_object(in) ? refusal(in, rule, buf, sizeof(buf)) : "not a JSON object";
	if (why) {
		pg_warn("[%s] plugin %s: dropped added finding '%s': %s", pg_plugin_name(c),
			pg_plugin_module_name(c), rule ? rule : "(no rule)", why);
		return NULL;
	}
	f = json_deep_copy(in);
	json_object_del(f, "action");      /* the policy decides */
	json_object_del(f, "fingerprint"); /* the policy computes it */
	json_object_del(f, "enrichment");
	json_object_del(f, "assetContext"); /* the plugin's view, not evidence */
	json_object_set_new(f, "source", json_string(pg_plugin_name(c)));
	if (!json_object_get(f, "defaultAction"))
		json_object_set_new(f, "defaultAction", json_string("warn"));
	if (!json_object_get(f, "severity"))
		json_object_set_new(f, "severity", json_string("medium"));
	if (!json_is_string(json_object_get(f, "reason")))
		json_object_set_new(f, "reason", json_sprintf("reported by %s", pg_plugin_name(c)));
	complete_from(f, origin, asset_level);
	pg_plugin_rule_emitted(c, rule);
	return f;
}

bool pg_enrich_added_dup(const json_t *findings, const json_t *f)
{
	const json_t *x;
	size_t i;

	if (!json_is_true(json_object_get(f, "assetLevel")))
		return false;
	json_array_foreach(findings, i, x)
	{
		if (json_is_true(json_object_get(x, "assetLevel")) &&
		    json_equal(json_object_get(x, "rule"), json_object_get(f, "rule")) &&
		    json_equal(json_object_get(x, "source"), json_object_get(f, "source")))
			return true;
	}
	return false;
}
