/* plugin_section.c - the helpers a stage reads its settings section of
 * portgate.yaml with (plugin_instance.h): a map of known keys, bounded
 * integers, a list of actions; each error with file:line. */
#include "config.h"
#include "plugin_int.h"

#include <string.h>

bool pg_action_selected(const bool on[PG_ACTION_COUNT], const char *action)
{
	enum pg_action a;

	return pg_action_parse(action, &a) && on[a];
}

void pg_plugin_section_actions(const struct pg_node *n, bool on[PG_ACTION_COUNT], bool *all,
			       const char *what, const char *file, struct pg_diag *diag)
{
	const char *s;
	enum pg_action a;

	if (pg_node_str(n, &s) && all && !strcmp(s, "all")) {
		*all = true;
		for (a = 0; a < PG_ACTION_COUNT; a++)
			on[a] = true;
		return;
	}
	if (n->kind != PG_NODE_SEQ) {
		pg_diag_add(diag, file, n->line, "%s.on: expected a list of actions%s", what,
			    all ? " or 'all'" : "");
		return;
	}
	for (a = 0; a < PG_ACTION_COUNT; a++)
		on[a] = false;
	for (size_t i = 0; i < n->n; i++) {
		if (!pg_node_str(n->items[i], &s))
			s = "";
		if (pg_action_parse(s, &a))
			on[a] = true;
		else
			pg_diag_add(diag, file, n->items[i]->line,
				    "%s.on: '%s' is not pass, warn or fail", what, s);
	}
}

void pg_plugin_section_uint(const struct pg_node *map, const char *key, unsigned long min,
			    unsigned long max, unsigned *out, const char *what, const char *file,
			    struct pg_diag *diag)
{
	const struct pg_node *n = pg_node_get(map, key);
	unsigned long v;

	if (!n)
		return;
	if (!pg_node_uint(n, max, &v) || v < min)
		pg_diag_add(diag, file, n->line, "%s.%s: expected an integer %lu..%lu", what, key,
			    min, max);
	else
		*out = (unsigned)v;
}

void pg_plugin_section_keys(const struct pg_node *map, const char *const *keys, const char *what,
			    const char *file, struct pg_diag *diag)
{
	for (size_t i = 0; map && i < map->n; i++) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], map->keys[i]->scalar))
			k++;
		if (!keys[k])
			pg_diag_add(diag, file, map->keys[i]->line, "%s: unknown key '%s'", what,
				    map->keys[i]->scalar);
	}
}

bool pg_plugin_section_is_map(const struct pg_node *n, const char *what, const char *file,
			      struct pg_diag *diag)
{
	if (!n || n->kind == PG_NODE_MAP)
		return true;
	pg_diag_add(diag, file, n->line, "%s: expected a map, got %s", what,
		    pg_node_kind_name(n->kind));
	return false;
}
