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

/* c's enrich() on finding within timeout_ms (0: the instance's timeout).
 * Returns PG_PLUGIN_OK (then *out and *added are new references), another
 * plugin rc, PG_ISOLATE_TIMEOUT or PG_ISOLATE_CRASH (then err says why and
 * *out, *added are NULL). Thread-safe; honours the plugin's thread model. */
int pg_isolate_enrich(struct pg_plugin_ctx *c, const json_t *finding, unsigned timeout_ms,
		      json_t **out, json_t **added, char *err, size_t errlen);

/* c's notify() on event within timeout_ms (0: the instance's timeout).
 * Returns PG_PLUGIN_OK, PG_PLUGIN_RETRY (*retry_after_ms set, -1 if none),
 * PG_PLUGIN_FAIL, PG_ISOLATE_TIMEOUT or PG_ISOLATE_CRASH; err says why. */
int pg_isolate_notify(struct pg_plugin_ctx *c, const json_t *event, const char *key,
		      unsigned timeout_ms, long *retry_after_ms, char *err, size_t errlen);

/* The same, recording into sent (a JSON array, may be NULL) every host->http
 * request the plugin made: {method, url (as logs show it), body, status}. For
 * `portgate plugin-test`. */
int pg_isolate_enrich_traced(struct pg_plugin_ctx *c, const json_t *finding, unsigned timeout_ms,
			     json_t **out, json_t **added, json_t *sent, char *err, size_t errlen);
int pg_isolate_notify_traced(struct pg_plugin_ctx *c, const json_t *event, const char *key,
			     unsigned timeout_ms, long *retry_after_ms, json_t *sent, char *err,
			     size_t errlen);

/* Note the file descriptors open now (the plugins' own, from create()): a
 * worker keeps only those and its socket, so an outbox claim (flock), the
 * evidence file or another worker's socket opened later never leaks into it. */
void pg_isolate_note_fds(struct pg_plugin_host *h);

/* Stop c's workers (they run destroy() on their copy of the state). */
void pg_isolate_stop(struct pg_plugin_ctx *c);

#endif
