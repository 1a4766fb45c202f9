/* enrich.h - the enrich stage: enricher plugins over a report's findings.
 *
 * pg_enrich_report() calls each enricher for the findings enrich.on selects
 * and for every asset it judges (the descriptor's judges, ABI 1.3), once per
 * (instance, target+ip) - or per fingerprint for plugins of scope FINDING - on
 * a bounded pool of threads, with a per-call timeout, and caches successful
 * results under <stateDir>/cache/<instance>/ for the plugin's TTL. A call that
 * times out is abandoned (its result dropped) and the instance is not called
 * again in that run. The stage reads its own `enrich:` section (pg_enrich_stage)
 * and reaches the host only through plugin_instance.h and plugin_isolate.h. */
#ifndef PG_ENRICH_H
#define PG_ENRICH_H

#include <jansson.h>
#include <portgate/plugin.h>
#include <stdbool.h>

#include "manifest/manifest.h"
#include "plugin/plugin_host.h"

/* The `enrich:` section (enrich_settings.c). */
struct pg_enrich_settings {
	bool all;                 /* on: all */
	bool on[PG_ACTION_COUNT]; /* by enum pg_action */
	unsigned timeout_ms;      /* default per-call timeout of enrichers */
	unsigned concurrency;     /* threads; worker processes of a parallel enricher */
};

/* The stage as the host builds it (enrich_settings.c). */
extern const struct pg_plugin_stage pg_enrich_stage;
/* h's enrich settings, the defaults when h was built without the stage. */
const struct pg_enrich_settings *pg_enrich_settings(const struct pg_plugin_host *h);

/* Enrich the evidence report in place (enrich.c); returns 0. */
int pg_enrich_report(struct pg_plugin_host *h, json_t *report, bool skip_cache);

/* enrich_input.c: what an enricher is called with for finding (or judged
 * input) f of asset in report, in a run and in plugin-test alike: the finding
 * as plugins see it (assetContext), without an "enrichment" it may carry from
 * an earlier run, with the asset's "openPorts" at f's address. New. */
json_t *pg_enrich_input_new(const json_t *report, const json_t *asset, const json_t *f);

/* enrich_added.c: an added finding checked (severity, rule id, no core rule
 * but network-unexpected, defaultAction, assetLevel) and completed from
 * origin; NULL with a warning naming instance, plugin and rule when dropped. */
json_t *pg_enrich_shape_added(const struct pg_plugin_ctx *c, const json_t *in,
			      const json_t *origin);
/* True when findings already hold the asset-level finding f (same rule, same source). */
bool pg_enrich_added_dup(const json_t *findings, const json_t *f);

/* portgate plugin-test (enrich_test.c): each enricher on one finding as a run
 * calls it; a new object keyed by instance: {plugin, result (ok|fail|timeout|
 * crash), error, out, findings (as the run would add them), returnedFindings,
 * sent: [{method, url, body, status}]}. */
json_t *pg_enrich_test(struct pg_plugin_host *h, const json_t *finding);
/* ... on asset name of an evidence report (pg_evidence_load): its finding
 * with rule (NULL: its first), or the asset as a judge sees it when it has no
 * finding; NULL with err when there is no such asset or finding. */
json_t *pg_enrich_test_evidence(struct pg_plugin_host *h, const json_t *report, const char *name,
				const char *rule, char *err, size_t errlen);
/* enrich_judge.c: does instance c judge the asset with these manifest fields
 * at all (it judges something, and the asset carries the tag it may need)? */
bool pg_enrich_judges_asset(struct pg_plugin_ctx *c, const json_t *fields);
/* ... and at this scan of it (a /v1-port-scanner object; NULL: none)? */
bool pg_enrich_judges_at(struct pg_plugin_ctx *c, const json_t *fields, const json_t *scan);

#endif
