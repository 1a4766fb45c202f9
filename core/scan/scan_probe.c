/* scan_probe.c - glue between the engine and the probe state machine
 * (probe.h): a connected socket is handed to a probe that runs inside the
 * same loop, its fd watched and its deadline kept in the timer heap. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "util/log.h"
#include "probe/probe.h"
#include "scan_int.h"

#define PROBE_GRACE_US 1000000 /* backstop past probe_opts.total_ms */

/* ---- probing ---- */

static bool is_tls_port(const struct pg_scan_target *t, uint16_t port)
{
	size_t i;

	for (i = 0; i < t->ntls_ports; i++)
		if (t->tls_ports[i] == port)
			return true;
	return pg_port_is_tls_default(port);
}

static void probe_done(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_port_result *r = pg_scan_slot_result(e, s);
	uint32_t target = s->target;

	r->probe = pg_probe_finish(s->probe);
	pg_scan_slot_release(e, si);
	pg_scan_job_done(e, target, false); /* its window share went back in probe_begin */
}

/* After every probe step: watch the fd and deadline the probe asks for. The
 * probe may have closed its socket and opened another one (maybe with the
 * same number, which close() already removed from the epoll set). */
static void probe_sync(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	int nfd = pg_probe_fd(s->probe);
	struct epoll_event ev = { .events = pg_probe_events(s->probe),
				  .data.u64 = pg_scan_slot_key(s, si) };
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
				pg_debug("scan: cannot watch probe fd %d: %s", nfd,
					 strerror(errno));
		}
	}
	s->fd = nfd;
	/* A deadline in the past would spin; past the backstop the timer ends it. */
	if (deadline <= e->now_us)
		deadline = e->now_us + 1000;
	if (deadline > s->hard_us)
		deadline = s->hard_us;
	pg_scan_timer_set(e, si, deadline);
}

void pg_scan_probe_step(struct engine *e, uint32_t si, uint32_t events)
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

void pg_scan_probe_begin(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];
	struct pg_scan_target *t = &e->targets[s->target];
	uint16_t port = t->ports[s->pidx];
	int off = 0, fd = s->fd, total_ms;

	/* The probe wants ordinary socket errors, not the ICMP error queue. */
	(void)setsockopt(fd, t->addr.family == AF_INET6 ? SOL_IPV6 : SOL_IP,
			 t->addr.family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &off, sizeof(off));
	s->probe = pg_probe_start(fd, &t->addr, port, t->hostname, is_tls_port(t, port),
				  &e->opts->probe_opts, e->now_us / 1000);
	if (!s->probe) {
		/* pg_probe_start owns fd even when it fails; the port stays open. */
		uint32_t target = s->target;

		pg_scan_slot_release(e, si);
		pg_scan_job_done(e, target, true);
		return;
	}
	s->phase = SLOT_PROBING;
	e->nprobing++;
	/* The connect has its verdict: the probe keeps its socket (the global cap) but gives
	 * back its share of the destination's connect window, which paces SYNs. Held to the
	 * end, 1,000 silent ports on one host were probed in waves of the window, 3 x
	 * probe.totalMs instead of one (docs/probes.md). */
	pg_scan_dest_release(e, s->target);
	total_ms = e->opts->probe_opts.total_ms > 0 ? e->opts->probe_opts.total_ms : 5000;
	s->hard_us = e->now_us + (uint64_t)total_ms * 1000 + PROBE_GRACE_US;
	probe_sync(e, si);
}
