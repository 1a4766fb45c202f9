/* scan_dest.c - destinations: targets grouped by address, the round-robin
 * ring of addresses ready to launch, and each address's window, which grows
 * with answers and shrinks on drops (TCP-like). */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scan_int.h"
#include "util/util.h"

/* ---- destinations and the round-robin ring ---- */

void pg_scan_ring_push(struct engine *e, uint32_t d)
{
	e->dests[d].in_ring = true;
	e->ring[(e->ring_head + e->ring_len++) % e->ndests] = d;
}

uint32_t pg_scan_ring_pop(struct engine *e)
{
	uint32_t d = e->ring[e->ring_head];

	e->ring_head = (e->ring_head + 1) % e->ndests;
	e->ring_len--;
	e->dests[d].in_ring = false;
	return d;
}

/* Jobs destination ds may have in flight now: its window, within the cap. */
uint32_t pg_scan_dest_window(const struct engine *e, const struct dest *ds)
{
	uint32_t w = ds->cwnd < 1 ? 1 : ds->cwnd >= e->per_host ? e->per_host : (uint32_t)ds->cwnd;

	return w ? w : 1;
}

bool pg_scan_dest_ready(const struct engine *e, uint32_t d)
{
	const struct dest *ds = &e->dests[d];

	return !ds->in_ring && ds->nactive > 0 && ds->inflight < pg_scan_dest_window(e, ds);
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

/* a and b may be addresses of one host as far as its ICMP rate limit goes:
 * the same IPv4 /24 or IPv6 /64 (struct udp_acct). */
static bool same_icmp_group(const struct pg_addr *a, const struct pg_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
			      &((const struct sockaddr_in *)&b->ss)->sin_addr, 3) == 0;
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 8) == 0;
}

/* Give every destination its ICMP account. Destinations are sorted by
 * address, so a group's members are next to each other. */
static void build_accts(struct engine *e)
{
	size_t i, n = 0;

	e->accts = pg_xcalloc(e->ndests ? e->ndests : 1, sizeof(*e->accts));
	for (i = 0; i < e->ndests; i++) {
		const struct pg_addr *a = &e->targets[e->dest_targets[e->dests[i].first]].addr;

		if (i > 0 &&
		    !same_icmp_group(&e->targets[e->dest_targets[e->dests[i - 1].first]].addr, a))
			n++;
		e->dests[i].acct = (uint32_t)n;
	}
}

/* Group targets that share an address (two names, one IP) so max_per_host
 * protects the machine, not the name. ids holds the scannable targets. */
void pg_scan_build_dests(struct engine *e, uint32_t *ids, size_t n)
{
	size_t i, j;

	qsort_r(ids, n, sizeof(*ids), cmp_target_ids, e->targets);
	e->dest_targets = ids;
	e->dests = pg_xcalloc(n ? n : 1, sizeof(*e->dests));
	e->ring = pg_xcalloc(n ? n : 1, sizeof(*e->ring));
	for (i = 0; i < n; i = j) {
		struct dest *d = &e->dests[e->ndests];

		d->first = (uint32_t)i;
		for (j = i;
		     j < n && cmp_addr(&e->targets[ids[i]].addr, &e->targets[ids[j]].addr) == 0;
		     j++)
			e->ts[ids[j]].dest = (uint32_t)e->ndests;
		d->nactive = (uint32_t)(j - i);
		e->ndests++;
	}
	build_accts(e);
	for (i = 0; i < e->ndests; i++)
		pg_scan_ring_push(e, (uint32_t)i);
}

/* Take the next job of destination d (round robin over its targets). */
struct jobref pg_scan_dest_take(struct engine *e, uint32_t d)
{
	struct dest *ds = &e->dests[d];
	uint32_t *slot = &e->dest_targets[ds->first + ds->rr];
	struct jobref j = { .target = *slot };
	struct target_state *t = &e->ts[j.target];

	j.pidx = t->next++;
	if (t->next == pg_scan_nresults(&e->targets[j.target])) {
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

/* ---- adaptation: timeouts and windows follow the answers ---- */

static struct dest *slot_dest(const struct engine *e, const struct slot *s)
{
	return &e->dests[e->ts[s->target].dest];
}

/* How long the current attempt of s may wait for its answer, from now on
 * (estimates change while it waits). */
uint64_t pg_scan_attempt_timeout_us(const struct engine *e, const struct slot *s)
{
	unsigned attempt = e->targets[s->target].results[s->pidx].attempts;
	bool udp = pg_scan_job_is_udp(&e->targets[s->target], s->pidx);

	/* UDP tries are paced by rounds (scan_udp.c), not by backing off. */
	if (attempt > 2 && udp)
		attempt = 2;
	return pg_rtt_timeout_n_us(&slot_dest(e, s)->rtt,
				   udp ? PG_RTT_MIN_SAMPLES_UDP : PG_RTT_MIN_SAMPLES, &e->rtt,
				   (uint64_t)e->timeout_ms * 1000, attempt);
}

/* The current attempt of s got an answer (SYN-ACK, RST or ICMP) after rtt_us:
 * feed the estimators and the destination's window. */
void pg_scan_note_answer(struct engine *e, const struct slot *s, uint32_t rtt_us)
{
	struct dest *ds = slot_dest(e, s);

	pg_rtt_sample(&ds->rtt, rtt_us);
	pg_rtt_sample(&e->rtt, rtt_us);
	if (ds->rtt.samples == PG_RTT_MIN_SAMPLES || e->rtt.samples == PG_RTT_MIN_SAMPLES ||
	    ds->rtt.samples == PG_RTT_MIN_SAMPLES_UDP)
		e->rekey = true;
	if (e->targets[s->target].results[s->pidx].attempts > 1 &&
	    !pg_scan_job_is_udp(&e->targets[s->target], s->pidx)) {
		/* An earlier try of this port went unanswered and this one did
		 * not: a drop (or a late answer). Back off like TCP. A UDP retry
		 * is answered late by design: the ICMP rate limit, not congestion. */
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

void pg_scan_note_icmp(struct engine *e, const struct slot *s)
{
	struct udp_acct *a = pg_scan_slot_acct(e, s);

	a->icmp_us = e->now_us;
	a->nicmp++;
}

/* An explicit max_per_host is a fixed window; automatic (0) starts every
 * address at PG_SCAN_INIT_WINDOW and lets answers grow it up to the global cap. */
void pg_scan_init_windows(struct engine *e)
{
	int mph = e->opts->max_per_host;
	double init;
	size_t i;

	e->per_host = mph > 0 ? (uint32_t)mph : (uint32_t)e->nslots;
	init = mph > 0 || e->per_host < PG_SCAN_INIT_WINDOW ? e->per_host : PG_SCAN_INIT_WINDOW;
	for (i = 0; i < e->ndests; i++) {
		e->dests[i].cwnd = init;
		e->dests[i].ssthresh = e->per_host;
		e->dests[i].udp_canary_fd[0] = e->dests[i].udp_canary_fd[1] = -1;
	}
	e->rekey_rto_us = (uint64_t)e->timeout_ms * 1000;
}
