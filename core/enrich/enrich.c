/* enrich.c - run enricher plugins over findings: plan (memo, cache), a
 * bounded pool of worker threads with per-call timeouts, merge the results. */
#include "config.h"
#include "enrich_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json_get.h"
#include "plugin/plugin_instance.h"
#include "plugin/plugin_isolate.h"
#include "plugin/plugin_lanes.h"
#include "policy/policy.h"
#include "report/evidence.h"
#include "util/log.h"

/* ---- scheduling ------------------------------------------------------- */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_ABANDONED };

struct job {
	struct pg_plugin_ctx *inst; /* borrowed */
	size_t inst_idx;
	char *key;              /* owned: memo / cache key */
	json_t *input;          /* owned: what the plugin is called with: a copy of the first
				   finding, or of the asset it judges (outlives the report) */
	json_t *home;           /* borrowed: input's asset, whose findings get what is added */
	json_t **targets;       /* borrowed: findings sharing this result (may be none) */
	json_t **target_assets; /* borrowed: each target's asset */
	size_t ntargets, captargets;
	enum job_state state;
	uint64_t deadline_ms;
	int rc;
	json_t *out, *added; /* owned once DONE */
	char err[512];
	bool cached;
};

struct run {
	struct pg_plugin_lanes *pool; /* the lock, "a job finished", main's + workers' refs */
	struct job **jobs;            /* owned */
	size_t njobs, capjobs;
	size_t next; /* jobs before this one are no longer queued */
	size_t ninst;
	/* Lanes: a serialized plugin's instances share one (its first instance's
	 * index), any other instance has its own. Indexed by lane: */
	size_t *lane;    /* owned: lane of each instance */
	bool *lane_busy; /* owned: a serialized lane's one call is in flight */
	bool *hung;      /* owned: a call of this lane timed out */
	int stuck;       /* workers inside an abandoned call */
	bool closed;     /* main stopped waiting: take no new job */
	bool skip_cache; /* --skip-cache: the plugins' own cache entries too */
	unsigned level;  /* the instances this run calls (enrich_order.c) */
};

static void job_free(struct job *j)
{
	free(j->key);
	json_decref(j->input);
	json_decref(j->out);
	json_decref(j->added);
	free(j->targets);
	free(j->target_assets);
	free(j);
}

/* The pool's last reference frees the run: an abandoned worker may outlive
 * the call to pg_enrich_report. */
static void run_free(void *arg)
{
	struct run *r = arg;

	for (size_t i = 0; i < r->njobs; i++)
		job_free(r->jobs[i]);
	free(r->jobs);
	free(r->lane);
	free(r->lane_busy);
	free(r->hung);
	free(r);
}

/* Record a job's outcome and wake the main thread. Called with the pool's lock held. */
static void settle_job(struct run *r, struct job *j, int rc, const char *err)
{
	j->state = JOB_DONE;
	j->rc = rc;
	pg_strlcpy(j->err, err, sizeof(j->err));
	pg_plugin_lanes_broadcast(r->pool);
}

/* Advance r->next past settled jobs; true when a queued job remains. */
static bool has_queued(struct run *r)
{
	while (r->next < r->njobs && r->jobs[r->next]->state != JOB_QUEUED)
		r->next++;
	return r->next < r->njobs;
}

/* The next job to run (or to skip), NULL when none can start now. A
 * serialized plugin gets one job in flight at a time: more would only wait on
 * its lock while their deadlines run out. Called with the pool's lock held. */
static struct job *take_job(struct run *r)
{
	if (!has_queued(r))
		return NULL;
	for (size_t i = r->next; i < r->njobs; i++) {
		struct job *j = r->jobs[i];
		size_t lane = r->lane[j->inst_idx];
		if (j->state == JOB_QUEUED && (r->hung[lane] || !r->lane_busy[lane]))
			return j;
	}
	return NULL; /* the worker holding the busy lane takes the rest */
}

static void skip_hung(struct run *r, struct job *j)
{
	char why[256];

	if (pg_plugin_serialized(j->inst))
		snprintf(why, sizeof(why),
			 "skipped: plugin %s runs one call at a time and a call of it timed out",
			 pg_plugin_module_name(j->inst));
	else
		pg_strlcpy(why, "skipped: an earlier call of this instance timed out", sizeof(why));
	settle_job(r, j, PG_PLUGIN_FAIL, why);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct pg_isolated_call call;
	struct job *j;
	size_t lane;
	int rc;

	pg_plugin_lanes_lock(r->pool);
	while (!r->closed && (j = take_job(r))) {
		lane = r->lane[j->inst_idx];
		if (r->hung[lane]) {
			skip_hung(r, j);
			continue;
		}
		j->state = JOB_RUNNING;
		/* An isolated call ends itself at its timeout; this one is the backstop. */
		j->deadline_ms = pg_isolate_backstop_ms(pg_plugin_timeout_ms(j->inst), 0);
		r->lane_busy[lane] = pg_plugin_serialized(j->inst);
		pg_plugin_busy_add(j->inst, 1);
		pg_plugin_lanes_broadcast(r->pool); /* main learns the new deadline */
		pg_plugin_lanes_unlock(r->pool);

		call = (struct pg_isolated_call){ .c = j->inst,
						  .timeout_ms = pg_plugin_timeout_ms(j->inst),
						  .finding = j->input,
						  .skip_cache = r->skip_cache };
		rc = pg_isolate_enrich(&call);

		pg_plugin_lanes_lock(r->pool);
		pg_plugin_busy_add(j->inst, -1);
		if (j->state == JOB_RUNNING) {
			r->lane_busy[lane] = false;
			if (rc ==
			    PG_ISOLATE_TIMEOUT) /* as for an abandoned call: stop calling it */
				r->hung[lane] = true;
			j->out = call.out;
			j->added = call.added;
			settle_job(r, j, rc == PG_PLUGIN_OK ? rc : PG_PLUGIN_FAIL, call.err);
		} else { /* abandoned: the report moved on without us; the lane stays hung */
			r->stuck--;
			json_decref(call.out);
			json_decref(call.added);
		}
	}
	pg_plugin_lanes_unref_locked(r->pool);
	return NULL;
}

static bool spawn_worker(struct run *r)
{
	return pg_plugin_lanes_spawn(r->pool, worker, r);
}

/* A running job past its deadline: drop its result, stop calling its lane
 * (for a serialized plugin: all its instances; its lock may never come back). */
static void abandon_job(struct run *r, struct job *j)
{
	j->state = JOB_ABANDONED;
	j->rc = PG_PLUGIN_FAIL;
	snprintf(j->err, sizeof(j->err), "timed out after %u ms", pg_plugin_timeout_ms(j->inst));
	r->hung[r->lane[j->inst_idx]] = true;
	r->stuck++;
	pg_warn("[%s] enrich call timed out after %u ms", pg_plugin_name(j->inst),
		pg_plugin_timeout_ms(j->inst));
	/* Replace the stuck worker so queued jobs still run (wait_jobs retries). */
	if (has_queued(r))
		spawn_worker(r);
}

/* No worker thread could start: fail what nobody took. */
static void fail_untaken(struct run *r)
{
	for (size_t i = r->next; i < r->njobs; i++) {
		struct job *j = r->jobs[i];
		if (j->state != JOB_QUEUED)
			continue;
		j->state = JOB_DONE;
		j->rc = PG_PLUGIN_FAIL;
		pg_strlcpy(j->err, "could not start a worker thread", sizeof(j->err));
	}
	r->next = r->njobs;
}

/* Settle every job: done, or abandoned at its deadline. Called with the pool's lock held. */
static void wait_jobs(struct run *r)
{
	for (;;) {
		uint64_t now = pg_clock_now_ms(), earliest = UINT64_MAX;
		size_t running = 0;

		for (size_t i = 0; i < r->njobs; i++) {
			struct job *j = r->jobs[i];
			if (j->state == JOB_RUNNING && now >= j->deadline_ms)
				abandon_job(r, j);
			if (j->state != JOB_RUNNING)
				continue;
			running++;
			if (j->deadline_ms < earliest)
				earliest = j->deadline_ms;
		}
		if (!running && !has_queued(r))
			return;
		/* Queued work but every worker is gone or stuck in a hung call. */
		if (has_queued(r) && pg_plugin_lanes_refs(r->pool) - 1 - r->stuck <= 0 &&
		    !spawn_worker(r)) {
			fail_untaken(r);
			continue;
		}
		pg_plugin_lanes_wait(r->pool, earliest == UINT64_MAX ? now + 1000 : earliest);
	}
}

/* enrich.on, or the instance's on:/route: - which of the findings the run
 * reports get the instance's context. view: the finding with assetContext. */
static bool instance_selects(const struct pg_plugin_host *h, const struct pg_plugin_ctx *c,
			     const json_t *view)
{
	static const bool every[PG_ACTION_COUNT] = { true, true, true };
	const struct pg_enrich_settings *s = pg_enrich_settings(h);
	const struct pg_enrich_inst *d = pg_plugin_stage_data(c);
	const char *a = json_string_value(json_object_get(view, "action"));

	if (d && d->route)
		return pg_route_match(d->route, s->all ? every : s->on, view);
	if (s->all)
		return true;
	return a && pg_action_selected(s->on, a);
}

static char *memo_key(const struct pg_plugin_ctx *c, const json_t *f, const json_t *asset)
{
	if (pg_plugin_enrich_scope(c) == PG_SCOPE_ASSET)
		return pg_xasprintf("a\n%s\n%s\n%s", pg_json_get_str_or(asset, "name", ""),
				    pg_json_get_str_or(f, "target", ""),
				    pg_json_get_str_or(f, "ip", ""));
	if (pg_plugin_enrich_scope(c) == PG_SCOPE_FINDING) {
		if (json_string_value(json_object_get(f, "fingerprint")))
			return pg_xasprintf("f\n%s", pg_json_get_str_or(f, "fingerprint", ""));
		return pg_xasprintf(
			"f\n%s\n%s\n%s\n%lld%s", pg_json_get_str_or(f, "rule", ""),
			pg_json_get_str_or(f, "target", ""), pg_json_get_str_or(f, "ip", ""),
			(long long)json_integer_value(json_object_get(f, "port")),
			/* 53/udp is another port than 53 (TCP keys unchanged) */
			strcmp(pg_json_get_str_or(f, "protocol", ""), "udp") ? "" : "/udp");
	}
	return pg_xasprintf("t\n%s\n%s", pg_json_get_str_or(f, "target", ""),
			    pg_json_get_str_or(f, "ip", ""));
}

static struct job *find_job(struct run *r, const struct pg_plugin_ctx *c, const char *key)
{
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i]->inst == c && !strcmp(r->jobs[i]->key, key))
			return r->jobs[i];
	return NULL;
}

static void add_target(struct job *j, json_t *finding, json_t *asset)
{
	size_t cap = j->captargets;

	pg_grow(&j->targets, &cap, j->ntargets + 1, sizeof(*j->targets));
	pg_grow(&j->target_assets, &j->captargets, j->ntargets + 1, sizeof(*j->target_assets));
	j->targets[j->ntargets] = finding;
	j->target_assets[j->ntargets++] = asset;
}

static void try_cache(struct pg_plugin_host *h, struct job *j)
{
	json_t *v = pg_cache_read(pg_plugin_host_state_dir(h), pg_plugin_name(j->inst), "enrich",
				  j->key, pg_plugin_cache_ttl_s(j->inst));

	if (!v)
		return;
	if (json_is_object(json_object_get(v, "out"))) {
		j->out = json_incref(json_object_get(v, "out"));
		j->added = json_incref(json_object_get(v, "findings"));
		if (!json_is_array(j->added)) {
			json_decref(j->added);
			j->added = json_array();
		}
		j->state = JOB_DONE;
		j->rc = PG_PLUGIN_OK;
		j->cached = true;
		pg_plugin_note_cache_hit(j->inst);
	}
	json_decref(v);
}

/* The input carries finding.enrichment.<name> of exactly the instances c is
 * after (merged by an earlier level), nothing of the others: what an
 * instance reads does not depend on which other enrichers are configured. */
static void keep_after(json_t *input, const struct pg_plugin_ctx *c, const json_t *e)
{
	const struct pg_enrich_inst *d = pg_plugin_stage_data(c);
	json_t *kept = json_object(), *v;

	for (size_t a = 0; d && a < d->nafter; a++) /* copies: the input outlives the report */
		if ((v = json_object_get(e, d->after[a])))
			json_object_set_new(kept, d->after[a], json_deep_copy(v));
	if (json_object_size(kept))
		json_object_set_new(input, "enrichment", kept);
	else {
		json_object_del(input, "enrichment");
		json_decref(kept);
	}
}

/* The job of instance c for input f of asset (memoized per key), queued. */
/* asset: whole, for the input; own: the report's asset, where results go. */
static struct job *job_for(struct pg_plugin_host *h, struct run *r, size_t i, const json_t *report,
			   const json_t *asset, json_t *own, const json_t *f, bool skip_cache)
{
	struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_ENRICHER, i);
	char *key = memo_key(c, f, asset);
	struct job *j = find_job(r, c, key);

	if (j) {
		free(key);
		return j;
	}
	j = pg_xcalloc(1, sizeof(*j));
	j->inst = c;
	j->inst_idx = i;
	j->key = key;
	j->input = pg_enrich_input_new(report, asset, f);
	keep_after(j->input, c, json_object_get(f, "enrichment"));
	j->home = own;
	j->state = JOB_QUEUED;
	if (!skip_cache)
		try_cache(h, j);
	pg_grow(&r->jobs, &r->capjobs, r->njobs + 1, sizeof(*r->jobs));
	r->jobs[r->njobs++] = j;
	return j;
}

/* What an instance judges by itself, once per scanned address of the asset (or
 * once, without an address, when nothing was scanned): the input names no rule
 * and no port, so what it adds is about the asset. */
static void plan_judged(struct pg_plugin_host *h, struct run *r, const json_t *report,
			const json_t *asset, json_t *own, bool skip_cache)
{
	const json_t *fields = json_object_get(asset, "manifest"), *s;
	const json_t *more = json_object_get(asset, "additionalScans");
	json_t *in;
	size_t k;

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_ENRICHER); i++) {
		struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_ENRICHER, i);
		if (pg_enrich_level(c) != r->level || !pg_enrich_judges_asset(c, fields))
			continue;
		for (k = 0; k <= json_array_size(more); k++) {
			s = k ? json_array_get(more, k - 1) : json_object_get(asset, "scan");
			if ((k && !s) || !pg_enrich_judges_at(c, fields, s))
				continue;
			in = json_pack("{s:O?, s:O?, s:O?}", "asset",
				       json_object_get(asset, "name"), "target",
				       json_object_get(asset, "target"), "ip",
				       json_object_get(s, "ip"));
			job_for(h, r, i, report, asset, own, in, skip_cache);
			json_decref(in);
		}
	}
}

static void plan_finding(struct pg_plugin_host *h, struct run *r, const json_t *report,
			 json_t *asset, json_t *own, json_t *f, bool skip_cache)
{
	json_t *view = pg_plugin_finding_new(report, asset, f); /* what on/route read */

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_ENRICHER); i++) {
		struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_ENRICHER, i);
		if (pg_enrich_level(c) == r->level && instance_selects(h, c, view))
			add_target(job_for(h, r, i, report, asset, own, f, skip_cache), f, own);
	}
	json_decref(view);
}

/* Judged assets first: a job's input is then the asset, and what it adds
 * takes no port from whichever finding would have come first. */
static void plan(struct pg_plugin_host *h, struct run *r, json_t *report, bool skip_cache)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
	json_t *asset, *f;
	size_t k;

	while ((asset = pg_evidence_walk_next(&w))) {
		/* the walk's asset is whole but lives until the next step; what a job
		 * writes (judged, added findings) goes to the report's own asset */
		json_t *own = json_array_get(json_object_get(report, "assets"), w.i - 1);
		plan_judged(h, r, report, asset, own, skip_cache);
		json_array_foreach(json_object_get(asset, "findings"), k, f)
		{
			/* decided pass: dropped at finalize, not news */
			if (json_is_object(f) && pg_policy_reported(f))
				plan_finding(h, r, report, asset, own, f, skip_cache);
		}
	}
	/* Cached jobs first in the array do not matter: workers skip non-queued ones. */
}

/* ---- merging results into the report (main thread) -------------------- */

static void set_enrichment(json_t *finding, const char *inst, json_t *value /* stolen */)
{
	json_t *e = json_object_get(finding, "enrichment");

	if (!json_is_object(e)) {
		e = json_object();
		json_object_set_new(finding, "enrichment", e);
	}
	json_object_set_new(e, inst, value);
}

/* asset.judged[inst]: "ok", or "failed: why" when any call of the instance
 * for the asset failed. A finding whose judge did not say "ok" this run was
 * not re-checked: drift and the notifiers must not take its absence for a fix. */
static void set_judged(json_t *asset, const char *inst, bool ok, const char *err)
{
	json_t *jd = json_object_get(asset, "judged");
	const char *was;

	if (!json_is_object(jd)) {
		jd = json_object();
		json_object_set_new(asset, "judged", jd);
	}
	was = json_string_value(json_object_get(jd, inst));
	if (ok && was) /* a failure stays; "ok" is there already */
		return;
	json_object_set_new(
		jd, inst, ok ? json_string("ok") : json_sprintf("failed: %s", err[0] ? err : "?"));
}

static void merge_job(struct pg_plugin_host *h, struct job *j)
{
	bool ok = (j->state == JOB_DONE && j->rc == PG_PLUGIN_OK);
	const char *name = pg_plugin_name(j->inst), *sd = pg_plugin_host_state_dir(h);
	json_t *f, *home = json_object_get(j->home, "findings");
	size_t i;

	set_judged(j->home, name, ok, j->err); /* a judged call may have no target */
	for (size_t t = 0; t < j->ntargets; t++) {
		set_enrichment(j->targets[t], name,
			       ok ? json_deep_copy(j->out) : json_pack("{s:s}", "error", j->err));
		set_judged(j->target_assets[t], name, ok, j->err);
	}
	if (!ok) {
		pg_info("[%s] enrichment failed for %s: %s", name,
			pg_json_get_str_or(j->input, "target", ""), j->err);
		return;
	}
	/* Added findings go once to the asset of the input they answer. */
	json_array_foreach(j->added, i, f)
	{
		json_t *nf = pg_enrich_shape_added(j->inst, f, j->input);
		if (nf && pg_enrich_added_dup(home, nf)) /* one per asset */
			json_decref(nf);
		else if (nf)
			json_array_append_new(home, nf);
	}
	if (!j->cached && pg_plugin_cache_ttl_s(j->inst) && sd) {
		json_t *v = json_pack("{s:O, s:O}", "out", j->out, "findings", j->added);
		if (pg_cache_write(sd, name, "enrich", j->key, v) != 0)
			pg_info("[%s] could not write the enrichment cache", name);
		json_decref(v);
	}
}

/* A serialized plugin's instances share the lane of its first instance. */
static void plan_lanes(struct run *r, const struct pg_plugin_host *h)
{
	for (size_t i = 0; i < r->ninst; i++) {
		const struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_ENRICHER, i);
		r->lane[i] = i;
		if (!pg_plugin_serialized(c))
			continue;
		for (size_t k = 0; k < i; k++)
			if (pg_plugin_same_module(pg_plugin_at(h, PG_PLUGIN_ENRICHER, k), c)) {
				r->lane[i] = k;
				break;
			}
	}
}

/* A run whose pool has one reference (the main thread). */
static struct run *run_new(const struct pg_plugin_host *h)
{
	struct run *r = pg_xcalloc(1, sizeof(*r));

	r->pool = pg_plugin_lanes_new(r, run_free);
	r->ninst = pg_plugin_count(h, PG_PLUGIN_ENRICHER);
	r->lane = pg_xcalloc(r->ninst, sizeof(*r->lane));
	r->lane_busy = pg_xcalloc(r->ninst, sizeof(*r->lane_busy));
	r->hung = pg_xcalloc(r->ninst, sizeof(*r->hung));
	plan_lanes(r, h);
	return r;
}

/* Fork each instance's worker processes now, while this is the only thread
 * (a fork copies no lock another thread holds): as many as it has queued
 * calls, up to its pool size. */
static void prepare_workers(const struct pg_plugin_host *h, const struct run *r)
{
	for (size_t i = 0; i < r->ninst; i++) {
		unsigned n = 0;
		for (size_t k = 0; k < r->njobs; k++)
			n += r->jobs[k]->inst_idx == i && r->jobs[k]->state == JOB_QUEUED;
		if (n)
			pg_isolate_prepare(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i), n);
	}
}

/* Call the instances of one level and merge what they return. */
static void run_level(struct pg_plugin_host *h, json_t *report, bool skip_cache, unsigned level)
{
	unsigned concurrency = pg_enrich_settings(h)->concurrency;
	struct run *r = run_new(h);
	unsigned want;
	size_t queued = 0;

	r->skip_cache = skip_cache;
	r->level = level;
	plan(h, r, report, skip_cache);
	for (size_t i = 0; i < r->njobs; i++)
		queued += r->jobs[i]->state == JOB_QUEUED;

	prepare_workers(h, r);
	pg_plugin_lanes_lock(r->pool);
	want = queued < concurrency ? (unsigned)queued : concurrency;
	for (unsigned i = 0; i < want; i++)
		spawn_worker(r);
	wait_jobs(r);
	r->closed = true;
	pg_plugin_lanes_unlock(r->pool);

	for (size_t i = 0; i < r->njobs; i++)
		merge_job(h, r->jobs[i]);
	pg_debug("enrichment level %u: %zu calls planned, %zu from cache", level, r->njobs,
		 r->njobs - queued);
	pg_plugin_lanes_lock(r->pool);
	pg_plugin_lanes_unref_locked(r->pool);
}

/* Level by level (after:, enrich_order.c): an instance's input is built
 * once everything it is after has been merged. Most configs have one level. */
int pg_enrich_report(struct pg_plugin_host *h, json_t *report, bool skip_cache)
{
	if (!h || pg_plugin_count(h, PG_PLUGIN_ENRICHER) == 0 || !report)
		return 0;
	for (unsigned l = 0; l <= pg_enrich_max_level(h); l++)
		run_level(h, report, skip_cache, l);
	return 0;
}
