/* scan_timer.c - when the engine looks at a slot again: the round-trip
 * estimators that set how long a connect may wait, and the min-heap of slot
 * deadlines that the loop pops timers from. */
#include "config.h"

#include <time.h>

#include "scan_int.h"

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

uint64_t pg_rtt_timeout_us(const struct pg_rtt *dest, const struct pg_rtt *global, uint64_t max_us,
			   unsigned attempt)
{
	return pg_rtt_timeout_n_us(dest, PG_RTT_MIN_SAMPLES, global, max_us, attempt);
}

uint64_t pg_rtt_timeout_n_us(const struct pg_rtt *dest, uint32_t dest_min,
			     const struct pg_rtt *global, uint64_t max_us, unsigned attempt)
{
	const struct pg_rtt *est = NULL;
	uint64_t t, seen = 0;

	if (dest && dest->samples >= dest_min)
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
void pg_scan_timer_set(struct engine *e, uint32_t si, uint64_t deadline_us)
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

void pg_scan_timer_clear(struct engine *e, uint32_t si)
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
