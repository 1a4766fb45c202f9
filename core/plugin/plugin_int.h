/* plugin_int.h - what the plugin host's files share: the structures behind
 * plugin_host.h's handles, the per-call state and the helpers one file
 * defines for another. Not for the rest of portgate.
 *
 *   plugin_host.c      host life, pg_plugin_host_new() (calls down only)
 *   plugin_call.c      per-thread call state, busy count, serialize bracket, host->error()
 *   plugin_names.c     kind/option-type names, the identifier grammar
 *   plugin_load.c      libltdl, file permissions, descriptor checks
 *   plugin_options.c   the option table in one row layout; typed value checks (ABI 1.3)
 *   plugin_rules.c     the rule table (ABI 1.4): load checks, lookups, undeclared rules
 *   plugin_instance.c  instance options (typed, validated) and life
 *   plugin_config.c    the enrichers/notifiers maps, each stage's settings
 *   plugin_section.c   helpers a stage reads its settings section with
 *   plugin_view.c      the instances and settings as stages see them (plugin_instance.h),
 *                      an instance's option by name
 *   plugin_api.c       the function table lent to plugins
 *   plugin_cache.c     the cross-run result cache (host->cache_*, enrichment)
 *   plugin_dns.c       host->dns
 *   plugin_context.c   the finding as plugins see it (with assetContext)
 *   plugin_isolate.c   calls in worker processes with hard deadlines (plugin_isolate.h)
 *   plugin_worker.c    the worker process's serve loop
 *   plugin_wire.c      the length-prefixed JSON framing between the two
 *   plugin_probe.c     start-up steps (loading a file, create()) tried first in a child
 *   plugin_stats.c     per-instance call figures (run.plugins)
 *   plugin_lanes.c     the reference-counted thread pool stages wait on (plugin_lanes.h)
 *
 * Public: plugin_host.h (front ends), plugin_instance.h, plugin_isolate.h and
 * plugin_lanes.h (the stages), http.h. */
#ifndef PG_PLUGIN_INT_H
#define PG_PLUGIN_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <portgate/plugin.h>

#include "manifest/manifest.h"
#include "plugin_host.h"
#include "plugin_instance.h"

/* Per-kind tables are indexed by enum pg_plugin_kind (1 and 2). */
#define PG_PLUGIN_KIND_SLOTS (PG_PLUGIN_NOTIFIER + 1)

struct pg_module {
	char *path;                  /* owned: file it came from */
	void *handle;                /* lt_dlhandle */
	struct pg_plugin desc;       /* copy: min(size) bytes, rest zeroed */
	size_t orig_size;            /* struct_size the plugin declared */
	pthread_mutex_t serialize;   /* held around calls when thread_model is SERIALIZE */
	bool pinned;                 /* a call never returned: never unload */
	struct pg_option_spec *opts; /* owned: the option table in the host's row layout */
	size_t nopts;
	struct pg_rule_spec *rules; /* owned: the rule table (ABI 1.4) in the host's row layout */
	size_t nrules;
	bool declares_rules; /* built against 1.4 or later: a rule it emits is declared */
	json_t *undeclared;  /* owned: rules emitted undeclared, warned once (plugin_rules.c) */
};

struct pg_optval {
	const struct pg_option_spec *opt; /* borrowed from the module's table */
	char *text;                       /* owned: config value or default, NULL if unset */
	char *secret;                     /* owned: env value for SECRET_ENV */
	long long num;                    /* int, bool, duration (ms) */
	int line;                         /* where the config set it (0: default) */
	bool set;
};

struct pg_plugin_ctx {
	char *name;            /* owned: instance name from config */
	struct pg_module *mod; /* borrowed */
	struct pg_plugin_host *host;
	struct pg_optval *opts; /* owned, one per descriptor option */
	size_t nopts;
	void *state; /* plugin's */
	bool created;
	unsigned cache_ttl_s;            /* effective */
	enum pg_notify_mode notify_mode; /* effective: the plugin's, or the instance's events: */
	unsigned timeout_ms;             /* effective per-call timeout */
	int busy;                        /* calls in flight (host->lock) */
	const struct pg_plugin_stage *stage; /* borrowed: the stage of its kind, or NULL */
	void *stage_data;           /* owned through stage->data_free: its instance keys (route:) */
	struct pg_workers *workers; /* owned: worker processes (plugin_isolate.c), or NULL */
	/* create() crashed or hung in its probe: every call fails at once with this
	 * ("create() crashed (SIGSEGV)"), as PG_ISOLATE_CRASH; NULL when it started */
	char *start_err;
	struct pg_plugin_stats *stats; /* owned (plugin_stats.c), under host->lock */
};

struct pg_plugin_host {
	char *state_dir;  /* owned, may be NULL (no cache, no outbox) */
	char *ca_file;    /* owned, may be NULL */
	char *dns_server; /* owned, may be NULL */
	int dns_timeout_ms;
	struct pg_module **mods; /* owned */
	size_t nmods, capmods;
	struct pg_plugin_ctx **enrichers, **notifiers; /* owned */
	size_t nenrichers, nnotifiers;
	/* by kind: the stage that calls it, the settings it read, instance defaults */
	const struct pg_plugin_stage *stages[PG_PLUGIN_KIND_SLOTS]; /* borrowed */
	void *settings[PG_PLUGIN_KIND_SLOTS]; /* owned through stages[k]->settings_free */
	struct pg_plugin_defaults defaults[PG_PLUGIN_KIND_SLOTS];
	bool no_create;  /* validate, dry run: instances are not created */
	bool no_secrets; /* validate: a required secret's variable may be unset */
	/* The plugin names the settings use: only those files are loaded, and a
	 * file that cannot be loaded is a warning (NULL: load all, refusals are errors). */
	char **wanted;
	size_t nwanted;
	int *keep_fds; /* owned: fds open once instances exist (ascending) */
	size_t nkeep_fds;
	pthread_mutex_t lock;
};

/* Per-thread call state, so host->error() and the http deadline know the call. */
struct pg_call {
	char err[512];
	uint64_t deadline_ms; /* monotonic; 0 = none */
	json_t *sent;         /* plugin-test: host->http and host->dns calls are recorded here */
	bool skip_cache;      /* --skip-cache: host->cache_get finds nothing */
};
void pg_call_begin(struct pg_call *c, unsigned timeout_ms);
void pg_call_end(void);
struct pg_call *pg_call_current(void);
/* text without ctx's secrets (nor their base64 and Basic forms), cut to len. */
void pg_call_redact(const struct pg_plugin_ctx *ctx, const char *text, char *out, size_t len);

/* Serialize-aware call bracket around every callback (plugin_isolate.c). */
void pg_plugin_call_enter(struct pg_plugin_ctx *c);
void pg_plugin_call_leave(struct pg_plugin_ctx *c);

/* plugin_api.c */
extern const struct pg_host_api pg_host_api_v1;

/* plugin_names.c: [a-z0-9_-]{1,64}; allow_upper adds A-Z and '.'. */
bool pg_plugin_valid_ident(const char *s, bool allow_upper);

/* plugin_call.c: host->error()'s work for a call (the call's error text, a debug line). */
void pg_call_error(const struct pg_plugin_ctx *ctx, const char *fmt, va_list ap);

/* plugin_cache.c, plugin_dns.c: host->cache_get, host->cache_put, host->dns */
json_t *pg_host_cache_get(struct pg_plugin_ctx *ctx, const char *key, unsigned max_age_s);
int pg_host_cache_put(struct pg_plugin_ctx *ctx, const char *key, const json_t *value);
int pg_host_dns(struct pg_plugin_ctx *ctx, const char *name, const char *rrtype, json_t **answers);

/* plugin_wire.c: one message each way; deadline_ms 0 waits for ever. 0, or: */
/* PG_WIRE_BAD: one whole message that is not valid JSON (in UTF-8); the peer may go on */
enum { PG_WIRE_TIMEOUT = -1, PG_WIRE_BROKEN = -2, PG_WIRE_BAD = -3 };
int pg_wire_send(int fd, const json_t *msg, uint64_t deadline_ms);
int pg_wire_recv(int fd, uint64_t deadline_ms, json_t **msg); /* *msg new on 0 */

/* plugin_worker.c: serve c's calls on fd until end of file; never returns. The
 * worker ends with parent (portgate's pid) even when portgate is SIGKILLed. */
_Noreturn void pg_worker_main(struct pg_plugin_ctx *c, int fd, pid_t parent);

/* plugin_probe.c: fn(arg) in a forked child, its answer (a JSON object) back
 * within timeout_ms. 0 (*answer new), or PG_ISOLATE_TIMEOUT / PG_ISOLATE_CRASH
 * with err ("crashed (SIGSEGV)", "timed out after N ms"). Call it while
 * portgate is single-threaded. */
int pg_probe(json_t *(*fn)(void *), void *arg, unsigned timeout_ms, json_t **answer, char *err,
	     size_t errlen);
const char *pg_signal_name(int sig, char *buf, size_t len);

/* plugin_stats.c: one finished call of c (rc as pg_isolate_*), and the figures' end. */
void pg_plugin_stats_note(struct pg_plugin_ctx *c, int rc, uint64_t ms);
void pg_plugin_stats_free(struct pg_plugin_ctx *c);

/* plugin_load.c */
void pg_plugin_ltdl_init(void); /* once per process, before any load */
void pg_module_free(struct pg_module *m);

/* plugin_options.c: m's option table (either layout) checked and kept as
 * m->opts; the typed check of one value (why: the reason when false). */
bool pg_plugin_options_build(struct pg_module *m, const char *path, struct pg_diag *diag);
/* plugin_rules.c: m's rule table (ABI 1.4) checked and kept as m->rules. */
bool pg_plugin_rules_build(struct pg_module *m, const char *path, struct pg_diag *diag);
/* False (with the reason in diag) when a rule m declares is declared by another
 * plugin h has loaded already with another default action or severity: the policy
 * would depend on load order. Declared alike, it is shared (builds of one family);
 * a plugin of the same name (a shadowed copy) is not another plugin. */
bool pg_plugin_rules_unique(const struct pg_plugin_host *h, const struct pg_module *m,
			    struct pg_diag *diag);
/* plugin_view.c */
struct pg_optval *pg_plugin_find_opt(struct pg_plugin_ctx *c, const char *name);

/* plugin_config.c: each stage's settings (stages NULL-terminated, may be
 * NULL), then the instances of both kinds. */
void pg_plugin_read_stages(struct pg_plugin_host *h, const struct pg_config *cfg,
			   const struct pg_plugin_stage *const *stages, const char *file,
			   struct pg_diag *diag);
void pg_plugin_read_instances(struct pg_plugin_host *h, const struct pg_config *cfg,
			      const char *file, struct pg_diag *diag);

#endif
