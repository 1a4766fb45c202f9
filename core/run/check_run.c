/* check_run.c - manifest assets -> pipeline -> policy -> enrich -> finalized evidence. */
#include "config.h"
#include "check_run.h"

#include <stdlib.h>

#include "enrich/enrich.h"
#include "pipeline.h"
#include "policy/policy.h"
#include "report/drift.h"
#include "report/evidence.h"
#include "report/fold.h"
#include "report/judged.h"

static json_t *asset_json(const struct pg_asset *as, const struct pg_job *j)
{
	struct pg_asset_outcome o = { as, &j->res, j->scans, j->nscans };
	bool unchecked;
	json_t *a = json_object(), *findings = pg_policy_evaluate(&o, &unchecked), *more;

	json_object_set_new(a, "name", json_string(as->name));
	json_object_set_new(a, "target", json_string(as->target));
	json_object_set_new(a, "line", json_integer(as->line));
	json_object_set(a, "manifest", as->fields); /* shared: the manifest outlives the report */
	json_object_set_new(a, "resolution", pg_evidence_resolution(&j->res));
	/* "scan" keeps the API shape (one ip); further addresses follow it */
	if (j->nscans)
		json_object_set_new(
			a, "scan",
			pg_evidence_scan(&j->scans[0], as->target, pg_job_scan_wall_ms(j, 0)));
	if (j->nscans > 1) {
		more = json_array();
		for (size_t k = 1; k < j->nscans; k++)
			json_array_append_new(more, pg_evidence_scan(&j->scans[k], as->target,
								     pg_job_scan_wall_ms(j, k)));
		json_object_set_new(a, "additionalScans", more);
	}
	json_object_set_new(a, "couldNotCheck", json_boolean(unchecked));
	json_object_set_new(a, "findings", findings);
	return a;
}

static bool skip_addr(const struct pg_job *j, const struct pg_addr *ip)
{
	return pg_policy_skip_addr(j->ud, &j->res, ip);
}

/* Assets with findings show the enrichers their open and reported ports;
 * the rest of their ports stay in the fold, for the writers. */
static void unfold_reported(json_t *assets)
{
	json_t *a;
	size_t i;

	json_array_foreach(assets, i, a) if (json_array_size(json_object_get(a, "findings")))
		json_array_set_new(assets, i, pg_fold_reported(json_incref(a)));
}

json_t *pg_check_run(const struct pg_check_input *in, const struct pg_config *cfg,
		     struct pg_plugin_host *host, int *code, char *err, size_t errlen)
{
	uint64_t wall0 = pg_wall_ms(), t0 = pg_clock_now_ms();
	enum pg_mode mode = in->mode ? in->mode : in->m->mode ? in->m->mode : PG_MODE_ENFORCE;
	struct pg_job *jobs = pg_xcalloc(in->n ? in->n : 1, sizeof(*jobs));
	json_t *report = NULL, *assets;
	char sha[65];

	for (size_t i = 0; i < in->n; i++) {
		jobs[i].target = in->assets[i]->target;
		jobs[i].ports = &in->assets[i]->candidates;
		jobs[i].tls_ports = &in->assets[i]->tls_ports;
		jobs[i].skip_addr = skip_addr; /* scope before the scan */
		jobs[i].ud = in->assets[i];
	}
	if (pg_pipeline_run(jobs, in->n, cfg, in->progress, err, errlen) < 0)
		goto out;
	report = pg_evidence_report_new(in->manifest_path, wall0);
	pg_evidence_set_origin(report,
			       pg_evidence_manifest_sha256(in->manifest_path, sha) ? sha : NULL,
			       in->shard_i, in->shard_n, in->m->nassets);
	assets = json_object_get(report, "assets");
	for (size_t i = 0; i < in->n; i++) {
		json_t *a = asset_json(in->assets[i], &jobs[i]);
		if (in->fold) { /* the engine's results live on in the fold only */
			a = pg_fold(a);
			pg_job_clear(&jobs[i]);
		}
		json_array_append_new(assets, a);
	}
	/* First pass drops findings whose action is pass, so enrichers only see
	 * what matters; the second maps the findings enrichers added. */
	pg_policy_finalize(in->m, in->assets, mode, report);
	if (in->fold)
		unfold_reported(assets);
	pg_enrich_report(host, report, in->skip_cache);
	pg_judges_summarise(report); /* drift and the notifiers: what was re-checked */
	*code = pg_policy_finalize(in->m, in->assets, mode, report);
	if (in->baseline) { /* drift findings take overrides like any other */
		pg_drift_apply(report, in->baseline, in->baseline_path);
		*code = pg_policy_finalize(in->m, in->assets, mode, report);
	}
	json_object_set_new(json_object_get(report, "run"), "durationMs",
			    json_integer((json_int_t)(pg_clock_now_ms() - t0)));
out:
	for (size_t i = 0; i < in->n; i++)
		pg_job_clear(&jobs[i]);
	free(jobs);
	return report;
}
