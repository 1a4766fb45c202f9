/* plugin_test.c - `portgate plugin-test`: run every configured enricher on
 * one canned finding, or every notifier on one canned event, exactly as a run
 * would (worker processes, deadlines, the added-finding rules), and report
 * per instance what the plugin returned and what it sent over host->http. */
#include "config.h"
#include "plugin_int.h"

#include <string.h>

#include "enrich/enrich.h"
#include "plugin_isolate.h"

static const char *rc_name(int rc)
{
	switch (rc) {
	case PG_PLUGIN_OK: return "ok";
	case PG_PLUGIN_RETRY: return "retry";
	case PG_ISOLATE_TIMEOUT: return "timeout";
	case PG_ISOLATE_CRASH: return "crash";
	default: return "fail";
	}
}

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
	json_t *out = NULL, *added = NULL, *sent = json_array(), *kept = json_array(), *x, *r;
	char err[512] = "";
	size_t i;
	int rc = pg_isolate_enrich_traced(c, f, 0, &out, &added, sent, err, sizeof(err));

	/* what the run would add: the same checks, the same warnings */
	json_array_foreach(added, i, x)
	{
		json_t *nf = pg_enrich_shape_added(c, x, f);
		if (nf)
			json_array_append_new(kept, nf);
	}
	r = json_pack("{s:s, s:s, s:s, s:o*, s:o, s:O*, s:o}", "plugin", c->mod->desc.name,
		      "result", rc_name(rc), "error", err, "out", out, "findings", kept,
		      "returnedFindings", added, "sent", sent);
	json_decref(added);
	return r;
}

json_t *pg_plugin_test_enrich(struct pg_plugin_host *h, const json_t *finding)
{
	json_t *res = json_object(), *f = finding_view(finding);

	for (size_t i = 0; i < h->nenrichers; i++)
		json_object_set_new(res, h->enrichers[i]->name, enrich_one(h->enrichers[i], f));
	json_decref(f);
	return res;
}

json_t *pg_plugin_test_notify(struct pg_plugin_host *h, const json_t *event)
{
	const char *key = json_string_value(json_object_get(event, "idempotencyKey"));
	json_t *res = json_object();

	for (size_t i = 0; i < h->nnotifiers; i++) {
		struct pg_plugin_ctx *c = h->notifiers[i];
		json_t *sent = json_array();
		long retry_after = -1;
		char err[512] = "";
		int rc = pg_isolate_notify_traced(c, event, key ? key : "plugin-test", 0,
						  &retry_after, sent, err, sizeof(err));

		json_object_set_new(res, c->name,
				    json_pack("{s:s, s:s, s:s, s:I, s:o}", "plugin",
					      c->mod->desc.name, "result", rc_name(rc), "error",
					      err, "retryAfterMs", (json_int_t)retry_after, "sent",
					      sent));
	}
	return res;
}
