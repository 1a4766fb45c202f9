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
 * them finishes. See docs/scan-engine.md. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "scan.h"
#include "scan_int.h"
#include "util.h"

#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_RETRIES 1
#define MAX_TRIES 50
#define EVENT_BATCH 256
#define PROGRESS_EVERY_US 100000 /* progress callback at most ~10 times/s */
#define PROBE_GRACE_US 1000000   /* backstop past probe_opts.total_ms */
#define REKEY_EVERY_US 5000      /* re-arm pending connects at most this often */
#define SHARD_MIN_JOBS 8192      /* below this one loop is as fast as several */
#define MAX_SHARDS 4

const char *pg_port_state_name(enum pg_port_state s)
{
	switch (s) {
	case PG_PORT_OPEN: return "open";
	case PG_PORT_CLOSED: return "closed";
	case PG_PORT_FILTERED: return "filtered";
	case PG_PORT_ERROR: return "error";
	}
	return "error";
}

void pg_scan_opts_default(struct pg_scan_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	o->retries = DEFAULT_RETRIES;
	o->max_inflight = 0; /* 0 = automatic, from RLIMIT_NOFILE */
	o->max_per_host = 0; /* 0 = automatic: a window that grows with answers */
	o->probe = true;
	o->probe_opts.banner_wait_ms = 1500;
	o->probe_opts.total_ms = 5000;
	o->probe_opts.max_bytes = 16384;
}

void pg_port_result_clear(struct pg_port_result *r)
{
	if (!r)
		return;
	json_decref(r->probe);
	memset(r, 0, sizeof(*r));
}

enum slot_phase { SLOT_FREE, SLOT_CONNECTING, SLOT_PROBING };

struct slot {
	int fd;               /* socket being watched, -1 when none */
	uint32_t target;      /* index into targets */
	uint32_t pidx;        /* index into the target's ports/results */
	uint32_t hidx;        /* position in the timer heap, NO_HEAP when absent */
	uint32_t gen;         /* bumped on release: stale epoll events are ignored */
	uint8_t phase;
	bool second_chance;   /* relaunched after EMFILE: another one is final */
	uint64_t start_us;    /* start of the current connect attempt */
	uint64_t deadline_us; /* heap key */
	uint64_t hard_us;     /* probe backstop */
	struct pg_probe *probe;
};
#define NO_HEAP UINT32_MAX

struct tstate {
	uint32_t next;      /* next port index to launch */
	uint32_t remaining; /* jobs without a verdict */
	uint32_t dest;
};

struct dest {
	uint32_t first;    /* its targets are dest_targets[first .. first+nactive) */
	uint32_t nactive;  /* targets that still have ports to launch */
	uint32_t rr;       /* round robin position among them */
	uint32_t inflight; /* jobs holding a reservation on this address */
	bool in_ring;
	struct pg_rtt rtt; /* answers from this address */
	double cwnd;       /* jobs it may have in flight now (window) */
	double ssthresh;   /* slow start below, +1 per window above */
};

struct jobref {
	uint32_t target, pidx;
};

struct engine {
	struct pg_scan_target *targets;
	size_t ntargets;
	const struct pg_scan_opts *opts;
	int ep;
	int timeout_ms, tries;
	uint32_t per_host; /* ceiling of every destination's window */
	struct pg_rtt rtt; /* answers from every address: fallback estimator */
	bool rekey;        /* an estimator changed: shorten pending deadlines */
	uint64_t rekey_us, rekey_rto_us;
	size_t eff_cap;  /* global cap, lowered when the process runs out of fds */
	size_t inflight; /* busy slots + deferred jobs */
	size_t busy;     /* slots holding a socket or a probe */

	struct slot *slots; /* owned, nslots */
	size_t nslots;
	uint32_t *free_slots; /* owned, stack of free slot ids */
	size_t nfree;
	uint32_t *heap; /* owned, slot ids ordered by deadline_us */
	size_t nheap;

	struct tstate *ts;       /* owned, ntargets */
	struct dest *dests;      /* owned, ndests */
	uint32_t *dest_targets;  /* owned, target ids grouped by destination */
	size_t ndests;
	uint32_t *ring; /* owned, ring of dest ids ready to launch */
	size_t ring_head, ring_len;

	struct jobref *deferred; /* owned, jobs that hit EMFILE, FIFO */
	size_t def_head, def_len, def_cap;

	size_t done, total;
	uint64_t now_us, last_progress_us;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- round-trip estimation ---- */

void pg_rtt_sample(struct pg_rtt *r, uint32_t rtt_us)
{
	if (r->samples == 0) {
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
	} else {
		uint32_t dev = rtt_us > r->srtt_us ? rtt_us - r->srtt_us : r->srtt_us - rtt_us;

		/* RFC 6298 with alpha = 1/8, beta = 1/4 */
		r->rttvar_us = r->rttvar_us - r->rttvar_us / 4 + dev / 4;
		r->srtt_us = r->srtt_us - r->srtt_us / 8 + rtt_us / 8;
	}
	if (rtt_us > r->max_us)
		r->max_us = rtt_us;
	if (r->samples < UINT32_MAX)
		r->samples++;
}

uint64_t pg_rtt_timeout_us(const struct pg_rtt *dest, const struct pg_rtt *global,
			   uint64_t max_us, unsigned attempt)
{
	const struct pg_rtt *est = NULL;
	uint64_t t, seen = 0;

	if (dest && dest->samples >= PG_RTT_MIN_SAMPLES)
		est = dest;
	else if (global && global->samples >= PG_RTT_MIN_SAMPLES)
		est = global;
	if (!est)
		return max_us; /* too little evidence to wait less than asked */
	t = (uint64_t)est->srtt_us + 4 * (uint64_t)est->rttvar_us;
	/* Never below what was actually seen: a port as slow as the slowest
	 * answer so far must still be caught, with room to spare. */
	if (dest && dest->max_us > seen)
		seen = dest->max_us;
	if (global && global->max_us > seen)
		seen = global->max_us;
	if (t < 2 * seen)
		t = 2 * seen;
	if (t < PG_RTT_MIN_TIMEOUT_US)
		t = PG_RTT_MIN_TIMEOUT_US;
	for (; attempt > 1 && t < max_us; attempt--)
		t *= 2; /* back off: a retry waits twice as long */
	return t < max_us ? t : max_us;
}

/* ---- timer heap (min-heap of slot ids by deadline) ---- */

static bool heap_less(const struct engine *e, size_t a, size_t b)
{
	return e->slots[e->heap[a]].deadline_us < e->slots[e->heap[b]].deadline_us;
}

static void heap_swap(struct engine *e, size_t a, size_t b)
{
	uint32_t t = e->heap[a];

	e->heap[a] = e->heap[b];
	e->heap[b] = t;
	e->slots[e->heap[a]].hidx = (uint32_t)a;
	e->slots[e->heap[b]].hidx = (uint32_t)b;
}

static void heap_up(struct engine *e, size_t i)
{
	while (i > 0 && heap_less(e, i, (i - 1) / 2)) {
		heap_swap(e, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct engine *e, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < e->nheap && heap_less(e, l, m))
			m = l;
		if (r < e->nheap && heap_less(e, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(e, i, m);
		i = m;
	}
}

/* Insert slot si or move it to its new deadline. */
static void timer_set(struct engine *e, uint32_t si, uint64_t deadline_us)
{
	struct slot *s = &e->slots[si];

	s->deadline_us = deadline_us;
	if (s->hidx == NO_HEAP) {
		s->hidx = (uint32_t)e->nheap;
		e->heap[e->nheap++] = si;
		heap_up(e, s->hidx);
		return;
	}
	heap_up(e, s->hidx);
	heap_down(e, s->hidx);
}

static void timer_clear(struct engine *e, uint32_t si)
{
	size_t i = e->slots[si].hidx;

	if (i == NO_HEAP)
		return;
	e->slots[si].hidx = NO_HEAP;
	if (--e->nheap == i)
		return;
	e->heap[i] = e->heap[e->nheap];
	e->slots[e->heap[i]].hidx = (uint32_t)i;
	heap_up(e, i);
	heap_down(e, i);
}

/* ---- destinations and the round-robin ring ---- */

static void ring_push(struct engine *e, uint32_t d)
{
	e->dests[d].in_ring = true;
	e->ring[(e->ring_head + e->ring_len++) % e->ndests] = d;
}

static uint32_t ring_pop(struct engine *e)
{
	uint32_t d = e->ring[e->ring_head];

	e->ring_head = (e->ring_head + 1) % e->ndests;
	e->ring_len--;
	e->dests[d].in_ring = false;
	return d;
}

/* Jobs destination ds may have in flight now: its window, within the cap. */
static uint32_t dest_window(const struct engine *e, const struct dest *ds)
{
	uint32_t w = ds->cwnd < 1 ? 1 : ds->cwnd >= e->per_host ? e->per_host : (uint32_t)ds->cwnd;

	return w ? w : 1;
}

static bool dest_ready(const struct engine *e, uint32_t d)
{
	const struct dest *ds = &e->dests[d];

	return !ds->in_ring && ds->nactive > 0 && ds->inflight < dest_window(e, ds);
}

static int cmp_addr(const struct pg_addr *a, const struct pg_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return memcmp(&x->sin_addr, &y->sin_addr, sizeof(x->sin_addr));
	}
	{
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
}

static int cmp_target_ids(const void *pa, const void *pb, void *ud)
{
	const struct pg_scan_target *t = ud;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = cmp_addr(&t[a].addr, &t[b].addr);

	if (c)
		return c;
	return a < b ? -1 : a > b; /* keep manifest order within one address */
}

/* Group targets that share an address (two names, one IP) so max_per_host
 * protects the machine, not the name. ids holds the scannable targets. */
static void build_dests(struct engine *e, uint32_t *ids, size_t n)
{
	size_t i, j;

	qsort_r(ids, n, sizeof(*ids), cmp_target_ids, e->targets);
	e->dest_targets = ids;
	e->dests = pg_xcalloc(n ? n : 1, sizeof(*e->dests));
	e->ring = pg_xcalloc(n ? n : 1, sizeof(*e->ring));
	for (i = 0; i < n; i = j) {
		struct dest *d = &e->dests[e->ndests];

		d->first = (uint32_t)i;
		for (j = i; j < n && cmp_addr(&e->targets[ids[i]].addr,
					      &e->targets[ids[j]].addr) == 0; j++)
			e->ts[ids[j]].dest = (uint32_t)e->ndests;
		d->nactive = (uint32_t)(j - i);
		e->ndests++;
	}
	for (i = 0; i < e->ndests; i++)
		ring_push(e, (uint32_t)i);
}

/* Take the next job of destination d (round robin over its targets). */
static struct jobref dest_take(struct engine *e, uint32_t d)
{
	struct dest *ds = &e->dests[d];
	uint32_t *slot = &e->dest_targets[ds->first + ds->rr];
	struct jobref j = { .target = *slot };
	struct tstate *t = &e->ts[j.target];

	j.pidx = t->next++;
	if (t->next == e->targets[j.target].nports) {
		/* exhausted: swap it out of the active part */
		*slot = e->dest_targets[ds->first + ds->nactive - 1];
		e->dest_targets[ds->first + ds->nactive - 1] = j.target;
		ds->nactive--;
	} else {
		ds->rr++;
	}
	if (ds->rr >= ds->nactive)
		ds->rr = 0;
	return j;
}

/* ---- verdicts ---- */

static struct pg_port_result *slot_result(struct engine *e, const struct slot *s)
{
	return &e->targets[s->target].results[s->pidx];
}

static void slot_release(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];

	timer_clear(e, si);
	s->phase = SLOT_FREE;
	s->fd = -1;
	s->probe = NULL;
	s->gen++;
	e->free_slots[e->nfree++] = si;
	e->busy--;
}

/* The job's reservation ends: it no longer counts against the caps. */
static void job_done(struct engine *e, uint32_t target)
{
	struct tstate *t = &e->ts[target];

	e->inflight--;
	e->dests[t->dest].inflight--;
	if (dest_ready(e, t->dest))
		ring_push(e, t->dest);
	if (--t->remaining == 0)
		e->targets[target].finished_ms = e->now_us / 1000;
	e->done++;
}

static void set_result(struct pg_port_result *r, enum pg_port_state state, const char *reason,
		       int err, uint32_t rtt_us)
{
	r->state = state;
	r->reason = reason;
	r->err = err;
	r->rtt_us = rtt_us;
}

static void slot_finish(struct engine *e, uint32_t si, const struct pg_scan_verdict *v,
			uint32_t rtt_us)
{
	uint32_t target = e->slots[si].target;

	set_result(slot_result(e, &e->slots[si]), v->state, v->reason, v->err, rtt_us);
	slot_release(e, si);
	job_done(e, target);
}

/* Close a socket we are done with. rst: abort with RST instead of FIN so a
 * big scan does not leave thousands of TIME_WAIT sockets behind. */
static void close_fd(int fd, bool rst)
{
	if (fd < 0)
		return;
	if (rst) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
}

static uint32_t rtt_since(const struct engine *e, const struct slot *s)
{
	uint64_t d = e->now_us > s->start_us ? e->now_us - s->start_us : 0;

	if (d == 0)
		d = 1; /* answered: never report 0, which means "no answer" */
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* ---- adaptation: timeouts and windows follow the answers ---- */

static struct dest *slot_dest(const struct engine *e, const struct slot *s)
{
	return &e->dests[e->ts[s->target].dest];
}

/* How long the current attempt of s may wait for its answer, from now on
 * (estimates change while it waits). */
static uint64_t attempt_timeout_us(const struct engine *e, const struct slot *s)
{
	return pg_rtt_timeout_us(&slot_dest(e, s)->rtt, &e->rtt, (uint64_t)e->timeout_ms * 1000,
				 e->targets[s->target].results[s->pidx].attempts);
}

/* The current attempt of s got an answer (SYN-ACK, RST or ICMP) after rtt_us:
 * feed the estimators and the destination's window. */
static void note_answer(struct engine *e, const struct slot *s, uint32_t rtt_us)
{
	struct dest *ds = slot_dest(e, s);

	pg_rtt_sample(&ds->rtt, rtt_us);
	pg_rtt_sample(&e->rtt, rtt_us);
	if (ds->rtt.samples == PG_RTT_MIN_SAMPLES || e->rtt.samples == PG_RTT_MIN_SAMPLES)
		e->rekey = true;
	if (e->targets[s->target].results[s->pidx].attempts > 1) {
		/* An earlier try of this port went unanswered and this one did
		 * not: a drop (or a late answer). Back off like TCP. */
		ds->ssthresh = ds->cwnd / 2;
		if (ds->ssthresh < PG_SCAN_MIN_WINDOW)
			ds->ssthresh = PG_SCAN_MIN_WINDOW;
		ds->cwnd = ds->ssthresh;
	} else if (ds->cwnd < ds->ssthresh) {
		ds->cwnd += 1; /* slow start: the window doubles every round trip */
	} else {
		ds->cwnd += 1 / ds->cwnd;
	}
	if (ds->cwnd > e->per_host)
		ds->cwnd = e->per_host;
}

/* ---- probing ---- */

static bool is_tls_port(const struct pg_scan_target *t, uint16_t port)
{
	size_t i;

	for (i = 0; i < t->ntls_ports; i++)
		if (t->tls_ports[i] == port)
			return true;
	return pg_port_is_tls_default(port);
}

static uint64_t slot_key(const struct slot *s, uint32_t si)
{
	return (uint64_t)s->gen << 32 | si;
}

static void probe_done(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_port_result *r = slot_result(e, s);
	uint32_t target = s->target;

	r->probe = pg_probe_finish(s->probe);
	slot_release(e, si);
	job_done(e, target);
}

/* After every probe step: watch the fd and deadline the probe asks for. The
 * probe may have closed its socket and opened another one (maybe with the
 * same number, which close() already removed from the epoll set). */
static void probe_sync(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	int nfd = pg_probe_fd(s->probe);
	struct epoll_event ev = { .events = pg_probe_events(s->probe),
				  .data.u64 = slot_key(s, si) };
	uint64_t deadline = pg_probe_deadline(s->probe) * 1000;

	if (s->fd >= 0 && nfd != s->fd)
		(void)epoll_ctl(e->ep, EPOLL_CTL_DEL, s->fd, NULL);
	if (nfd >= 0) {
		int op = nfd == s->fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

		if (epoll_ctl(e->ep, op, nfd, &ev) != 0) {
			op = errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
			if ((errno == ENOENT || errno == EEXIST) &&
			    epoll_ctl(e->ep, op, nfd, &ev) == 0)
				errno = 0;
			if (errno)
				pg_debug("scan: cannot watch probe fd %d: %s", nfd, strerror(errno));
		}
	}
	s->fd = nfd;
	/* A deadline in the past would spin; past the backstop the timer ends it. */
	if (deadline <= e->now_us)
		deadline = e->now_us + 1000;
	if (deadline > s->hard_us)
		deadline = s->hard_us;
	timer_set(e, si, deadline);
}

static void probe_step(struct engine *e, uint32_t si, uint32_t events)
{
	struct slot *s = &e->slots[si];
	bool finished = pg_probe_step(s->probe, events, e->now_us / 1000);

	if (!finished && events == 0 && e->now_us >= s->hard_us) {
		pg_debug("scan: probe of port %u overran its budget, stopping it",
			 e->targets[s->target].ports[s->pidx]);
		finished = true;
	}
	if (finished)
		probe_done(e, si);
	else
		probe_sync(e, si);
}

static void probe_begin(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_target *t = &e->targets[s->target];
	uint16_t port = t->ports[s->pidx];
	int off = 0, fd = s->fd;

	/* The probe wants ordinary socket errors, not the ICMP error queue. */
	(void)setsockopt(fd, t->addr.family == AF_INET6 ? SOL_IPV6 : SOL_IP,
			 t->addr.family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &off, sizeof(off));
	s->probe = pg_probe_start(fd, &t->addr, port, t->hostname, is_tls_port(t, port),
				  &e->opts->probe_opts, e->now_us / 1000);
	if (!s->probe) {
		/* pg_probe_start owns fd even when it fails; the port stays open. */
		struct pg_port_result *r = slot_result(e, s);
		uint32_t target = s->target;

		(void)r;
		slot_release(e, si);
		job_done(e, target);
		return;
	}
	s->phase = SLOT_PROBING;
	s->hard_us = e->now_us + (uint64_t)(e->opts->probe_opts.total_ms > 0 ?
					    e->opts->probe_opts.total_ms : 5000) * 1000 +
		     PROBE_GRACE_US;
	probe_sync(e, si);
}

/* ---- connect attempts ---- */

static void on_connected(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_port_result *r = slot_result(e, s);
	uint32_t rtt = rtt_since(e, s);

	note_answer(e, s, rtt);
	if (pg_scan_is_self_connect(s->fd)) {
		struct pg_scan_verdict v = { PG_PORT_CLOSED, "self-connect", 0 };

		close_fd(s->fd, true);
		slot_finish(e, si, &v, rtt);
		return;
	}
	if (!e->opts->probe) {
		struct pg_scan_verdict v = { PG_PORT_OPEN, "syn-ack", 0 };

		close_fd(s->fd, true);
		slot_finish(e, si, &v, rtt);
		return;
	}
	set_result(r, PG_PORT_OPEN, "syn-ack", 0, rtt);
	probe_begin(e, si);
}

static void set_port(struct sockaddr_storage *ss, int family, uint16_t port)
{
	if (family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* The process ran out of descriptors: keep the job's reservation, retry it
 * once a socket of ours closes, and stop admitting new jobs beyond what is
 * open now. A job that hits the limit twice (or when nothing of ours is open
 * that could free one) is an error. */
static void out_of_fds(struct engine *e, uint32_t si, int err)
{
	struct slot *s = &e->slots[si];
	struct pg_port_result *r = slot_result(e, s);
	struct jobref j = { s->target, s->pidx };

	r->attempts--; /* this try never sent anything */
	if (s->second_chance || e->busy <= 1) {
		struct pg_scan_verdict v;

		pg_scan_classify(-1, err, true, &v);
		slot_finish(e, si, &v, 0);
		return;
	}
	slot_release(e, si);
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

static void attempt_start(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_target *t = &e->targets[s->target];
	struct pg_port_result *r = slot_result(e, s);
	struct sockaddr_storage ss = t->addr.ss;
	struct epoll_event ev = { .events = EPOLLOUT };
	struct pg_scan_verdict v;
	int on = 1, err;

	r->attempts++;
	e->now_us = mono_us(); /* per attempt: rtt resolution, cheap (vDSO) */
	s->start_us = e->now_us;
	s->fd = socket(t->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s->fd < 0) {
		err = errno;
		if (err == EMFILE || err == ENFILE) {
			out_of_fds(e, si, err);
			return;
		}
		pg_scan_classify(-1, err, true, &v);
		slot_finish(e, si, &v, 0);
		return;
	}
	/* Ask for ICMP details so admin-prohibited can be told from host-unreachable. */
	(void)setsockopt(s->fd, t->addr.family == AF_INET6 ? SOL_IPV6 : SOL_IP,
			 t->addr.family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof(on));
	set_port(&ss, t->addr.family, t->ports[s->pidx]);
	if (connect(s->fd, (struct sockaddr *)&ss, t->addr.sslen) == 0) {
		on_connected(e, si);
		return;
	}
	err = errno;
	if (err != EINPROGRESS) {
		close_fd(s->fd, false);
		pg_scan_classify(-1, err, true, &v);
		slot_finish(e, si, &v, 0);
		return;
	}
	/* A local target often refuses inside connect() itself: take that
	 * answer now and save the epoll round trip (one cheap syscall). */
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof(err) }) == 0 &&
	    err != 0) {
		pg_scan_classify(s->fd, err, false, &v);
		close_fd(s->fd, false);
		if (v.state != PG_PORT_ERROR)
			note_answer(e, s, rtt_since(e, s));
		slot_finish(e, si, &v, v.state == PG_PORT_ERROR ? 0 : rtt_since(e, s));
		return;
	}
	ev.data.u64 = slot_key(s, si);
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		err = errno;
		close_fd(s->fd, false);
		v = (struct pg_scan_verdict){ PG_PORT_ERROR, "epoll-failed", err };
		slot_finish(e, si, &v, 0);
		return;
	}
	s->phase = SLOT_CONNECTING;
	timer_set(e, si, s->start_us + attempt_timeout_us(e, s));
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
	close_fd(s->fd, false);
	if (v.state != PG_PORT_ERROR)
		note_answer(e, s, rtt_since(e, s));
	slot_finish(e, si, &v, v.state == PG_PORT_ERROR ? 0 : rtt_since(e, s));
}

static void on_connect_timeout(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
	uint64_t due = s->start_us + attempt_timeout_us(e, s);

	/* Answers seen since this attempt started may justify a longer wait
	 * (slower than the early samples): honour the current estimate. */
	if (due > e->now_us) {
		timer_set(e, si, due);
		return;
	}
	/* The answer may sit in a later epoll batch: never call a port that
	 * answered in time filtered because of our own queueing. */
	if (poll(&pfd, 1, 0) == 1) {
		on_connect_event(e, si);
		return;
	}
	close_fd(s->fd, false);
	s->fd = -1;
	if (slot_result(e, s)->attempts < e->tries) {
		attempt_start(e, si);
		return;
	}
	{
		struct pg_scan_verdict v = { PG_PORT_FILTERED, "no-response", 0 };

		slot_finish(e, si, &v, 0);
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
	else
		probe_step(e, si, ev->events);
}

static void run_timers(struct engine *e)
{
	while (e->nheap > 0) {
		uint32_t si = e->heap[0];
		struct slot *s = &e->slots[si];

		if (s->deadline_us > e->now_us)
			return;
		if (s->phase == SLOT_CONNECTING)
			on_connect_timeout(e, si);
		else
			probe_step(e, si, 0);
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
		uint32_t d = ring_pop(e);

		if (e->dests[d].nactive == 0 || e->dests[d].inflight >= dest_window(e, &e->dests[d]))
			continue; /* pushed back when it has room again */
		e->inflight++;
		e->dests[d].inflight++;
		launch(e, dest_take(e, d), false);
		if (dest_ready(e, d))
			ring_push(e, d);
	}
}

static void progress(struct engine *e, bool final)
{
	if (!e->opts->progress)
		return;
	if (!final && e->now_us - e->last_progress_us < PROGRESS_EVERY_US)
		return;
	e->last_progress_us = e->now_us;
	e->opts->progress(e->done, e->total, e->opts->progress_ud);
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

		if (s->phase != SLOT_CONNECTING)
			continue;
		due = s->start_us + attempt_timeout_us(e, s);
		if (due < s->deadline_us)
			timer_set(e, (uint32_t)i, due);
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
		e->now_us = mono_us();
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

/* ---- setup and teardown ---- */

static void init_results(struct engine *e, uint32_t *ids, size_t *nids)
{
	size_t i, k;

	*nids = 0;
	for (i = 0; i < e->ntargets; i++) {
		struct pg_scan_target *t = &e->targets[i];
		bool bad = t->addr.family != AF_INET && t->addr.family != AF_INET6;

		t->started_ms = t->finished_ms = 0;
		for (k = 0; k < t->nports; k++) {
			struct pg_port_result *r = &t->results[k];

			memset(r, 0, sizeof(*r));
			r->port = t->ports[k];
			r->state = PG_PORT_ERROR;
			r->reason = bad ? "bad-address" : "not-scanned";
			r->err = bad ? EAFNOSUPPORT : 0;
		}
		e->ts[i].remaining = bad ? 0 : (uint32_t)t->nports;
		if (bad || t->nports == 0) {
			t->started_ms = t->finished_ms = e->now_us / 1000;
			continue;
		}
		e->total += t->nports;
		ids[(*nids)++] = (uint32_t)i;
	}
}

static size_t pick_cap(const struct pg_scan_opts *o, size_t total)
{
	int auto_cap = pg_scan_auto_inflight(); /* also raises the fd soft limit */
	size_t cap = o->max_inflight > 0 ? (size_t)o->max_inflight : (size_t)auto_cap;

	if (cap > total)
		cap = total;
	return cap ? cap : 1;
}

static void engine_free(struct engine *e)
{
	size_t i;

	for (i = 0; e->slots && i < e->nslots; i++) {
		struct slot *s = &e->slots[i];

		if (s->phase == SLOT_PROBING) {
			json_t *j = pg_probe_finish(s->probe);

			json_decref(j);
		} else if (s->phase == SLOT_CONNECTING) {
			close_fd(s->fd, false);
		}
	}
	if (e->ep >= 0)
		close(e->ep);
	free(e->slots);
	free(e->free_slots);
	free(e->heap);
	free(e->ts);
	free(e->dests);
	free(e->dest_targets);
	free(e->ring);
	free(e->deferred);
}

/* An explicit max_per_host is a fixed window; automatic (0) starts every
 * address at PG_SCAN_INIT_WINDOW and lets answers grow it up to the global cap. */
static void init_windows(struct engine *e)
{
	int mph = e->opts->max_per_host;
	double init;
	size_t i;

	e->per_host = mph > 0 ? (uint32_t)mph : (uint32_t)e->nslots;
	init = mph > 0 || e->per_host < PG_SCAN_INIT_WINDOW ? e->per_host : PG_SCAN_INIT_WINDOW;
	for (i = 0; i < e->ndests; i++) {
		e->dests[i].cwnd = init;
		e->dests[i].ssthresh = e->per_host;
	}
	e->rekey_rto_us = (uint64_t)e->timeout_ms * 1000;
}

static int engine_init(struct engine *e, char *err, size_t errlen)
{
	const struct pg_scan_opts *o = e->opts;
	uint32_t *ids = pg_xcalloc(e->ntargets ? e->ntargets : 1, sizeof(*ids));
	size_t nids, i;

	e->ep = -1;
	e->now_us = mono_us();
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	e->tries = 1 + (o->retries < 0 ? 0 : o->retries > MAX_TRIES - 1 ? MAX_TRIES - 1 : o->retries);
	e->ts = pg_xcalloc(e->ntargets ? e->ntargets : 1, sizeof(*e->ts));
	init_results(e, ids, &nids);
	build_dests(e, ids, nids);
	if (e->total == 0)
		return 0;
	e->nslots = e->eff_cap = pick_cap(o, e->total);
	e->slots = pg_xcalloc(e->nslots, sizeof(*e->slots));
	e->free_slots = pg_xcalloc(e->nslots, sizeof(*e->free_slots));
	e->heap = pg_xcalloc(e->nslots, sizeof(*e->heap));
	init_windows(e);
	for (i = 0; i < e->nslots; i++) {
		e->slots[i].fd = -1;
		e->slots[i].hidx = NO_HEAP;
		e->free_slots[e->nfree++] = (uint32_t)(e->nslots - 1 - i);
	}
	e->ep = epoll_create1(EPOLL_CLOEXEC);
	if (e->ep < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return -1;
	}
	e->last_progress_us = e->now_us;
	return 0;
}

static int run_one(struct pg_scan_target *targets, size_t ntargets,
		   const struct pg_scan_opts *opts, char *err, size_t errlen)
{
	struct engine e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.targets = targets;
	e.ntargets = ntargets;
	e.opts = opts;
	rc = engine_init(&e, err, errlen);
	if (rc == 0 && e.total > 0)
		rc = loop(&e, err, errlen);
	engine_free(&e);
	return rc;
}

/* ---- several loops on several CPUs ----
 *
 * A big scan without probing is kernel work (socket, connect, the RST, close)
 * on the CPU that runs the loop. So it is split into shards, one loop per CPU:
 * the (target, port) jobs in order are cut into equal contiguous runs, a
 * target cut in two becomes two views (ports and results are slices of its
 * arrays, which are index for index), and each shard is an independent engine
 * in its own thread with its share of the global cap. Only with automatic caps
 * and no probing, so explicit caps and probes mean exactly what they say. */

struct fanout {
	pthread_mutex_t mu;
	const struct pg_scan_opts *user;
	size_t total, nshards;
	size_t *done; /* per shard */
	uint64_t last_us;
};

struct shard {
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

static void shard_progress(size_t done, size_t total, void *ud)
{
	struct shard *sh = ud;
	struct fanout *f = sh->fan;
	uint64_t now = mono_us();
	size_t i, sum = 0;

	(void)total;
	pthread_mutex_lock(&f->mu);
	f->done[sh->id] = done;
	for (i = 0; i < f->nshards; i++)
		sum += f->done[i];
	/* the final call comes from run_sharded once every shard is done */
	if (sum < f->total && now - f->last_us >= PROGRESS_EVERY_US) {
		f->last_us = now;
		f->user->progress(sum, f->total, f->user->progress_ud);
	}
	pthread_mutex_unlock(&f->mu);
}

static void *shard_main(void *arg)
{
	struct shard *sh = arg;

	sh->rc = run_one(sh->views, sh->nviews, &sh->opts, sh->err, sizeof(sh->err));
	return NULL;
}

static size_t count_jobs(const struct pg_scan_target *t, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += t[i].nports;
	return total;
}

static size_t pick_shards(const struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (o->probe || o->max_per_host > 0 || o->max_inflight > 0 || cpus < 2 ||
	    count_jobs(t, n) < SHARD_MIN_JOBS)
		return 1;
	return cpus > MAX_SHARDS ? MAX_SHARDS : (size_t)cpus;
}

/* Cut the jobs into k runs of `chunk` (the last one takes the rest). With
 * sh == NULL only count each shard's views into counts[]. */
static void partition(struct pg_scan_target *t, size_t n, size_t k, size_t chunk,
		      struct shard *sh, size_t *counts)
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
			if (sh) {
				struct pg_scan_target *v = &sh[cur].views[sh[cur].nviews];

				*v = t[i];
				v->ports += off;
				v->results += off;
				v->nports = take;
				sh[cur].orig[sh[cur].nviews++] = i;
			} else {
				counts[cur]++;
			}
			off += take;
			fill += take;
		} while (off < t[i].nports);
	}
}

/* Fold the views' timing back into their targets. */
static void merge_times(struct pg_scan_target *t, size_t n, const struct shard *sh, size_t k)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		t[i].started_ms = t[i].finished_ms = 0;
	for (j = 0; j < k; j++) {
		for (i = 0; i < sh[j].nviews; i++) {
			struct pg_scan_target *o = &t[sh[j].orig[i]];
			const struct pg_scan_target *v = &sh[j].views[i];

			if (o->started_ms == 0 || v->started_ms < o->started_ms)
				o->started_ms = v->started_ms;
			if (v->finished_ms > o->finished_ms)
				o->finished_ms = v->finished_ms;
		}
	}
}

static void shards_setup(struct shard *sh, size_t k, const size_t *counts,
			 const struct pg_scan_opts *o, struct fanout *fan)
{
	int cap = pg_scan_auto_inflight(); /* also raises the fd soft limit */
	size_t j;

	for (j = 0; j < k; j++) {
		sh[j].views = pg_xcalloc(counts[j] ? counts[j] : 1, sizeof(*sh[j].views));
		sh[j].orig = pg_xcalloc(counts[j] ? counts[j] : 1, sizeof(*sh[j].orig));
		sh[j].opts = *o;
		sh[j].opts.max_inflight = cap / (int)k > 0 ? cap / (int)k : 1;
		sh[j].fan = fan;
		sh[j].id = j;
		if (o->progress) {
			sh[j].opts.progress = shard_progress;
			sh[j].opts.progress_ud = &sh[j];
		}
	}
}

static int run_sharded(struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o,
		       size_t k, char *err, size_t errlen)
{
	struct shard *sh = pg_xcalloc(k, sizeof(*sh)); /* owned */
	size_t counts[MAX_SHARDS] = { 0 }, done[MAX_SHARDS] = { 0 };
	size_t total = count_jobs(t, n), chunk = (total + k - 1) / k, j;
	struct fanout fan = { .user = o, .total = total, .nshards = k, .done = done };
	int rc = 0;

	pthread_mutex_init(&fan.mu, NULL);
	partition(t, n, k, chunk, NULL, counts);
	shards_setup(sh, k, counts, o, &fan);
	partition(t, n, k, chunk, sh, NULL);
	for (j = 0; j < k; j++) {
		sh[j].threaded = pthread_create(&sh[j].th, NULL, shard_main, &sh[j]) == 0;
		if (!sh[j].threaded)
			shard_main(&sh[j]); /* no thread to be had: run it here */
	}
	for (j = 0; j < k; j++) {
		if (sh[j].threaded)
			pthread_join(sh[j].th, NULL);
		if (sh[j].rc != 0 && rc == 0) {
			rc = -1;
			snprintf(err, errlen, "%s", sh[j].err);
		}
	}
	if (rc == 0) {
		merge_times(t, n, sh, k);
		if (o->progress)
			o->progress(total, total, o->progress_ud);
	}
	for (j = 0; j < k; j++) {
		free(sh[j].views);
		free(sh[j].orig);
	}
	free(sh);
	pthread_mutex_destroy(&fan.mu);
	return rc;
}

int pg_scan_run(struct pg_scan_target *targets, size_t ntargets, const struct pg_scan_opts *opts,
		char *err, size_t errlen)
{
	struct pg_scan_opts defaults;
	size_t k;

	if (!opts) {
		pg_scan_opts_default(&defaults);
		opts = &defaults;
	}
	k = pick_shards(targets, ntargets, opts);
	if (k > 1)
		return run_sharded(targets, ntargets, opts, k, err, errlen);
	return run_one(targets, ntargets, opts, err, errlen);
}
