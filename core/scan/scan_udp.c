/* scan_udp.c - UDP jobs inside the engine's loop.
 *
 * Each try is its own connected UDP socket: connect() then send() the request
 * of probe_udp.h (an empty datagram without probing); a service that answers
 * from another port (TFTP) gets an unconnected socket that reads only what
 * comes from the target's address. A datagram back means
 * open; ICMP port unreachable arrives as ECONNREFUSED (closed); other ICMP
 * errors are read from the IP_RECVERR queue (filtered with their reason).
 *
 * Closed ports answer with ICMP, which Linux rate limits per peer: the target
 * host keeps one token bucket for our address (about one per
 * net.ipv4.icmp_ratelimit = 1 s, burst 6), shared by all its addresses. So an
 * unanswered try proves nothing unless the bucket surely held a token: no
 * ICMP error came from the destination's group (struct udp_acct: its /24 or
 * /64, which holds every address of the host we may be scanning) for
 * PG_SCAN_UDP_QUIET_US before the try was sent (and we were watching the group
 * that long). Unproven ports wait for the group's next round, one quiet
 * interval after its last ICMP error, and are tried again; docs/scan-engine.md
 * ("UDP") has the whole algorithm. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/probe_udp.h"
#include "scan_int.h"
#include "util/util.h"

#define DRAIN_MAX_US    200000 /* read further datagrams of an answer this long */
#define DRAIN_GAP_US    50000  /* ... or until none came for this long */
#define DRAIN_BATCH     64     /* datagrams read per event: the loop stays fair */
#define ANSWER_MAX      65535  /* largest datagram */
/* Canaries cover tries sent this shortly before them: less than the target's
 * refill interval (IPv4 1 s; IPv6 250 ms behind a /64, 62.5 ms behind a
 * default route). */
#define CANARY_SPAN4_US 500000
#define CANARY_SPAN6_US 50000
#define CANARY_POLL_US  2000 /* how often a waiting job looks at the canaries */
/* Canaries only complete a burst Linux allows (6): a target that sent more
 * errors than this limits otherwise (or not at all), and the rounds decide. */
#define CANARY_MAX_ICMP 4

struct pg_udp_drain {
	unsigned char req[PG_UDP_REQUEST_MAX];
	size_t reqlen;
	unsigned char *ans; /* owned: the first datagram, at most anscap bytes */
	size_t anscap, anslen;
	size_t received, datagrams; /* whole datagrams, as the target sent them */
	uint64_t first_us, last_us;
	uint32_t rtt_us;
};

static struct dest *slot_dest(struct engine *e, const struct slot *s)
{
	return &e->dests[e->ts[s->target].dest];
}

static uint16_t slot_port(const struct engine *e, const struct slot *s)
{
	return pg_scan_job_port(&e->targets[s->target], s->pidx);
}

/* The request of the slot's current try: empty without probing. */
static size_t build_request(const struct engine *e, const struct slot *s, unsigned char *buf)
{
	const char *service = NULL;

	if (!e->opts->probe)
		return 0;
	return pg_udp_request(slot_port(e, s), s->nonce, buf, PG_UDP_REQUEST_MAX, &service);
}

/* Bytes of an answer worth reading (probe_opts.max_bytes, at most a datagram). */
static size_t read_cap(const struct engine *e)
{
	size_t cap = e->opts->probe_opts.max_bytes;

	return cap == 0 || cap > ANSWER_MAX ? ANSWER_MAX : cap;
}

/* from is an address of the target (any port). */
static bool from_target(const struct pg_addr *a, const struct sockaddr_storage *from)
{
	if (from->ss_family != a->family)
		return false;
	if (a->family == AF_INET)
		return ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
		      &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

/* recv() on the try's socket. A socket that is not connected (udp_any_port)
 * hears anyone: datagrams from other addresses are read and dropped, at most
 * DRAIN_BATCH of them per call (then EAGAIN: the loop stays fair). */
static ssize_t recv_target(const struct engine *e, const struct slot *s, void *buf, size_t len,
			   int flags)
{
	int i;

	if (!s->udp_any_port)
		return recv(s->fd, buf, len, flags);
	for (i = 0; i < DRAIN_BATCH; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s->fd, buf, len, flags, (struct sockaddr *)&from, &fl);

		if (n < 0 || from_target(&e->targets[s->target].addr, &from))
			return n;
		if (flags & MSG_PEEK)
			(void)recv(s->fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC);
	}
	errno = EAGAIN;
	return -1;
}

void pg_scan_udp_free(struct slot *s)
{
	pg_scan_close_fd(s->fd, false);
	s->fd = -1;
	if (s->udp) {
		free(s->udp->ans);
		free(s->udp);
		s->udp = NULL;
	}
}

/* ---- verdicts ---- */

/* A failure on this machine before anything was answered. */
static void local_fail(struct engine *e, uint32_t si, int err)
{
	struct pg_scan_verdict v;

	pg_scan_classify(-1, err, true, &v);
	pg_scan_udp_free(&e->slots[si]);
	pg_scan_slot_finish(e, si, &v, 0);
}

/* The socket holds an error: an ICMP answer (or a local failure). */
static void on_error(struct engine *e, uint32_t si, int err)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_verdict v;
	uint32_t rtt = pg_scan_rtt_since(e, s);

	pg_scan_classify_udp(s->fd, err, &v);
	pg_scan_udp_free(s);
	if (v.state == PG_PORT_CLOSED && slot_dest(e, s)->udp_nclosed < 2)
		slot_dest(e, s)->udp_closed[slot_dest(e, s)->udp_nclosed++] = slot_port(e, s);
	if (v.state != PG_PORT_ERROR) {
		pg_scan_note_answer(e, s, rtt);
		pg_scan_note_icmp(e, s);
	}
	pg_scan_slot_finish(e, si, &v, v.state == PG_PORT_ERROR ? 0 : rtt);
}

static void drain_finish(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_udp_drain *d = s->udp;
	struct pg_scan_verdict v = { PG_PORT_OPEN, "udp-response", 0 };
	json_t *ev = pg_udp_answer(slot_port(e, s), d->req, d->reqlen, d->ans, d->anslen);
	uint32_t rtt = d->rtt_us;

	json_object_set_new(ev, "udp",
			    json_pack("{s:I, s:I, s:I}", "sent", (json_int_t)d->reqlen, "received",
				      (json_int_t)d->received, "datagrams",
				      (json_int_t)d->datagrams));
	pg_scan_slot_result(e, s)->probe = ev;
	pg_scan_udp_free(s);
	pg_scan_slot_finish(e, si, &v, rtt);
}

/* Count the datagrams of an answer (amplification evidence): until
 * max_bytes, DRAIN_MAX_US after the first or DRAIN_GAP_US after the last. */
static void drain_step(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_udp_drain *d = s->udp;
	bool failed = false;
	int i;

	for (i = 0; i < DRAIN_BATCH && d->received < read_cap(e); i++) {
		ssize_t n = d->datagrams == 0
				    ? recv_target(e, s, d->ans, d->anscap, MSG_DONTWAIT | MSG_TRUNC)
				    : recv_target(e, s, NULL, 0, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			failed = errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
			break;
		}
		if (d->datagrams == 0)
			d->anslen = (size_t)n < d->anscap ? (size_t)n : d->anscap;
		d->received += (size_t)n;
		d->datagrams++;
		d->last_us = e->now_us;
	}
	if (failed || d->received >= read_cap(e) || e->now_us >= d->first_us + DRAIN_MAX_US ||
	    e->now_us >= d->last_us + DRAIN_GAP_US) {
		drain_finish(e, si);
		return;
	}
	pg_scan_timer_set(e, si,
			  d->last_us + DRAIN_GAP_US < d->first_us + DRAIN_MAX_US
				  ? d->last_us + DRAIN_GAP_US
				  : d->first_us + DRAIN_MAX_US);
}

/* A datagram came back: the port is open. */
static void on_datagram(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_udp_drain *d;
	uint32_t rtt = pg_scan_rtt_since(e, s);

	pg_scan_note_answer(e, s, rtt);
	e->nopen++;
	if (!e->opts->probe) {
		struct pg_scan_verdict v = { PG_PORT_OPEN, "udp-response", 0 };

		pg_scan_udp_free(s);
		pg_scan_slot_finish(e, si, &v, rtt);
		return;
	}
	d = pg_xcalloc(1, sizeof(*d));
	d->reqlen = build_request(e, s, d->req);
	d->anscap = read_cap(e);
	d->ans = pg_xcalloc(d->anscap, 1);
	d->first_us = d->last_us = e->now_us;
	d->rtt_us = rtt;
	s->udp = d;
	s->phase = SLOT_UDP_READ;
	drain_step(e, si);
}

void pg_scan_udp_event(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	int err = 0;

	if (s->phase == SLOT_UDP_READ) {
		drain_step(e, si);
		return;
	}
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof(err) }) != 0)
		err = errno;
	if (err != 0) {
		on_error(e, si, err);
		return;
	}
	if (recv_target(e, s, NULL, 0, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC) >= 0)
		on_datagram(e, si);
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		on_error(e, si, errno);
}

/* ---- tries and rounds ---- */

/* Nothing was heard from the destination's group for a quiet interval before
 * this try went out (nor since), and we watched the group that long: the
 * bucket its host keeps for us held a token (whichever of the group's
 * addresses spent the others), so a closed port would have answered. */
static bool try_was_conclusive(struct engine *e, const struct slot *s)
{
	const struct udp_acct *a = pg_scan_slot_acct(e, s);

	return s->start_us >= a->watch_us + PG_SCAN_UDP_QUIET_US &&
	       s->start_us >= a->icmp_us + PG_SCAN_UDP_QUIET_US;
}

/* ---- canaries ----
 *
 * Two empty datagrams to ports of the destination known to be closed, sent
 * right after a batch of tries: if both draw port unreachable, the target's
 * bucket held two tokens when they arrived, so it held more than one for every
 * try that arrived shortly before (less than one token refills in the span),
 * and each closed port among them would have answered. Sent once per
 * destination, when its first unanswered try times out within the span; a
 * target that spent its burst does not answer them, and the rounds decide.
 *
 * When the bucket is shared (several addresses of one host), the proof still
 * holds for tries to the canaries' own address: it needs only that tokens
 * come back slower than one per span, and every other spender (the host's
 * other addresses, anyone else) only takes tokens away, which can make the
 * canaries fail, never answer. It says nothing about the other addresses of
 * the group (they may be other hosts, with other buckets), so canaries are
 * per destination and cover only its own tries. The guard on the errors seen
 * counts the whole group: at most the burst Linux allows, with the canaries,
 * came from whichever host they belong to. */

static uint64_t canary_span(const struct engine *e, const struct slot *s)
{
	return e->targets[s->target].addr.family == AF_INET6 ? CANARY_SPAN6_US : CANARY_SPAN4_US;
}

void pg_scan_udp_dest_free(struct dest *ds)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (ds->udp_canary_fd[i] >= 0)
			close(ds->udp_canary_fd[i]);
		ds->udp_canary_fd[i] = -1;
	}
}

static void canary_send(struct engine *e, const struct slot *s)
{
	struct dest *ds = slot_dest(e, s);
	struct pg_addr dst = e->targets[s->target].addr;
	int i;

	ds->udp_canary = CANARY_PENDING;
	ds->udp_canary_us = e->now_us;
	for (i = 0; i < 2; i++) {
		int fd = socket(dst.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

		pg_addr_set_port(&dst, ds->udp_closed[i]);
		if (fd >= 0 && (connect(fd, (struct sockaddr *)&dst.ss, dst.sslen) != 0 ||
				send(fd, "", 0, 0) < 0)) {
			close(fd);
			fd = -1;
		}
		ds->udp_canary_fd[i] = fd;
		if (fd < 0)
			ds->udp_canary = CANARY_FAILED;
	}
	if (ds->udp_canary == CANARY_FAILED)
		pg_scan_udp_dest_free(ds);
}

/* PROVEN once both canaries drew port unreachable; FAILED when either could
 * not or did not within twice the slowest answer seen (+10 ms). */
static enum pg_canary canary_poll(struct engine *e, struct dest *ds)
{
	uint64_t wait = 2 * (uint64_t)(ds->rtt.max_us > e->rtt.max_us ? ds->rtt.max_us
								      : e->rtt.max_us) +
			10000;
	int i, answered = 0;

	if (ds->udp_canary != CANARY_PENDING)
		return ds->udp_canary;
	for (i = 0; i < 2; i++) {
		int err = 0;

		if (ds->udp_canary_fd[i] < 0) {
			answered++; /* closed on its answer */
			continue;
		}
		if (getsockopt(ds->udp_canary_fd[i], SOL_SOCKET, SO_ERROR, &err,
			       &(socklen_t){ sizeof(err) }) != 0 ||
		    (err != 0 && err != ECONNREFUSED)) {
			ds->udp_canary = CANARY_FAILED;
		} else if (err == ECONNREFUSED) {
			close(ds->udp_canary_fd[i]);
			ds->udp_canary_fd[i] = -1;
			e->accts[ds->acct].icmp_us = e->now_us; /* it spent a token */
			answered++;
		}
	}
	if (ds->udp_canary == CANARY_PENDING && answered == 2)
		ds->udp_canary = CANARY_PROVEN;
	else if (ds->udp_canary == CANARY_PENDING && e->now_us >= ds->udp_canary_us + wait)
		ds->udp_canary = CANARY_FAILED;
	if (ds->udp_canary != CANARY_PENDING)
		pg_scan_udp_dest_free(ds);
	return ds->udp_canary;
}

/* Does the slot's last (unanswered) try prove "not closed"? 1 yes, 0 no, -1
 * not yet known: the canaries covering it are out. */
static int try_proves(struct engine *e, const struct slot *s)
{
	struct dest *ds = slot_dest(e, s);
	uint64_t span = canary_span(e, s);

	if (try_was_conclusive(e, s))
		return 1;
	if (ds->udp_canary == CANARY_NONE && ds->udp_nclosed == 2 &&
	    pg_scan_slot_acct(e, s)->nicmp <= CANARY_MAX_ICMP && e->now_us < s->start_us + span)
		canary_send(e, s);
	if (ds->udp_canary_us == 0 || s->start_us >= ds->udp_canary_us ||
	    s->start_us + span < ds->udp_canary_us)
		return 0; /* not covered by the canaries */
	switch (canary_poll(e, ds)) {
	case CANARY_PROVEN: return 1;
	case CANARY_PENDING: return -1;
	default: return 0;
	}
}

/* The group's next round: one quiet interval after its last ICMP error (or
 * after its first datagram). Within a round the ports tried most often go
 * first, whatever their address, so the token the host has goes to the
 * longest waiting and none starves. */
static uint64_t round_due(struct engine *e, const struct slot *s)
{
	const struct udp_acct *a = pg_scan_slot_acct(e, s);
	uint64_t t = a->watch_us + PG_SCAN_UDP_QUIET_US;

	if (a->icmp_us + PG_SCAN_UDP_QUIET_US > t)
		t = a->icmp_us + PG_SCAN_UDP_QUIET_US;
	return t + (PG_SCAN_UDP_MAX_TRIES - pg_scan_slot_result(e, s)->attempts);
}

/* Watch the try's socket until its answer or its timeout. */
static void watch(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = pg_scan_slot_key(s, si) };
	int err = 0;

	/* On a local target the ICMP error is often queued inside send(). */
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof(err) }) == 0 &&
	    err != 0) {
		on_error(e, si, err);
		return;
	}
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		struct pg_scan_verdict v = { PG_PORT_ERROR, "epoll-failed", errno };

		pg_scan_udp_free(s);
		pg_scan_slot_finish(e, si, &v, 0);
		return;
	}
	s->phase = SLOT_UDP;
	pg_scan_timer_set(e, si, s->start_us + pg_scan_attempt_timeout_us(e, s));
}

int pg_scan_udp_attempt(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_target *t = &e->targets[s->target];
	unsigned char req[PG_UDP_REQUEST_MAX];
	struct pg_addr dst = t->addr;
	size_t n;
	int on = 1;

	pg_scan_slot_result(e, s)->attempts++;
	e->now_us = pg_clock_now_us();
	s->start_us = e->now_us;
	s->nonce = (uint32_t)(s->start_us * 2654435761u) ^ si; /* differs per try */
	s->fd = socket(t->addr.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s->fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			return errno;
		local_fail(e, si, errno);
		return 0;
	}
	/* The ICMP type/code tells admin-prohibited from port unreachable. */
	(void)setsockopt(s->fd, t->addr.family == AF_INET6 ? SOL_IPV6 : SOL_IP,
			 t->addr.family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof(on));
	n = build_request(e, s, req);
	pg_addr_set_port(&dst, slot_port(e, s));
	/* A service that answers from another port (TFTP) is asked from a socket that
	 * is not connected; IP_RECVERR still reports its ICMP errors. */
	s->udp_any_port = n > 0 && pg_udp_answers_from_other_port(slot_port(e, s));
	if (s->udp_any_port ? sendto(s->fd, req, n, 0, (struct sockaddr *)&dst.ss, dst.sslen) < 0
			    : connect(s->fd, (struct sockaddr *)&dst.ss, dst.sslen) != 0 ||
				      send(s->fd, req, n, 0) < 0) {
		local_fail(e, si, errno);
		return 0;
	}
	if (pg_scan_slot_acct(e, s)->watch_us == 0)
		pg_scan_slot_acct(e, s)->watch_us = s->start_us;
	watch(e, si);
	return 0;
}

/* The last try got no answer in time: final once a conclusive try is among at
 * least `tries` (the others only guard against loss, so they go at once);
 * else the port waits for the destination's next round. */
static int judge(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	unsigned attempts = pg_scan_slot_result(e, s)->attempts;
	int proof = s->udp_quiet ? 1 : try_proves(e, s);
	uint64_t due;

	s->udp_judge = proof < 0;
	if (proof < 0) { /* look again shortly: the canaries' answers are due */
		s->phase = SLOT_UDP_WAIT;
		pg_scan_timer_set(e, si, e->now_us + CANARY_POLL_US);
		return 0;
	}
	if (proof > 0)
		s->udp_quiet = true;
	if ((s->udp_quiet && attempts >= (unsigned)e->tries) || attempts >= PG_SCAN_UDP_MAX_TRIES) {
		struct pg_scan_verdict v = { PG_PORT_FILTERED, "no-response", 0 };

		pg_scan_slot_finish(e, si, &v, 0);
		return 0;
	}
	if (s->udp_quiet)
		return pg_scan_udp_attempt(e, si);
	s->phase = SLOT_UDP_WAIT;
	due = round_due(e, s);
	if (due <= e->now_us)
		return pg_scan_udp_attempt(e, si);
	e->targets[s->target].udp_round_waits++;
	pg_scan_timer_set(e, si, due);
	return 0;
}

int pg_scan_udp_timer(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	uint32_t gen = s->gen;
	uint64_t due;

	if (s->phase == SLOT_UDP_READ) {
		drain_step(e, si);
		return 0;
	}
	/* A round goes out whole, even when ICMP errors come back while it is
	 * sent: the target may hold several tokens (IPv6 refills 4x faster). */
	if (s->phase == SLOT_UDP_WAIT)
		return s->udp_judge ? judge(e, si) : pg_scan_udp_attempt(e, si);
	due = s->start_us + pg_scan_attempt_timeout_us(e, s);
	if (due > e->now_us) { /* later answers were slower: keep waiting */
		pg_scan_timer_set(e, si, due);
		return 0;
	}
	/* The answer may sit in a later epoll batch: look once more. */
	if (poll(&pfd, 1, 0) == 1) {
		pg_scan_udp_event(e, si);
		if (s->gen != gen || s->phase != SLOT_UDP)
			return 0;
	}
	pg_scan_udp_free(s);
	return judge(e, si);
}
