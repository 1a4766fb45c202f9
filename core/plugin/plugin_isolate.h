/* plugin_isolate.h - run one plugin call (enrich or notify) of an instance
 * with a hard deadline, in a worker process, so a plugin that crashes, aborts
 * or hangs costs that call and never the run.
 *
 * Each instance gets a small pool of pre-forked worker processes (one for a
 * serialized plugin or a notifier, up to enrich.concurrency for a parallel
 * enricher). A worker is a fork of portgate after the instance's create(),
 * so it holds the instance's state; it serves calls over a socketpair with
 * length-prefixed JSON (4-byte big-endian length, then the JSON text) and
 * keeps its state from one call to the next. A worker that crashes is
 * reported ("plugin X crashed (SIGSEGV)") and replaced at the next call; one
 * that passes its deadline is killed ("timed out after N ms") and replaced.
 *
 * PORTGATE_PLUGIN_ISOLATION=inline in the environment runs calls in the
 * portgate process instead (debugging a plugin under gdb, the benchmark's
 * reference); deadlines are then only a point after which the result is
 * dropped, and a crash takes the run down. */
#ifndef PG_PLUGIN_ISOLATE_H
#define PG_PLUGIN_ISOLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pg_plugin_ctx;
struct pg_plugin_host;

/* Outcomes beyond enum pg_plugin_rc (err says which plugin and why). */
enum {
	PG_ISOLATE_TIMEOUT = -2, /* the deadline passed; the worker was killed */
	PG_ISOLATE_CRASH = -3,   /* the worker died (signal or exit) or broke the protocol */
};

/* False when PORTGATE_PLUGIN_ISOLATION=inline. */
bool pg_isolate_enabled(void);

/* Start up to n workers for c now. Call it where portgate is single-threaded
 * (before enrich threads start): a fork then copies no lock another thread
 * holds. Workers missing later are started at the call that needs them. */
void pg_isolate_prepare(struct pg_plugin_ctx *c, unsigned n);

/* Past its timeout an isolated call has been killed and returns: a caller
 * that waits on a call from another thread gives it this much longer before
 * it abandons it (pg_isolate_backstop_ms). */
#define PG_ISOLATED_GRACE_MS 1000

/* One call of an instance: what goes in, what comes out. */
struct pg_isolated_call {
	struct pg_plugin_ctx *c; /* the instance */
	unsigned timeout_ms;     /* 0: the instance's */
	const json_t *finding;   /* enrich: the finding as plugins see it */
	const json_t *event;     /* notify: the event and its idempotency key */
	const char *key;
	json_t *sent;    /* plugin-test: a JSON array that gets every host call the plugin
		       * made: host->http as {method, url (as logs show it), body, status},
		       * host->dns as {method "DNS", name, type, answers | error}; or NULL */
	bool skip_cache; /* --skip-cache: host->cache_get finds nothing during the call */
	/* out: */
	json_t *out, *added; /* enrich: new references on PG_PLUGIN_OK, else NULL */
	long retry_after_ms; /* notify: the receiver's wish on PG_PLUGIN_RETRY, -1 none */
	char err[512];       /* why, when not PG_PLUGIN_OK */
};

/* call->c's enrich() on call->finding. Returns PG_PLUGIN_OK, PG_PLUGIN_FAIL,
 * PG_ISOLATE_TIMEOUT or PG_ISOLATE_CRASH. Thread-safe; honours the plugin's
 * thread model. */
int pg_isolate_enrich(struct pg_isolated_call *call);

/* call->c's notify() on call->event. Returns PG_PLUGIN_OK, PG_PLUGIN_RETRY,
 * PG_PLUGIN_FAIL, PG_ISOLATE_TIMEOUT or PG_ISOLATE_CRASH. */
int pg_isolate_notify(struct pg_isolated_call *call);

/* When a caller waiting on a call of timeout_ms started now gives up on it:
 * isolated, PG_ISOLATED_GRACE_MS after the deadline (the worker was killed);
 * inline, inline_grace_ms after it. Monotonic ms. */
uint64_t pg_isolate_backstop_ms(unsigned timeout_ms, unsigned inline_grace_ms);

/* A result's name in `plugin-test` output: ok, retry, timeout, crash, fail. */
const char *pg_isolate_rc_name(int rc);

/* Note the file descriptors open now (the plugins' own, from create()): a
 * worker keeps only those and its socket, so an outbox claim (flock), the
 * evidence file or another worker's socket opened later never leaks into it. */
void pg_isolate_note_fds(struct pg_plugin_host *h);

/* Stop c's workers (they run destroy() on their copy of the state). */
void pg_isolate_stop(struct pg_plugin_ctx *c);

#endif
