/* plugin_host.h - load plugins (libltdl), validate their config, create instances.
 *
 * Everything is loaded and every instance created in pg_plugin_host_new(),
 * before any thread starts (libltdl and most plugin create() callbacks are
 * not thread-safe). The stages above (core/enrich, core/notify) then call the
 * instances through plugin_instance.h and plugin_isolate.h.
 *
 * The host knows no stage: a stage that calls plugins of one kind describes
 * itself in a struct pg_plugin_stage (its settings sections, the instance
 * keys it owns) and the front end hands the stages to the host it builds.
 *
 * This is the surface for the front ends (cli, run) and tests; the
 * structures and the helpers the plugin_*.c files share are in plugin_int.h. */
#ifndef PG_PLUGIN_HOST_H
#define PG_PLUGIN_HOST_H

#include <jansson.h>
#include <portgate/plugin.h>
#include <stdbool.h>
#include <stdio.h>

#include "config/settings.h"
#include "util/util.h"

struct pg_plugin_host;
struct pg_module;
struct pg_plugin_ctx;

/* What instances of a kind get when neither the plugin nor the instance's
 * config says otherwise; a stage's settings may change them. */
struct pg_plugin_defaults {
	unsigned timeout_ms; /* per call */
	unsigned workers;    /* worker processes of a PG_THREAD_PARALLEL instance */
};

/* A stage that calls plugins of one kind. The host calls settings_new while
 * it builds (before any instance), instance_key for each key of an instance's
 * config it does not know itself (before that instance's create()), and the
 * free functions when it goes. */
struct pg_plugin_stage {
	enum pg_plugin_kind kind;
	/* The stage's own sections of cfg as a new settings object (errors into
	 * diag, with file:line); may change *def for the instances of its kind. */
	void *(*settings_new)(const struct pg_config *cfg, const char *file,
			      struct pg_plugin_defaults *def, struct pg_diag *diag);
	void (*settings_free)(void *settings);
	/* An instance key the stage owns: true when key is one (then n was read
	 * into *data, replacing what was there, errors into diag), false if not. */
	bool (*instance_key)(const char *inst, const char *key, const struct pg_node *n,
			     void **data, const char *file, struct pg_diag *diag);
	void (*data_free)(void *data);
	const char *keys_help; /* those keys, for "unknown option" (NULL: none) */
	/* Once every instance is read: checks across instances (enrich's
	 * after:), errors into diag with file:line. NULL: none. */
	bool (*instances_done)(const struct pg_plugin_host *h, const char *file,
			       struct pg_diag *diag);
};

/* Build a host from cfg for the stages given (NULL-terminated list, may be
 * NULL); NULL + diag on any error. */
struct pg_plugin_host *pg_plugin_host_new(const struct pg_config *cfg, char *const *extra_dirs,
					  size_t nextra,
					  const struct pg_plugin_stage *const *stages,
					  struct pg_diag *diag);
/* The same checks (files, descriptors, every instance's options) without
 * calling any create(): `validate --config`, which then needs no secrets. */
struct pg_plugin_host *pg_plugin_host_validate(const struct pg_config *cfg, char *const *extra_dirs,
					       size_t nextra,
					       const struct pg_plugin_stage *const *stages,
					       struct pg_diag *diag);
/* Every check pg_plugin_host_new makes before create() (a required secret's variable
 * too), none created: `check --dry-run`. */
struct pg_plugin_host *pg_plugin_host_dry_run(const struct pg_config *cfg, char *const *extra_dirs,
					      size_t nextra,
					      const struct pg_plugin_stage *const *stages,
					      struct pg_diag *diag);
void pg_plugin_host_free(struct pg_plugin_host *h);

/* Lower level, for cli_plugins.c and tests. */
struct pg_plugin_host *pg_plugin_host_empty(void);
/* Load one file; NULL + diag on refusal. */
struct pg_module *pg_plugin_load_file(struct pg_plugin_host *h, const char *path,
				      struct pg_diag *diag);
/* pg_plugin_load_file, the file tried first in a child process (unless
 * PORTGATE_PLUGIN_ISOLATION=inline): a constructor that crashes or hangs is a
 * message in diag ("loading it crashed (SIGSEGV) ..."). NULL without a
 * message when h wants other plugins (settings: only named ones load). */
struct pg_module *pg_plugin_load_probed(struct pg_plugin_host *h, const char *path,
					struct pg_diag *diag);
/* Load every *.so of each dir (in order; first of a name wins), each through
 * pg_plugin_load_probed. 0 or -1. A host built from settings loads only the
 * plugins they name, and a file it cannot load is a warning, not an error. */
int pg_plugin_load_dirs(struct pg_plugin_host *h, char *const *dirs, size_t ndirs,
			struct pg_diag *diag);
struct pg_module *pg_plugin_find(struct pg_plugin_host *h, const char *name);
/* Create an instance from a config map (keys validated); NULL + diag. */
struct pg_plugin_ctx *pg_plugin_instance_new(struct pg_plugin_host *h, const char *inst,
					     struct pg_module *m, const struct pg_node *conf,
					     const char *file, struct pg_diag *diag);
void pg_plugin_instance_free(struct pg_plugin_ctx *c);

/* Read-only views of loaded modules for listings (plugin_describe.c). */
size_t pg_plugin_host_nmodules(const struct pg_plugin_host *h);
const struct pg_module *pg_plugin_host_module(const struct pg_plugin_host *h, size_t i);
const struct pg_plugin *pg_module_desc(const struct pg_module *m); /* the host's copy */
const char *pg_module_path(const struct pg_module *m);
size_t pg_module_declared_size(const struct pg_module *m); /* struct_size the plugin built */
bool pg_module_is_older(const struct pg_module *m);        /* a smaller, older descriptor */
/* The option table as a reference (plugins --describe NAME): name, type,
 * default, range or allowed values, description. */
void pg_module_describe(const struct pg_module *m, FILE *out);
/* Every descriptor field as a new JSON object (plugins --json). */
json_t *pg_module_json(const struct pg_module *m);

/* The module's rule table (ABI 1.4) in the host's row layout, NULL past the end. */
const struct pg_rule_spec *pg_module_rule(const struct pg_module *m, size_t i);
/* The rule id as one of h's loaded plugins declares it (and which, in *owner
 * when not NULL), or NULL. h may be NULL. */
const struct pg_rule_spec *pg_plugin_host_rule_find(const struct pg_plugin_host *h, const char *id,
						    const struct pg_module **owner);

/* The module's option table in one row layout (either ABI table), NULL past the end. */
const struct pg_option_spec *pg_module_option(const struct pg_module *m, size_t i);
/* The typed check of one option value (plugin_options.c): num gets an int,
 * bool or duration (ms); false with why when the value does not fit. */
bool pg_option_check_value(const struct pg_option_spec *o, const char *s, long long *num, char *why,
			   size_t len);
bool pg_option_parse_duration(const char *s, long long *ms);
/* o's range as text ("1..10", ">= 1"), "" when it has none. */
void pg_option_range_text(const struct pg_option_spec *o, char *buf, size_t len);

/* Option / kind names for listings. */
const char *pg_plugin_kind_name(int kind);
const char *pg_option_type_name(int type);

#endif
