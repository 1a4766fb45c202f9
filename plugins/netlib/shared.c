/* shared.c - the process-shared lock and mappings behind the gate and the
 * memo (see netlib_int.h). The instance's state is made in create(), in the
 * host's process, before the host forks the workers, so an anonymous shared
 * mapping made there is the same memory in every worker. */
#include "netlib_int.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#include "netlib.h"

void *nl_shm_new(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* No pthread_*_destroy: a worker's destroy() unmaps its view while others may
 * still use theirs, and process-shared objects in anonymous memory own nothing
 * else. */
void nl_shm_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

int nl_shlock_init(struct nl_shlock *l)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int rc;

	pthread_mutexattr_init(&ma);
	pthread_condattr_init(&ca);
	rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) ||
	     pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) ||
	     pthread_mutex_init(&l->mu, &ma) ||
	     pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED) ||
	     pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) || pthread_cond_init(&l->cv, &ca);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	return rc ? -1 : 0;
}

void nl_shlock_lock(struct nl_shlock *l)
{
	if (pthread_mutex_lock(&l->mu) == EOWNERDEAD)
		pthread_mutex_consistent(&l->mu);
}

void nl_shlock_unlock(struct nl_shlock *l)
{
	pthread_mutex_unlock(&l->mu);
}

void nl_shlock_wait(struct nl_shlock *l, uint64_t until_ms)
{
	uint64_t now = nl_mono_ms(), t = now + NL_POLL_MS;
	struct timespec ts;

	if (until_ms < t)
		t = until_ms > now ? until_ms : now;
	ts.tv_sec = (time_t)(t / 1000);
	ts.tv_nsec = (long)(t % 1000) * 1000000L;
	if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == EOWNERDEAD)
		pthread_mutex_consistent(&l->mu);
}

void nl_shlock_wake(struct nl_shlock *l)
{
	pthread_cond_broadcast(&l->cv);
}

int nl_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}
