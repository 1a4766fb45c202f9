/* deliver.h - deliver outbox entries through notifier instances.
 *
 * One lane (a thread) per notifier instance, so a slow receiver holds only
 * its own instance. Each entry is claimed (outbox.h) before it is read and
 * delivered, so concurrent runs and flushes never deliver one twice. Each
 * call runs in the instance's worker process (plugin_isolate.h), killed at
 * its deadline (timeoutMs): the entry stays in the outbox and the lane's
 * remaining entries wait for a later run. Should a call still not return
 * (inline mode, PORTGATE_PLUGIN_ISOLATION=inline), main abandons its lane
 * with the same result. */
#ifndef PG_DELIVER_H
#define PG_DELIVER_H

#include <jansson.h>
#include <stdbool.h>

#include "plugin/plugin_host.h"

struct pg_deliver_item {
	struct pg_plugin_ctx *c; /* borrowed: the instance it is for */
	char *id;                /* owned */
	json_t *doc;             /* owned: used when not stored (no state dir) */
	bool stored;             /* in the outbox: claim it, read it from disk */
	bool own;                /* this run's: due now, full retries, outside the budget */
};

struct pg_deliver_opts {
	bool operator;       /* `outbox flush`: ignore nextAttemptAt and the budget */
	bool include_failed; /* also entries a receiver rejected */
	bool dead;           /* `outbox flush --dead`: the dead entries, and only them */
};

struct pg_notify_tally {
	int delivered; /* accepted by the receiver */
	int kept;      /* tried, still waiting */
	int deferred;  /* not tried: not due, budget spent, receiver down, timed out */
	int timed_out; /* calls abandoned at their deadline */
	int elsewhere; /* claimed by another process (a parallel run or flush) */
	int dead;      /* crashed the plugin PG_OUTBOX_DEAD_CRASHES times: dead letters now */
	int lost;      /* not stored (full or missing state dir) and not delivered: gone */
};

/* Deliver items (each lane in the order given); takes ownership of the
 * items' contents (not of the array). Adds to *t. */
void pg_deliver(struct pg_plugin_host *h, struct pg_deliver_item *items, size_t n,
		const struct pg_deliver_opts *o, struct pg_notify_tally *t);

#endif
