/* plugin_lanes.h - the reference-counted pool of threads a stage runs plugin
 * calls on (enrich's workers, notify's one lane per notifier instance).
 *
 * The stage's main thread waits on the pool's condition until every call is
 * done or past its backstop (pg_isolate_backstop_ms); a call that never
 * returns is abandoned and its thread left running. So the pool and what the
 * stage hung on it (owner) live until the last of main and the threads lets
 * go: each holds a reference, the last pg_plugin_lanes_unref_locked frees. */
#ifndef PG_PLUGIN_LANES_H
#define PG_PLUGIN_LANES_H

#include <stdbool.h>
#include <stdint.h>

struct pg_plugin_lanes;

/* A pool with one reference (the caller's); owner_free(owner) runs when the
 * last reference goes (owner_free may be NULL). */
struct pg_plugin_lanes *pg_plugin_lanes_new(void *owner, void (*owner_free)(void *owner));
void pg_plugin_lanes_lock(struct pg_plugin_lanes *l);
void pg_plugin_lanes_unlock(struct pg_plugin_lanes *l);
/* Start a detached thread running fn(arg), which holds a reference until it
 * calls pg_plugin_lanes_unref_locked. False when no thread could start
 * (then no reference was taken). */
bool pg_plugin_lanes_spawn(struct pg_plugin_lanes *l, void *(*fn)(void *), void *arg);
/* Take a reference for a lane that runs on the caller's thread. */
void pg_plugin_lanes_ref(struct pg_plugin_lanes *l);
/* References held now: main's and each live thread's (lock held). */
int pg_plugin_lanes_refs(const struct pg_plugin_lanes *l);
/* Wake the threads waiting on the pool (lock held). */
void pg_plugin_lanes_broadcast(struct pg_plugin_lanes *l);
/* Wait (lock held) until woken or wake_ms (monotonic, pg_clock_now_ms) passes,
 * at least 1 ms. */
void pg_plugin_lanes_wait(struct pg_plugin_lanes *l, uint64_t wake_ms);
/* Drop a reference and unlock (lock held); the last one frees the pool and
 * its owner. */
void pg_plugin_lanes_unref_locked(struct pg_plugin_lanes *l);

#endif
