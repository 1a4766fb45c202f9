/* policy_route.c - per-instance `route:` / `on:` filters of notifiers and
 * enrichers (see policy_route.h): here, below both stages, so each uses the
 * one filter. */
#include "config.h"
#include "policy_route.h"

#include <stdlib.h>
#include <string.h>

enum route_key {
	ROUTE_KEY_OWNER,
	ROUTE_KEY_ENVIRONMENT,
	ROUTE_KEY_CRITICALITY,
	ROUTE_KEY_TAGS,
	ROUTE_KEY_RULE,
	ROUTE_KEY_ACTION,
	ROUTE_KEY_COUNT,
	ROUTE_KEY_ACTION_ON = ROUTE_KEY_COUNT /* the instance's on: (sets ROUTE_KEY_ACTION) */
};

static const char *const route_keys[ROUTE_KEY_COUNT] = { "owner", "environment", "criticality",
							 "tags",  "rule",        "action" };

struct pg_route {
	json_t *values[ROUTE_KEY_COUNT]; /* owned arrays of strings; NULL: key not given */
};

void pg_route_free(struct pg_route *r)
{
	if (!r)
		return;
	for (int k = 0; k < ROUTE_KEY_COUNT; k++)
		json_decref(r->values[k]);
	free(r);
}

static bool valid_action(const char *s)
{
	enum pg_action a;

	return pg_action_parse(s, &a);
}

/* One key: a non-empty string or a non-empty list of them. */
static json_t *parse_values(const struct pg_node *n, const char *what, const char *inst,
			    const char *key, const char *file, struct pg_diag *diag)
{
	json_t *arr = json_array();
	const char *s;
	size_t cnt = n->kind == PG_NODE_SEQ ? n->n : 1;

	if (n->kind == PG_NODE_SEQ && n->n == 0)
		goto bad;
	for (size_t i = 0; i < cnt; i++) {
		const struct pg_node *it = n->kind == PG_NODE_SEQ ? n->items[i] : n;
		if (it->kind != PG_NODE_SCALAR || !pg_node_str(it, &s) || !*s)
			goto bad;
		if ((!strcmp(key, "action") || !strcmp(key, "on")) && !valid_action(s)) {
			pg_diag_add(diag, file, it->line,
				    "%s.%s.%s: '%s' is not pass, warn or fail", what, inst,
				    strcmp(key, "action") ? key : "route.action", s);
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, json_string(s));
	}
	return arr;
bad:
	pg_diag_add(diag, file, n->line,
		    "%s.%s.%s%s: expected a non-empty string or list of strings", what, inst,
		    strcmp(key, "on") ? "route." : "", key);
	json_decref(arr);
	return NULL;
}

static int key_index(const char *key)
{
	for (int k = 0; k < ROUTE_KEY_COUNT; k++)
		if (!strcmp(route_keys[k], key))
			return k;
	return -1;
}

/* Key k of *r from n (creating *r); an action given twice (on: and
 * route.action) is an error: which would win is not obvious to the reader. */
static bool set_key(struct pg_route **r, int k, const struct pg_node *n, const char *what,
		    const char *inst, const char *file, struct pg_diag *diag)
{
	json_t *v = parse_values(n, what, inst, k == ROUTE_KEY_ACTION_ON ? "on" : route_keys[k],
				 file, diag);

	if (k == ROUTE_KEY_ACTION_ON)
		k = ROUTE_KEY_ACTION;
	if (!v)
		return false;
	if (!*r)
		*r = pg_xcalloc(1, sizeof(**r));
	if (k == ROUTE_KEY_ACTION && (*r)->values[k]) {
		pg_diag_add(diag, file, n->line,
			    "%s.%s: on and route.action both say which actions; keep one", what,
			    inst);
		json_decref(v);
		return false;
	}
	json_decref((*r)->values[k]);
	(*r)->values[k] = v;
	return true;
}

bool pg_route_parse(struct pg_route **r, const struct pg_node *n, const char *what,
		    const char *inst, const char *file, struct pg_diag *diag)
{
	size_t before = diag->n;

	if (!n || n->kind != PG_NODE_MAP) {
		pg_diag_add(diag, file, n ? n->line : 0,
			    "%s.%s.route: expected a map of owner, environment, criticality, "
			    "tags, rule, action",
			    what, inst);
		return false;
	}
	for (size_t i = 0; i < n->n; i++) {
		int k = key_index(n->keys[i]->scalar);
		if (k < 0)
			pg_diag_add(diag, file, n->keys[i]->line,
				    "%s.%s.route: unknown key '%s' (known: owner, environment, "
				    "criticality, tags, rule, action)",
				    what, inst, n->keys[i]->scalar);
		else
			set_key(r, k, n->items[i], what, inst, file, diag);
	}
	return diag->n == before;
}

bool pg_route_parse_on(struct pg_route **r, const struct pg_node *n, const char *what,
		       const char *inst, const char *file, struct pg_diag *diag)
{
	return set_key(r, ROUTE_KEY_ACTION_ON, n, what, inst, file, diag);
}

static bool in_list(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	if (!s)
		return false;
	json_array_foreach(list, i, v)
	{
		if (!strcmp(json_string_value(v), s))
			return true;
	}
	return false;
}

/* A scalar field matches when its text (numbers too) is listed. */
static bool field_matches(const json_t *list, const json_t *val)
{
	char num[32];

	if (json_is_integer(val)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
		return in_list(list, num);
	}
	return in_list(list, json_string_value(val));
}

static bool tags_match(const json_t *list, const json_t *tags)
{
	size_t i;
	json_t *t;

	json_array_foreach(tags, i, t)
	{
		if (in_list(list, json_string_value(t)))
			return true;
	}
	return false;
}

bool pg_route_wants_action(const struct pg_route *r, const bool notify_on[PG_ACTION_COUNT],
			   const char *action)
{
	enum pg_action a;

	if (!action)
		return false;
	if (r && r->values[ROUTE_KEY_ACTION])
		return in_list(r->values[ROUTE_KEY_ACTION], action);
	return pg_action_parse(action, &a) && notify_on[a];
}

bool pg_route_match(const struct pg_route *r, const bool notify_on[PG_ACTION_COUNT],
		    const json_t *finding)
{
	const json_t *ctx = json_object_get(finding, "assetContext");
	static const int asset_keys[] = { ROUTE_KEY_OWNER, ROUTE_KEY_ENVIRONMENT,
					  ROUTE_KEY_CRITICALITY };

	if (!pg_route_wants_action(r, notify_on,
				   json_string_value(json_object_get(finding, "action"))))
		return false;
	if (!r)
		return true;
	for (size_t i = 0; i < PG_ARRAY_LEN(asset_keys); i++) {
		int k = asset_keys[i];
		if (r->values[k] &&
		    !field_matches(r->values[k], json_object_get(ctx, route_keys[k])))
			return false;
	}
	if (r->values[ROUTE_KEY_TAGS] &&
	    !tags_match(r->values[ROUTE_KEY_TAGS], json_object_get(ctx, "tags")))
		return false;
	if (r->values[ROUTE_KEY_RULE] &&
	    !in_list(r->values[ROUTE_KEY_RULE],
		     json_string_value(json_object_get(finding, "rule"))))
		return false;
	return true;
}
