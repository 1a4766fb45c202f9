/* plugin_host.c - the plugin host's life: create (config, load, instances)
 * and free. It calls down into plugin_config.c, plugin_load.c and
 * plugin_instance.c; the helpers they share (call state, names) live in
 * plugin_call.c and plugin_names.c, so no file calls back up into this one. */
#include "config.h"
#include "plugin_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"
#include "plugin_isolate.h"

/* ---- host life -------------------------------------------------------- */

struct pg_plugin_host *pg_plugin_host_empty(void)
{
	struct pg_plugin_host *h = pg_xcalloc(1, sizeof(*h));

	pg_plugin_ltdl_init();
	pg_http_global_init();
	pthread_mutex_init(&h->lock, NULL);
	/* what the stages' settings start from (enrich.timeoutMs, enrich.concurrency) */
	h->defaults[PG_PLUGIN_ENRICHER] = (struct pg_plugin_defaults){ .timeout_ms = 10000,
								       .workers = 8 };
	h->defaults[PG_PLUGIN_NOTIFIER] = (struct pg_plugin_defaults){ .timeout_ms = 30000,
								       .workers = 1 };
	h->dns_timeout_ms = 2000;
	return h;
}

/* Hosts with a call still running: that call reaches the host through
 * ctx->host (lock, state_dir, ca_file, dns_server) until it returns, which
 * may be never. They stay reachable here until the process exits; nothing
 * frees them at exit either (no atexit teardown), so a call that returns
 * while exit() runs still finds valid memory. */
static pthread_mutex_t parked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pg_plugin_host **parked;
static size_t nparked, capparked;

static bool any_busy(struct pg_plugin_host *h, struct pg_plugin_ctx **insts, size_t n)
{
	bool busy = false;

	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n && !busy; i++)
		busy = insts[i] && insts[i]->busy > 0;
	pthread_mutex_unlock(&h->lock);
	return busy;
}

static void park(struct pg_plugin_host *h)
{
	pthread_mutex_lock(&parked_lock);
	pg_grow(&parked, &capparked, nparked + 1, sizeof(*parked));
	parked[nparked++] = h;
	pthread_mutex_unlock(&parked_lock);
}

/* A busy instance is kept alive by pg_plugin_instance_free (and its module
 * by pg_module_free); then the host itself must outlive the call too. The
 * busy count only falls once enrichment has returned, so checking it before
 * the instances go is enough: at worst a host is parked needlessly. */
void pg_plugin_host_free(struct pg_plugin_host *h)
{
	bool keep;

	if (!h)
		return;
	keep = any_busy(h, h->enrichers, h->nenrichers) || any_busy(h, h->notifiers, h->nnotifiers);
	for (size_t i = 0; i < h->nenrichers; i++)
		pg_plugin_instance_free(h->enrichers[i]);
	for (size_t i = 0; i < h->nnotifiers; i++)
		pg_plugin_instance_free(h->notifiers[i]);
	free(h->enrichers);
	free(h->notifiers);
	h->enrichers = h->notifiers = NULL;
	h->nenrichers = h->nnotifiers = 0;
	for (size_t i = 0; i < h->nmods; i++)
		pg_module_free(h->mods[i]);
	free(h->mods);
	h->mods = NULL;
	h->nmods = h->capmods = 0;
	if (keep) {
		park(h);
		return;
	}
	free(h->state_dir);
	free(h->ca_file);
	free(h->dns_server);
	for (int k = 0; k < PG_PLUGIN_KIND_SLOTS; k++)
		if (h->settings[k] && h->stages[k]->settings_free)
			h->stages[k]->settings_free(h->settings[k]);
	free(h->keep_fds);
	for (size_t i = 0; i < h->nwanted; i++)
		free(h->wanted[i]);
	free(h->wanted);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static void collect_dirs(const struct pg_config *cfg, char *const *extra, size_t nextra,
			 char ***dirs, size_t *n)
{
	struct stat st;

	*dirs = pg_xcalloc((cfg ? cfg->nplugin_dirs : 0) + nextra + 1, sizeof(char *));
	*n = 0;
	for (size_t i = 0; i < nextra; i++)
		(*dirs)[(*n)++] = extra[i];
	for (size_t i = 0; cfg && i < cfg->nplugin_dirs; i++)
		(*dirs)[(*n)++] = cfg->plugin_dirs[i];
	/* The built-in default is optional: a fresh install may have none. */
	if (stat(PG_PLUGINDIR, &st) == 0)
		(*dirs)[(*n)++] = (char *)PG_PLUGINDIR;
}

static void want_section(struct pg_plugin_host *h, const struct pg_node *sec)
{
	const char *name;

	for (size_t i = 0; sec && sec->kind == PG_NODE_MAP && i < sec->n; i++) {
		if (!pg_node_str(pg_node_get(sec->items[i], "plugin"), &name))
			continue;
		h->wanted = pg_xrealloc(h->wanted, (h->nwanted + 1) * sizeof(*h->wanted));
		h->wanted[h->nwanted++] = pg_xstrdup(name);
	}
}

/* The plugins the settings name (enrichers:/notifiers: plugin:), the only
 * ones loaded: an unrelated bad file in a shared directory breaks nobody. */
static void want_named(struct pg_plugin_host *h, const struct pg_config *cfg)
{
	h->wanted = pg_xcalloc(1, sizeof(*h->wanted)); /* not NULL: filter on, even if empty */
	want_section(h, cfg->enrichers);
	want_section(h, cfg->notifiers);
}

/* What a host is built for: a run creates every instance; a dry run checks all a run
 * checks before create() (secrets too); validate needs no secret either. */
enum build_mode { BUILD_RUN, BUILD_DRY_RUN, BUILD_VALIDATE };

static struct pg_plugin_host *host_build(const struct pg_config *cfg, char *const *extra_dirs,
					 size_t nextra, const struct pg_plugin_stage *const *stages,
					 enum build_mode mode, struct pg_diag *diag)
{
	struct pg_plugin_host *h = pg_plugin_host_empty();
	const char *file = cfg && cfg->path ? cfg->path : "config";
	size_t before = diag->n, ndirs;
	char **dirs;

	if (cfg) {
		h->state_dir = pg_xstrdup(cfg->state_dir);
		h->ca_file = pg_xstrdup(cfg->ca_file);
		h->dns_server = pg_xstrdup(cfg->dns_server);
		if (cfg->dns_timeout_ms > 0)
			h->dns_timeout_ms = cfg->dns_timeout_ms;
		pg_plugin_read_stages(h, cfg, stages, file, diag);
	}
	/* --plugin-dir first so a developer's build shadows installed plugins. */
	collect_dirs(cfg, extra_dirs, nextra, &dirs, &ndirs);
	if (cfg)
		want_named(h, cfg);
	pg_plugin_load_dirs(h, dirs, ndirs, diag);
	free(dirs);
	h->no_create = mode != BUILD_RUN;
	h->no_secrets = mode == BUILD_VALIDATE;
	if (cfg && diag->n == before) {
		pg_plugin_read_instances(h, cfg, file, diag);
	}
	if (diag->n != before) {
		pg_plugin_host_free(h);
		return NULL;
	}
	pg_isolate_note_fds(h);
	return h;
}

struct pg_plugin_host *pg_plugin_host_new(const struct pg_config *cfg, char *const *extra_dirs,
					  size_t nextra,
					  const struct pg_plugin_stage *const *stages,
					  struct pg_diag *diag)
{
	return host_build(cfg, extra_dirs, nextra, stages, BUILD_RUN, diag);
}

struct pg_plugin_host *pg_plugin_host_validate(const struct pg_config *cfg, char *const *extra_dirs,
					       size_t nextra,
					       const struct pg_plugin_stage *const *stages,
					       struct pg_diag *diag)
{
	return host_build(cfg, extra_dirs, nextra, stages, BUILD_VALIDATE, diag);
}

struct pg_plugin_host *pg_plugin_host_dry_run(const struct pg_config *cfg, char *const *extra_dirs,
					      size_t nextra,
					      const struct pg_plugin_stage *const *stages,
					      struct pg_diag *diag)
{
	return host_build(cfg, extra_dirs, nextra, stages, BUILD_DRY_RUN, diag);
}
