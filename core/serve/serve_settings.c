/* serve_settings.c - the `serve:` section of portgate.yaml, with file:line errors. */
#include "config.h"
#include "serve_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct uint_opt {
	const char *key;
	unsigned long min, max, dflt;
	size_t offset; /* into struct pg_serve_settings */
};

#define SET_OFF(f) offsetof(struct pg_serve_settings, f)

static const struct uint_opt opts[] = {
	{ "cacheTtlSeconds", 0, 86400, 60, SET_OFF(cache_ttl_s) },
	{ "requestsPerMinutePerKey", 1, 1000000, 120, SET_OFF(key_rpm) },
	{ "requestsPerMinutePerTarget", 1, 1000000, 60, SET_OFF(target_rpm) },
	{ "concurrentScansPerKey", 1, 1024, 4, SET_OFF(key_conc) },
	{ "concurrentScansPerTarget", 1, 1024, 2, SET_OFF(target_conc) },
	{ "maxConnections", 4, 65536, 512, SET_OFF(max_connections) },
	{ "maxConnectionsPerIp", 1, 65536, 64, SET_OFF(max_per_ip) },
	{ "connectionTimeoutSeconds", 1, 3600, 10, SET_OFF(conn_timeout_s) },
	{ "threads", 1, 256, 4, SET_OFF(threads) },
	{ "workers", 1, 1024, 8, SET_OFF(workers) },
	{ "queueLength", 0, 65536, 0, SET_OFF(queue_len) },
	{ "defaultTimeoutMs", 100, 600000, 5000, SET_OFF(default_timeout_ms) },
	{ "maxTimeoutMs", 100, 600000, 60000, SET_OFF(max_timeout_ms) },
	{ "maxRequestBytes", 4096, 1048576, 16384, SET_OFF(max_request_bytes) },
	{ "maxBodyBytes", 64, 16777216, 65536, SET_OFF(max_body_bytes) },
};

static void set_defaults(struct pg_serve_settings *s)
{
	for (size_t i = 0; i < PG_ARRAY_LEN(opts); i++)
		*(unsigned *)((char *)s + opts[i].offset) = (unsigned)opts[i].dflt;
}

static void read_pair(const struct pg_config *cfg, const struct pg_node *k, const struct pg_node *v,
		      struct pg_serve_settings *s, struct pg_diag *d)
{
	unsigned long val;
	const char *str;
	size_t i;

	if (!strcmp(k->scalar, "keysFile")) {
		if (pg_node_str(v, &str) && *str && v->kind == PG_NODE_SCALAR)
			s->keys_file = pg_xstrdup(str);
		else
			pg_diag_add(d, cfg->path, v->line, "serve.keysFile: expected a file name");
		return;
	}
	for (i = 0; i < PG_ARRAY_LEN(opts) && strcmp(opts[i].key, k->scalar); i++)
		;
	if (i == PG_ARRAY_LEN(opts)) {
		pg_diag_add(d, cfg->path, k->line, "serve: unknown key '%s'", k->scalar);
		return;
	}
	if (!pg_node_uint(v, opts[i].max, &val) || val < opts[i].min) {
		pg_diag_add(d, cfg->path, v->line, "serve.%s: expected an integer from %lu to %lu",
			    opts[i].key, opts[i].min, opts[i].max);
		return;
	}
	*(unsigned *)((char *)s + opts[i].offset) = (unsigned)val;
}

bool pg_serve_settings_load(const struct pg_config *cfg, struct pg_serve_settings *s,
			    struct pg_diag *d)
{
	const struct pg_node *n = cfg->serve;
	size_t before = d->n;

	memset(s, 0, sizeof(*s));
	set_defaults(s);
	if (n && n->kind != PG_NODE_MAP) {
		pg_diag_add(d, cfg->path, n->line, "serve: expected a map, got %s",
			    pg_node_type_name(n));
		return false;
	}
	for (size_t i = 0; n && i < n->n; i++)
		read_pair(cfg, n->keys[i], n->items[i], s, d);
	if (d->n == before && s->default_timeout_ms > s->max_timeout_ms)
		pg_diag_add(d, cfg->path, n ? n->line : 0,
			    "serve.defaultTimeoutMs (%u) is above serve.maxTimeoutMs (%u)",
			    s->default_timeout_ms, s->max_timeout_ms);
	return d->n == before;
}

void pg_serve_settings_clear(struct pg_serve_settings *s)
{
	free(s->keys_file);
	s->keys_file = NULL;
}

bool pg_serve_settings_check(const struct pg_config *cfg, struct pg_diag *d)
{
	struct pg_serve_settings s;
	bool ok = pg_serve_settings_load(cfg, &s, d);

	pg_serve_settings_clear(&s);
	return ok;
}
