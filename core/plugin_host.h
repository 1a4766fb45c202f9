/* plugin_host.h - load plugins (libltdl), validate their config, create instances.
 *
 * Everything is loaded and every instance created in pg_plugin_host_new(),
 * before any thread starts (libltdl and most plugin create() callbacks are
 * not thread-safe). enrich.c and notify.c then use the instances. */
#ifndef PG_PLUGIN_HOST_H
#define PG_PLUGIN_HOST_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <portgate/plugin.h>

#include "settings.h"
#include "util.h"

struct pg_module {
	char *path;                /* owned: file it came from */
	void *handle;              /* lt_dlhandle */
	struct pg_plugin desc;     /* copy: min(size) bytes, rest zeroed */
	size_t orig_size;          /* struct_size the plugin declared */
	pthread_mutex_t serialize; /* held around calls when thread_model is SERIALIZE */
	bool pinned;               /* a call never returned: never unload */
};

struct pg_optval {
	const struct pg_plugin_option *opt; /* borrowed from the descriptor copy */
	char *text;                         /* owned: config value or default, NULL if unset */
	char *secret;                       /* owned: env value for SECRET_ENV */
	long long num;
	bool set;
};

struct pg_plugin_ctx {
	char *name;               /* owned: instance name from config */
	struct pg_module *mod;    /* borrowed */
	struct pg_plugin_host *host;
	struct pg_optval *opts;   /* owned, one per descriptor option */
	size_t nopts;
	void *state;              /* plugin's */
	bool created;
	unsigned cache_ttl_s;     /* effective */
	unsigned timeout_ms;      /* effective per-call timeout */
	int busy;                 /* calls in flight (host->lock) */
};

/* Per-thread call state, so host->error() and the http deadline know the call. */
struct pg_call {
	char err[512];
	uint64_t deadline_ms; /* monotonic; 0 = none */
};
void pg_call_begin(struct pg_call *c, unsigned timeout_ms);
void pg_call_end(void);
struct pg_call *pg_call_current(void);

struct pg_plugin_host {
	char *state_dir;             /* owned, may be NULL (no cache, no outbox) */
	char *ca_file;               /* owned, may be NULL */
	char *dns_server;            /* owned, may be NULL */
	int dns_timeout_ms;
	struct pg_module **mods;     /* owned */
	size_t nmods, capmods;
	struct pg_plugin_ctx **enrichers, **notifiers; /* owned */
	size_t nenrichers, nnotifiers;
	/* enrich: */
	bool enrich_all;             /* on: all */
	bool enrich_on[3];           /* by pg_action-like index: 0 pass 1 warn 2 fail */
	unsigned enrich_timeout_ms, enrich_concurrency;
	/* notify: */
	bool notify_on[3];
	unsigned notify_retries, notify_backoff_ms, notify_backoff_max_ms;
	unsigned outbox_max_age_h;
	bool pending_flushed;        /* outbox delivered once at the start of this run */
	pthread_mutex_t lock;
};

extern const struct pg_host_api pg_host_api_v1;

/* Entry points for cli_check.c. */
struct pg_plugin_host *pg_plugin_host_new(const struct pg_config *cfg, char *const *extra_dirs,
					  size_t nextra, struct pg_diag *diag);
void pg_plugin_host_free(struct pg_plugin_host *h);
/* Enrich the evidence report in place (enrich.c); returns 0. */
int pg_enrich_report(struct pg_plugin_host *h, json_t *report, bool skip_cache);
/* Deliver notifications for the report (notify.c); returns how many wait in the outbox. */
int pg_notify_report(struct pg_plugin_host *h, const json_t *report);

/* Lower level, for cli_plugins.c and tests. */
struct pg_plugin_host *pg_plugin_host_empty(void);
/* Load one file; NULL + diag on refusal. quiet: no log for non-plugins. */
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

/* Option / kind names for listings. */
const char *pg_plugin_kind_name(int kind);
const char *pg_option_type_name(int type);

/* Calls in flight (an instance with calls in flight is never destroyed). */
void pg_plugin_busy_add(struct pg_plugin_ctx *c, int delta);
/* Serialize-aware call bracket used by enrich.c and notify.c. */
void pg_plugin_call_enter(struct pg_plugin_ctx *c);
void pg_plugin_call_leave(struct pg_plugin_ctx *c);

#endif
