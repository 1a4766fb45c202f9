/* plugin_cache.c - the cross-run result cache under <stateDir>/cache/: files
 * keyed by sha256 with their full key and a store time, read back within a
 * TTL. Enrichment results and plugins' own host->cache_* entries live here. */
#include "config.h"
#include "plugin_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *cache_path(const char *state_dir, const char *instance, const char *space,
			const char *key, bool make_dir)
{
	char hex[65], *dir, *path;

	pg_sha256_hex(key, strlen(key), hex);
	dir = pg_xasprintf("%s/cache/%s", state_dir, instance);
	if (make_dir && pg_mkdir_p(dir) != 0) {
		free(dir);
		return NULL;
	}
	path = pg_xasprintf("%s/%s-%s.json", dir, space, hex);
	free(dir);
	return path;
}

json_t *pg_cache_read(const char *state_dir, const char *instance, const char *space,
		      const char *key, unsigned max_age_s)
{
	char *path;
	json_t *doc, *value = NULL;
	json_int_t stored;
	const char *k;

	if (!state_dir || max_age_s == 0)
		return NULL;
	path = cache_path(state_dir, instance, space, key, false);
	doc = json_load_file(path, 0, NULL);
	free(path);
	if (!doc)
		return NULL;
	k = json_string_value(json_object_get(doc, "key"));
	stored = json_integer_value(json_object_get(doc, "storedAt"));
	/* The key is stored in full so a hash collision cannot return a stranger's data. */
	if (k && !strcmp(k, key) && stored > 0 &&
	    pg_wall_ms() < (uint64_t)stored + (uint64_t)max_age_s * 1000)
		value = json_incref(json_object_get(doc, "value"));
	json_decref(doc);
	return value;
}

int pg_cache_write(const char *state_dir, const char *instance, const char *space, const char *key,
		   const json_t *value)
{
	char *path, *text;
	json_t *doc;
	int rc;

	if (!state_dir)
		return -ENOENT;
	path = cache_path(state_dir, instance, space, key, true);
	if (!path)
		return -EACCES;
	doc = json_pack("{s:s, s:I, s:O}", "key", key, "storedAt", (json_int_t)pg_wall_ms(),
			"value", (json_t *)value);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	rc = text ? pg_write_file_atomic(path, text, strlen(text)) : -ENOMEM;
	free(text);
	json_decref(doc);
	free(path);
	return rc;
}

json_t *pg_host_cache_get(struct pg_plugin_ctx *ctx, const char *key, unsigned max_age_s)
{
	return pg_cache_read(ctx->host->state_dir, ctx->name, "kv", key, max_age_s);
}

int pg_host_cache_put(struct pg_plugin_ctx *ctx, const char *key, const json_t *value)
{
	return pg_cache_write(ctx->host->state_dir, ctx->name, "kv", key, value) == 0 ? 0 : -1;
}
