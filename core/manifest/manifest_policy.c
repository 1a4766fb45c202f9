/* manifest_policy.c - rule overrides and the top-level policy block (actions and rule ids
 * are manifest_rule.c). */
#include "config.h"
#include "manifest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pg_manifest_overrides_clear(struct pg_overrides *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].rule);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* { rule-id: pass|warn|fail } into out; json (may be NULL) mirrors it. */
bool pg_manifest_parse_overrides(struct ctx *c, const struct pg_node *n, const char *where,
				 struct pg_overrides *out, json_t *json)
{
	bool ok = true;
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, where, "a map of rule: pass|warn|fail");
		return false;
	}
	out->v = pg_xcalloc(n->n ? n->n : 1, sizeof(*out->v));
	for (i = 0; i < n->n; i++) {
		const char *rule = n->keys[i]->scalar, *val;
		enum pg_action act;
		char sub[200];

		snprintf(sub, sizeof(sub), "%s.%.100s", where, rule);
		if (!pg_rule_id_valid(rule)) {
			pg_manifest_err(
				c, n->keys[i], where,
				"'%s' is not a rule id (lowercase words joined by '-' or '.', like "
				"port-approved-filtered or headers.csp)",
				rule);
			ok = false;
			continue;
		}
		if (!pg_node_str(n->items[i], &val) || !pg_action_parse(val, &act)) {
			if (n->items[i]->kind == PG_NODE_SCALAR)
				pg_manifest_err(c, n->items[i], sub,
						"invalid action '%s' (use pass, warn or fail)",
						n->items[i]->scalar);
			else
				pg_manifest_wrong_type(c, n->items[i], sub, "pass, warn or fail");
			ok = false;
			continue;
		}
		pg_manifest_note_rule(c, n->keys[i], where, rule);
		out->v[out->n].rule = pg_xstrdup(rule);
		out->v[out->n++].action = act;
		if (json)
			json_object_set_new(json, rule, json_string(pg_action_name(act)));
	}
	return ok;
}

static void load_env_policies(struct ctx *c, const struct pg_node *n, struct pg_manifest *m)
{
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, "policy.environments",
				       "a map of environment: { rule: action }");
		return;
	}
	m->envs = pg_xcalloc(n->n ? n->n : 1, sizeof(*m->envs));
	for (i = 0; i < n->n; i++) {
		char where[160];

		snprintf(where, sizeof(where), "policy.environments.%.100s", n->keys[i]->scalar);
		if (!*n->keys[i]->scalar) {
			pg_manifest_err(c, n->keys[i], "policy.environments",
					"environment name must not be empty");
			continue;
		}
		if (is_null(n->items[i]))
			continue;
		m->envs[m->nenvs].env = pg_xstrdup(n->keys[i]->scalar);
		pg_manifest_parse_overrides(c, n->items[i], where, &m->envs[m->nenvs].rules, NULL);
		m->nenvs++;
	}
}

void pg_manifest_load_policy(struct ctx *c, const struct pg_node *n, struct pg_manifest *m)
{
	static const char *const names[] = {
		"mode", "rules", "environments", "scanUnexpected", "enforce", "exceptions", NULL
	};
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, "policy",
				       "a map with mode, rules, environments, enforce, "
				       "exceptions and/or scanUnexpected");
		return;
	}
	for (i = 0; i < n->n; i++) {
		const char *key = n->keys[i]->scalar;
		const struct pg_node *v = n->items[i];
		const char *s;

		if (is_null(v) && (!strcmp(key, "mode") || !strcmp(key, "rules") ||
				   !strcmp(key, "environments") || !strcmp(key, "scanUnexpected")))
			continue;
		if (!strcmp(key, "mode")) {
			if (!pg_node_str(v, &s))
				pg_manifest_wrong_type(c, v, "policy.mode", "enforce or monitor");
			else if (!strcmp(s, "enforce"))
				m->mode = PG_MODE_ENFORCE;
			else if (!strcmp(s, "monitor"))
				m->mode = PG_MODE_MONITOR;
			else
				pg_manifest_err(c, v, "policy.mode",
						"invalid mode '%s' (use enforce or monitor)", s);
		} else if (!strcmp(key, "rules")) {
			pg_manifest_parse_overrides(c, v, "policy.rules", &m->rules, NULL);
		} else if (!strcmp(key, "environments")) {
			load_env_policies(c, v, m);
		} else if (!strcmp(key, "enforce")) {
			pg_manifest_load_enforce(c, v, m);
		} else if (!strcmp(key, "exceptions")) {
			pg_manifest_load_exceptions(c, v, m);
		} else if (!strcmp(key, "scanUnexpected")) {
			if (!pg_node_bool(v, &m->scan_unexpected))
				pg_manifest_wrong_type(c, v, "policy.scanUnexpected",
						       "true or false");
		} else {
			pg_manifest_unknown_field(c, n->keys[i], "policy", names);
		}
	}
}
