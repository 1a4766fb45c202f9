/* deliver.c - notification delivery: a lane (thread) per notifier instance,
 * claims, retries with full jitter, the backlog budget, backoff across runs,
 * call deadlines. */
#include "config.h"
#include "deliver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "notify.h"
#include "outbox.h"
#include "plugin/plugin_instance.h"
#include "plugin/plugin_isolate.h"
#include "plugin/plugin_lanes.h"
#include "util/log.h"

/* A retry-after longer than this ends the attempts of this run: the outbox
 * keeps the notification for the next one instead of blocking a CI job. */
#define MAX_WAIT_MS     (5 * 60 * 1000)
/* Slack past an inline call's deadline before main abandons it: the host's
 * http helper stops there, so a well-behaved plugin returns. This is the
 * backstop (an isolated call gets PG_ISOLATED_GRACE_MS: it was killed). */
#define INLINE_GRACE_MS 250

/* OUT_CRASH: the plugin's worker died on the call; OUT_DEAD: it did so
 * PG_OUTBOX_DEAD_CRASHES times on this entry (the dead-letter list). */
enum outcome { OUT_OK, OUT_RETRY, OUT_FAIL, OUT_TIMEOUT, OUT_CRASH, OUT_DEAD, OUT_ABANDONED };

struct delivery_run;

struct lane {
	struct delivery_run *r;
	struct pg_plugin_ctx *c;        /* borrowed */
	struct pg_deliver_item **items; /* owned array, borrowed items (r->items) */
	size_t n, cap, next;            /* next: first item not started (pool lock) */
	uint64_t budget_end;            /* monotonic end of the backlog budget; 0 unset */
	uint64_t call_deadline;         /* of the call in flight, 0 none (pool lock) */
	unsigned call_ms;
	bool down;                /* a delivery of this run failed transiently */
	bool done, abandoned;     /* pool lock */
	struct pg_notify_tally t; /* pool lock */
};

struct delivery_run {
	/* the lock, "a lane finished or started a call", main's and each lane's refs */
	struct pg_plugin_lanes *pool;
	struct pg_plugin_host *h;
	const struct pg_notify_settings *s; /* h's */
	struct pg_deliver_opts o;
	struct pg_deliver_item *items; /* owned */
	size_t nitems;
	struct lane *lanes; /* owned */
	size_t nlanes;
};

/* The pool's last reference frees the run: an abandoned lane may outlive pg_deliver(). */
static void run_free(void *arg)
{
	struct delivery_run *r = arg;

	for (size_t i = 0; i < r->nitems; i++) {
		free(r->items[i].id);
		json_decref(r->items[i].doc);
	}
	for (size_t i = 0; i < r->nlanes; i++)
		free(r->lanes[i].items);
	free(r->items);
	free(r->lanes);
	free(r);
}

static void count(struct lane *l, int *field)
{
	pg_plugin_lanes_lock(l->r->pool);
	(*field)++;
	pg_plugin_lanes_unlock(l->r->pool);
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t random_u64(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = pg_clock_now_ms() * 2654435761u;
	return r;
}

/* min(cap, base * 2^n) without overflow. */
static uint64_t exp_ms(uint64_t base, uint64_t cap, unsigned n)
{
	for (unsigned i = 0; i < n && base < cap; i++)
		base *= 2;
	return base > cap ? cap : base;
}

/* Within a run, full jitter: random(0, min(cap, base * 2^attempt)). */
static uint64_t backoff_ms(const struct pg_notify_settings *s, unsigned attempt)
{
	uint64_t ceil = exp_ms(s->backoff_ms, s->backoff_max_ms, attempt);

	return ceil ? random_u64() % (ceil + 1) : 0;
}

/* ---- one call ---------------------------------------------------------- */

/* The one place a notify callback runs. Returns OUT_ABANDONED when the main
 * thread gave up on the call meanwhile: the caller then touches nothing. */
static enum outcome lane_call(struct lane *l, const json_t *event, const char *key,
			      unsigned timeout_ms, long *retry_after, char *err, size_t errlen)
{
	struct pg_isolated_call call = {
		.c = l->c, .timeout_ms = timeout_ms, .event = event, .key = key
	};
	bool abandoned;
	int rc;

	*retry_after = -1;
	pg_plugin_lanes_lock(l->r->pool);
	l->call_ms = timeout_ms;
	l->call_deadline = pg_isolate_backstop_ms(timeout_ms, INLINE_GRACE_MS);
	pg_plugin_lanes_broadcast(l->r->pool); /* main learns the deadline */
	pg_plugin_lanes_unlock(l->r->pool);
	pg_plugin_busy_add(l->c, 1);
	/* in a worker process, killed at the deadline (plugin_isolate.h): a crash
	 * or a hang costs this attempt only */
	rc = pg_isolate_notify(&call);
	pg_plugin_busy_add(l->c, -1);
	pg_plugin_lanes_lock(l->r->pool);
	l->call_deadline = 0;
	abandoned = l->abandoned;
	pg_plugin_lanes_unlock(l->r->pool);
	if (abandoned)
		return OUT_ABANDONED;
	*retry_after = call.retry_after_ms;
	pg_strlcpy(err, call.err, errlen);
	if (rc == PG_ISOLATE_TIMEOUT)
		return OUT_TIMEOUT;
	if (rc == PG_ISOLATE_CRASH)
		return OUT_CRASH;
	return rc == PG_PLUGIN_OK ? OUT_OK : rc == PG_PLUGIN_RETRY ? OUT_RETRY : OUT_FAIL;
}

/* A crash counts against the entry (doc.crashes) and is retried like a
 * transient failure until the entry is dead. */
static enum outcome count_crash(json_t *doc)
{
	json_int_t crashes = json_integer_value(json_object_get(doc, "crashes")) + 1;

	json_object_set_new(doc, "crashes", json_integer(crashes));
	return crashes >= PG_OUTBOX_DEAD_CRASHES ? OUT_DEAD : OUT_RETRY;
}

/* Up to tries attempts; *retry_after: the receiver's last wish (-1 none). */
static enum outcome attempt(struct lane *l, json_t *doc, unsigned tries, unsigned timeout_ms,
			    long *retry_after, char *err, size_t errlen)
{
	const json_t *event = json_object_get(doc, "event");
	const char *key = json_string_value(json_object_get(doc, "id"));
	json_int_t attempts = json_integer_value(json_object_get(doc, "attempts"));
	enum outcome rc = OUT_FAIL;

	for (unsigned a = 0; a < tries; a++) {
		uint64_t wait;

		json_object_set_new(doc, "attempts", json_integer(++attempts));
		rc = lane_call(l, event, key, timeout_ms, retry_after, err, errlen);
		/* an instance that could not start fails every attempt alike: no backoff,
		 * and no crash count (its entries wait for a run where it starts) */
		if (rc == OUT_CRASH && !pg_plugin_start_error(l->c))
			rc = count_crash(doc);
		if (rc != OUT_RETRY || a + 1 == tries || pg_plugin_start_error(l->c))
			break;
		wait = *retry_after >= 0 ? (uint64_t)*retry_after : backoff_ms(l->r->s, a);
		if (wait > MAX_WAIT_MS) {
			pg_info("[%s] receiver asks to wait %llu ms: keeping it for later",
				pg_plugin_name(l->c), (unsigned long long)wait);
			break;
		}
		pg_info("[%s] delivery failed (%s); retry %u in %llu ms", pg_plugin_name(l->c), err,
			a + 1, (unsigned long long)wait);
		sleep_ms(wait);
	}
	return rc;
}

/* ---- one entry ------------------------------------------------------- */

static bool too_old(const struct pg_notify_settings *s, const json_t *doc)
{
	json_int_t created = json_integer_value(json_object_get(doc, "createdAt"));

	return s->outbox_max_age_h &&
	       pg_wall_ms() > (uint64_t)created + (uint64_t)s->outbox_max_age_h * 3600 * 1000;
}

/* Why a waiting entry is not tried now (NULL: try it). Sets *ms: the
 * call timeout, clamped to the backlog budget. */
static const char *hold_back(struct lane *l, const struct pg_deliver_item *it, const json_t *doc,
			     unsigned *ms)
{
	json_int_t next = json_integer_value(json_object_get(doc, "nextAttemptAt"));
	uint64_t now;

	*ms = pg_plugin_timeout_ms(l->c);
	/* An operator's flush tries every entry with its retries (outbox --help),
	 * even after one found the receiver down. */
	if (l->r->o.operator)
		return NULL;
	/* Held back, it stays in the outbox; without a state dir it would be lost. */
	if (l->down && it->stored)
		return "receiver down in this run";
	if (it->own)
		return NULL;
	if (next > 0 && (uint64_t)next > pg_wall_ms())
		return "next attempt later";
	now = pg_clock_now_ms();
	if (!l->budget_end)
		l->budget_end = now + l->r->s->outbox_budget_ms;
	if (now >= l->budget_end)
		return "backlog budget spent";
	if (l->budget_end - now < *ms)
		*ms = (unsigned)(l->budget_end - now);
	return NULL;
}

/* A failed round: when runs may try it again (backoff across runs). */
static void reschedule(const struct pg_notify_settings *s, json_t *doc, long retry_after)
{
	json_int_t rounds = json_integer_value(json_object_get(doc, "rounds")) + 1;
	uint64_t wait = exp_ms(s->outbox_backoff_ms, s->outbox_backoff_max_ms,
			       (unsigned)(rounds - 1));

	if (retry_after > 0 && (uint64_t)retry_after > wait)
		wait = (uint64_t)retry_after;
	json_object_set_new(doc, "rounds", json_integer(rounds));
	json_object_set_new(doc, "nextAttemptAt", json_integer((json_int_t)(pg_wall_ms() + wait)));
}

/* The entry kills its plugin: keep it, with the reason, for the operator. */
static bool settle_dead(struct lane *l, const char *sd, json_t *doc, const char *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));

	json_object_set_new(doc, "status", json_string(PG_OUTBOX_DEAD));
	json_object_set_new(
		doc, "lastError",
		json_sprintf("crashed the plugin %d times: %s", PG_OUTBOX_DEAD_CRASHES, err));
	pg_warn("[%s] notification %s crashed the plugin %d times: moved to the dead letters "
		"('portgate outbox list --dead')",
		pg_plugin_name(l->c), id, PG_OUTBOX_DEAD_CRASHES);
	if (sd && pg_outbox_write(sd, doc) != 0)
		pg_error("outbox: cannot update %s", id);
	count(l, &l->t.dead);
	return false;
}

/* Record the outcome (the claim is held): remove, or rewrite as waiting. */
static bool settle(struct lane *l, const char *sd, json_t *doc, enum outcome rc, long ra,
		   const char *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *name = pg_plugin_name(l->c);

	if (rc == OUT_OK) {
		if (sd && pg_outbox_remove(sd, id) != 0)
			pg_warn("outbox: delivered %s but could not remove it", id);
		pg_info("[%s] delivered %s", name, id);
		count(l, &l->t.delivered);
		return true;
	}
	if (rc == OUT_DEAD)
		return settle_dead(l, sd, doc, err);
	if (!sd) { /* never stored: no later run or flush can try it again */
		pg_error("[%s] notification %s could not be stored and was not delivered: lost "
			 "(%s)",
			 name, id, err);
		count(l, &l->t.lost);
		return false;
	}
	if (rc != OUT_FAIL) { /* transient: the receiver is down for this run */
		l->down = true;
		reschedule(l->r->s, doc, ra);
	}
	json_object_set_new(doc, "status", json_string(rc == OUT_FAIL ? "failed" : "pending"));
	json_object_set_new(doc, "lastError", json_string(err));
	if (rc == OUT_TIMEOUT)
		pg_warn("[%s] notify call %s: the notification stays in the outbox", name, err);
	else
		pg_warn("[%s] notification %s not delivered (%s): %s", name, id,
			rc == OUT_FAIL ? "rejected" : "kept in the outbox", err);
	if (sd && pg_outbox_write(sd, doc) != 0)
		pg_error("outbox: cannot update %s", id);
	count(l, rc == OUT_TIMEOUT ? &l->t.timed_out : &l->t.kept);
	return false;
}

/* Dead entries are tried by `outbox flush --dead` only, and only they then:
 * false to leave doc alone; a dead one to try gets a fresh crash count. */
static bool revive(const struct lane *l, json_t *doc)
{
	if (pg_outbox_is_dead(doc) != l->r->o.dead)
		return false;
	if (l->r->o.dead) {
		json_object_set_new(doc, "status", json_string("pending"));
		json_object_set_new(doc, "crashes", json_integer(0));
	}
	return true;
}

/* Skip, try or drop one claimed entry. Returns true when the entry is gone. */
static bool process(struct lane *l, const struct pg_deliver_item *it, const char *sd, json_t *doc)
{
	const struct pg_notify_settings *s = l->r->s;
	const char *st = json_string_value(json_object_get(doc, "status"));
	const char *why;
	char err[512] = "";
	unsigned ms, tries;
	long ra = -1;
	enum outcome rc;

	if (!it->own && too_old(s, doc)) {
		pg_warn("outbox: dropping %s for %s: older than %u hours", it->id,
			pg_plugin_name(l->c), s->outbox_max_age_h);
		pg_outbox_remove(sd, it->id);
		return true;
	}
	if (st && !strcmp(st, "failed") && !l->r->o.include_failed)
		return false;
	if (!revive(l, doc))
		return false;
	if ((why = hold_back(l, it, doc, &ms))) {
		pg_info("[%s] %s waits: %s", pg_plugin_name(l->c), it->id, why);
		count(l, &l->t.deferred);
		return false;
	}
	/* A run tries a waiting entry once (its backoff is across runs); its
	 * own notifications and an operator's flush get the retries. */
	tries = it->own || l->r->o.operator? s->retries + 1 : 1;
	rc = attempt(l, doc, tries, ms, &ra, err, sizeof(err));
	if (rc == OUT_ABANDONED)
		return false; /* the entry stays as it was; main said so */
	return settle(l, sd, doc, rc, ra, err);
}

static void do_item(struct lane *l, const struct pg_deliver_item *it)
{
	const char *sd = it->stored ? pg_plugin_host_state_dir(l->r->h) : NULL;
	json_t *doc;
	bool gone;
	int fd = -1;

	if (sd) {
		fd = pg_outbox_claim(sd, it->id);
		if (fd == -EAGAIN) {
			pg_info("[%s] %s is being delivered by another process",
				pg_plugin_name(l->c), it->id);
			count(l, &l->t.elsewhere);
			return;
		}
		if (fd < 0) {
			pg_warn("outbox: cannot claim %s: %s", it->id, strerror(-fd));
			count(l, &l->t.deferred);
			return;
		}
		doc = pg_outbox_read(sd, it->id);
		if (!doc) { /* delivered (and removed) by another process meanwhile */
			pg_outbox_release(sd, it->id, fd, true);
			return;
		}
	} else {
		doc = json_deep_copy(it->doc);
	}
	gone = process(l, it, sd, doc);
	json_decref(doc);
	if (sd)
		pg_outbox_release(sd, it->id, fd, gone);
}

/* ---- lanes --------------------------------------------------------- */

static void *lane_main(void *arg)
{
	struct lane *l = arg;
	struct delivery_run *r = l->r;

	for (;;) {
		const struct pg_deliver_item *it = NULL;

		pg_plugin_lanes_lock(r->pool);
		if (!l->abandoned && l->next < l->n)
			it = l->items[l->next++];
		pg_plugin_lanes_unlock(r->pool);
		if (!it)
			break;
		do_item(l, it);
	}
	pg_plugin_lanes_lock(r->pool);
	l->done = true;
	pg_plugin_lanes_broadcast(r->pool);
	pg_plugin_lanes_unref_locked(r->pool);
	return NULL;
}

static struct lane *lane_of(struct delivery_run *r, struct pg_plugin_ctx *c)
{
	for (size_t i = 0; i < r->nlanes; i++)
		if (r->lanes[i].c == c)
			return &r->lanes[i];
	r->lanes[r->nlanes] = (struct lane){ .r = r, .c = c };
	return &r->lanes[r->nlanes++];
}

/* An abandoned call's entry: its lane will never touch it again (it checks
 * once the call returns, under the pool's lock, which main holds here), so main
 * records the timeout and the backoff while the lane's claim still stands. */
static void record_timeout(struct delivery_run *r, struct lane *l)
{
	const struct pg_deliver_item *it = l->items[l->next - 1];
	const char *sd = pg_plugin_host_state_dir(r->h);
	json_t *doc = it->stored ? pg_outbox_read(sd, it->id) : NULL;
	char err[64];

	if (!doc)
		return;
	snprintf(err, sizeof(err), "timed out after %u ms", l->call_ms);
	json_object_set_new(doc, "attempts",
			    json_integer(json_integer_value(json_object_get(doc, "attempts")) + 1));
	json_object_set_new(doc, "status", json_string("pending"));
	json_object_set_new(doc, "lastError", json_string(err));
	reschedule(r->s, doc, -1);
	if (pg_outbox_write(sd, doc) != 0)
		pg_error("outbox: cannot update %s", it->id);
	json_decref(doc);
}

/* Of an abandoned lane: the call in flight and those it will never start. The ones
 * never stored are lost, the others wait in the outbox. */
static void count_abandoned(struct lane *l)
{
	for (size_t k = l->next - 1; k < l->n; k++) {
		if (!l->items[k]->stored) {
			pg_error("[%s] notification %s could not be stored and was not delivered: "
				 "lost",
				 pg_plugin_name(l->c), l->items[k]->id);
			l->t.lost++;
		} else if (k >= l->next) {
			l->t.deferred++;
		}
	}
}

static void abandon(struct delivery_run *r, struct lane *l)
{
	l->abandoned = true;
	record_timeout(r, l);
	l->t.timed_out++;
	count_abandoned(l);
	pg_warn("[%s] notify call timed out after %u ms: the notification stays in the outbox%s",
		pg_plugin_name(l->c), l->call_ms,
		l->next < l->n ? ", with the rest for this instance" : "");
}

/* Wait for every lane: done, or abandoned past its call's deadline. */
static void wait_lanes(struct delivery_run *r)
{
	pg_plugin_lanes_lock(r->pool);
	for (;;) {
		uint64_t now = pg_clock_now_ms(), wake = now + 1000;
		bool open = false;

		for (size_t i = 0; i < r->nlanes; i++) {
			struct lane *l = &r->lanes[i];

			if (l->done || l->abandoned)
				continue;
			if (l->call_deadline && now >= l->call_deadline) {
				abandon(r, l);
				continue;
			}
			open = true;
			if (l->call_deadline && l->call_deadline < wake)
				wake = l->call_deadline;
		}
		if (!open)
			break;
		pg_plugin_lanes_wait(r->pool, wake);
	}
	for (size_t i = 0; i < r->nlanes; i++)
		r->lanes[i].done = true; /* abandoned ones too: main reads no more */
}

static void sum(struct pg_notify_tally *t, const struct pg_notify_tally *a)
{
	t->delivered += a->delivered;
	t->kept += a->kept;
	t->deferred += a->deferred;
	t->timed_out += a->timed_out;
	t->elsewhere += a->elsewhere;
	t->dead += a->dead;
	t->lost += a->lost;
}

/* A lane on a thread of its own, or inline when none could start; each
 * drops its reference when done. */
static void start_lane(struct delivery_run *r, struct lane *l)
{
	bool ok;

	pg_plugin_lanes_lock(r->pool);
	ok = pg_plugin_lanes_spawn(r->pool, lane_main, l);
	if (!ok)
		pg_plugin_lanes_ref(r->pool);
	pg_plugin_lanes_unlock(r->pool);
	if (!ok) {
		pg_warn("[%s] no thread for delivery: delivering inline", pg_plugin_name(l->c));
		lane_main(l);
	}
}

void pg_deliver(struct pg_plugin_host *h, struct pg_deliver_item *items, size_t n,
		const struct pg_deliver_opts *o, struct pg_notify_tally *t)
{
	struct delivery_run *r = pg_xcalloc(1, sizeof(*r));

	r->pool = pg_plugin_lanes_new(r, run_free);
	r->h = h;
	r->s = pg_notify_settings(h);
	r->o = *o;
	r->items = pg_xcalloc(n + 1, sizeof(*items));
	if (n) /* items may be NULL then; memcpy's arguments must not be */
		memcpy(r->items, items, n * sizeof(*items));
	r->nitems = n;
	r->lanes = pg_xcalloc(n + 1, sizeof(*r->lanes));
	for (size_t i = 0; i < n; i++) {
		struct lane *l = lane_of(r, items[i].c);
		pg_grow(&l->items, &l->cap, l->n + 1, sizeof(*l->items));
		l->items[l->n++] = &r->items[i];
	}
	for (size_t i = 0; i < r->nlanes; i++) /* fork workers before threads start */
		pg_isolate_prepare(r->lanes[i].c, 1);
	for (size_t i = 0; i < r->nlanes; i++)
		start_lane(r, &r->lanes[i]);
	wait_lanes(r);
	for (size_t i = 0; i < r->nlanes; i++)
		sum(t, &r->lanes[i].t);
	pg_plugin_lanes_unref_locked(r->pool);
}
