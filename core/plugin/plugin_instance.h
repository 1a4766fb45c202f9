/* plugin_instance.h - what a stage that calls plugins (core/enrich,
 * core/notify) may know of the host: its instances of a kind and their
 * effective settings, the stage's own settings and per-instance data (the
 * host keeps them without knowing their type), the helpers that read a
 * stage's settings section, the finding as plugins see it, and the
 * cross-run result cache. Calls go through plugin_isolate.h. */
#ifndef PG_PLUGIN_INSTANCE_H
#define PG_PLUGIN_INSTANCE_H

#include <jansson.h>
#include <portgate/plugin.h>
#include <stdbool.h>

#include "manifest/manifest.h"
#include "plugin_host.h"

/* ---- instances ------------------------------------------------------------ */

/* The instances of a kind, in config order; i < pg_plugin_count(h, kind). */
size_t pg_plugin_count(const struct pg_plugin_host *h, enum pg_plugin_kind kind);
struct pg_plugin_ctx *pg_plugin_at(const struct pg_plugin_host *h, enum pg_plugin_kind kind,
				   size_t i);
/* The instance of that kind and name, or NULL. */
struct pg_plugin_ctx *pg_plugin_named(const struct pg_plugin_host *h, enum pg_plugin_kind kind,
				      const char *name);

const char *pg_plugin_name(const struct pg_plugin_ctx *c);        /* instance name */
const char *pg_plugin_module_name(const struct pg_plugin_ctx *c); /* the plugin's */
unsigned pg_plugin_timeout_ms(const struct pg_plugin_ctx *c);     /* effective per call */
/* Why the instance's create() crashed or hung at start-up ("create() crashed
 * (SIGSEGV)"): its calls all fail; NULL when it started. */
const char *pg_plugin_start_error(const struct pg_plugin_ctx *c);
unsigned pg_plugin_cache_ttl_s(const struct pg_plugin_ctx *c); /* effective */
/* The plugin's thread model: serialized instances (all of one plugin) run
 * one call at a time. */
bool pg_plugin_serialized(const struct pg_plugin_ctx *c);
bool pg_plugin_same_module(const struct pg_plugin_ctx *a, const struct pg_plugin_ctx *b);
enum pg_enrich_scope pg_plugin_enrich_scope(const struct pg_plugin_ctx *c);
/* What the enricher judges by itself (PG_JUDGE_* bits, ABI 1.3; 0 for older
 * plugins), and the value of the instance option naming the tag an asset must
 * carry for it (the descriptor's judges_tag_option; NULL: no tag needed, "":
 * the option is unset, so no asset qualifies). */
unsigned pg_plugin_judges(const struct pg_plugin_ctx *c);
const char *pg_plugin_judges_tag(const struct pg_plugin_ctx *c);
/* A finding of rule the instance added and the stage kept: warned once per
 * plugin and rule when the plugin (ABI 1.4 or later) does not declare it. */
void pg_plugin_rule_emitted(const struct pg_plugin_ctx *c, const char *rule);
/* The plugin's, or the instance's `events:`. */
enum pg_notify_mode pg_plugin_notify_mode(const struct pg_plugin_ctx *c);

/* Calls in flight: an instance (and its host) with calls in flight is never
 * freed. Count a call before it may be abandoned, uncount once it returned. */
void pg_plugin_busy_add(struct pg_plugin_ctx *c, int delta);

/* ---- per-instance figures (plugin_stats.c) ---------------------------------- */

/* A result the stage took from the cache instead of calling the instance. */
void pg_plugin_note_cache_hit(struct pg_plugin_ctx *c);
/* {instance: {plugin, calls, errors, timeouts, crashes, msMedian, msMax,
 * cacheHits[, startError]}} for the instances of kind, as a new object: the
 * evidence's run.plugins. Every call through plugin_isolate.h counts. */
json_t *pg_plugin_stats_json(struct pg_plugin_host *h, enum pg_plugin_kind kind);

/* ---- the stage's data ------------------------------------------------------ */

/* The settings the kind's stage read (struct pg_plugin_stage.settings_new),
 * NULL when the host was built without that stage. */
void *pg_plugin_host_stage(const struct pg_plugin_host *h, enum pg_plugin_kind kind);
/* What the stage read from the instance's own keys (instance_key), or NULL. */
void *pg_plugin_stage_data(const struct pg_plugin_ctx *c);
/* The host's state directory (cache, outbox), NULL when none. */
const char *pg_plugin_host_state_dir(const struct pg_plugin_host *h);

/* Helpers for a stage's settings_new: "what" names the section in messages. */
/* False (with a message) when n is present and not a map. */
bool pg_plugin_section_is_map(const struct pg_node *n, const char *what, const char *file,
			      struct pg_diag *diag);
/* A message for each key of map not in keys (NULL-terminated). */
void pg_plugin_section_keys(const struct pg_node *map, const char *const *keys, const char *what,
			    const char *file, struct pg_diag *diag);
/* map.key as an integer min..max into *out, when present. */
void pg_plugin_section_uint(const struct pg_node *map, const char *key, unsigned long min,
			    unsigned long max, unsigned *out, const char *what, const char *file,
			    struct pg_diag *diag);
/* what.on: a list of actions into on[] (or, when all is not NULL, 'all'). */
void pg_plugin_section_actions(const struct pg_node *n, bool on[PG_ACTION_COUNT], bool *all,
			       const char *what, const char *file, struct pg_diag *diag);
/* Whether a finding's action (text) is one of those selected in on[]. */
bool pg_action_selected(const bool on[PG_ACTION_COUNT], const char *action);

/* ---- what plugins see ------------------------------------------------------ */

/* plugin_context.c: a new copy of one of a report's findings carrying its
 * asset's assetContext (pg_packet_asset_context_new) - what enrich() and
 * notify events get. */
json_t *pg_plugin_finding_new(const json_t *report, const json_t *asset, const json_t *finding);

/* ---- the result cache (plugin_cache.c) --------------------------------------- */

/* <stateDir>/cache/<instance>/<space>-<sha256(key)>.json holding {"key",
 * "storedAt", "value"}: read returns a new reference or NULL (none, stale,
 * no state dir); write returns 0 or -errno. Plugins' own host->cache_* use
 * the space "kv". */
json_t *pg_cache_read(const char *state_dir, const char *instance, const char *space,
		      const char *key, unsigned max_age_s);
int pg_cache_write(const char *state_dir, const char *instance, const char *space, const char *key,
		   const json_t *value);

#endif
