/* settings.c - load portgate.yaml (core keys); plugin sections pass through. */
#include "config.h" /* autoconf's, from the build dir */
#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"
#include "resolve/resolve.h"
#include "util/log.h"

/* An integer option: key inside a section, bounds, and where it lands. */
struct int_opt {
	const char *key;
	unsigned long min, max;
	size_t offset; /* into struct pg_config */
};

#define CFG_OFF(f) offsetof(struct pg_config, f)

static const struct int_opt dns_opts[] = {
	{ "timeoutMs", 50, 60000, CFG_OFF(dns_timeout_ms) },
	{ "tries", 1, 10, CFG_OFF(dns_tries) },
};
static const struct int_opt scan_opts[] = {
	{ "timeoutMs", 10, 60000, CFG_OFF(scan.timeout_ms) },
	{ "retries", 0, 10, CFG_OFF(scan.retries) },
	{ "maxInflight", 1, 1000000, CFG_OFF(scan.max_inflight) },
	{ "maxPerHost", 1, 1000000, CFG_OFF(scan.max_per_host) },
};
static const struct int_opt probe_opts[] = {
	{ "bannerWaitMs", 0, 60000, CFG_OFF(scan.probe_opts.banner_wait_ms) },
	{ "totalMs", 10, 120000, CFG_OFF(scan.probe_opts.total_ms) },
};

static const char *const top_keys[] = {
	"dns",       "scan",      "probe",  "caFile", "stateDir", "pluginDirs",
	"enrichers", "notifiers", "enrich", "notify", "outbox",   "serve",
};

static bool known(const char *const *keys, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], k))
			return true;
	return false;
}

static void want_map(const struct pg_config *c, const struct pg_node *n, const char *what,
		     struct pg_diag *d)
{
	if (n && n->kind != PG_NODE_MAP)
		pg_diag_add(d, c->path, n->line, "%s: expected a map, got %s", what,
			    pg_node_kind_name(n->kind));
}

/* Read a section of integer options; also rejects unknown keys in it. */
static void read_ints(struct pg_config *c, const struct pg_node *sec, const char *name,
		      const struct int_opt *opts, size_t nopts, const char *const *extra,
		      size_t nextra, struct pg_diag *d)
{
	want_map(c, sec, name, d);
	if (!sec || sec->kind != PG_NODE_MAP)
		return;
	for (size_t i = 0; i < sec->n; i++) {
		const char *k = sec->keys[i]->scalar;
		const struct pg_node *v = sec->items[i];
		size_t j;

		for (j = 0; j < nopts && strcmp(opts[j].key, k); j++)
			;
		if (j == nopts) {
			if (!known(extra, nextra, k))
				pg_diag_add(d, c->path, sec->keys[i]->line, "%s: unknown key '%s'",
					    name, k);
			continue;
		}
		unsigned long val;
		if (!pg_node_uint(v, opts[j].max, &val) || val < opts[j].min) {
			pg_diag_add(d, c->path, v->line,
				    "%s.%s: expected an integer from %lu to %lu", name, k,
				    opts[j].min, opts[j].max);
			continue;
		}
		*(int *)((char *)c + opts[j].offset) = (int)val;
	}
}

static char *read_str(const struct pg_config *c, const struct pg_node *n, const char *what,
		      struct pg_diag *d)
{
	const char *s;

	if (!n)
		return NULL;
	if (!pg_node_str(n, &s) || !*s) {
		pg_diag_add(d, c->path, n->line, "%s: expected a non-empty string", what);
		return NULL;
	}
	return pg_xstrdup(s);
}

/* A byte budget from min to 16 MiB; absent: the default stays. */
static void read_size(const struct pg_config *c, const struct pg_node *n, const char *what,
		      unsigned long min, size_t *out, struct pg_diag *d)
{
	unsigned long v;

	if (!n)
		return;
	if (pg_node_uint(n, 16 << 20, &v) && v >= min)
		*out = v;
	else
		pg_diag_add(d, c->path, n->line, "%s: expected an integer from %lu to %d", what,
			    min, 16 << 20);
}

static void read_dirs(struct pg_config *c, const struct pg_node *n, struct pg_diag *d)
{
	if (!n)
		return;
	if (n->kind != PG_NODE_SEQ) {
		pg_diag_add(d, c->path, n->line, "pluginDirs: expected a list of directories");
		return;
	}
	c->plugin_dirs = pg_xcalloc(n->n + 1, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		char *s = read_str(c, n->items[i], "pluginDirs[]", d);
		if (s)
			c->plugin_dirs[c->nplugin_dirs++] = s;
	}
}

static void read_probe_bool(struct pg_config *c, const struct pg_node *scan, struct pg_diag *d)
{
	const struct pg_node *n = pg_node_get(scan, "probe");

	if (n && !pg_node_bool(n, &c->scan.probe))
		pg_diag_add(d, c->path, n->line, "scan.probe: expected true or false");
}

static char *default_state_dir(void)
{
	const char *e = getenv("PORTGATE_STATE_DIR");

	if (e && *e)
		return pg_xstrdup(e);
	e = getenv("XDG_STATE_HOME");
	if (e && *e)
		return pg_xasprintf("%s/portgate", e);
	e = getenv("HOME");
	return e && *e ? pg_xasprintf("%s/.local/state/portgate", e)
		       : pg_xstrdup("/var/lib/portgate");
}

static void apply_file(struct pg_config *c, struct pg_diag *d)
{
	const struct pg_node *r = c->doc->root;
	static const char *const scan_extra[] = { "probe" };
	static const char *const probe_extra[] = { "maxBytes", "tlsMaxBytes" };
	static const char *const dns_extra[] = { "server" };
	const struct pg_node *n;

	if (!r)
		return; /* empty file: defaults */
	if (r->kind != PG_NODE_MAP) {
		pg_diag_add(d, c->path, r->line, "expected a map of settings at the top level");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (!known(top_keys, PG_ARRAY_LEN(top_keys), r->keys[i]->scalar))
			pg_diag_add(d, c->path, r->keys[i]->line, "unknown key '%s'",
				    r->keys[i]->scalar);

	n = pg_node_get(r, "dns");
	read_ints(c, n, "dns", dns_opts, PG_ARRAY_LEN(dns_opts), dns_extra, 1, d);
	if (n && n->kind == PG_NODE_MAP && pg_node_get(n, "server")) {
		c->dns_server_line = pg_node_get(n, "server")->line;
		c->dns_server = read_str(c, pg_node_get(n, "server"), "dns.server", d);
	}
	n = pg_node_get(r, "scan");
	read_ints(c, n, "scan", scan_opts, PG_ARRAY_LEN(scan_opts), scan_extra, 1, d);
	if (n && n->kind == PG_NODE_MAP)
		read_probe_bool(c, n, d);
	n = pg_node_get(r, "probe");
	read_ints(c, n, "probe", probe_opts, PG_ARRAY_LEN(probe_opts), probe_extra,
		  PG_ARRAY_LEN(probe_extra), d);
	if (n && n->kind == PG_NODE_MAP) {
		read_size(c, pg_node_get(n, "maxBytes"), "probe.maxBytes", 64,
			  &c->scan.probe_opts.max_bytes, d);
		read_size(c, pg_node_get(n, "tlsMaxBytes"), "probe.tlsMaxBytes", 1024,
			  &c->scan.probe_opts.tls_max_bytes, d);
	}
	if ((n = pg_node_get(r, "caFile"))) {
		c->ca_file_line = n->line;
		c->ca_file = read_str(c, n, "caFile", d);
	}
	n = pg_node_get(r, "stateDir");
	if (n) {
		free(c->state_dir);
		c->state_dir = read_str(c, n, "stateDir", d);
	}
	read_dirs(c, pg_node_get(r, "pluginDirs"), d);
	c->enrichers = pg_node_get(r, "enrichers");
	c->notifiers = pg_node_get(r, "notifiers");
	c->enrich = pg_node_get(r, "enrich");
	c->notify = pg_node_get(r, "notify");
	c->outbox = pg_node_get(r, "outbox");
	c->serve = pg_node_get(r, "serve"); /* checked by core/serve (serve_settings.c) */
}

bool pg_config_check_dns_server(const char *spec, const char *file, int line, const char *what,
				struct pg_diag *d)
{
	char err[256];

	if (pg_resolve_server_check(spec, err, sizeof(err)))
		return true;
	pg_diag_add(d, file, line, "%s: %s", what, err); /* err names the spec */
	return false;
}

bool pg_config_check_ca_file(const char *path, const char *file, int line, const char *what,
			     struct pg_diag *d)
{
	char err[256];

	if (pg_tls_ca_file_check(path, err, sizeof(err)))
		return true;
	pg_diag_add(d, file, line, "%s: %s %s", what, path, err);
	return false;
}

/* run.settings.sha256: the file as it is now (read again, like the manifest's hash). */
static void hash_file(struct pg_config *c)
{
	size_t len;
	char *data = pg_read_file(c->path, (size_t)16 << 20, &len);

	if (data)
		pg_sha256_hex(data, len, c->sha256);
	free(data);
}

struct pg_config *pg_config_load(const char *path, struct pg_diag *diag)
{
	struct pg_config *c = pg_xcalloc(1, sizeof(*c));
	size_t before = diag->n;

	c->dns_timeout_ms = 2000;
	c->dns_tries = 2;
	pg_scan_opts_default(&c->scan);
	c->state_dir = default_state_dir();
	c->path = pg_config_find(path, getenv, PG_SYSCONFDIR, &c->source);
	if (c->path && (c->doc = pg_doc_load(c->path, diag))) {
		apply_file(c, diag);
		hash_file(c);
	}
	/* checked here, at the line that set them, so validate and check agree */
	if (c->dns_server)
		pg_config_check_dns_server(c->dns_server, c->path, c->dns_server_line, "dns.server",
					   diag);
	if (c->ca_file)
		pg_config_check_ca_file(c->ca_file, c->path, c->ca_file_line, "caFile", diag);
	if (!c->state_dir && diag->n == before)
		pg_diag_add(diag, c->path, 0, "stateDir: no state directory could be chosen");
	c->scan.probe_opts.ca_file = c->ca_file;
	if (diag->n != before) {
		pg_config_free(c);
		return NULL;
	}
	return c;
}

void pg_config_free(struct pg_config *c)
{
	if (!c)
		return;
	free(c->path);
	pg_doc_free(c->doc);
	free(c->dns_server);
	free(c->ca_file);
	free(c->state_dir);
	for (size_t i = 0; i < c->nplugin_dirs; i++)
		free(c->plugin_dirs[i]);
	free(c->plugin_dirs);
	free(c);
}
