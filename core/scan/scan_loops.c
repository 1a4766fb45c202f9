/* scan_loops.c - several engine loops on several CPUs for big scans
 * without probes. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "scan_int.h"
#include "util/util.h"

#define SHARD_MIN_JOBS 8192 /* below this one loop is as fast as several */
#define MAX_SHARDS     4

/* ---- several loops on several CPUs ----
 *
 * A big scan without probing is kernel work (socket, connect, the RST, close)
 * on the CPU that runs the loop. So it is split into loops, one loop per CPU:
 * the (target, port) jobs in order are cut into equal contiguous runs, a
 * target cut in two becomes two views (ports and results are slices of its
 * arrays, which are index for index), and each loop is an independent engine
 * in its own thread with its share of the global cap. Only with automatic caps
 * and no probing, so explicit caps and probes mean exactly what they say. */

struct fanout {
	pthread_mutex_t mu;
	const struct pg_scan_opts *user;
	size_t total, nloops;
	struct pg_scan_progress *per; /* per loop: its last report */
	uint64_t last_us;
};

struct loop {
	struct pg_scan_target *views; /* owned array; the views borrow everything */
	size_t *orig;                 /* owned: index of each view's target */
	size_t nviews;
	struct pg_scan_opts opts;
	struct fanout *fan;
	size_t id;
	int rc;
	bool threaded;
	char err[256];
	pthread_t th;
};

/* The sum of every loop's last report. Caller holds f->mu. */
static struct pg_scan_progress fan_sum(const struct fanout *f)
{
	struct pg_scan_progress sum = { .total = f->total };

	for (size_t i = 0; i < f->nloops; i++) {
		sum.done += f->per[i].done;
		sum.open += f->per[i].open;
		sum.probing += f->per[i].probing;
	}
	return sum;
}

static void loop_progress(const struct pg_scan_progress *p, void *ud)
{
	struct loop *lp = ud;
	struct fanout *f = lp->fan;
	uint64_t now = pg_clock_now_us();
	struct pg_scan_progress sum;

	pthread_mutex_lock(&f->mu);
	f->per[lp->id] = *p;
	sum = fan_sum(f);
	/* the final call comes from pg_scan_run_loops once every loop is done */
	if (sum.done < f->total && now - f->last_us >= PG_SCAN_PROGRESS_EVERY_US) {
		f->last_us = now;
		f->user->progress(&sum, f->user->progress_ud);
	}
	pthread_mutex_unlock(&f->mu);
}

static void *loop_main(void *arg)
{
	struct loop *lp = arg;

	lp->rc = pg_scan_run_one(lp->views, lp->nviews, &lp->opts, lp->err, sizeof(lp->err));
	return NULL;
}

static size_t count_jobs(const struct pg_scan_target *t, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += pg_scan_nresults(&t[i]);
	return total;
}

static size_t count_tcp(const struct pg_scan_target *t, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += t[i].nports;
	return total;
}

size_t pg_scan_pick_loops(const struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (o->probe || o->max_per_host > 0 || o->max_inflight > 0 || cpus < 2 ||
	    count_tcp(t, n) < SHARD_MIN_JOBS)
		return 1;
	return cpus > MAX_SHARDS ? MAX_SHARDS : (size_t)cpus;
}

/* A view of all of t's UDP jobs, for the last loop: UDP rounds count a
 * destination's ICMP errors, so one loop must see all of them (the kernel
 * work that sharding spreads is TCP's; UDP waits for the rate limit). */
static void add_udp_views(struct pg_scan_target *t, size_t n, struct loop *lp, size_t *count)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pg_scan_target *v;

		if (t[i].nudp_ports == 0)
			continue;
		if (!lp) {
			(*count)++;
			continue;
		}
		v = &lp->views[lp->nviews];
		*v = t[i];
		v->ports = NULL;
		v->nports = 0;
		v->results += t[i].nports;
		lp->orig[lp->nviews++] = i;
	}
}

/* Cut the TCP jobs into k runs of `chunk` (the last one takes the rest and
 * every UDP job). With lp == NULL only count each loop's views into counts[]. */
static void partition(struct pg_scan_target *t, size_t n, size_t k, size_t chunk, struct loop *lp,
		      size_t *counts)
{
	size_t i, cur = 0, fill = 0;

	for (i = 0; i < n; i++) {
		size_t off = 0;

		do {
			size_t take = t[i].nports - off;

			if (fill >= chunk && cur + 1 < k) {
				cur++;
				fill = 0;
			}
			if (cur + 1 < k && take > chunk - fill)
				take = chunk - fill;
			if (lp) {
				struct pg_scan_target *v = &lp[cur].views[lp[cur].nviews];

				*v = t[i];
				v->ports += off;
				v->results += off;
				v->nports = take;
				v->udp_ports = NULL;
				v->nudp_ports = 0;
				lp[cur].orig[lp[cur].nviews++] = i;
			} else {
				counts[cur]++;
			}
			off += take;
			fill += take;
		} while (off < t[i].nports);
	}
	add_udp_views(t, n, lp ? &lp[k - 1] : NULL, counts ? &counts[k - 1] : NULL);
}

/* Fold the views' timing back into their targets. */
static void merge_times(struct pg_scan_target *t, size_t n, const struct loop *lp, size_t k)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		t[i].started_ms = t[i].finished_ms = 0, t[i].udp_round_waits = 0;
	for (j = 0; j < k; j++) {
		for (i = 0; i < lp[j].nviews; i++) {
			struct pg_scan_target *o = &t[lp[j].orig[i]];
			const struct pg_scan_target *v = &lp[j].views[i];

			if (o->started_ms == 0 || v->started_ms < o->started_ms)
				o->started_ms = v->started_ms;
			if (v->finished_ms > o->finished_ms)
				o->finished_ms = v->finished_ms;
			o->udp_round_waits += v->udp_round_waits;
		}
	}
}

static void loops_setup(struct loop *lp, size_t k, const size_t *counts,
			const struct pg_scan_opts *o, struct fanout *fan)
{
	int cap = pg_scan_auto_inflight(); /* also raises the fd soft limit */
	size_t j;

	for (j = 0; j < k; j++) {
		lp[j].views = pg_xcalloc(counts[j] ? counts[j] : 1, sizeof(*lp[j].views));
		lp[j].orig = pg_xcalloc(counts[j] ? counts[j] : 1, sizeof(*lp[j].orig));
		lp[j].opts = *o;
		lp[j].opts.max_inflight = cap / (int)k > 0 ? cap / (int)k : 1;
		lp[j].fan = fan;
		lp[j].id = j;
		if (o->progress) {
			lp[j].opts.progress = loop_progress;
			lp[j].opts.progress_ud = &lp[j];
		}
	}
}

int pg_scan_run_loops(struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o, size_t k,
		      char *err, size_t errlen)
{
	struct loop *lp = pg_xcalloc(k, sizeof(*lp)); /* owned */
	size_t counts[MAX_SHARDS] = { 0 };
	struct pg_scan_progress per[MAX_SHARDS] = { { 0 } };
	size_t total = count_jobs(t, n), chunk = (count_tcp(t, n) + k - 1) / k, j;
	struct fanout fan = { .user = o, .total = total, .nloops = k, .per = per };
	int rc = 0;

	pthread_mutex_init(&fan.mu, NULL);
	partition(t, n, k, chunk, NULL, counts);
	loops_setup(lp, k, counts, o, &fan);
	partition(t, n, k, chunk, lp, NULL);
	for (j = 0; j < k; j++) {
		lp[j].threaded = pthread_create(&lp[j].th, NULL, loop_main, &lp[j]) == 0;
		if (!lp[j].threaded)
			loop_main(&lp[j]); /* no thread to be had: run it here */
	}
	for (j = 0; j < k; j++) {
		if (lp[j].threaded)
			pthread_join(lp[j].th, NULL);
		if (lp[j].rc != 0 && rc == 0) {
			rc = -1;
			snprintf(err, errlen, "%s", lp[j].err);
		}
	}
	if (rc == 0) {
		merge_times(t, n, lp, k);
		if (o->progress) {
			struct pg_scan_progress last = fan_sum(&fan);

			last.done = total;
			last.probing = 0;
			o->progress(&last, o->progress_ud);
		}
	}
	for (j = 0; j < k; j++) {
		free(lp[j].views);
		free(lp[j].orig);
	}
	free(lp);
	pthread_mutex_destroy(&fan.mu);
	return rc;
}
