/* netlib.c - time budget, memo, per-server gate (see netlib.h). */
#include "netlib.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Stop this long before the host's deadline: the host abandons a call that
 * overruns, which would cost every later call of the instance. */
#define NL_MARGIN_MS 150

uint64_t nl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void nl_rfc3339(int64_t unix_s, char out[32])
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long nl_time_left(const struct nl_env *e, long fallback_ms)
{
	long left = fallback_ms;

#if NL_ABI_1_1
	if (PG_HOST_HAS(e->host, time_left_ms) && e->host->time_left_ms)
		left = e->host->time_left_ms(e->ctx) - NL_MARGIN_MS;
#else
	(void)e;
#endif
	return left > 0 ? left : 0;
}

long nl_budget(const struct nl_env *e, long want_ms, long fallback_ms)
{
	long left = nl_time_left(e, fallback_ms);

	return want_ms < left ? want_ms : left;
}

const json_t *nl_asset_context(const json_t *finding)
{
	const json_t *c = json_object_get(finding, "assetContext");

	return json_is_object(c) ? c : NULL;
}

/* Absolute CLOCK_REALTIME time wait_ms from now, for pthread_cond_timedwait. */
static struct timespec abs_after(long wait_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* --- memo --- */

#define NL_BUCKETS 512

struct memo_ent {
	char *key;     /* owned */
	json_t *value; /* owned; NULL while being computed */
	int busy;
	struct memo_ent *next;
};

struct nl_memo {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct memo_ent *b[NL_BUCKETS];
};

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NL_BUCKETS;
}

struct nl_memo *nl_memo_new(void)
{
	struct nl_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	return m;
}

void nl_memo_free(struct nl_memo *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < NL_BUCKETS; i++) {
		struct memo_ent *e = m->b[i], *n;
		for (; e; e = n) {
			n = e->next;
			free(e->key);
			json_decref(e->value);
			free(e);
		}
	}
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
}

static struct memo_ent *memo_find(struct nl_memo *m, const char *key)
{
	struct memo_ent *e = m->b[hash_str(key)];

	while (e && strcmp(e->key, key))
		e = e->next;
	return e;
}

json_t *nl_memo_claim(struct nl_memo *m, const char *key, long wait_ms, int *claimed)
{
	struct timespec until = abs_after(wait_ms > 0 ? wait_ms : 0);
	struct memo_ent *e;
	json_t *v = NULL;

	*claimed = 0;
	pthread_mutex_lock(&m->mu);
	for (;;) {
		e = memo_find(m, key);
		if (!e || (!e->busy && !e->value)) {
			if (!e) {
				e = calloc(1, sizeof(*e));
				if (!e || !(e->key = strdup(key))) {
					free(e);
					break;
				}
				e->next = m->b[hash_str(key)];
				m->b[hash_str(key)] = e;
			}
			e->busy = 1;
			*claimed = 1;
			break;
		}
		if (e->value) {
			v = json_incref(e->value);
			break;
		}
		if (pthread_cond_timedwait(&m->cv, &m->mu, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&m->mu);
	return v;
}

void nl_memo_finish(struct nl_memo *m, const char *key, const json_t *value)
{
	struct memo_ent *e;

	pthread_mutex_lock(&m->mu);
	e = memo_find(m, key);
	if (e) {
		e->busy = 0;
		if (value && !e->value)
			e->value = json_deep_copy(value);
	}
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

json_t *nl_lookup_once(const struct nl_env *e, struct nl_memo *m, const char *key, unsigned cache_s,
		       long wait_ms, nl_lookup_fn fn, void *arg, char *err, size_t errlen)
{
	json_t *v, *stored;
	int claimed;

	v = nl_memo_claim(m, key, wait_ms, &claimed);
	if (v && json_is_string(json_object_get(v, "memoError"))) {
		snprintf(err, errlen, "%s", json_string_value(json_object_get(v, "memoError")));
		json_decref(v);
		return NULL;
	}
	if (v || !claimed) {
		if (!v)
			snprintf(err, errlen, "another lookup of %s did not finish in time", key);
		return v;
	}
	v = cache_s ? e->host->cache_get(e->ctx, key, cache_s) : NULL;
	if (v) {
		/* in the result itself, so findings served from the memo say it too */
		json_object_set_new(v, "cached", json_true());
	} else if ((v = fn(arg, err, errlen)) && cache_s &&
		   !json_is_true(json_object_get(v, "rateLimited"))) {
		e->host->cache_put(e->ctx, key, v);
	}
	stored = v ? json_incref(v) : json_pack("{s:s}", "memoError", err);
	nl_memo_finish(m, key, stored);
	json_decref(stored);
	return v;
}

int nl_valid_severity(const char *v)
{
	static const char *const ok[] = { "info", "low", "medium", "high", "critical" };

	for (size_t i = 0; v && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(v, ok[i]))
			return 1;
	return 0;
}

/* --- gate --- */

struct gate_ent {
	char *server; /* owned */
	unsigned inflight;
	uint64_t next_start_ms;
	struct gate_ent *next;
};

struct nl_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned max_inflight, pace_ms;
	struct gate_ent *list;
};

struct nl_gate *nl_gate_new(unsigned max_inflight, unsigned pace_ms)
{
	struct nl_gate *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->max_inflight = max_inflight ? max_inflight : 1;
	g->pace_ms = pace_ms;
	return g;
}

void nl_gate_free(struct nl_gate *g)
{
	struct gate_ent *e, *n;

	if (!g)
		return;
	for (e = g->list; e; e = n) {
		n = e->next;
		free(e->server);
		free(e);
	}
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}

static struct gate_ent *gate_get(struct nl_gate *g, const char *server)
{
	struct gate_ent *e;

	for (e = g->list; e; e = e->next)
		if (!strcmp(e->server, server))
			return e;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->server = strdup(server))) {
		free(e);
		return NULL;
	}
	e->next = g->list;
	g->list = e;
	return e;
}

int nl_gate_enter(struct nl_gate *g, const char *server, long wait_ms)
{
	uint64_t deadline = nl_mono_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	struct gate_ent *e;
	int rc = -1;

	pthread_mutex_lock(&g->mu);
	e = gate_get(g, server);
	while (e) {
		uint64_t now = nl_mono_ms(), wake;
		struct timespec until;

		if (e->inflight < g->max_inflight && now >= e->next_start_ms) {
			e->inflight++;
			e->next_start_ms = now + g->pace_ms;
			rc = 0;
			break;
		}
		if (now >= deadline)
			break;
		/* Wake for pacing even without a leave() signal. */
		wake = e->inflight < g->max_inflight && e->next_start_ms < deadline
			       ? e->next_start_ms
			       : deadline;
		until = abs_after((long)(wake - now));
		pthread_cond_timedwait(&g->cv, &g->mu, &until);
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

void nl_gate_leave(struct nl_gate *g, const char *server)
{
	struct gate_ent *e;

	pthread_mutex_lock(&g->mu);
	for (e = g->list; e; e = e->next)
		if (!strcmp(e->server, server) && e->inflight)
			e->inflight--;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}
