/* netlib.h - helpers shared by the network enrichers (dns, ip, whois): the
 * call's time budget, a per-run memo with "someone is already asking" waits,
 * a per-server gate (in-flight limit + pacing), RDAP bootstrap lookups and
 * RDAP GETs that follow redirects themselves. Compiled into each plugin (a
 * plugin links nothing of portgate). Thread-safe where it says so.
 *
 * The memo and the gate live in shared memory (MAP_SHARED|MAP_ANONYMOUS) so
 * that they hold across every worker process the host forks for a
 * PG_THREAD_PARALLEL instance: make them in create(), which runs before the
 * fork, and they are one memo and one gate for the whole run (threads of one
 * process share them too, under PORTGATE_PLUGIN_ISOLATION=inline). */
#ifndef PG_NETLIB_H
#define PG_NETLIB_H

#include <stddef.h>
#include <stdint.h>

#include <portgate/plugin.h>

#include "common/clock.h" /* pg_clock_now_ms: every netlib deadline */

/* Built against ABI 1.1 (assetContext, time_left_ms, response headers)? */
#if PG_PLUGIN_ABI_MINOR >= 1
#define NL_ABI_1_1 1
#else
#define NL_ABI_1_1 0
#endif
/* Built against ABI 1.2 (pg_http_request.refuse_internal)? */
#if PG_PLUGIN_ABI_MINOR >= 2
#define NL_ABI_1_2 1
#else
#define NL_ABI_1_2 0
#endif

struct nl_env {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
};

/* Milliseconds left before the current call's deadline, less what
 * pg_clock_budget_ms keeps back so we return before the host abandons the
 * call; fallback_ms when the host cannot tell (ABI 1.0). Never negative. */
long nl_time_left(const struct nl_env *e, long fallback_ms);
/* min(want_ms, nl_time_left): the timeout one network step may use. */
long nl_budget(const struct nl_env *e, long want_ms, long fallback_ms);

/* Wall clock as RFC 3339 UTC seconds ("2026-12-01T21:49:21Z"). */
void nl_rfc3339(int64_t unix_s, char out[32]);

/* The asset's manifest fields (ABI 1.1), borrowed; NULL when absent. */
const json_t *nl_asset_context(const json_t *finding);

/* --- memo: key -> JSON result, once per run across processes --- */
/* Results are kept ttl_s (a serve process lives across many runs: a memo
 * forever would never see a registration change), failed and rate-limited
 * lookups only fail_ttl_s (long enough that the findings of one run waiting on
 * a dead server fail at once, short enough that a later serve request asks
 * again), in an arena of arena_bytes (touched only as used). */
#define NL_MEMO_RUN_S  600
#define NL_MEMO_FAIL_S 60
#define NL_MEMO_ARENA  (8u << 20)
struct nl_memo;
struct nl_memo *nl_memo_new(unsigned ttl_s, unsigned fail_ttl_s, size_t arena_bytes);
void nl_memo_free(struct nl_memo *m);
/* A new reference to the stored result, or NULL. When NULL and *claimed is
 * set, the caller computes it and must call nl_memo_finish (a key, table or
 * arena too big for the memo is claimed too, and simply not shared); when NULL
 * and *claimed is 0, another caller still computes it after wait_ms. A claim
 * whose process died (SIGKILLed past its deadline) passes to the next caller. */
json_t *nl_memo_claim(struct nl_memo *m, const char *key, long wait_ms, int *claimed);
/* Store value (borrowed; NULL drops the claim so a later call may retry). */
void nl_memo_finish(struct nl_memo *m, const char *key, const json_t *value);

/* One lookup per key per run, cached across runs: this run's memo (a failure
 * is remembered too, so findings waiting on a dead server fail at once), else
 * the host cache (the result gets "cached": true), else fn. A result with
 * "rateLimited": true is not cached. New reference, or NULL with err. */
typedef json_t *(*nl_lookup_fn)(void *arg, char *err, size_t errlen);
json_t *nl_lookup_once(const struct nl_env *e, struct nl_memo *m, const char *key, unsigned cache_s,
		       long wait_ms, nl_lookup_fn fn, void *arg, char *err, size_t errlen);

/* severity names the host accepts on added findings (NULL-terminated: an
 * option table's PG_OPT_ENUM choices) */
extern const char *const nl_severity_names[];
int nl_valid_severity(const char *v);

/* --- gate: at most max_inflight at once per server, starts pace_ms apart,
 * counted across every process of the instance --- */
#define NL_GATE_MAX 64 /* max_inflight is cut to this */
struct nl_gate;
struct nl_gate *nl_gate_new(unsigned max_inflight, unsigned pace_ms);
void nl_gate_free(struct nl_gate *g);
/* 0 when admitted within wait_ms (then nl_gate_leave), -1 otherwise. A slot
 * held by a process that died is taken back. */
int nl_gate_enter(struct nl_gate *g, const char *server, long wait_ms);
void nl_gate_leave(struct nl_gate *g, const char *server);

/* --- RDAP --- */
/* Load an IANA bootstrap file (RFC 9224). New reference or NULL + err. */
json_t *nl_bootstrap_load(const char *path, char *err, size_t errlen);
/* Base URL (borrowed) serving domain (longest label suffix match) or NULL. */
const char *nl_bootstrap_dns(const json_t *boot, const char *domain);
/* Base URL (borrowed) serving the address (longest CIDR match) or NULL. */
const char *nl_bootstrap_ip(const json_t *boot, const char *ip);
/* The host name of an http(s) URL into out (for gates and logs): without
 * userinfo, port or brackets (common/url.h); "" when it is no URL. */
void nl_url_host(const char *url, char *out, size_t outlen);

enum nl_rdap_rc {
	NL_RDAP_OK = 0,
	NL_RDAP_NOT_FOUND = 1,
	NL_RDAP_ERROR = -1,
	NL_RDAP_RATE_LIMITED = 2
};
/* GET base + path (base with or without a trailing '/'), following up to 5
 * redirects (a loop is an error), each hop bounded by the call's budget.
 * Unless the base URL is internal, a redirect may not lead into an internal
 * network: on a 1.2 host every hop after the first asks the host to refuse
 * internal addresses where it connects (refuse_internal, proof against DNS
 * rebinding); on an older one the hop's name is resolved through host->dns
 * and checked beforehand. An internal address literal is refused either way.
 * On OK *out is the parsed object (caller owns). err says why otherwise. */
int nl_rdap_get(const struct nl_env *e, const char *base, const char *path, long timeout_ms,
		int insecure, json_t **out, char *err, size_t errlen);

/* vcard "fn" of the first entity with the given role (borrowed) or NULL. */
const char *nl_rdap_entity_fn(const json_t *obj, const char *role);

#endif
