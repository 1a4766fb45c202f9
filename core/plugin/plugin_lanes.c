/* plugin_lanes.c - the reference-counted thread pool of plugin_lanes.h: one
 * lock, one condition on the monotonic clock, main's and each thread's
 * reference. */
#include "config.h"
#include "plugin_lanes.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/util.h"

struct pg_plugin_lanes {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* waits on CLOCK_MONOTONIC */
	int refs;            /* main + live threads */
	void *owner;
	void (*owner_free)(void *owner);
};

struct pg_plugin_lanes *pg_plugin_lanes_new(void *owner, void (*owner_free)(void *owner))
{
	struct pg_plugin_lanes *l = pg_xcalloc(1, sizeof(*l));
	pthread_condattr_t ca;

	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	l->refs = 1;
	l->owner = owner;
	l->owner_free = owner_free;
	return l;
}

void pg_plugin_lanes_lock(struct pg_plugin_lanes *l)
{
	pthread_mutex_lock(&l->lock);
}

void pg_plugin_lanes_unlock(struct pg_plugin_lanes *l)
{
	pthread_mutex_unlock(&l->lock);
}

bool pg_plugin_lanes_spawn(struct pg_plugin_lanes *l, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	bool ok;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	l->refs++; /* before it runs: the thread may finish before create returns */
	ok = pthread_create(&t, &attr, fn, arg) == 0;
	if (!ok)
		l->refs--;
	pthread_attr_destroy(&attr);
	return ok;
}

void pg_plugin_lanes_ref(struct pg_plugin_lanes *l)
{
	l->refs++;
}

int pg_plugin_lanes_refs(const struct pg_plugin_lanes *l)
{
	return l->refs;
}

void pg_plugin_lanes_broadcast(struct pg_plugin_lanes *l)
{
	pthread_cond_broadcast(&l->cond);
}

void pg_plugin_lanes_wait(struct pg_plugin_lanes *l, uint64_t wake_ms)
{
	uint64_t now = pg_clock_now_ms(), ms = wake_ms > now ? wake_ms - now : 1;
	struct timespec ts;

	pg_clock_timespec_in(ms, &ts);
	pthread_cond_timedwait(&l->cond, &l->lock, &ts);
}

void pg_plugin_lanes_unref_locked(struct pg_plugin_lanes *l)
{
	bool last = --l->refs == 0;

	pthread_mutex_unlock(&l->lock);
	if (!last)
		return;
	if (l->owner_free)
		l->owner_free(l->owner);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
