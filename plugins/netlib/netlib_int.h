/* netlib_int.h - netlib's internals: a lock that works across the worker
 * processes the host forks from the instance (process-shared, robust), and
 * anonymous shared mappings to put it and the tables it guards in. */
#ifndef PG_NETLIB_INT_H
#define PG_NETLIB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A waiter wakes at least this often to look for holders that died: a worker
 * SIGKILLed past its deadline never signals. */
#define NL_POLL_MS 50

/* No pthread_cond_t: glibc's condvar keeps per-waiter counts in the shared
 * object, and a waiter SIGKILLed inside pthread_cond_timedwait leaves them
 * raised, so a later pthread_cond_broadcast blocks forever with the mutex held
 * (glibc 2.36, seen in test_netlib). Waiters sleep on a futex word instead: a
 * wake bumps it, and a dead waiter leaves nothing behind. */
struct nl_shlock {
	pthread_mutex_t mu; /* PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST */
	atomic_uint seq;    /* futex word: bumped by every wake */
};

/* len zeroed bytes of MAP_SHARED|MAP_ANONYMOUS memory (kept by fork), or NULL. */
void *nl_shm_new(size_t len);
void nl_shm_free(void *p, size_t len);

int nl_shlock_init(struct nl_shlock *l);
/* Lock; 1 when the previous holder died holding it (SIGKILLed mid-update:
 * what it guards may be half written, and the caller repairs it), else 0. */
int nl_shlock_lock(struct nl_shlock *l);
void nl_shlock_unlock(struct nl_shlock *l);
/* Wait (locked) until woken, until_ms (pg_clock_now_ms clock) or NL_POLL_MS;
 * relocks as nl_shlock_lock and returns what it returned. */
int nl_shlock_wait(struct nl_shlock *l, uint64_t until_ms);
void nl_shlock_wake(struct nl_shlock *l);

/* Who holds a slot or a claim: a pid alone is not enough, because the host
 * reaps a killed worker at once and pids wrap (pid_max is 32768 in many
 * containers), so a long-lived serve would see a dead worker's pid come back
 * as another process and wait on it forever. The pid's start time (field 22
 * of /proc/<pid>/stat) tells the two apart. pid 0: nobody. */
struct nl_owner {
	pid_t pid;
	unsigned long long start;
};

/* The calling process. */
struct nl_owner nl_owner_self(void);
int nl_owner_eq(struct nl_owner a, struct nl_owner b);
/* Does the owner still run? False when its pid is gone, a zombie (died, not
 * yet reaped) or another process now; true when /proc cannot tell. */
int nl_owner_alive(struct nl_owner o);

#endif
