/* policy_rollout.c - gradual rollout: policy.enforce demotes the failures of rules it
 * does not list to warn; policy.exceptions accept a finding until their expiry date,
 * after which it fails and says since when. */
#include "config.h"
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A finding about a UDP port ("protocol": "udp"); anything else is TCP or portless. */
static bool finding_is_udp(const json_t *f)
{
	const char *p = json_string_value(json_object_get(f, "protocol"));

	return p && !strcmp(p, "udp");
}

static const struct pg_exception *find_exception(const struct pg_manifest *m,
						 const struct pg_asset *a, const char *rule,
						 json_int_t port, bool udp)
{
	for (size_t i = 0; i < m->nexceptions; i++) {
		const struct pg_exception *e = &m->exceptions[i];
		if (!e->rule || strcmp(e->rule, rule) || !pg_exception_names_asset(e, a) ||
		    (e->port && ((json_int_t)e->port != port || e->udp != udp)))
			continue;
		return e;
	}
	return NULL;
}

static bool enforced(const struct pg_manifest *m, const char *rule)
{
	if (!m->enforce)
		return true; /* no list: every rule may fail the build */
	for (size_t i = 0; i < m->nenforce; i++)
		if (!strcmp(m->enforce[i], rule))
			return true;
	return false;
}

void pg_policy_today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static void apply_exception(json_t *f, const struct pg_exception *e, const char *today)
{
	bool active = strcmp(today, e->expires) <= 0; /* ISO dates compare as strings */
	bool first = !json_object_get(f, "exception");

	json_object_set_new(f, "exception",
			    json_pack("{s:s, s:s, s:s, s:i, s:b}", "reason",
				      e->reason ? e->reason : "", "owner", e->owner ? e->owner : "",
				      "expires", e->expires, "line", e->line, "active", active));
	json_object_set_new(f, "action", json_string(active ? "pass" : "fail"));
	if (!active && first) { /* once: finalize runs more than once */
		const char *why = json_string_value(json_object_get(f, "reason"));
		char *r = pg_xasprintf("%s (exception expired on %s; it was: %s, owner %s)",
				       why ? why : "", e->expires, e->reason, e->owner);
		json_object_set_new(f, "reason", json_string(r));
		free(r);
	}
}

void pg_policy_rollout(const struct pg_manifest *m, const struct pg_asset *a, json_t *f,
		       const char *today)
{
	const char *rule = json_string_value(json_object_get(f, "rule"));
	const char *act = json_string_value(json_object_get(f, "action"));
	const struct pg_exception *e;

	if (!rule || !act)
		return;
	if ((e = find_exception(m, a, rule, json_integer_value(json_object_get(f, "port")),
				finding_is_udp(f)))) {
		if (strcmp(act, "pass"))
			apply_exception(f, e, today);
		return;
	}
	if (!strcmp(act, "fail") && !enforced(m, rule)) {
		json_object_set_new(f, "action", json_string("warn"));
		json_object_set_new(f, "enforced", json_false());
	}
}
