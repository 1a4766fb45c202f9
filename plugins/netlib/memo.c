/* memo.c - key -> JSON result, once per run across every worker process of
 * the instance (see netlib.h). Fixed tables in shared memory: an open-address
 * table of keys (claimed by a pid, or done) and a bounded arena holding each
 * result as compact JSON text. Whatever does not fit (a long key, a full
 * table or arena) is computed without the memo: correct, only not shared. */
#include "netlib.h"
#include "netlib_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMO_SLOTS  4096
#define MEMO_PROBES 64
#define MEMO_KEY    264

enum memo_state { MS_EMPTY = 0, MS_TOMB, MS_CLAIMED, MS_DONE };

struct memo_slot {
	char key[MEMO_KEY];
	enum memo_state state;
	struct nl_owner claimer; /* MS_CLAIMED */
	uint64_t done_ms;        /* MS_DONE */
	bool failure;            /* MS_DONE: a failed or rate-limited lookup (kept shorter) */
	size_t off, len;         /* MS_DONE: the JSON text in the arena */
};

struct nl_memo {
	struct nl_shlock lock; /* first: test_netlib takes it to play a dying holder */
	uint64_t ttl_ms, fail_ttl_ms;
	size_t arena_size, arena_used;
	struct memo_slot slot[MEMO_SLOTS];
	char arena[];
};

struct nl_memo *nl_memo_new(unsigned ttl_s, unsigned fail_ttl_s, size_t arena_bytes)
{
	size_t size = sizeof(struct nl_memo) + arena_bytes;
	struct nl_memo *m = nl_shm_new(size);

	if (!m)
		return NULL;
	if (nl_shlock_init(&m->lock) != 0) {
		nl_shm_free(m, size);
		return NULL;
	}
	m->ttl_ms = (uint64_t)ttl_s * 1000u;
	m->fail_ttl_ms = (uint64_t)fail_ttl_s * 1000u;
	m->arena_size = arena_bytes;
	return m;
}

void nl_memo_free(struct nl_memo *m)
{
	if (m)
		nl_shm_free(m, sizeof(*m) + m->arena_size);
}

static void memo_drop_results(struct nl_memo *m)
{
	for (int i = 0; i < MEMO_SLOTS; i++)
		if (m->slot[i].state == MS_DONE)
			m->slot[i].state = MS_TOMB;
	m->arena_used = 0;
}

static unsigned hash_key(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % MEMO_SLOTS;
}

/* May the slot be taken for another claim (dropped, expired, claimer dead)? */
static int reusable(const struct nl_memo *m, const struct memo_slot *s, uint64_t now)
{
	uint64_t ttl = s->failure ? m->fail_ttl_ms : m->ttl_ms;

	return s->state == MS_TOMB || (s->state == MS_DONE && now - s->done_ms >= ttl) ||
	       (s->state == MS_CLAIMED && !nl_owner_alive(s->claimer));
}

/* The live slot of key, or -1 with *take a slot a new claim may use (-1: full). */
static int memo_find(struct nl_memo *m, const char *key, int *take)
{
	uint64_t now = pg_clock_now_ms();
	unsigned h = hash_key(key);

	*take = -1;
	for (unsigned i = 0; i < MEMO_PROBES; i++) {
		int at = (int)((h + i) % MEMO_SLOTS);
		struct memo_slot *s = &m->slot[at];
		int same = s->state != MS_EMPTY && !strcmp(s->key, key);

		if (s->state == MS_EMPTY || reusable(m, s, now)) {
			if (*take < 0 || same)
				*take = at;
			if (s->state == MS_EMPTY || same)
				return -1;
		} else if (same) {
			return at;
		}
	}
	return -1;
}

/* Lock; when the last holder died inside (killed in compact() or store(),
 * say), results may point at moved or half-copied text: all are dropped and
 * computed again, claims kept (a dead claimer's passes on as ever). */
static void memo_lock(struct nl_memo *m)
{
	if (nl_shlock_lock(&m->lock))
		memo_drop_results(m);
}

/* A copy of a done slot's text, parsed outside the lock by the caller. */
static char *copy_text(const struct nl_memo *m, const struct memo_slot *s)
{
	char *t = malloc(s->len + 1);

	if (t) {
		memcpy(t, m->arena + s->off, s->len);
		t[s->len] = '\0';
	}
	return t;
}

json_t *nl_memo_claim(struct nl_memo *m, const char *key, long wait_ms, int *claimed)
{
	uint64_t deadline = pg_clock_now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	char *text = NULL;
	json_t *v;
	int at, take;

	*claimed = 0;
	if (strlen(key) >= MEMO_KEY) {
		*claimed = 1; /* not shareable: the caller computes it */
		return NULL;
	}
	memo_lock(m);
	for (;;) {
		at = memo_find(m, key, &take);
		if (at < 0) {
			if (take >= 0) {
				struct memo_slot *s = &m->slot[take];
				memcpy(s->key, key, strlen(key) + 1);
				s->state = MS_CLAIMED;
				s->claimer = nl_owner_self();
			}
			*claimed = 1;
			break;
		}
		if (m->slot[at].state == MS_DONE) {
			text = copy_text(m, &m->slot[at]);
			break;
		}
		if (pg_clock_now_ms() >= deadline)
			break;
		if (nl_shlock_wait(&m->lock, deadline))
			memo_drop_results(m);
	}
	nl_shlock_unlock(&m->lock);
	v = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return v;
}

struct arena_ref {
	size_t off;
	int slot;
};

static int by_off(const void *a, const void *b)
{
	size_t x = ((const struct arena_ref *)a)->off, y = ((const struct arena_ref *)b)->off;

	return (x > y) - (x < y);
}

/* Move the live results down over the space of expired ones. */
static void compact(struct nl_memo *m)
{
	struct arena_ref *refs = malloc(MEMO_SLOTS * sizeof(*refs));
	uint64_t now = pg_clock_now_ms();
	size_t n = 0, used = 0;

	if (!refs)
		return;
	for (int i = 0; i < MEMO_SLOTS; i++) {
		struct memo_slot *s = &m->slot[i];
		if (s->state == MS_DONE && reusable(m, s, now))
			s->state = MS_TOMB;
		if (s->state == MS_DONE)
			refs[n++] = (struct arena_ref){ s->off, i };
	}
	if (n > 1)
		qsort(refs, n, sizeof(*refs), by_off);
	for (size_t k = 0; k < n; k++) {
		struct memo_slot *s = &m->slot[refs[k].slot];
		memmove(m->arena + used, m->arena + s->off, s->len);
		s->off = used;
		used += s->len;
	}
	m->arena_used = used;
	free(refs);
}

static int store(struct nl_memo *m, struct memo_slot *s, const char *text, bool failure)
{
	size_t len = strlen(text);

	if (len > m->arena_size - m->arena_used)
		compact(m);
	if (len > m->arena_size - m->arena_used)
		return -1;
	memcpy(m->arena + m->arena_used, text, len);
	s->off = m->arena_used;
	s->len = len;
	m->arena_used += len;
	s->done_ms = pg_clock_now_ms();
	s->failure = failure;
	s->state = MS_DONE;
	return 0;
}

void nl_memo_finish(struct nl_memo *m, const char *key, const json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
	bool failure = json_is_string(json_object_get(value, "memoError")) ||
		       json_is_true(json_object_get(value, "rateLimited"));
	int at, take;

	if (strlen(key) >= MEMO_KEY) {
		free(text);
		return;
	}
	memo_lock(m);
	at = memo_find(m, key, &take);
	if (at >= 0 && m->slot[at].state == MS_CLAIMED &&
	    nl_owner_eq(m->slot[at].claimer, nl_owner_self())) {
		/* not stored (no value, arena full): dropped, so a later call computes it */
		if (!text || store(m, &m->slot[at], text, failure) != 0)
			m->slot[at].state = MS_TOMB;
	}
	nl_shlock_wake(&m->lock);
	nl_shlock_unlock(&m->lock);
	free(text);
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
