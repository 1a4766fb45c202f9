/* enrich_test.c - `portgate plugin-test enrich`: every configured enricher on
 * one canned finding, exactly as a run calls it (worker processes, deadlines,
 * the added-finding rules), reporting per instance what the plugin returned
 * and what it sent over host->http. */
#include "config.h"
#include "enrich.h"

#include "plugin/plugin_instance.h"
#include "plugin/plugin_isolate.h"

/* A finding written by hand may lack assetContext: give it the minimum. */
static json_t *finding_view(const json_t *finding)
{
	json_t *f = json_deep_copy(finding), *ctx = json_object_get(f, "assetContext");

	if (!json_is_object(ctx)) {
		ctx = json_object();
		json_object_set_new(f, "assetContext", ctx);
	}
	if (!json_object_get(ctx, "name") && json_object_get(f, "asset"))
		json_object_set(ctx, "name", json_object_get(f, "asset"));
	if (!json_object_get(ctx, "target") && json_object_get(f, "target"))
		json_object_set(ctx, "target", json_object_get(f, "target"));
	return f;
}

static json_t *enrich_one(struct pg_plugin_ctx *c, const json_t *f)
{
	struct pg_isolated_call call = { .c = c, .finding = f, .sent = json_array() };
	json_t *kept = json_array(), *x;
	size_t i;
	int rc = pg_isolate_enrich(&call);

	/* what the run would add: the same checks, the same warnings */
	json_array_foreach(call.added, i, x)
	{
		json_t *nf = pg_enrich_shape_added(c, x, f);
		if (nf)
			json_array_append_new(kept, nf);
	}
	x = json_pack("{s:s, s:s, s:s, s:o*, s:o, s:o*, s:o}", "plugin", pg_plugin_module_name(c),
		      "result", pg_isolate_rc_name(rc), "error", call.err, "out", call.out,
		      "findings", kept, "returnedFindings", call.added, "sent", call.sent);
	return x;
}

json_t *pg_enrich_test(struct pg_plugin_host *h, const json_t *finding)
{
	json_t *res = json_object(), *f = finding_view(finding);

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_ENRICHER); i++) {
		struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_ENRICHER, i);
		json_object_set_new(res, pg_plugin_name(c), enrich_one(c, f));
	}
	json_decref(f);
	return res;
}
