/* plugin_stats.c - what each instance's calls came to in this run: calls,
 * errors, timeouts, crashes, cache hits and call time (median, max), for
 * the evidence's run.plugins. Updated under host->lock from lane threads. */
#include "config.h"
#include "plugin_int.h"
#include "plugin_isolate.h"

#include <stdlib.h>

struct pg_plugin_stats {
	unsigned long calls, errors, timeouts, crashes, cache_hits;
	uint64_t *ms; /* one per call, for the median */
	size_t nms, capms;
};

static struct pg_plugin_stats *stats_of(struct pg_plugin_ctx *c)
{
	if (!c->stats)
		c->stats = pg_xcalloc(1, sizeof(*c->stats));
	return c->stats;
}

void pg_plugin_stats_note(struct pg_plugin_ctx *c, int rc, uint64_t ms)
{
	struct pg_plugin_stats *s;

	pthread_mutex_lock(&c->host->lock);
	s = stats_of(c);
	s->calls++;
	s->errors += rc != PG_PLUGIN_OK;
	s->timeouts += rc == PG_ISOLATE_TIMEOUT;
	s->crashes += rc == PG_ISOLATE_CRASH;
	pg_grow(&s->ms, &s->capms, s->nms + 1, sizeof(*s->ms));
	s->ms[s->nms++] = ms;
	pthread_mutex_unlock(&c->host->lock);
}

void pg_plugin_note_cache_hit(struct pg_plugin_ctx *c)
{
	pthread_mutex_lock(&c->host->lock);
	stats_of(c)->cache_hits++;
	pthread_mutex_unlock(&c->host->lock);
}

void pg_plugin_stats_free(struct pg_plugin_ctx *c)
{
	if (!c->stats)
		return;
	free(c->stats->ms);
	free(c->stats);
	c->stats = NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Median (the lower middle of an even count) and max of the call times. */
static void times(const struct pg_plugin_stats *s, uint64_t *median, uint64_t *max)
{
	uint64_t *v;

	*median = *max = 0;
	if (!s->nms)
		return;
	v = pg_xcalloc(s->nms, sizeof(*v));
	for (size_t i = 0; i < s->nms; i++)
		v[i] = s->ms[i];
	if (s->nms > 1)
		qsort(v, s->nms, sizeof(*v), cmp_u64);
	*median = v[(s->nms - 1) / 2];
	*max = v[s->nms - 1];
	free(v);
}

static json_t *instance_json(const struct pg_plugin_ctx *c)
{
	static const struct pg_plugin_stats none;
	const struct pg_plugin_stats *s = c->stats ? c->stats : &none;
	uint64_t median, max;
	json_t *o;

	times(s, &median, &max);
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "plugin", c->mod->desc.name,
		      "calls", (json_int_t)s->calls, "errors", (json_int_t)s->errors, "timeouts",
		      (json_int_t)s->timeouts, "crashes", (json_int_t)s->crashes, "msMedian",
		      (json_int_t)median, "msMax", (json_int_t)max, "cacheHits",
		      (json_int_t)s->cache_hits);
	if (c->start_err)
		json_object_set_new(o, "startError", json_string(c->start_err));
	return o;
}

json_t *pg_plugin_stats_json(struct pg_plugin_host *h, enum pg_plugin_kind kind)
{
	json_t *all = json_object();

	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < pg_plugin_count(h, kind); i++) {
		const struct pg_plugin_ctx *c = pg_plugin_at(h, kind, i);
		json_object_set_new(all, c->name, instance_json(c));
	}
	pthread_mutex_unlock(&h->lock);
	return all;
}
