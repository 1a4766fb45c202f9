/* plugin_host.h - load plugins (libltdl), validate their config, create instances.
 *
 * Everything is loaded and every instance created in pg_plugin_host_new(),
 * before any thread starts (libltdl and most plugin create() callbacks are
 * not thread-safe). enrich.c and notify.c then use the instances.
 *
 * This is the public surface (cli_check.c, cli_plugins.c, tests); the
 * structures and the helpers the plugin_*.c files share are in plugin_int.h. */
#ifndef PG_PLUGIN_HOST_H
#define PG_PLUGIN_HOST_H

#include <jansson.h>
#include <portgate/plugin.h>
#include <stdbool.h>

#include "config/settings.h"
#include "util/util.h"

struct pg_plugin_host;
struct pg_module;
struct pg_plugin_ctx;

/* Entry points for cli_check.c. */
struct pg_plugin_host *pg_plugin_host_new(const struct pg_config *cfg, char *const *extra_dirs,
					  size_t nextra, struct pg_diag *diag);
/* The same checks (files, descriptors, every instance's options) without
 * calling any create(): `validate --config`, which then needs no secrets. */
struct pg_plugin_host *pg_plugin_host_validate(const struct pg_config *cfg, char *const *extra_dirs,
					       size_t nextra, struct pg_diag *diag);
void pg_plugin_host_free(struct pg_plugin_host *h);
/* Enrich the evidence report in place (enrich.c); returns 0. */
int pg_enrich_report(struct pg_plugin_host *h, json_t *report, bool skip_cache);
/* Deliver notifications for the report (notify.c); returns how many wait in the outbox. */
int pg_notify_report(struct pg_plugin_host *h, const json_t *report);

/* Lower level, for cli_plugins.c and tests. */
struct pg_plugin_host *pg_plugin_host_empty(void);
/* Load one file; NULL + diag on refusal. */
struct pg_module *pg_plugin_load_file(struct pg_plugin_host *h, const char *path,
				      struct pg_diag *diag);
/* Load every *.so of each dir (in order; first of a name wins). 0 or -1. */
int pg_plugin_load_dirs(struct pg_plugin_host *h, char *const *dirs, size_t ndirs,
			struct pg_diag *diag);
struct pg_module *pg_plugin_find(struct pg_plugin_host *h, const char *name);
/* Create an instance from a config map (keys validated); NULL + diag. */
struct pg_plugin_ctx *pg_plugin_instance_new(struct pg_plugin_host *h, const char *inst,
					     struct pg_module *m, const struct pg_node *conf,
					     const char *file, struct pg_diag *diag);
void pg_plugin_instance_free(struct pg_plugin_ctx *c);

/* portgate plugin-test (plugin_test.c): each enricher on one finding, or each
 * notifier on one event, as a run calls them; a new object keyed by instance:
 * {plugin, result (ok|fail|retry|timeout|crash), error, out, findings (as the
 * run would add them), returnedFindings, retryAfterMs, sent: [{method, url,
 * body, status}]}. */
json_t *pg_plugin_test_enrich(struct pg_plugin_host *h, const json_t *finding);
json_t *pg_plugin_test_notify(struct pg_plugin_host *h, const json_t *event);

/* Read-only views of loaded modules for listings (plugin_describe.c). */
size_t pg_plugin_host_nmodules(const struct pg_plugin_host *h);
const struct pg_module *pg_plugin_host_module(const struct pg_plugin_host *h, size_t i);
const struct pg_plugin *pg_module_desc(const struct pg_module *m); /* the host's copy */
const char *pg_module_path(const struct pg_module *m);
size_t pg_module_declared_size(const struct pg_module *m); /* struct_size the plugin built */
bool pg_module_is_older(const struct pg_module *m);        /* a smaller, older descriptor */
/* Every descriptor field as a new JSON object (plugins --json). */
json_t *pg_module_json(const struct pg_module *m);

/* Option / kind names for listings. */
const char *pg_plugin_kind_name(int kind);
const char *pg_option_type_name(int type);

#endif
