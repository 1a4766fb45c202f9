/* enrich_test.c - `portgate plugin-test enrich`: every configured enricher on
 * one input, built by the run's own builder (pg_enrich_input_new) and called
 * exactly as a run calls it (worker processes, deadlines, the added-finding
 * rules), reporting per instance what the plugin returned and every host call
 * it made (host->http and host->dns). The input is a finding written by hand,
 * or a real finding (or judged asset) replayed from an evidence file. */
#include "config.h"
#include "enrich.h"

#include <stdio.h>
#include <string.h>

#include "common/json_get.h"
#include "plugin/plugin_instance.h"
#include "plugin/plugin_isolate.h"
#include "report/evidence.h"

/* A hand-written finding stands for an asset of one scan: its assetContext
 * is the asset's manifest block (line and path apart), its openPorts (if
 * any) that scan's open ports, so the builder sees what a report holds. */
static json_t *asset_of(const json_t *finding, json_t **report)
{
	const json_t *ctx = json_object_get(finding, "assetContext");
	json_t *m = json_is_object(ctx) ? json_deep_copy(ctx) : json_object(), *ports;
	json_t *a = json_object(), *line = json_object_get(m, "line");

	*report = json_pack("{s:{s:O?}}", "run", "manifest", json_object_get(m, "manifest"));
	if (json_is_integer(line))
		json_object_set(a, "line", line);
	json_object_del(m, "line");
	json_object_del(m, "manifest");
	if (!json_object_get(m, "name") && json_is_string(json_object_get(finding, "asset")))
		json_object_set(m, "name", json_object_get(finding, "asset"));
	if (!json_object_get(m, "target") && json_is_string(json_object_get(finding, "target")))
		json_object_set(m, "target", json_object_get(finding, "target"));
	json_object_set(a, "name", json_object_get(m, "name"));
	json_object_set(a, "target", json_object_get(m, "target"));
	json_object_set_new(a, "manifest", m);
	ports = json_object_get(finding, "openPorts");
	json_object_set_new(a, "scan",
			    json_pack("{s:O?, s:o}", "ip", json_object_get(finding, "ip"), "ports",
				      json_is_array(ports) ? json_incref(ports) : json_array()));
	return a;
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

static json_t *test_input(struct pg_plugin_host *h, const json_t *report, const json_t *asset,
			  const json_t *f)
{
	json_t *res = json_object(), *in = pg_enrich_input_new(report, asset, f);

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_ENRICHER); i++) {
		struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_ENRICHER, i);
		json_object_set_new(res, pg_plugin_name(c), enrich_one(c, in));
	}
	json_decref(in);
	return res;
}

json_t *pg_enrich_test(struct pg_plugin_host *h, const json_t *finding)
{
	json_t *report, *asset = asset_of(finding, &report), *f = json_deep_copy(finding), *res;

	/* the finding's own copies are the asset's now, as in a report */
	json_object_del(f, "assetContext");
	json_object_del(f, "openPorts");
	res = test_input(h, report, asset, f);
	json_decref(f);
	json_decref(asset);
	json_decref(report);
	return res;
}

/* The asset's finding with rule (its first finding when rule is NULL), or,
 * when it has none, the input a judge gets for the asset's first scan. New. */
static json_t *replayed(const json_t *asset, const char *rule)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		if (json_is_object(f) &&
		    (!rule || !strcmp(pg_json_get_str_or(f, "rule", ""), rule)))
			return json_incref((json_t *)f);
	}
	if (rule)
		return NULL;
	return json_pack("{s:O?, s:O?, s:O?}", "asset", json_object_get(asset, "name"), "target",
			 json_object_get(asset, "target"), "ip",
			 json_object_get(json_object_get(asset, "scan"), "ip"));
}

json_t *pg_enrich_test_evidence(struct pg_plugin_host *h, const json_t *report, const char *name,
				const char *rule, char *err, size_t errlen)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
	json_t *asset, *f, *res = NULL;

	while ((asset = pg_evidence_walk_next(&w)))
		if (json_is_object(asset) && !strcmp(pg_json_get_str_or(asset, "name", ""), name))
			break;
	if (!asset) {
		snprintf(err, errlen, "no asset named '%s'", name);
		return NULL;
	}
	f = replayed(asset, rule);
	if (f)
		res = test_input(h, report, asset, f);
	else
		snprintf(err, errlen, "asset '%s' has no finding with rule '%s'", name, rule);
	json_decref(f);
	pg_evidence_walk_end(&w);
	return res;
}
