/* serve_cache.c - finished /v1-port-scanner answers by target and ports, for
 * serve.cacheTtlSeconds: a pipeline polling the same target is answered
 * without touching it again. Bounded: expired and oldest entries go first. */
#include "config.h"
#include "serve_int.h"

#include <stdlib.h>
#include <string.h>

#define RCACHE_MAX 1024

struct entry {
	char *key, *body; /* owned */
	uint64_t stored_ms;
};

struct pg_rcache {
	pthread_mutex_t lock;
	uint64_t ttl_ms;
	struct entry v[RCACHE_MAX];
	size_t n;
};

struct pg_rcache *pg_rcache_new(unsigned ttl_s)
{
	struct pg_rcache *c = pg_xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->ttl_ms = (uint64_t)ttl_s * 1000;
	return c;
}

static void drop(struct pg_rcache *c, size_t i)
{
	free(c->v[i].key);
	free(c->v[i].body);
	c->v[i] = c->v[--c->n];
}

void pg_rcache_free(struct pg_rcache *c)
{
	if (!c)
		return;
	while (c->n)
		drop(c, 0);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void expire(struct pg_rcache *c, uint64_t now)
{
	for (size_t i = c->n; i-- > 0;)
		if (now - c->v[i].stored_ms >= c->ttl_ms)
			drop(c, i);
}

char *pg_rcache_get_dup(struct pg_rcache *c, const char *key)
{
	char *body = NULL;

	if (!c->ttl_ms)
		return NULL;
	pthread_mutex_lock(&c->lock);
	expire(c, pg_clock_now_ms());
	for (size_t i = 0; i < c->n && !body; i++)
		if (!strcmp(c->v[i].key, key))
			body = pg_xstrdup(c->v[i].body);
	pthread_mutex_unlock(&c->lock);
	return body;
}

void pg_rcache_put(struct pg_rcache *c, const char *key, const char *body)
{
	uint64_t now = pg_clock_now_ms();
	size_t oldest = 0;

	if (!c->ttl_ms)
		return;
	pthread_mutex_lock(&c->lock);
	expire(c, now);
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].key, key)) {
			drop(c, i);
			break;
		}
	if (c->n == RCACHE_MAX) {
		for (size_t i = 1; i < c->n; i++)
			if (c->v[i].stored_ms < c->v[oldest].stored_ms)
				oldest = i;
		drop(c, oldest);
	}
	c->v[c->n++] = (struct entry){ pg_xstrdup(key), pg_xstrdup(body), now };
	pthread_mutex_unlock(&c->lock);
}
