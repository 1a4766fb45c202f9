/* gate.c - at most N queries in flight per server across every worker
 * process of the instance, starts pace_ms apart (see netlib.h). A fixed table
 * in shared memory: each server has N slots, each held by the pid that
 * entered; a slot whose holder died (the host SIGKILLs a worker past its
 * deadline) is taken back, so a killed worker never blocks the others. One
 * that died holding the lock leaves nothing half written that matters (a
 * holder is one store; a half-copied name only wastes an entry). */
#include "netlib.h"
#include "netlib_int.h"

#include <stdio.h>
#include <string.h>

#define GATE_SERVERS 64
#define GATE_NAME    256

struct gate_srv {
	char name[GATE_NAME];                /* "" unused */
	struct nl_owner holder[NL_GATE_MAX]; /* pid 0: free */
	uint64_t last_start_ms;
};

struct nl_gate {
	struct nl_shlock lock;
	unsigned max_inflight, pace_ms;
	struct gate_srv srv[GATE_SERVERS];
};

struct nl_gate *nl_gate_new(unsigned max_inflight, unsigned pace_ms)
{
	struct nl_gate *g = nl_shm_new(sizeof(*g));

	if (!g)
		return NULL;
	if (nl_shlock_init(&g->lock) != 0) {
		nl_shm_free(g, sizeof(*g));
		return NULL;
	}
	g->max_inflight = max_inflight < 1             ? 1
			  : max_inflight > NL_GATE_MAX ? NL_GATE_MAX
						       : max_inflight;
	g->pace_ms = pace_ms;
	return g;
}

void nl_gate_free(struct nl_gate *g)
{
	nl_shm_free(g, sizeof(*g));
}

/* The server's entry; with the table full, a server shares the entry (and the
 * limit) of another: stricter than asked, never looser. */
static struct gate_srv *gate_srv(struct nl_gate *g, const char *server)
{
	char name[GATE_NAME];
	unsigned h = 0;

	snprintf(name, sizeof(name), "%s", server);
	for (size_t i = 0; i < GATE_SERVERS; i++) {
		if (!strcmp(g->srv[i].name, name))
			return &g->srv[i];
		if (!g->srv[i].name[0]) {
			memcpy(g->srv[i].name, name, sizeof(name));
			return &g->srv[i];
		}
	}
	for (const char *p = name; *p; p++)
		h = h * 31u + (unsigned char)*p;
	return &g->srv[h % GATE_SERVERS];
}

/* A free slot, else a dead holder's (freed), else -1. Holders are asked
 * after only when every slot is taken: each liveness check reads
 * /proc/<pid>/stat, under the lock, on every waiter's every wake. */
static int free_slot(const struct nl_gate *g, struct gate_srv *s)
{
	for (unsigned i = 0; i < g->max_inflight; i++)
		if (!s->holder[i].pid)
			return (int)i;
	for (unsigned i = 0; i < g->max_inflight; i++)
		if (!nl_owner_alive(s->holder[i])) {
			s->holder[i].pid = 0;
			return (int)i;
		}
	return -1;
}

int nl_gate_enter(struct nl_gate *g, const char *server, long wait_ms)
{
	uint64_t deadline = pg_clock_now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	struct gate_srv *s;
	int rc = -1;

	nl_shlock_lock(&g->lock);
	s = gate_srv(g, server);
	for (;;) {
		uint64_t now = pg_clock_now_ms(), next = s->last_start_ms + g->pace_ms;
		int slot = free_slot(g, s);

		if (slot >= 0 && now >= next) {
			s->holder[slot] = nl_owner_self();
			s->last_start_ms = now;
			rc = 0;
			break;
		}
		if (now >= deadline)
			break;
		/* wake for pacing even without a leave() */
		nl_shlock_wait(&g->lock, slot >= 0 && next < deadline ? next : deadline);
	}
	nl_shlock_unlock(&g->lock);
	return rc;
}

void nl_gate_leave(struct nl_gate *g, const char *server)
{
	struct gate_srv *s;
	struct nl_owner me = nl_owner_self();

	nl_shlock_lock(&g->lock);
	s = gate_srv(g, server);
	for (unsigned i = 0; i < g->max_inflight; i++)
		if (nl_owner_eq(s->holder[i], me)) {
			s->holder[i].pid = 0;
			break;
		}
	nl_shlock_wake(&g->lock);
	nl_shlock_unlock(&g->lock);
}
