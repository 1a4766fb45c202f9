/* check_run.c - one check, straight through: pipeline (resolve + scan) -> evaluate
 * -> enrich -> drift -> finalize -> the front end's outputs -> notify. */
#include "config.h"
#include "check_run.h"

#include <stdlib.h>

#include "pipeline.h"
#include "policy/policy.h"
#include "report/drift.h"
#include "report/evidence.h"
#include "enrich/enrich.h"
#include "notify/notify.h"
#include "report/judged.h"
#include "plugin/plugin_instance.h"
#include "util/exitcode.h"

static json_t *asset_json(const struct pg_manifest *m, const struct pg_asset *as,
			  const struct pg_job *j)
{
	struct pg_asset_outcome o = { as, &j->res, j->scans, j->nscans };
	bool unchecked;
	json_t *a = json_object(), *findings = pg_policy_evaluate(m, &o, &unchecked), *more;

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

/* The report of the engine's results: every asset with its evaluated (decided)
 * findings. In a compact report the engine's results live on in the report
 * only, so each job is cleared once its asset is in. */
static json_t *evaluate(const struct pg_check_options *o, struct pg_job *jobs, uint64_t wall0)
{
	json_t *report = pg_evidence_report_new(o->manifest_path, wall0);

	/* the bytes the manifest was loaded from: the same for a file, and the
	 * only way for stdin (-m -), which cannot be read twice */
	pg_evidence_set_origin(report, o->m->sha256[0] ? o->m->sha256 : NULL, o->shard_i,
			       o->shard_n, o->m->nassets);
	if (o->cfg)
		pg_evidence_set_settings(report, o->cfg->path,
					 pg_config_source_name(o->cfg->source), o->cfg->sha256);
	for (size_t i = 0; i < o->n; i++) {
		pg_evidence_add_asset(report, asset_json(o->m, o->assets[i], &jobs[i]), o->compact);
		if (o->compact)
			pg_job_clear(&jobs[i]);
	}
	return report;
}

/* run.drift after the verdicts, where the evidence has always had it (drift
 * now runs before the one finalize, which adds them). */
static void drift_after_verdicts(json_t *report)
{
	json_t *run = json_object_get(report, "run");
	json_t *drift = json_incref(json_object_get(run, "drift"));

	if (!drift)
		return;
	json_object_del(run, "drift");
	json_object_set_new(run, "drift", drift);
}

/* One pipeline job per asset (owned by the caller). */
static struct pg_job *jobs_new(const struct pg_check_options *o)
{
	struct pg_job *jobs = pg_xcalloc(o->n ? o->n : 1, sizeof(*jobs));

	for (size_t i = 0; i < o->n; i++) {
		jobs[i].target = o->assets[i]->target;
		jobs[i].ports = &o->assets[i]->candidates;
		jobs[i].tls_ports = &o->assets[i]->tls_ports;
		jobs[i].skip_addr = skip_addr; /* scope before the scan */
		jobs[i].ud = o->assets[i];
	}
	return jobs;
}

/* The finished report: resolve and scan every asset, evaluate, enrich, drift,
 * finalize once. NULL with err when the resolver or engine could not run. */
static json_t *check_report(const struct pg_check_options *o, int *code, char *err, size_t errlen)
{
	uint64_t wall0 = pg_wall_ms(), t0 = pg_clock_now_ms();
	enum pg_mode mode = o->mode ? o->mode : o->m->mode ? o->m->mode : PG_MODE_ENFORCE;
	struct pg_job *jobs = jobs_new(o);
	json_t *report = NULL;

	if (pg_pipeline_run(jobs, o->n, o->cfg, o->progress, err, errlen) < 0)
		goto out;
	report = evaluate(o, jobs, wall0);
	pg_enrich_report(o->host, report, o->skip_cache);
	if (o->host) /* what each enricher's calls came to (notifiers run after the evidence) */
		json_object_set_new(json_object_get(report, "run"), "plugins",
				    pg_plugin_stats_json(o->host, PG_PLUGIN_ENRICHER));
	pg_judges_summarise(report); /* drift and the notifiers: what was re-checked */
	if (o->baseline)             /* drift findings take overrides like any other, in finalize */
		pg_drift_apply(report, o->baseline, o->baseline_path);
	*code = pg_policy_finalize(o->m, o->assets, mode, report);
	drift_after_verdicts(report);
	json_object_set_new(json_object_get(report, "run"), "durationMs",
			    json_integer((json_int_t)(pg_clock_now_ms() - t0)));
out:
	for (size_t i = 0; i < o->n; i++)
		pg_job_clear(&jobs[i]);
	free(jobs);
	return report;
}

int pg_run_check(const struct pg_check_options *o, char *err, size_t errlen)
{
	int code = PG_EXIT_PASS, lost = 0;
	json_t *report = check_report(o, &code, err, errlen);

	if (!report)
		return -1;
	if (o->publish)
		code = o->publish(report, code, o->ud);
	/* after the outputs: undeliverable notifications wait in the outbox, and
	 * the notify summary line says how many; one that could not be stored and was
	 * not delivered is lost, and a run that lost an alert could not check (exit 3,
	 * monitor mode included) unless something failed */
	if (!o->no_notify)
		pg_notify_report(o->host, report, &lost);
	if (lost && code == PG_EXIT_PASS)
		code = PG_EXIT_UNCHECKED;
	json_decref(report);
	return code;
}

static json_t *ranges_json(const struct pg_port_range *r, size_t nr)
{
	json_t *a = json_array();

	for (size_t i = 0; i < nr; i++)
		json_array_append_new(a, json_pack("[i, i]", r[i].lo, r[i].hi));
	return a;
}

/* Each resolved address and whether the scan would connect to it, with the scope's reason. */
static json_t *plan_addresses(const struct pg_asset *as, const struct pg_job *j)
{
	json_t *a = json_array();

	for (size_t k = 0; k < j->res.naddrs; k++) {
		const struct pg_addr *ip = &j->res.addrs[k];
		const char *why = pg_policy_out_of_scope(as, &j->res, ip);
		json_t *e = json_pack("{s:s, s:b}", "ip", ip->text, "scan",
				      !pg_policy_skip_addr(as, &j->res, ip));

		if (why)
			json_object_set_new(e, "reason", json_string(why));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *plan_asset(const struct pg_asset *as, const struct pg_job *j)
{
	const struct pg_portlist *c = &as->candidates;
	json_t *e = json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:b}", "asset", as->name, "target",
			      as->target, "line", as->line, "ports", ranges_json(c->r, c->nr),
			      "udpPorts", ranges_json(c->udp.r, c->udp.nr), "tlsPorts",
			      ranges_json(as->tls_ports.r, as->tls_ports.nr), "resolved",
			      j->res.ok);
	json_t *cn = json_array();

	if (j->res.error)
		json_object_set_new(e, "error", json_string(j->res.error));
	for (size_t i = 0; i < j->res.ncnames; i++)
		json_array_append_new(cn, json_string(j->res.cnames[i]));
	json_object_set_new(e, "cnames", cn);
	json_object_set_new(e, "addresses", plan_addresses(as, j));
	return e;
}

json_t *pg_run_plan(const struct pg_check_options *o, int *code, char *err, size_t errlen)
{
	struct pg_job *jobs = jobs_new(o);
	json_t *plan = NULL;

	*code = PG_EXIT_PASS;
	if (pg_pipeline_resolve(jobs, o->n, o->cfg, err, errlen) == 0) {
		plan = json_array();
		for (size_t i = 0; i < o->n; i++) {
			json_array_append_new(plan, plan_asset(o->assets[i], &jobs[i]));
			if (!jobs[i].res.ok)
				*code = PG_EXIT_UNCHECKED;
		}
	}
	for (size_t i = 0; i < o->n; i++)
		pg_job_clear(&jobs[i]);
	free(jobs);
	return plan;
}
