/* enrich.h - schedule enricher plugins over a report's findings (enrich.c);
 * the cache (plugin_cache.c) and DNS (plugin_dns.c) helpers the host lends
 * to plugins.
 *
 * pg_enrich_report() (declared in plugin_host.h) calls each enricher for the
 * findings enrich.on selects and for every asset it judges (the descriptor's
 * judges, ABI 1.3), once per (instance, target+ip) - or per fingerprint for
 * plugins of scope FINDING - on a bounded pool of threads, with a per-call timeout, and
 * caches successful results under <stateDir>/cache/<instance>/ for the
 * plugin's TTL. A call that times out is abandoned (its result dropped) and
 * the instance is not called again in that run. */
#ifndef PG_ENRICH_H
#define PG_ENRICH_H

#include <jansson.h>
#include <portgate/plugin.h>

#include "plugin/plugin_int.h"

/* host->dns, host->cache_get, host->cache_put */
int pg_host_dns(struct pg_plugin_ctx *ctx, const char *name, const char *rrtype, json_t **answers);
json_t *pg_host_cache_get(struct pg_plugin_ctx *ctx, const char *key, unsigned max_age_s);
int pg_host_cache_put(struct pg_plugin_ctx *ctx, const char *key, const json_t *value);

/* Result cache: <stateDir>/cache/<instance>/<space>-<sha256(key)>.json holding
 * {"key", "storedAt", "value"}. get returns a new reference or NULL. */
json_t *pg_cache_read(const char *state_dir, const char *instance, const char *space,
		      const char *key, unsigned max_age_s);
int pg_cache_write(const char *state_dir, const char *instance, const char *space, const char *key,
		   const json_t *value);

/* enrich_added.c: an added finding checked (severity, rule id, no core rule
 * but network-unexpected, defaultAction, assetLevel) and completed from
 * origin; NULL with a warning naming instance, plugin and rule when dropped. */
json_t *pg_enrich_shape_added(const struct pg_plugin_ctx *c, const json_t *in,
			      const json_t *origin);
/* True when findings already hold the asset-level finding f (same rule, same source). */
bool pg_enrich_added_dup(const json_t *findings, const json_t *f);

/* enrich_judge.c: does instance c judge the asset with these manifest fields
 * at all (it judges something, and the asset carries the tag it may need)? */
bool pg_enrich_judges_asset(struct pg_plugin_ctx *c, const json_t *fields);
/* ... and at this scan of it (a /v1-port-scanner object; NULL: none)? */
bool pg_enrich_judges_at(struct pg_plugin_ctx *c, const json_t *fields, const json_t *scan);

/* mkdir -p with mode 0700 for the parts it creates. 0 or -errno. */
int pg_mkdir_p(const char *path);

#endif
