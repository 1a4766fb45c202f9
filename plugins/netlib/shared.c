/* shared.c - the process-shared lock and mappings behind the gate and the
 * memo (see netlib_int.h). The instance's state is made in create(), in the
 * host's process, before the host forks the workers, so an anonymous shared
 * mapping made there is the same memory in every worker. */
#include "netlib_int.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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
	int rc;

	pthread_mutexattr_init(&ma);
	rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) ||
	     pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) ||
	     pthread_mutex_init(&l->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	atomic_init(&l->seq, 0);
	return rc ? -1 : 0;
}

int nl_shlock_lock(struct nl_shlock *l)
{
	if (pthread_mutex_lock(&l->mu) != EOWNERDEAD)
		return 0;
	pthread_mutex_consistent(&l->mu);
	return 1;
}

void nl_shlock_unlock(struct nl_shlock *l)
{
	pthread_mutex_unlock(&l->mu);
}

/* A shared (not FUTEX_PRIVATE) futex: the word is in memory other processes map. */
static long futex(atomic_uint *word, int op, unsigned val, const struct timespec *rel)
{
	return syscall(SYS_futex, (unsigned *)word, op, val, rel, NULL, 0);
}

/* seq is read with the lock held and every wake bumps it with the lock held,
 * so a wake between the unlock and FUTEX_WAIT makes the wait return at once. */
int nl_shlock_wait(struct nl_shlock *l, uint64_t until_ms)
{
	uint64_t now = pg_clock_now_ms(), ms = until_ms > now ? until_ms - now : 0;
	unsigned seen = atomic_load(&l->seq);
	struct timespec rel;

	if (ms > NL_POLL_MS)
		ms = NL_POLL_MS;
	rel.tv_sec = 0;
	rel.tv_nsec = (long)ms * 1000000L;
	nl_shlock_unlock(l);
	futex(&l->seq, FUTEX_WAIT, seen, &rel);
	return nl_shlock_lock(l);
}

void nl_shlock_wake(struct nl_shlock *l)
{
	atomic_fetch_add(&l->seq, 1);
	futex(&l->seq, FUTEX_WAKE, INT_MAX, NULL);
}

/* State and start time of pid from /proc/<pid>/stat; -1 when unreadable.
 * The command name (field 2) may hold spaces and ')': fields restart after
 * the last ')'. */
static int proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) || sscanf(p + 1,
					       " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s"
					       " %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
					       state, start) != 2)
		return -1;
	return 0;
}

struct nl_owner nl_owner_self(void)
{
	/* per thread: threads of one process (inline isolation) race on nothing */
	static _Thread_local struct nl_owner self;
	pid_t pid = getpid();
	char state;

	if (self.pid != pid) { /* first call, or a fork since */
		self.pid = pid;
		if (proc_stat(pid, &state, &self.start) != 0)
			self.start = 0;
	}
	return self;
}

int nl_owner_eq(struct nl_owner a, struct nl_owner b)
{
	return a.pid == b.pid && a.start == b.start;
}

int nl_owner_alive(struct nl_owner o)
{
	unsigned long long start;
	char state;

	if (o.pid <= 0)
		return 0;
	if (o.pid == getpid())
		return nl_owner_eq(o, nl_owner_self());
	if (proc_stat(o.pid, &state, &start) != 0) /* gone, or no /proc */
		return kill(o.pid, 0) == 0 || errno != ESRCH;
	return state != 'Z' && state != 'X' && (!o.start || start == o.start);
}
