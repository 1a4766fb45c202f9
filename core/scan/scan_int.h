/* scan_int.h - internals of the scan engine, shared by core/scan/scan*.c and the
 * engine's unit test. Not a contract for other modules: use scan.h.
 * docs/scan-engine.md says which file does what. */
#ifndef PG_SCAN_INT_H
#define PG_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scan.h"

struct pg_scan_verdict {
	enum pg_port_state state;
	const char *reason; /* static string */
	int err;            /* errno kept for error states, else 0 */
};

/* Map a failed connect to a state. sync = the errno came from connect() or
 * socket() itself (nothing was sent or answered: a local or routing failure);
 * otherwise it came from SO_ERROR and fd (>= 0) is read for the ICMP details
 * queued by IP_RECVERR / IPV6_RECVERR. */
void pg_scan_classify(int fd, int err, bool sync, struct pg_scan_verdict *v);

/* True when an ICMP error is queued on fd (IP_RECVERR): the answer was ICMP. */
bool pg_scan_icmp_queued(int fd);

/* True when a connected socket is connected to itself (TCP simultaneous open
 * with source port == destination port on a local address). */
bool pg_scan_is_self_connect(int fd);

/* Raise the RLIMIT_NOFILE soft limit to the hard limit and return the default
 * global in-flight cap: the limit minus headroom for probes, files, plugins. */
int pg_scan_auto_inflight(void);

/* Round-trip estimator of one destination address, or of the whole run
 * (RFC 6298 SRTT/RTTVAR), fed by every answered connect (SYN-ACK, RST, ICMP).
 * Each attempt uses its own socket, so an answer always belongs to the
 * attempt it is timed against (no retransmission ambiguity). */
struct pg_rtt {
	uint32_t srtt_us, rttvar_us; /* meaningful once samples > 0 */
	uint32_t max_us;             /* slowest answer seen */
	uint32_t samples;
};

/* Samples an estimator needs before it may shorten a timeout. */
#define PG_RTT_MIN_SAMPLES     6
/* ... for a UDP try, from its own destination's answers: a UDP list is
 * usually short (a handful of well-known ports), and without a shorter wait
 * its first unanswered try outlasts the canaries' span and costs a quiet
 * round (docs/scan-engine.md, "UDP"). The run-wide fallback keeps 6. */
#define PG_RTT_MIN_SAMPLES_UDP 3
/* Never wait less than this for an answer (nmap's --min-rtt-timeout). */
#define PG_RTT_MIN_TIMEOUT_US  100000

void pg_rtt_sample(struct pg_rtt *r, uint32_t rtt_us);

/* How long attempt number `attempt` (1 = first) may wait for an answer:
 * max_us until dest (or else global) has PG_RTT_MIN_SAMPLES samples; then
 * SRTT + 4 RTTVAR, but at least twice the slowest answer either has seen and
 * at least PG_RTT_MIN_TIMEOUT_US, doubled for every retry, at most max_us. */
uint64_t pg_rtt_timeout_us(const struct pg_rtt *dest, const struct pg_rtt *global, uint64_t max_us,
			   unsigned attempt);
/* The same, with dest usable from dest_min samples on (global: still 6). */
uint64_t pg_rtt_timeout_n_us(const struct pg_rtt *dest, uint32_t dest_min,
			     const struct pg_rtt *global, uint64_t max_us, unsigned attempt);

/* Upper bound of the automatic cap: beyond this more sockets buy nothing but
 * kernel memory and conntrack entries. */
#define PG_SCAN_AUTO_MAX 16384

/* Per-destination window when max_per_host is 0 (automatic): it starts here
 * and grows by one per answer (doubling every round trip, as TCP slow start),
 * halves when a retry gets an answer the first attempt did not (a drop), and
 * never falls below PG_SCAN_MIN_WINDOW. */
#define PG_SCAN_INIT_WINDOW 256
#define PG_SCAN_MIN_WINDOW  16

/* ---- the engine: one epoll loop over a fixed array of slots ---- */

#define PG_SCAN_DEFAULT_TIMEOUT_MS 1000
#define PG_SCAN_PROGRESS_EVERY_US  100000 /* progress callback at most ~10 times/s */

struct pg_probe;
struct pg_udp_drain;

/* SLOT_UDP: a datagram is out, waiting for its answer; SLOT_UDP_WAIT: no
 * socket, waiting for the destination's next UDP round (scan_udp.c);
 * SLOT_UDP_READ: reading the rest of an answer. */
enum slot_phase {
	SLOT_FREE,
	SLOT_CONNECTING,
	SLOT_PROBING,
	SLOT_UDP,
	SLOT_UDP_WAIT,
	SLOT_UDP_READ
};

/* ICMP rate limit pacing (docs/scan-engine.md, "UDP"): an unanswered UDP try
 * proves "not closed" only when this long passed, before it was sent, without
 * an ICMP error from its destination: Linux then holds a token for one
 * (net.ipv4.icmp_ratelimit 1000 ms, plus a margin for jiffies). */
#define PG_SCAN_UDP_QUIET_US  1020000
/* Hard bound on the tries of one UDP port (attempts is a uint8_t). */
#define PG_SCAN_UDP_MAX_TRIES 250

struct slot {
	int fd;          /* socket being watched, -1 when none */
	uint32_t target; /* index into targets */
	uint32_t pidx;   /* index into the target's ports/results */
	uint32_t hidx;   /* position in the timer heap, NO_HEAP when absent */
	uint32_t gen;    /* bumped on release: stale epoll events are ignored */
	uint8_t phase;
	bool second_chance;   /* relaunched after EMFILE: another one is final */
	bool udp_quiet;       /* a UDP try went unanswered although a closed port's
				 ICMP error could not have been rate limited */
	bool udp_judge;       /* SLOT_UDP_WAIT for the canaries' answer, then judge */
	bool udp_any_port;    /* the try's socket is not connected: the answer comes
				 from another port of the target (TFTP) */
	uint32_t nonce;       /* of the current UDP request */
	uint64_t start_us;    /* start of the current connect attempt */
	uint64_t deadline_us; /* heap key */
	uint64_t hard_us;     /* probe backstop */
	struct pg_probe *probe;
	struct pg_udp_drain *udp; /* owned in SLOT_UDP_READ */
};
#define NO_HEAP UINT32_MAX

struct target_state {
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
	uint32_t acct;     /* its ICMP account: e->accts[acct] */
	/* canaries (scan_udp.c): two datagrams to ports known closed */
	uint64_t udp_canary_us; /* when they went out, 0 = never */
	int udp_canary_fd[2];   /* -1 once closed */
	uint16_t udp_closed[2]; /* known closed UDP ports */
	uint8_t udp_nclosed;    /* of udp_closed[] */
	uint8_t udp_canary;     /* enum pg_canary */
};

/* The ICMP account of the destinations that may share one rate-limit bucket
 * (docs/scan-engine.md, "The ICMP rate limit"). Linux keeps the bucket per
 * peer (our address) on the target host, shared by every address the host
 * owns; which addresses those are cannot be known, so destinations in one
 * IPv4 /24 or one IPv6 /64 share an account: their ICMP errors and rounds
 * are counted together. Windows and RTT stay per destination. */
struct udp_acct {
	uint64_t watch_us; /* first UDP datagram sent to the group, 0 = none yet */
	uint64_t icmp_us;  /* last ICMP error seen from the group, 0 = none */
	uint32_t nicmp;    /* ICMP errors seen from the group */
};

enum pg_canary { CANARY_NONE, CANARY_PENDING, CANARY_PROVEN, CANARY_FAILED };

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

	struct target_state *ts; /* owned, ntargets */
	struct dest *dests;      /* owned, ndests */
	struct udp_acct *accts;  /* owned, one per group of dests (at most ndests) */
	uint32_t *dest_targets;  /* owned, target ids grouped by destination */
	size_t ndests;
	uint32_t *ring; /* owned, ring of dest ids ready to launch */
	size_t ring_head, ring_len;

	struct jobref *deferred; /* owned, jobs that hit EMFILE, FIFO */
	size_t def_head, def_len, def_cap;

	size_t done, total;
	uint64_t now_us, last_progress_us;
	size_t nopen, nprobing; /* for progress: open so far, probes running */
};

/* Job pidx of a target: its TCP ports first, then its UDP ports (the order of results). */
static inline bool pg_scan_job_is_udp(const struct pg_scan_target *t, uint32_t pidx)
{
	return pidx >= t->nports;
}

static inline uint16_t pg_scan_job_port(const struct pg_scan_target *t, uint32_t pidx)
{
	return pidx < t->nports ? t->ports[pidx] : t->udp_ports[pidx - t->nports];
}

static inline struct pg_port_result *pg_scan_slot_result(struct engine *e, const struct slot *s)
{
	return &e->targets[s->target].results[s->pidx];
}

static inline struct udp_acct *pg_scan_slot_acct(struct engine *e, const struct slot *s)
{
	return &e->accts[e->dests[e->ts[s->target].dest].acct];
}

/* epoll data of slot si: stale events (of a slot since reused) carry an old gen. */
static inline uint64_t pg_scan_slot_key(const struct slot *s, uint32_t si)
{
	return (uint64_t)s->gen << 32 | si;
}

/* scan_slot.c: slot and job bookkeeping */
void pg_scan_slot_release(struct engine *e, uint32_t si);
/* A job's end: it leaves the global cap, and the destination's window too when
 * dest_held (a probed job gave its window share back when the probe began). */
void pg_scan_job_done(struct engine *e, uint32_t target, bool dest_held);
/* The job's share of its destination's window goes back (the ring may resume it). */
void pg_scan_dest_release(struct engine *e, uint32_t target);
void pg_scan_close_fd(int fd, bool rst);
/* Record the verdict of slot si's job and end the job. */
void pg_scan_slot_finish(struct engine *e, uint32_t si, const struct pg_scan_verdict *v,
			 uint32_t rtt_us);
/* Microseconds from the start of the slot's attempt to now (at least 1). */
uint32_t pg_scan_rtt_since(const struct engine *e, const struct slot *s);

/* scan.c: verdicts and the loop of one engine */
int pg_scan_run_one(struct pg_scan_target *targets, size_t ntargets,
		    const struct pg_scan_opts *opts, char *err, size_t errlen);

/* scan_timer.c: deadline heap */
void pg_scan_timer_set(struct engine *e, uint32_t si, uint64_t deadline_us);
void pg_scan_timer_clear(struct engine *e, uint32_t si);

/* scan_dest.c: destinations, the ring, windows and timeouts */
void pg_scan_ring_push(struct engine *e, uint32_t d);
uint32_t pg_scan_ring_pop(struct engine *e);
uint32_t pg_scan_dest_window(const struct engine *e, const struct dest *ds);
bool pg_scan_dest_ready(const struct engine *e, uint32_t d);
void pg_scan_build_dests(struct engine *e, uint32_t *ids, size_t n);
struct jobref pg_scan_dest_take(struct engine *e, uint32_t d);
uint64_t pg_scan_attempt_timeout_us(const struct engine *e, const struct slot *s);
void pg_scan_note_answer(struct engine *e, const struct slot *s, uint32_t rtt_us);
/* The slot's destination sent an ICMP error (it spent a token of its rate limit). */
void pg_scan_note_icmp(struct engine *e, const struct slot *s);
void pg_scan_init_windows(struct engine *e);

/* scan_probe.c: probes inside the loop */
void pg_scan_probe_begin(struct engine *e, uint32_t si);
void pg_scan_probe_step(struct engine *e, uint32_t si, uint32_t events);

/* scan_udp.c: UDP jobs. Both return 0, or EMFILE/ENFILE when a new socket
 * could not be had (the loop defers the job, as for TCP). */
int pg_scan_udp_attempt(struct engine *e, uint32_t si);
int pg_scan_udp_timer(struct engine *e, uint32_t si);
void pg_scan_udp_event(struct engine *e, uint32_t si);
void pg_scan_udp_free(struct slot *s);       /* teardown of a busy UDP slot */
void pg_scan_udp_dest_free(struct dest *ds); /* teardown: the canary sockets */

/* scan_classify.c: a UDP socket's error (ECONNREFUSED = ICMP port unreachable;
 * the ICMP type/code from the error queue when there is one). */
void pg_scan_classify_udp(int fd, int err, struct pg_scan_verdict *v);

/* scan_setup.c */
int pg_scan_engine_init(struct engine *e, char *err, size_t errlen);
void pg_scan_engine_free(struct engine *e);

/* scan_loops.c: 1 = one loop; more: run_loops with that many */
size_t pg_scan_pick_loops(const struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o);
int pg_scan_run_loops(struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o, size_t k,
		      char *err, size_t errlen);

#endif
