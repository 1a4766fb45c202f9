/* serve_limit.c - requests per minute (a token bucket refilled continuously)
 * and concurrent scans, per identity (an API key name or a target). */
#include "config.h"
#include "serve_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bucket {
	char *id;      /* owned */
	double tokens; /* up to per_minute */
	uint64_t last_ms;
	unsigned active; /* scans running */
};

struct pg_limiter {
	pthread_mutex_t lock;
	unsigned per_minute, concurrent;
	struct bucket *v; /* owned; identities are API keys and manifest targets: few */
	size_t n, cap;
};

struct pg_limiter *pg_limiter_new(unsigned per_minute, unsigned concurrent)
{
	struct pg_limiter *l = pg_xcalloc(1, sizeof(*l));

	pthread_mutex_init(&l->lock, NULL);
	l->per_minute = per_minute;
	l->concurrent = concurrent;
	return l;
}

void pg_limiter_free(struct pg_limiter *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static struct bucket *find(struct pg_limiter *l, const char *id, uint64_t now)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	pg_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n] = (struct bucket){ pg_xstrdup(id), (double)l->per_minute, now, 0 };
	return &l->v[l->n++];
}

enum pg_limit_result pg_limit_take(struct pg_limiter *l, const char *id, bool token, bool slot,
				   unsigned *retry_s)
{
	uint64_t now = pg_clock_now_ms();
	double per_ms = l->per_minute / 60000.0;
	enum pg_limit_result r = PG_LIMIT_OK;
	struct bucket *b;

	pthread_mutex_lock(&l->lock);
	b = find(l, id, now);
	b->tokens += (double)(now - b->last_ms) * per_ms;
	if (b->tokens > l->per_minute)
		b->tokens = l->per_minute;
	b->last_ms = now;
	if (slot && b->active >= l->concurrent) {
		r = PG_LIMIT_BUSY;
		*retry_s = 1;
	} else if (token && b->tokens < 1.0) {
		r = PG_LIMIT_RATE;
		*retry_s = (unsigned)ceil((1.0 - b->tokens) / per_ms / 1000.0);
		if (*retry_s < 1)
			*retry_s = 1;
	} else {
		b->tokens -= token;
		b->active += slot;
	}
	pthread_mutex_unlock(&l->lock);
	return r;
}

void pg_limit_release(struct pg_limiter *l, const char *id)
{
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, id) && l->v[i].active)
			l->v[i].active--;
	pthread_mutex_unlock(&l->lock);
}
