/* notify_route.c - the findings a report offers the notifiers and those one
 * instance's route (policy/policy_route.h) selects. */
#include "config.h"
#include "notify_route.h"

#include "message.h"
#include "plugin/plugin_instance.h"

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

json_t *pg_route_select_new(const struct pg_route *r, const bool notify_on[PG_ACTION_COUNT],
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
