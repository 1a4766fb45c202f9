/* plugin_int.h - what the plugin host's files share: the structures behind
 * plugin_host.h's handles, the per-call state and the helpers one file
 * defines for another. Not for the rest of portgate.
 *
 *   plugin_host.c      host life, pg_plugin_host_new() (calls down only)
 *   plugin_call.c      per-thread call state, busy count, serialize bracket
 *   plugin_names.c     kind/option-type names, the identifier grammar
 *   plugin_load.c      libltdl, file permissions, descriptor checks
 *   plugin_instance.c  instance options (typed, validated) and life
 *   plugin_config.c    the enrich/notify/outbox sections, enrichers/notifiers maps
 *   plugin_api.c       the function table lent to plugins
 *   plugin_cache.c     the cross-run result cache (host->cache_*, enrichment)
 *   plugin_dns.c       host->dns
 *   plugin_context.c   the finding as plugins see it (with assetContext)
 *   plugin_isolate.c   calls in worker processes with hard deadlines (plugin_isolate.h)
 *   plugin_worker.c    the worker process's serve loop
 *   plugin_wire.c      the length-prefixed JSON framing between the two */
#ifndef PG_PLUGIN_INT_H
#define PG_PLUGIN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <portgate/plugin.h>

#include "plugin_host.h"
#include "notify/notify_route.h"
#include "manifest/manifest.h"

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
	struct pg_route *route;          /* owned: notifier `route:` filter, NULL = notify.on */
	struct pg_workers *workers;      /* owned: worker processes (plugin_isolate.c), or NULL */
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
	/* enrich: */
	bool enrich_all;                 /* on: all */
	bool enrich_on[PG_ACTION_COUNT]; /* by enum pg_action */
	unsigned enrich_timeout_ms, enrich_concurrency;
	/* notify: */
	bool notify_on[PG_ACTION_COUNT];
	unsigned notify_retries, notify_backoff_ms, notify_backoff_max_ms;
	unsigned outbox_max_age_h;
	char *evidence_url;        /* owned: notify.evidenceUrl expanded, may be NULL */
	unsigned outbox_budget_ms; /* per run and instance, for entries of earlier runs */
	unsigned outbox_backoff_ms, outbox_backoff_max_ms; /* across runs, per entry */
	bool pending_flushed; /* outbox delivered once at the start of this run */
	bool no_create;       /* validate only: instances are not created */
	int *keep_fds;        /* owned: fds open once instances exist (ascending) */
	size_t nkeep_fds;
	pthread_mutex_t lock;
};

/* Per-thread call state, so host->error() and the http deadline know the call. */
struct pg_call {
	char err[512];
	uint64_t deadline_ms; /* monotonic; 0 = none */
	json_t *sent;         /* plugin-test: host->http requests are recorded here, or NULL */
};
void pg_call_begin(struct pg_call *c, unsigned timeout_ms);
void pg_call_end(void);
struct pg_call *pg_call_current(void);

/* Calls in flight (an instance with calls in flight is never destroyed). */
void pg_plugin_busy_add(struct pg_plugin_ctx *c, int delta);
/* Serialize-aware call bracket used by enrich.c and notify.c. */
void pg_plugin_call_enter(struct pg_plugin_ctx *c);
void pg_plugin_call_leave(struct pg_plugin_ctx *c);

/* plugin_api.c */
extern const struct pg_host_api pg_host_api_v1;

/* plugin_names.c: [a-z0-9_-]{1,64}; allow_upper adds A-Z and '.'. */
bool pg_plugin_valid_ident(const char *s, bool allow_upper);

/* plugin_context.c: the assetContext of a report's asset (new object), and a
 * new copy of one of its findings carrying it - what enrich() and notify
 * events get. */
json_t *pg_asset_context_new(const json_t *report, const json_t *asset);
json_t *pg_plugin_finding_new(const json_t *report, const json_t *asset, const json_t *finding);

/* plugin_wire.c: one message each way; deadline_ms 0 waits for ever. 0, or: */
enum { PG_WIRE_TIMEOUT = -1, PG_WIRE_BROKEN = -2 };
int pg_wire_send(int fd, const json_t *msg, uint64_t deadline_ms);
int pg_wire_recv(int fd, uint64_t deadline_ms, json_t **msg); /* *msg new on 0 */

/* plugin_worker.c: serve c's calls on fd until end of file; never returns. */
_Noreturn void pg_worker_main(struct pg_plugin_ctx *c, int fd);

/* plugin_load.c */
void pg_plugin_ltdl_init(void); /* once per process, before any load */
void pg_module_free(struct pg_module *m);

/* plugin_instance.c */
bool pg_plugin_check_options(const struct pg_plugin *d, const char *path, struct pg_diag *diag);
struct pg_optval *pg_plugin_find_opt(struct pg_plugin_ctx *c, const char *name);

/* plugin_config.c: the host's own sections, then the instances of both kinds. */
void pg_plugin_read_sections(struct pg_plugin_host *h, const struct pg_config *cfg,
			     const char *file, struct pg_diag *diag);
void pg_plugin_read_instances(struct pg_plugin_host *h, const struct pg_config *cfg,
			      const char *file, struct pg_diag *diag);
/* Whether a finding's action (text) is one of those selected in on[]. */
bool pg_action_selected(const bool on[PG_ACTION_COUNT], const char *action);

#endif
