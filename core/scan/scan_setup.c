/* scan_setup.c - building an engine for one run (results, destinations,
 * slots, the epoll set) and taking it apart again. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe/probe.h"
#include "scan_int.h"
#include "util/util.h"

#define MAX_TRIES 50

/* ---- setup and teardown ---- */

static void init_results(struct engine *e, uint32_t *ids, size_t *nids)
{
	size_t i, k;

	*nids = 0;
	for (i = 0; i < e->ntargets; i++) {
		struct pg_scan_target *t = &e->targets[i];
		bool bad = t->addr.family != AF_INET && t->addr.family != AF_INET6;

		t->started_ms = t->finished_ms = 0;
		t->udp_round_waits = 0;
		for (k = 0; k < pg_scan_nresults(t); k++) {
			struct pg_port_result *r = &t->results[k];

			memset(r, 0, sizeof(*r));
			r->port = pg_scan_job_port(t, (uint32_t)k);
			r->proto = pg_scan_job_is_udp(t, (uint32_t)k) ? PG_PROTO_UDP : PG_PROTO_TCP;
			r->state = PG_PORT_ERROR;
			r->reason = bad ? "bad-address" : "not-scanned";
			r->err = bad ? EAFNOSUPPORT : 0;
		}
		e->ts[i].remaining = bad ? 0 : (uint32_t)pg_scan_nresults(t);
		if (bad || pg_scan_nresults(t) == 0) {
			t->started_ms = t->finished_ms = e->now_us / 1000;
			continue;
		}
		e->total += pg_scan_nresults(t);
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

void pg_scan_engine_free(struct engine *e)
{
	size_t i;

	for (i = 0; e->slots && i < e->nslots; i++) {
		struct slot *s = &e->slots[i];

		if (s->phase == SLOT_PROBING) {
			json_t *j = pg_probe_finish(s->probe);

			json_decref(j);
		} else if (s->phase == SLOT_CONNECTING) {
			pg_scan_close_fd(s->fd, false);
		} else if (s->phase != SLOT_FREE) {
			pg_scan_udp_free(s);
		}
	}
	for (i = 0; e->dests && i < e->ndests && e->nslots > 0; i++)
		pg_scan_udp_dest_free(&e->dests[i]);
	if (e->ep >= 0)
		close(e->ep);
	free(e->slots);
	free(e->free_slots);
	free(e->heap);
	free(e->ts);
	free(e->dests);
	free(e->accts);
	free(e->dest_targets);
	free(e->ring);
	free(e->deferred);
}

int pg_scan_engine_init(struct engine *e, char *err, size_t errlen)
{
	const struct pg_scan_opts *o = e->opts;
	uint32_t *ids = pg_xcalloc(e->ntargets ? e->ntargets : 1, sizeof(*ids));
	size_t nids, i;
	int retries;

	e->ep = -1;
	e->now_us = pg_clock_now_us();
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : PG_SCAN_DEFAULT_TIMEOUT_MS;
	retries = o->retries < 0 ? 0 : o->retries;
	e->tries = 1 + (retries > MAX_TRIES - 1 ? MAX_TRIES - 1 : retries);
	e->ts = pg_xcalloc(e->ntargets ? e->ntargets : 1, sizeof(*e->ts));
	init_results(e, ids, &nids);
	pg_scan_build_dests(e, ids, nids);
	if (e->total == 0)
		return 0;
	e->nslots = e->eff_cap = pick_cap(o, e->total);
	e->slots = pg_xcalloc(e->nslots, sizeof(*e->slots));
	e->free_slots = pg_xcalloc(e->nslots, sizeof(*e->free_slots));
	e->heap = pg_xcalloc(e->nslots, sizeof(*e->heap));
	pg_scan_init_windows(e);
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
