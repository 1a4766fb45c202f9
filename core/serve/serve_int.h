/* serve_int.h - what the core/serve files share: settings, keys, limits, cache,
 * the work queue and the request state. */
#ifndef PG_SERVE_INT_H
#define PG_SERVE_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <microhttpd.h>

#include "serve.h"
#include "util/util.h"

struct pg_req;

/* The `serve:` section of the settings file (serve_settings.c). */
struct pg_serve_settings {
	char *keys_file;                /* owned, may be NULL */
	unsigned cache_ttl_s;           /* result cache lifetime; 0 = no cache */
	unsigned key_rpm, target_rpm;   /* requests per minute per API key / per target */
	unsigned key_conc, target_conc; /* concurrent scans per API key / per target */
	unsigned max_connections;       /* open HTTP connections at once */
	unsigned max_per_ip;            /* of those, from one client address */
	unsigned conn_timeout_s;        /* idle or slow connection is closed after this */
	unsigned threads;               /* libmicrohttpd polling threads */
	unsigned workers;               /* threads running scans and checks */
	unsigned queue_len;             /* scans and checks waiting for one; 0: max_connections */
	unsigned default_timeout_ms;    /* scan budget when the query has no timeout */
	unsigned max_timeout_ms;        /* largest timeout a query may ask for */
	unsigned max_request_bytes;     /* request line + headers (per connection memory) */
	unsigned max_body_bytes;        /* POST /v1-check body */
};
bool pg_serve_settings_load(const struct pg_config *cfg, struct pg_serve_settings *s,
			    struct pg_diag *d);
void pg_serve_settings_clear(struct pg_serve_settings *s);

/* API keys (serve_keys.c): only SHA-256 digests are kept in memory. */
struct pg_api_key {
	char *name;              /* owned: for logs ("env#1" or the keys file's name) */
	unsigned char hash[32];  /* SHA-256 of the key */
	char **assets, **owners; /* owned, NULL-terminated; both NULL = every asset */
	int line;                /* of its entry in the keys file; 0 = from the environment */
};
struct pg_keyring {
	struct pg_api_key *v; /* owned */
	size_t n;
};
/* Keys from env (comma-separated plain keys) and from file (YAML, hashed). A key
 * given twice, a short plain key, a name given twice, or assets/owners naming
 * nothing of m are errors (file:line in d). */
bool pg_keyring_load(struct pg_keyring *k, const char *env, const char *file,
		     const struct pg_manifest *m, struct pg_diag *d);
void pg_keyring_clear(struct pg_keyring *k);
/* The key whose digest matches presented, or NULL. Every key is compared, in
 * constant time, so timing does not tell how close a guess was. */
const struct pg_api_key *pg_keyring_match(const struct pg_keyring *k, const char *presented);
bool pg_key_allows(const struct pg_api_key *key, const struct pg_asset *as);
const char *pg_asset_owner(const struct pg_asset *as); /* borrowed, may be NULL */

/* Rate and concurrency limits per identity (serve_limit.c). */
enum pg_limit_result { PG_LIMIT_OK, PG_LIMIT_RATE, PG_LIMIT_BUSY };
struct pg_limiter;
struct pg_limiter *pg_limiter_new(unsigned per_minute, unsigned concurrent);
void pg_limiter_free(struct pg_limiter *l);
/* Take a request token and/or a concurrency slot (released with
 * pg_limit_release), all or nothing. On refusal *retry_s says when to come
 * back (at least 1). */
enum pg_limit_result pg_limit_take(struct pg_limiter *l, const char *id, bool token, bool slot,
				   unsigned *retry_s);
/* The per-key request token every /v1 request takes; false: r is answered 429. */
bool pg_req_key_token(struct pg_req *r);
void pg_limit_release(struct pg_limiter *l, const char *id);

/* Result cache of serialized responses (serve_cache.c). */
struct pg_rcache;
struct pg_rcache *pg_rcache_new(unsigned ttl_s);
void pg_rcache_free(struct pg_rcache *c);
char *pg_rcache_get_dup(struct pg_rcache *c, const char *key); /* NULL: miss; caller frees */
void pg_rcache_put(struct pg_rcache *c, const char *key, const char *body);

/* A fixed pool of threads taking jobs from a bounded queue (serve_work.c). */
struct pg_workq;
struct pg_workq *pg_workq_new(unsigned threads, unsigned max_queued);
bool pg_workq_submit(struct pg_workq *q, void (*fn)(void *), void *arg); /* false: full */
/* how many workers run a job and how many jobs wait, at this moment (/healthz) */
void pg_workq_load(struct pg_workq *q, unsigned *busy, size_t *queued);
void pg_workq_free(struct pg_workq *q); /* runs what is queued, then joins */

/* The server. */
struct pg_server {
	const struct pg_serve_opts *opts;
	const struct pg_manifest *m;
	const struct pg_config *cfg;
	struct pg_plugin_host *host;
	struct pg_serve_settings set;
	struct pg_keyring keys;
	struct pg_limiter *key_lim, *target_lim;
	struct pg_rcache *cache;
	struct pg_workq *work;
	pthread_mutex_t check_lock; /* one check at a time per plugin host */
	struct MHD_Daemon *d;
};

/* One request (serve_http.c). Owned by libmicrohttpd's request slot. */
struct pg_req {
	struct pg_server *s;
	struct MHD_Connection *conn;
	uint64_t t0;
	bool queued;   /* handed to a worker, connection suspended */
	bool answered; /* status and body are set */
	unsigned status;
	char *body;                   /* owned JSON text */
	unsigned retry_after;         /* seconds, 0 = no header */
	const char *cache;            /* X-Cache value or NULL */
	const struct pg_api_key *key; /* borrowed, after authentication */
	char *line;                   /* owned: "METHOD /path" for the access log, defanged */
	char *log_note;               /* owned: what the access log adds (target...) */
	const char *allow;            /* Allow header of a 405 */
	char *upload;                 /* owned POST body */
	size_t nupload;
	bool upload_too_big;
	void *job;                     /* owned by the endpoint while queued */
	void (*run)(struct pg_req *r); /* what the worker runs */
};

/* Setting a request's answer (serve_reply.c): a JSON body (stolen) or an error object
 * {"error": msg}. */
void pg_req_reply(struct pg_req *r, unsigned status, json_t *body);
void pg_req_error(struct pg_req *r, unsigned status, const char *fmt, ...) PG_PRINTF(3, 4);
void pg_req_note(struct pg_req *r, const char *fmt, ...) PG_PRINTF(2, 3);
/* Run fn(r) on a worker; the connection resumes once it answered. When the
 * queue is full (or stopping) fn never runs: drop(r) gives back r->job and the
 * slots it took, and r is answered 503 with Retry-After. */
void pg_req_defer(struct pg_req *r, void (*fn)(struct pg_req *), void (*drop)(struct pg_req *));
/* Answer 429 with Retry-After for a limiter refusal. */
void pg_req_limited(struct pg_req *r, enum pg_limit_result why, const char *who, unsigned retry);

/* libmicrohttpd callbacks (serve_http.c). */
enum MHD_Result pg_serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
				    const char *method, const char *version, const char *upload,
				    size_t *upload_size, void **req_cls);
void pg_serve_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			   enum MHD_RequestTerminationCode toe);

/* Endpoints. */
void pg_serve_scan(struct pg_req *r);  /* GET /v1-port-scanner */
void pg_serve_check(struct pg_req *r); /* POST /v1-check */
extern const char pg_serve_openapi[];  /* GET /openapi.json (generated from openapi.json) */

#endif
