/* scan.c - the TCP connect scan engine: one epoll loop for a whole run.
 *
 * Every (target, port) is a job. A fixed array of slots (one per socket that
 * may be in flight) is allocated up front; a job occupies a slot from its
 * first connect attempt until its verdict (and its probe, when probing) is
 * done, so nothing is allocated per event. Deadlines live in a binary min-heap
 * over the busy slots (O(log n) insert/update/remove, O(1) peek).
 *
 * Scheduling is round robin over destination addresses, so a portfolio of 200
 * hosts advances all hosts at once and finishes in about one timeout. A
 * destination with max_per_host jobs in flight leaves the ring until one of
 * them finishes. This file holds the loop, the connect attempts and the
 * verdicts; docs/scan-engine.md says which scan_*.c file does the rest. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "probe/probe.h"
#include "scan.h"
#include "scan_int.h"
#include "util/util.h"

#define EVENT_BATCH    256
#define REKEY_EVERY_US 5000 /* re-arm pending connects at most this often */

/* ---- verdicts ---- */

static void set_result(struct pg_port_result *r, enum pg_port_state state, const char *reason,
		       int err, uint32_t rtt_us)
{
	r->state = state;
	r->reason = reason;
	r->err = err;
	r->rtt_us = rtt_us;
}

/* ---- connect attempts ---- */

static void on_connected(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_port_result *r = pg_scan_slot_result(e, s);
	uint32_t rtt = pg_scan_rtt_since(e, s);

	pg_scan_note_answer(e, s, rtt);
	if (pg_scan_is_self_connect(s->fd)) {
		struct pg_scan_verdict v = { PG_PORT_CLOSED, "self-connect", 0 };

		pg_scan_close_fd(s->fd, true);
		pg_scan_slot_finish(e, si, &v, rtt);
		return;
	}
	e->nopen++;
	if (!e->opts->probe) {
		struct pg_scan_verdict v = { PG_PORT_OPEN, "syn-ack", 0 };

		pg_scan_close_fd(s->fd, true);
		pg_scan_slot_finish(e, si, &v, rtt);
		return;
	}
	set_result(r, PG_PORT_OPEN, "syn-ack", 0, rtt);
	pg_scan_probe_begin(e, si);
}

/* The process ran out of descriptors: keep the job's reservation, retry it
 * once a socket of ours closes, and stop admitting new jobs beyond what is
 * open now. A job that hits the limit twice (or when nothing of ours is open
 * that could free one) is an error. */
static void out_of_fds(struct engine *e, uint32_t si, int err)
{
	struct slot *s = &e->slots[si];
	struct pg_port_result *r = pg_scan_slot_result(e, s);
	struct jobref j = { s->target, s->pidx };

	r->attempts--; /* this try never sent anything */
	if (s->second_chance || e->busy <= 1) {
		struct pg_scan_verdict v;

		pg_scan_classify(-1, err, true, &v);
		pg_scan_slot_finish(e, si, &v, 0);
		return;
	}
	pg_scan_slot_release(e, si);
	e->eff_cap = e->busy > 0 ? e->busy : 1;
	if (e->def_head + e->def_len == e->def_cap) {
		if (e->def_head > 0) {
			memmove(e->deferred, e->deferred + e->def_head,
				e->def_len * sizeof(*e->deferred));
			e->def_head = 0;
		} else {
			pg_grow(&e->deferred, &e->def_cap, e->def_len + 1, sizeof(*e->deferred));
		}
	}
	e->deferred[e->def_head + e->def_len++] = j;
}

/* A failed connect was answered (RST or ICMP): feed the estimators. An ICMP
 * error (a REJECT's port unreachable looks like a RST by errno alone) also
 * spent the ICMP budget that this destination's group's UDP rounds count on. */
static void note_refusal(struct engine *e, const struct slot *s, const struct pg_scan_verdict *v)
{
	if (v->state == PG_PORT_ERROR)
		return;
	pg_scan_note_answer(e, s, pg_scan_rtt_since(e, s));
	if (v->state == PG_PORT_FILTERED ||
	    (pg_scan_slot_acct(e, s)->watch_us != 0 && pg_scan_icmp_queued(s->fd)))
		pg_scan_note_icmp(e, s);
}

/* A UDP try could not get a socket: wait for one like a TCP connect. */
static void udp_attempt(struct engine *e, uint32_t si)
{
	int err = pg_scan_udp_attempt(e, si);

	if (err)
		out_of_fds(e, si, err);
}

static void attempt_start(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_target *t = &e->targets[s->target];
	struct pg_port_result *r = pg_scan_slot_result(e, s);
	struct pg_addr dst = t->addr;
	struct epoll_event ev = { .events = EPOLLOUT };
	struct pg_scan_verdict v;
	int on = 1, err;

	if (pg_scan_job_is_udp(t, s->pidx)) {
		udp_attempt(e, si);
		return;
	}
	r->attempts++;
	e->now_us = pg_clock_now_us(); /* per attempt: rtt resolution, cheap (vDSO) */
	s->start_us = e->now_us;
	s->fd = socket(t->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s->fd < 0) {
		err = errno;
		if (err == EMFILE || err == ENFILE) {
			out_of_fds(e, si, err);
			return;
		}
		pg_scan_classify(-1, err, true, &v);
		pg_scan_slot_finish(e, si, &v, 0);
		return;
	}
	/* Ask for ICMP details so admin-prohibited can be told from host-unreachable. */
	(void)setsockopt(s->fd, t->addr.family == AF_INET6 ? SOL_IPV6 : SOL_IP,
			 t->addr.family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof(on));
	pg_addr_set_port(&dst, pg_scan_job_port(t, s->pidx));
	if (connect(s->fd, (struct sockaddr *)&dst.ss, dst.sslen) == 0) {
		on_connected(e, si);
		return;
	}
	err = errno;
	if (err != EINPROGRESS) {
		pg_scan_close_fd(s->fd, false);
		pg_scan_classify(-1, err, true, &v);
		pg_scan_slot_finish(e, si, &v, 0);
		return;
	}
	/* A local target often refuses inside connect() itself: take that
	 * answer now and save the epoll round trip (one cheap syscall). */
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof(err) }) == 0 &&
	    err != 0) {
		pg_scan_classify(s->fd, err, false, &v);
		note_refusal(e, s, &v);
		pg_scan_close_fd(s->fd, false);
		pg_scan_slot_finish(e, si, &v,
				    v.state == PG_PORT_ERROR ? 0 : pg_scan_rtt_since(e, s));
		return;
	}
	ev.data.u64 = pg_scan_slot_key(s, si);
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		err = errno;
		pg_scan_close_fd(s->fd, false);
		v = (struct pg_scan_verdict){ PG_PORT_ERROR, "epoll-failed", err };
		pg_scan_slot_finish(e, si, &v, 0);
		return;
	}
	s->phase = SLOT_CONNECTING;
	pg_scan_timer_set(e, si, s->start_us + pg_scan_attempt_timeout_us(e, s));
}

static void launch(struct engine *e, struct jobref j, bool second_chance)
{
	uint32_t si = e->free_slots[--e->nfree];
	struct slot *s = &e->slots[si];
	struct pg_scan_target *t = &e->targets[j.target];

	s->target = j.target;
	s->pidx = j.pidx;
	s->second_chance = second_chance;
	s->probe = NULL;
	s->udp = NULL;
	s->udp_quiet = false;
	s->udp_judge = false;
	s->hidx = NO_HEAP;
	e->busy++;
	if (t->started_ms == 0)
		t->started_ms = e->now_us / 1000;
	attempt_start(e, si);
}

/* The connect of slot si reported readiness (or its timer fired and a last
 * look shows it did): decide the port. */
static void on_connect_event(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_verdict v;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);

		if (getpeername(s->fd, (struct sockaddr *)&peer, &plen) == 0) {
			on_connected(e, si);
			return;
		}
		err = errno;
	}
	pg_scan_classify(s->fd, err, false, &v);
	note_refusal(e, s, &v);
	pg_scan_close_fd(s->fd, false);
	pg_scan_slot_finish(e, si, &v, v.state == PG_PORT_ERROR ? 0 : pg_scan_rtt_since(e, s));
}

static void on_connect_timeout(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
	uint64_t due = s->start_us + pg_scan_attempt_timeout_us(e, s);

	/* Answers seen since this attempt started may justify a longer wait
	 * (slower than the early samples): honour the current estimate. */
	if (due > e->now_us) {
		pg_scan_timer_set(e, si, due);
		return;
	}
	/* The answer may sit in a later epoll batch: never call a port that
	 * answered in time filtered because of our own queueing. */
	if (poll(&pfd, 1, 0) == 1) {
		on_connect_event(e, si);
		return;
	}
	pg_scan_close_fd(s->fd, false);
	s->fd = -1;
	if (pg_scan_slot_result(e, s)->attempts < e->tries) {
		attempt_start(e, si);
		return;
	}
	{
		struct pg_scan_verdict v = { PG_PORT_FILTERED, "no-response", 0 };

		pg_scan_slot_finish(e, si, &v, 0);
	}
}

/* ---- the loop ---- */

static void on_event(struct engine *e, const struct epoll_event *ev)
{
	uint32_t si = (uint32_t)ev->data.u64;
	struct slot *s;

	if (si >= e->nslots)
		return;
	s = &e->slots[si];
	if (s->gen != (uint32_t)(ev->data.u64 >> 32) || s->phase == SLOT_FREE)
		return; /* stale: the slot moved on */
	if (s->phase == SLOT_CONNECTING)
		on_connect_event(e, si);
	else if (s->phase == SLOT_UDP || s->phase == SLOT_UDP_READ)
		pg_scan_udp_event(e, si);
	else if (s->phase == SLOT_PROBING)
		pg_scan_probe_step(e, si, ev->events);
	/* SLOT_UDP_WAIT holds no socket: nothing of it is watched */
}

static void run_timers(struct engine *e)
{
	while (e->nheap > 0) {
		uint32_t si = e->heap[0];
		struct slot *s = &e->slots[si];

		if (s->deadline_us > e->now_us)
			return;
		if (s->phase == SLOT_CONNECTING) {
			on_connect_timeout(e, si);
		} else if (s->phase == SLOT_PROBING) {
			pg_scan_probe_step(e, si, 0);
		} else {
			int err = pg_scan_udp_timer(e, si);

			if (err)
				out_of_fds(e, si, err);
		}
	}
}

/* Start as many jobs as the caps allow: first the ones waiting for a
 * descriptor, then new ones round robin over destinations. */
static void pump(struct engine *e)
{
	while (e->def_len > 0 && e->busy < e->eff_cap && e->nfree > 0) {
		struct jobref j = e->deferred[e->def_head];

		e->def_head++;
		if (--e->def_len == 0)
			e->def_head = 0;
		launch(e, j, true);
	}
	while (e->inflight < e->eff_cap && e->ring_len > 0 && e->nfree > 0) {
		uint32_t d = pg_scan_ring_pop(e);
		const struct dest *ds = &e->dests[d];

		if (ds->nactive == 0 || ds->inflight >= pg_scan_dest_window(e, ds))
			continue; /* pushed back when it has room again */
		e->inflight++;
		e->dests[d].inflight++;
		launch(e, pg_scan_dest_take(e, d), false);
		if (pg_scan_dest_ready(e, d))
			pg_scan_ring_push(e, d);
	}
}

static void progress(struct engine *e, bool final)
{
	if (!e->opts->progress)
		return;
	if (!final && e->now_us - e->last_progress_us < PG_SCAN_PROGRESS_EVERY_US)
		return;
	struct pg_scan_progress p = { e->done, e->total, e->nopen, e->nprobing };

	e->last_progress_us = e->now_us;
	e->opts->progress(&p, e->opts->progress_ud);
}

/* Deadlines are set when an attempt starts; the first answers of a run (or
 * of an address) usually come after many attempts started with the full
 * timeout_ms. When an estimator becomes usable or the run's timeout drops by
 * a quarter, bring pending deadlines forward (at most every REKEY_EVERY_US:
 * it walks all slots). Deadlines are never pushed back here; a timer that
 * fires early re-checks the estimate in on_connect_timeout. */
static void maybe_rekey(struct engine *e)
{
	uint64_t max_us = (uint64_t)e->timeout_ms * 1000, rto = e->rekey_rto_us;
	size_t i;

	if (e->rtt.samples >= PG_RTT_MIN_SAMPLES) {
		rto = pg_rtt_timeout_us(NULL, &e->rtt, max_us, 1);
		if (rto * 4 < e->rekey_rto_us * 3)
			e->rekey = true;
	}
	if (!e->rekey || e->now_us - e->rekey_us < REKEY_EVERY_US)
		return;
	e->rekey = false;
	e->rekey_us = e->now_us;
	e->rekey_rto_us = rto;
	for (i = 0; i < e->nslots; i++) {
		struct slot *s = &e->slots[i];
		uint64_t due;

		if (s->phase != SLOT_CONNECTING && s->phase != SLOT_UDP)
			continue;
		due = s->start_us + pg_scan_attempt_timeout_us(e, s);
		if (due < s->deadline_us)
			pg_scan_timer_set(e, (uint32_t)i, due);
	}
}

static int wait_ms(const struct engine *e)
{
	uint64_t d, ms;

	if (e->nheap == 0)
		return e->opts->progress ? 100 : 1000;
	d = e->slots[e->heap[0]].deadline_us;
	if (d <= e->now_us)
		return 0;
	ms = (d - e->now_us + 999) / 1000;
	if (e->opts->progress && ms > 100)
		ms = 100;
	return ms > 60000 ? 60000 : (int)ms;
}

static int loop(struct engine *e, char *err, size_t errlen)
{
	struct epoll_event evs[EVENT_BATCH];

	pump(e);
	while (e->done < e->total) {
		int i, n;

		if (e->busy == 0 && e->def_len == 0 && e->ring_len == 0) {
			snprintf(err, errlen, "scan engine stalled with %zu of %zu ports left",
				 e->total - e->done, e->total);
			return -1;
		}
		n = epoll_wait(e->ep, evs, EVENT_BATCH, wait_ms(e));
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		e->now_us = pg_clock_now_us();
		for (i = 0; i < n; i++)
			on_event(e, &evs[i]);
		maybe_rekey(e);
		run_timers(e);
		pump(e);
		progress(e, false);
	}
	progress(e, true);
	return 0;
}

int pg_scan_run_one(struct pg_scan_target *targets, size_t ntargets,
		    const struct pg_scan_opts *opts, char *err, size_t errlen)
{
	struct engine e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.targets = targets;
	e.ntargets = ntargets;
	e.opts = opts;
	rc = pg_scan_engine_init(&e, err, errlen);
	if (rc == 0 && e.total > 0)
		rc = loop(&e, err, errlen);
	pg_scan_engine_free(&e);
	return rc;
}
