/* scan_slot.c - slot and job bookkeeping shared by the loop (scan.c), the
 * probe driver (scan_probe.c) and setup (scan_setup.c). */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "scan_int.h"

void pg_scan_slot_release(struct engine *e, uint32_t si)
{
	struct slot *s = &e->slots[si];

	pg_scan_timer_clear(e, si);
	if (s->phase == SLOT_PROBING)
		e->nprobing--;
	s->phase = SLOT_FREE;
	s->fd = -1;
	s->probe = NULL;
	s->udp = NULL;
	s->gen++;
	e->free_slots[e->nfree++] = si;
	e->busy--;
}

void pg_scan_dest_release(struct engine *e, uint32_t target)
{
	struct target_state *t = &e->ts[target];

	e->dests[t->dest].inflight--;
	if (pg_scan_dest_ready(e, t->dest))
		pg_scan_ring_push(e, t->dest);
}

/* The job's reservation ends: it no longer counts against the caps. */
void pg_scan_job_done(struct engine *e, uint32_t target, bool dest_held)
{
	struct target_state *t = &e->ts[target];

	e->inflight--;
	if (dest_held)
		pg_scan_dest_release(e, target);
	if (--t->remaining == 0)
		e->targets[target].finished_ms = e->now_us / 1000;
	e->done++;
}

void pg_scan_slot_finish(struct engine *e, uint32_t si, const struct pg_scan_verdict *v,
			 uint32_t rtt_us)
{
	uint32_t target = e->slots[si].target;
	struct pg_port_result *r = pg_scan_slot_result(e, &e->slots[si]);

	r->state = v->state;
	r->reason = v->reason;
	r->err = v->err;
	r->rtt_us = rtt_us;
	pg_scan_slot_release(e, si);
	pg_scan_job_done(e, target, true);
}

uint32_t pg_scan_rtt_since(const struct engine *e, const struct slot *s)
{
	uint64_t d = e->now_us > s->start_us ? e->now_us - s->start_us : 0;

	if (d == 0)
		d = 1; /* answered: never report 0, which means "no answer" */
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Close a socket we are done with. rst: abort with RST instead of FIN so a
 * big scan does not leave thousands of TIME_WAIT sockets behind. */
void pg_scan_close_fd(int fd, bool rst)
{
	if (fd < 0)
		return;
	if (rst) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
}
