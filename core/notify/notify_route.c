/* notify_route.c - per-notifier `route:` filters (see notify_route.h). */
#include "config.h"
#include "notify_route.h"

#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "plugin/plugin_instance.h"

enum route_key {
	ROUTE_KEY_OWNER,
	ROUTE_KEY_ENVIRONMENT,
	ROUTE_KEY_CRITICALITY,
	ROUTE_KEY_TAGS,
	ROUTE_KEY_RULE,
	ROUTE_KEY_ACTION,
	ROUTE_KEY_COUNT
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
	return !strcmp(s, "pass") || !strcmp(s, "warn") || !strcmp(s, "fail");
}

/* One key: a non-empty string or a non-empty list of them. */
static json_t *parse_values(const struct pg_node *n, const char *inst, const char *key,
			    const char *file, struct pg_diag *diag)
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
		if (!strcmp(key, "action") && !valid_action(s)) {
			pg_diag_add(diag, file, it->line,
				    "notifiers.%s.route.action: '%s' is not pass, warn or fail",
				    inst, s);
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, json_string(s));
	}
	return arr;
bad:
	pg_diag_add(diag, file, n->line,
		    "notifiers.%s.route.%s: expected a non-empty string or list of strings", inst,
		    key);
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

struct pg_route *pg_route_parse(const struct pg_node *n, const char *inst, const char *file,
				struct pg_diag *diag)
{
	struct pg_route *r;
	size_t before = diag->n;

	if (!n || n->kind != PG_NODE_MAP) {
		pg_diag_add(
			diag, file, n ? n->line : 0,
			"notifiers.%s.route: expected a map of owner, environment, criticality, "
			"tags, rule, action",
			inst);
		return NULL;
	}
	r = pg_xcalloc(1, sizeof(*r));
	for (size_t i = 0; i < n->n; i++) {
		int k = key_index(n->keys[i]->scalar);
		if (k < 0) {
			pg_diag_add(
				diag, file, n->keys[i]->line,
				"notifiers.%s.route: unknown key '%s' (known: owner, environment, "
				"criticality, tags, rule, action)",
				inst, n->keys[i]->scalar);
			continue;
		}
		json_decref(r->values[k]);
		r->values[k] = parse_values(n->items[i], inst, route_keys[k], file, diag);
	}
	if (diag->n != before) {
		pg_route_free(r);
		return NULL;
	}
	return r;
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

bool pg_route_wants_action(const struct pg_route *r, const bool notify_on[3], const char *action)
{
	if (!action)
		return false;
	if (r && r->values[ROUTE_KEY_ACTION])
		return in_list(r->values[ROUTE_KEY_ACTION], action);
	return pg_action_selected(notify_on, action);
}

bool pg_route_match(const struct pg_route *r, const bool notify_on[3], const json_t *finding)
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

/* ---- candidates --------------------------------------------------------- */

json_t *pg_route_candidates_new(const json_t *report, const char *evidence_url)
{
	json_t *all = json_array(), *asset, *f;
	const char *run_id = json_string_value(
		json_object_get(json_object_get(report, "run"), "id"));
	size_t i, k;

	json_array_foreach(json_object_get(report, "assets"), i, asset)
	{
		json_array_foreach(json_object_get(asset, "findings"), k, f)
		{
			json_t *c;
			if (!json_is_string(json_object_get(f, "action")))
				continue;
			c = pg_plugin_finding_new(report, asset, f);
			json_object_set_new(c, "message",
					    pg_message_new(c, json_object_get(asset, "resolution"),
							   evidence_url, run_id));
			json_array_append_new(all, c);
		}
	}
	return all;
}

json_t *pg_route_select_new(const struct pg_route *r, const bool notify_on[3],
			    const json_t *candidates)
{
	json_t *sel = json_array(), *f;
	size_t i;

	json_array_foreach(candidates, i, f)
	{
		if (pg_route_match(r, notify_on, f))
			json_array_append(sel, f);
	}
	return sel;
}
