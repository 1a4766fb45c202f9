/* enrich.c - run enricher plugins over findings: plan (memo, cache), a
 * bounded pool of worker threads with per-call timeouts, merge the results. */
#include "config.h"
#include "enrich.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json_get.h"
#include "plugin/plugin_isolate.h"
#include "util/log.h"

/* Past its timeout an isolated call has been killed and returns; the main
 * thread waits this much longer before it gives up on the worker thread. */
#define ISOLATED_GRACE_MS 1000

/* ---- scheduling ------------------------------------------------------- */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_ABANDONED };

struct job {
	struct pg_plugin_ctx *inst; /* borrowed */
	size_t inst_idx;
	char *key;              /* owned: memo / cache key */
	json_t *input;          /* owned: copy of the first finding (outlives the report) */
	json_t **targets;       /* borrowed: findings sharing this result */
	json_t **target_assets; /* borrowed: findings array of each target's asset */
	size_t ntargets, captargets;
	enum job_state state;
	uint64_t deadline_ms;
	int rc;
	json_t *out, *added; /* owned once DONE */
	char err[512];
	bool cached;
};

struct run {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a job finished */
	struct job **jobs;   /* owned */
	size_t njobs, capjobs;
	size_t next; /* jobs before this one are no longer queued */
	size_t ninst;
	/* Lanes: a serialized plugin's instances share one (its first instance's
	 * index), any other instance has its own. Indexed by lane: */
	size_t *lane;    /* owned: lane of each instance */
	bool *lane_busy; /* owned: a serialized lane's one call is in flight */
	bool *hung;      /* owned: a call of this lane timed out */
	int refs;        /* main + live workers */
	int stuck;       /* workers inside an abandoned call */
	bool closed;     /* main stopped waiting: take no new job */
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

/* Last reference frees: an abandoned worker may outlive the call to pg_enrich_report. */
static void run_unref_locked(struct run *r)
{
	bool last = --r->refs == 0;

	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	for (size_t i = 0; i < r->njobs; i++)
		job_free(r->jobs[i]);
	free(r->jobs);
	free(r->lane);
	free(r->lane_busy);
	free(r->hung);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Record a job's outcome and wake the main thread. Called with r->lock held. */
static void settle_job(struct run *r, struct job *j, int rc, const char *err)
{
	j->state = JOB_DONE;
	j->rc = rc;
	pg_strlcpy(j->err, err, sizeof(j->err));
	pthread_cond_broadcast(&r->cond);
}

static bool serialized(const struct pg_plugin_ctx *c)
{
	return c->mod->desc.thread_model != PG_THREAD_PARALLEL;
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
 * its lock while their deadlines run out. Called with r->lock held. */
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

	if (serialized(j->inst))
		snprintf(why, sizeof(why),
			 "skipped: plugin %s runs one call at a time and a call of it timed out",
			 j->inst->mod->desc.name);
	else
		pg_strlcpy(why, "skipped: an earlier call of this instance timed out", sizeof(why));
	settle_job(r, j, PG_PLUGIN_FAIL, why);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct job *j;
	json_t *out, *added;
	char err[512];
	size_t lane;
	int rc;

	pthread_mutex_lock(&r->lock);
	while (!r->closed && (j = take_job(r))) {
		lane = r->lane[j->inst_idx];
		if (r->hung[lane]) {
			skip_hung(r, j);
			continue;
		}
		j->state = JOB_RUNNING;
		/* An isolated call ends itself at its timeout; this one is the backstop. */
		j->deadline_ms = pg_clock_now_ms() + j->inst->timeout_ms +
				 (pg_isolate_enabled() ? ISOLATED_GRACE_MS : 0);
		r->lane_busy[lane] = serialized(j->inst);
		pg_plugin_busy_add(j->inst, 1);
		pthread_cond_broadcast(&r->cond); /* main learns the new deadline */
		pthread_mutex_unlock(&r->lock);

		err[0] = '\0';
		rc = pg_isolate_enrich(j->inst, j->input, j->inst->timeout_ms, &out, &added, err,
				       sizeof(err));

		pthread_mutex_lock(&r->lock);
		pg_plugin_busy_add(j->inst, -1);
		if (j->state == JOB_RUNNING) {
			r->lane_busy[lane] = false;
			if (rc ==
			    PG_ISOLATE_TIMEOUT) /* as for an abandoned call: stop calling it */
				r->hung[lane] = true;
			j->out = out;
			j->added = added;
			settle_job(r, j, rc == PG_PLUGIN_OK ? rc : PG_PLUGIN_FAIL, err);
		} else { /* abandoned: the report moved on without us; the lane stays hung */
			r->stuck--;
			json_decref(out);
			json_decref(added);
		}
	}
	run_unref_locked(r);
	return NULL;
}

static bool spawn_worker(struct run *r)
{
	pthread_attr_t attr;
	pthread_t t;
	bool ok;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r->refs++;
	ok = pthread_create(&t, &attr, worker, r) == 0;
	if (!ok)
		r->refs--;
	pthread_attr_destroy(&attr);
	return ok;
}

/* A running job past its deadline: drop its result, stop calling its lane
 * (for a serialized plugin: all its instances; its lock may never come back). */
static void abandon_job(struct run *r, struct job *j)
{
	j->state = JOB_ABANDONED;
	j->rc = PG_PLUGIN_FAIL;
	snprintf(j->err, sizeof(j->err), "timed out after %u ms", j->inst->timeout_ms);
	r->hung[r->lane[j->inst_idx]] = true;
	r->stuck++;
	pg_warn("[%s] enrich call timed out after %u ms", j->inst->name, j->inst->timeout_ms);
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

/* Sleep on r->cond (monotonic clock) until wake, at least 1 ms. */
static void wait_until(struct run *r, uint64_t now, uint64_t wake)
{
	uint64_t ms = wake > now ? wake - now : 1;
	struct timespec ts;

	pg_clock_timespec_in(ms, &ts);
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

/* Settle every job: done, or abandoned at its deadline. Called with r->lock held. */
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
		if (has_queued(r) && r->refs - 1 - r->stuck <= 0 && !spawn_worker(r)) {
			fail_untaken(r);
			continue;
		}
		wait_until(r, now, earliest == UINT64_MAX ? now + 1000 : earliest);
	}
}

static bool action_selected(const struct pg_plugin_host *h, const json_t *finding)
{
	const char *a = json_string_value(json_object_get(finding, "action"));

	if (h->enrich_all)
		return true;
	if (!a)
		return false;
	return pg_action_selected(h->enrich_on, a);
}

static char *memo_key(const struct pg_plugin_ctx *c, const json_t *f, const json_t *asset)
{
	if (c->mod->desc.enrich_scope == PG_SCOPE_ASSET)
		return pg_xasprintf("a\n%s\n%s\n%s", pg_json_get_str_or(asset, "name", ""),
				    pg_json_get_str_or(f, "target", ""),
				    pg_json_get_str_or(f, "ip", ""));
	if (c->mod->desc.enrich_scope == PG_SCOPE_FINDING) {
		if (json_string_value(json_object_get(f, "fingerprint")))
			return pg_xasprintf("f\n%s", pg_json_get_str_or(f, "fingerprint", ""));
		return pg_xasprintf("f\n%s\n%s\n%s\n%lld", pg_json_get_str_or(f, "rule", ""),
				    pg_json_get_str_or(f, "target", ""),
				    pg_json_get_str_or(f, "ip", ""),
				    (long long)json_integer_value(json_object_get(f, "port")));
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

static void add_target(struct job *j, json_t *finding, json_t *asset_findings)
{
	size_t cap = j->captargets;

	pg_grow(&j->targets, &cap, j->ntargets + 1, sizeof(*j->targets));
	pg_grow(&j->target_assets, &j->captargets, j->ntargets + 1, sizeof(*j->target_assets));
	j->targets[j->ntargets] = finding;
	j->target_assets[j->ntargets++] = asset_findings;
}

static void try_cache(struct pg_plugin_host *h, struct job *j)
{
	json_t *v = pg_cache_read(h->state_dir, j->inst->name, "enrich", j->key,
				  j->inst->cache_ttl_s);

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
	}
	json_decref(v);
}

/* The open port objects of the asset's scan of the finding's address (the
 * first scan when the finding has no address): the web enrichers (ssl,
 * headers) visit every open TLS/HTTP port of the asset, not only the one that
 * triggered the finding. A new array; empty when the asset was not scanned. */
static json_t *open_ports(const json_t *asset, const json_t *f)
{
	const char *ip = json_string_value(json_object_get(f, "ip"));
	const json_t *scan = json_object_get(asset, "scan"), *more, *s, *p;
	json_t *out = json_array();
	size_t i;

	more = json_object_get(asset, "additionalScans");
	if (ip && strcmp(pg_json_get_str_or(scan, "ip", ""), ip)) {
		scan = NULL;
		json_array_foreach(more, i, s) if (!strcmp(pg_json_get_str_or(s, "ip", ""), ip))
			scan = s;
	}
	json_array_foreach(json_object_get(scan, "ports"), i,
			   p) if (!strcmp(pg_json_get_str_or(p, "state", ""), "open"))
		json_array_append(out, (json_t *)p);
	return out;
}

static void plan_finding(struct pg_plugin_host *h, struct run *r, const json_t *report,
			 const json_t *asset, json_t *f, bool skip_cache)
{
	json_t *asset_findings = json_object_get(asset, "findings");

	for (size_t i = 0; i < h->nenrichers; i++) {
		struct pg_plugin_ctx *c = h->enrichers[i];
		char *key = memo_key(c, f, asset);
		struct job *j = find_job(r, c, key);

		if (j) {
			free(key);
		} else {
			j = pg_xcalloc(1, sizeof(*j));
			j->inst = c;
			j->inst_idx = i;
			j->key = key;
			j->input = pg_plugin_finding_new(report, asset, f);
			json_object_set_new(j->input, "openPorts", open_ports(asset, f));
			j->state = JOB_QUEUED;
			if (!skip_cache)
				try_cache(h, j);
			pg_grow(&r->jobs, &r->capjobs, r->njobs + 1, sizeof(*r->jobs));
			r->jobs[r->njobs++] = j;
		}
		add_target(j, f, asset_findings);
	}
}

static void plan(struct pg_plugin_host *h, struct run *r, json_t *report, bool skip_cache)
{
	json_t *assets = json_object_get(report, "assets"), *asset, *findings, *f;
	size_t i, k;

	json_array_foreach(assets, i, asset)
	{
		findings = json_object_get(asset, "findings");
		json_array_foreach(findings, k, f)
		{
			if (json_is_object(f) && action_selected(h, f))
				plan_finding(h, r, report, asset, f, skip_cache);
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

static void merge_job(struct pg_plugin_host *h, struct job *j)
{
	bool ok = (j->state == JOB_DONE && j->rc == PG_PLUGIN_OK);
	json_t *f;
	size_t i;

	for (size_t t = 0; t < j->ntargets; t++)
		set_enrichment(j->targets[t], j->inst->name,
			       ok ? json_deep_copy(j->out) : json_pack("{s:s}", "error", j->err));
	if (!ok) {
		pg_info("[%s] enrichment failed for %s: %s", j->inst->name,
			pg_json_get_str_or(j->input, "target", ""), j->err);
		return;
	}
	/* Added findings go once to the first target's asset. */
	json_array_foreach(j->added, i, f)
	{
		json_t *nf = pg_enrich_shape_added(j->inst, f, j->targets[0]);
		if (nf && pg_enrich_added_dup(j->target_assets[0], nf)) /* one per asset */
			json_decref(nf);
		else if (nf)
			json_array_append_new(j->target_assets[0], nf);
	}
	if (!j->cached && j->inst->cache_ttl_s && h->state_dir) {
		json_t *v = json_pack("{s:O, s:O}", "out", j->out, "findings", j->added);
		if (pg_cache_write(h->state_dir, j->inst->name, "enrich", j->key, v) != 0)
			pg_info("[%s] could not write the enrichment cache", j->inst->name);
		json_decref(v);
	}
}

/* A serialized plugin's instances share the lane of its first instance. */
static void plan_lanes(struct run *r, const struct pg_plugin_host *h)
{
	for (size_t i = 0; i < h->nenrichers; i++) {
		r->lane[i] = i;
		if (!serialized(h->enrichers[i]))
			continue;
		for (size_t k = 0; k < i; k++)
			if (h->enrichers[k]->mod == h->enrichers[i]->mod) {
				r->lane[i] = k;
				break;
			}
	}
}

/* A run with one reference (the main thread); its cond waits on the monotonic clock. */
static struct run *run_new(const struct pg_plugin_host *h)
{
	struct run *r = pg_xcalloc(1, sizeof(*r));
	pthread_condattr_t ca;

	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	r->ninst = h->nenrichers;
	r->lane = pg_xcalloc(r->ninst, sizeof(*r->lane));
	r->lane_busy = pg_xcalloc(r->ninst, sizeof(*r->lane_busy));
	r->hung = pg_xcalloc(r->ninst, sizeof(*r->hung));
	plan_lanes(r, h);
	r->refs = 1;
	return r;
}

/* Fork each instance's worker processes now, while this is the only thread
 * (a fork copies no lock another thread holds): as many as it has queued
 * calls, up to its pool size. */
static void prepare_workers(const struct pg_plugin_host *h, const struct run *r)
{
	for (size_t i = 0; i < h->nenrichers; i++) {
		unsigned n = 0;
		for (size_t k = 0; k < r->njobs; k++)
			n += r->jobs[k]->inst_idx == i && r->jobs[k]->state == JOB_QUEUED;
		if (n)
			pg_isolate_prepare(h->enrichers[i], n);
	}
}

int pg_enrich_report(struct pg_plugin_host *h, json_t *report, bool skip_cache)
{
	struct run *r;
	unsigned want;
	size_t queued = 0;

	if (!h || h->nenrichers == 0 || !report)
		return 0;
	r = run_new(h);
	plan(h, r, report, skip_cache);
	for (size_t i = 0; i < r->njobs; i++)
		queued += r->jobs[i]->state == JOB_QUEUED;

	prepare_workers(h, r);
	pthread_mutex_lock(&r->lock);
	want = queued < h->enrich_concurrency ? (unsigned)queued : h->enrich_concurrency;
	for (unsigned i = 0; i < want; i++)
		spawn_worker(r);
	wait_jobs(r);
	r->closed = true;
	pthread_mutex_unlock(&r->lock);

	for (size_t i = 0; i < r->njobs; i++)
		merge_job(h, r->jobs[i]);
	pg_debug("enrichment: %zu calls planned, %zu from cache", r->njobs, r->njobs - queued);
	pthread_mutex_lock(&r->lock);
	run_unref_locked(r);
	return 0;
}
