/* portgate/plugin.h - the plugin ABI: the only header a portgate plugin includes.
 *
 * A plugin is a shared object exporting one symbol, portgate_plugin_entry,
 * that returns a constant descriptor (struct pg_plugin). The descriptor
 * carries its own size and ABI version, so the host can load plugins built
 * against an older header: it copies min(sizes) and zeroes the rest. The host
 * lends each plugin instance a table of functions (struct pg_host_api) that
 * also carries its own size and only ever grows at the end.
 *
 * ABI guarantee (see docs/plugin-guide.md): within one major version, fields
 * and functions are only appended, never removed, reordered or retyped, and
 * enum values are never renumbered. A minor bump adds things; a major bump is
 * the only way to break anything, and the host refuses other majors.
 *
 * ABI 1.3 adds: the typed option table (struct pg_option_spec, descriptor
 * option_table; types PG_OPT_ENUM, PG_OPT_DURATION, PG_OPT_URL; integer and
 * duration ranges) that the host validates and `portgate plugins --describe`
 * renders; struct pg_http_response.size; judges / judges_tag_option; an
 * "idempotencyKey" on each finding of a per-report event. Plugins built
 * against 1.0-1.2 load unchanged: their smaller descriptor reads the 1.3
 * fields as zero (the 1.0 options table, no judges), and the host never
 * writes size into their (smaller) response struct.
 *
 * ABI 1.4 adds: the rule table (struct pg_rule_spec, descriptor rule_table):
 * the rules a plugin can emit, each with its default action, severity and
 * summary. The host checks it at load, `portgate rules` and `portgate
 * plugins` list it, and validate/check warn about a manifest's rule id that no
 * core rule, drift rule or loaded plugin declares. A 1.0-1.3 plugin loads
 * unchanged and declares nothing; a 1.3 host never reads the table of a 1.4
 * plugin (it copies only the descriptor it knows). Also the option type
 * PG_OPT_ENUM_LIST (a comma-separated list of spec.choices). A 1.3 host or
 * an older 1.4 one refuses a plugin whose table uses it at load ("option N
 * has a bad name or type"), as it refuses any type it does not know.
 *
 * Threads: callbacks of an instance may be called from any thread. With
 * PG_THREAD_SERIALIZE the host never runs two callbacks of the same plugin
 * (all its instances) at once; with PG_THREAD_PARALLEL it may.
 *
 * Memory: JSON values passed in are borrowed for the duration of the call.
 * Strings returned by host functions are borrowed (valid until destroy)
 * unless documented otherwise. */
#ifndef PORTGATE_PLUGIN_H
#define PORTGATE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PG_PLUGIN_ABI_MAJOR 1
#define PG_PLUGIN_ABI_MINOR 4

/* Version of the notify event shape (event.eventSchema); its JSON Schema is
 * installed as $(datadir)/portgate/schemas/event-v1.schema.json. Version 1
 * only gains optional fields; a breaking change is a new version. */
#define PG_EVENT_SCHEMA 1

/* The exported entry point; PORTGATE_PLUGIN(desc) defines it. */
#define PG_PLUGIN_ENTRY_SYMBOL "portgate_plugin_entry"

enum pg_plugin_kind {
	PG_PLUGIN_ENRICHER = 1, /* adds context to findings (and may add findings) */
	PG_PLUGIN_NOTIFIER = 2, /* delivers actionable findings somewhere */
};

enum pg_thread_model {
	PG_THREAD_SERIALIZE = 0, /* default: one call at a time across all instances */
	PG_THREAD_PARALLEL = 1,  /* callbacks are thread-safe */
};

enum pg_notify_mode {
	PG_NOTIFY_PER_REPORT = 0,  /* default: one event per run holding every notified finding */
	PG_NOTIFY_PER_FINDING = 1, /* one event per notified finding */
};

enum pg_enrich_scope {
	PG_SCOPE_TARGET = 0,  /* default: output depends on target + ip only (memoized per run) */
	PG_SCOPE_FINDING = 1, /* output depends on the whole finding (memoized per fingerprint) */
	/* 1.1: output depends on finding.assetContext + target + ip (memoized per
	 * asset name + target + ip). Use it when the plugin reads assetContext. */
	PG_SCOPE_ASSET = 2,
};

/* What an enricher judges by itself (struct pg_plugin.judges, ABI 1.3): the
 * assets it is called for whether or not they have a finding. Bits; an asset
 * is judged when it matches any of them. Macros, so a plugin can test with
 * #ifdef whether the header it is built against has them. */
#define PG_JUDGE_TLS_PORTS   (1u << 0) /* an open port that speaks TLS or is in tlsPorts */
#define PG_JUDGE_WEB_PORTS   (1u << 1) /* an open port the probe saw HTTP on */
#define PG_JUDGE_DOMAIN      (1u << 2) /* the manifest names a registered domain */
#define PG_JUDGE_NETWORK_ASN (1u << 3) /* the manifest's expectedNetwork names an ASN */

/* Return codes of enrich / notify / create. */
enum pg_plugin_rc {
	PG_PLUGIN_OK = 0,
	PG_PLUGIN_RETRY = 1, /* transient: the host retries later (notify) */
	PG_PLUGIN_FAIL = 2,  /* permanent for this input; say why with host->error() */
};

enum pg_option_type {
	PG_OPT_STRING = 1,
	PG_OPT_INT = 2,        /* signed 64-bit decimal */
	PG_OPT_BOOL = 3,       /* true/false */
	PG_OPT_SECRET_ENV = 4, /* config names an environment variable; the plugin gets its value */
	/* 1.3, for the typed table (struct pg_option_spec): */
	PG_OPT_ENUM = 5,     /* one of spec.choices; opt_string */
	PG_OPT_DURATION = 6, /* "500ms", "90s", "30m", "24h", "7d"; opt_int gives milliseconds */
	PG_OPT_URL = 7,      /* an absolute http:// or https:// URL (as libcurl parses it) */
	/* 1.4: words of spec.choices separated by commas (spaces allowed around them), each
	 * at most once, at least one: "A,AAAA,MX"; opt_string gives the text as configured */
	PG_OPT_ENUM_LIST = 8,
};

/* One configuration key (the 1.0 table, descriptor options). Tables end with
 * an entry whose name is NULL. Since 1.3 prefer struct pg_option_spec. */
struct pg_plugin_option {
	const char *name;
	enum pg_option_type type;
	const char *def; /* default as text (NULL: none) */
	int required;    /* non-zero: config must set it (def is then ignored) */
	const char *help;
};

/* 1.3: one row of the typed option table (descriptor option_table). The
 * first five fields are those of struct pg_plugin_option. The host checks
 * every configured value (and every default, at load) against the row and
 * reports file:line: so a plugin reads values it can trust, and
 * `portgate plugins --describe NAME` prints the table as the plugin's
 * reference. The row may grow in later minors: the descriptor carries its
 * size (option_spec_size, set by PORTGATE_PLUGIN). */
struct pg_option_spec {
	const char *name;
	enum pg_option_type type;
	const char *def; /* default as text (NULL: none); checked like a configured value */
	int required;    /* non-zero: config must set it */
	const char *help;
	/* PG_OPT_INT and PG_OPT_DURATION (milliseconds): the value must lie in
	 * [min, max]; both 0: any value. Use INT64_MAX for "no upper bound". */
	int64_t min, max;
	/* PG_OPT_ENUM and PG_OPT_ENUM_LIST: the allowed values (words),
	 * NULL-terminated (required). */
	const char *const *choices;
};

/* Rows of the typed table, in the field order above (designated inside, so
 * -Wextra stays quiet and a later field added to the row reads as zero). */
#define PG_OPTION(n, t, d, r, h)                                                   \
	{                                                                          \
		.name = (n), .type = (t), .def = (d), .required = (r), .help = (h) \
	}
#define PG_OPTION_RANGE(n, t, d, r, h, lo, hi)                                                   \
	{                                                                                        \
		.name = (n), .type = (t), .def = (d), .required = (r), .help = (h), .min = (lo), \
		.max = (hi)                                                                      \
	}
#define PG_OPTION_ENUM(n, d, r, h, c)                                                       \
	{                                                                                   \
		.name = (n), .type = PG_OPT_ENUM, .def = (d), .required = (r), .help = (h), \
		.choices = (c)                                                              \
	}
/* 1.4: a comma-separated list of the words in c (PG_OPT_ENUM_LIST). */
#define PG_OPTION_ENUM_LIST(n, d, r, h, c)                                                       \
	{                                                                                        \
		.name = (n), .type = PG_OPT_ENUM_LIST, .def = (d), .required = (r), .help = (h), \
		.choices = (c)                                                                   \
	}
#define PG_OPTION_END        \
	{                    \
		.name = NULL \
	}

/* 1.4: one rule a plugin can emit (descriptor rule_table, NULL-id
 * terminated). id follows the rule-id grammar (lowercase words joined by '-'
 * or '.', at most 64 bytes) and is no core rule id but network-unexpected;
 * default_action is "pass", "warn" or "fail" and severity one of info, low,
 * medium, high, critical, as the plugin emits them by default (an option may
 * change them per finding); summary is one line. The host refuses a plugin
 * whose table breaks this, and warns once per run about a finding whose rule
 * the table does not list (the finding is kept). The row may grow in later
 * minors: the descriptor carries its size (rule_spec_size). */
struct pg_rule_spec {
	const char *id;
	const char *default_action; /* "pass" | "warn" | "fail" */
	const char *severity;       /* "info" | "low" | "medium" | "high" | "critical" */
	const char *summary;
};

#define PG_RULE_SPEC(i, a, s, sum)                                                  \
	{                                                                           \
		.id = (i), .default_action = (a), .severity = (s), .summary = (sum) \
	}
#define PG_RULE_SPEC_END   \
	{                  \
		.id = NULL \
	}

enum pg_log_lvl { PG_PLOG_ERROR = 0, PG_PLOG_WARN = 1, PG_PLOG_INFO = 2, PG_PLOG_DEBUG = 3 };

/* One instance as the host sees it (opaque). */
struct pg_plugin_ctx;

/* HTTP helper. Fill a zeroed request, set struct_size = sizeof. */
struct pg_http_request {
	size_t struct_size;
	const char *method;         /* NULL = GET, or POST with a body */
	const char *url;            /* http:// or https:// only */
	const char *const *headers; /* "Name: value" strings, NULL-terminated, may be NULL */
	const void *body;
	size_t body_len;
	long timeout_ms;     /* whole request; 0 = 10000; clamped to the call deadline */
	int insecure;        /* non-zero: do not verify TLS (tests only) */
	const char *log_url; /* what logs may show instead of url (NULL: url redacted) */
	/* --- end of ABI 1.0 --- */
	/* 1.1: when non-NULL and a response arrived, set to a new JSON array of
	 * {"name": lowercase name, "value": "..."} in the order received (caller
	 * owns it, json_decref). The host never follows redirects. */
	json_t **response_headers;
	/* --- end of ABI 1.1 --- */
	/* 1.2: non-zero: never open a connection to an internal address
	 * (loopback, RFC 1918, link-local, CGNAT, ULA, multicast, and those
	 * IPv4 addresses inside v4-mapped, NAT64 and 6to4 ones), checked on
	 * each address the host is about to connect to,
	 * after its own name resolution - so a name that resolved to a public
	 * address for your check and to 127.0.0.1 for the request (DNS
	 * rebinding) is still refused. A refused request returns -1 with
	 * resp->error "refused: <host> connects to internal address <addr>".
	 * Behind a proxy (http_proxy, https_proxy) the address checked is the
	 * proxy's. A 1.0/1.1 host ignores the field: check
	 * host->abi_minor >= 2 before relying on it. */
	int refuse_internal;
	/* 1.3: a PEM file of CA certificates trusted for this request instead of
	 * the settings' caFile (a plugin's own caFile option: common/trust.h,
	 * pg_trust_curl_file); NULL: the settings' caFile, else the system store.
	 * An older host ignores it (it reads only what struct_size covers). */
	const char *ca_file;
};

struct pg_http_response {
	long status; /* HTTP status, 0 when no response */
	char *body;  /* NUL-terminated, owned: release with host->http_response_clear */
	size_t body_len;
	long retry_after_ms; /* from Retry-After (seconds or HTTP date), -1 when absent */
	char error[256];     /* transport error text when status == 0 */
	/* --- end of ABI 1.2 --- */
	/* 1.3: sizeof(struct pg_http_response) as the host knows it, set by
	 * host->http. Later minors append fields after it: a plugin reads one
	 * only when size covers it. Zero the struct before the call. */
	size_t size;
};

/* Functions the host lends. Check host->struct_size (PG_HOST_HAS) before
 * calling anything added after ABI 1.0. */
struct pg_host_api {
	size_t struct_size;
	unsigned abi_major, abi_minor;

	/* Log a line tagged "<instance>". Never pass secrets. */
	void (*log)(struct pg_plugin_ctx *ctx, enum pg_log_lvl lvl, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Set the error text of the current call (shown in the report / outbox). */
	void (*error)(struct pg_plugin_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

	/* Option getters (values validated against the option table; defaults applied).
	 * opt_string: NULL when unset without default. */
	const char *(*opt_string)(struct pg_plugin_ctx *ctx, const char *name);
	int64_t (*opt_int)(struct pg_plugin_ctx *ctx, const char *name);
	int (*opt_bool)(struct pg_plugin_ctx *ctx, const char *name);
	/* Value of the environment variable named by a PG_OPT_SECRET_ENV option,
	 * read once at create; NULL when unset. Never log it. */
	const char *(*secret)(struct pg_plugin_ctx *ctx, const char *name);
	const char *(*instance_name)(struct pg_plugin_ctx *ctx);

	/* HTTP over libcurl: proxy from the environment, the configured CA file,
	 * the host name through the configured resolver, bounded response size.
	 * Returns 0 when a response arrived (any status), -1 on transport error
	 * (resp->error). Always clear resp afterwards. */
	int (*http)(struct pg_plugin_ctx *ctx, const struct pg_http_request *req,
		    struct pg_http_response *resp);
	void (*http_response_clear)(struct pg_http_response *resp);

	/* DNS lookup through the configured resolver. rrtype: "A", "AAAA", "CNAME",
	 * "NS", "MX" or "TXT"; since 1.1 also "CAA" ("0 issue \"ca.example\"") and
	 * "SOA" ("mname rname serial refresh retry expire minimum"; names without
	 * the trailing dot) - a 1.0 host errors on those. On 0, *answers is a new
	 * JSON array of strings (caller owns, json_decref); NXDOMAIN/no data give
	 * an empty array. -1 on resolver error (host->error set). */
	int (*dns)(struct pg_plugin_ctx *ctx, const char *name, const char *rrtype,
		   json_t **answers);

	/* Persistent per-instance cache under the state directory.
	 * cache_get returns a new reference or NULL (absent or older than max_age_s). */
	json_t *(*cache_get)(struct pg_plugin_ctx *ctx, const char *key, unsigned max_age_s);
	int (*cache_put)(struct pg_plugin_ctx *ctx, const char *key, const json_t *value);

	/* HMAC-SHA256 of data with key, lowercase hex into out (65 bytes). */
	void (*hmac_sha256_hex)(const void *key, size_t key_len, const void *data, size_t len,
				char out[65]);
	/* --- end of ABI 1.0 --- */

	/* 1.1: milliseconds left before the current call's deadline (0 when it has
	 * passed; outside enrich/notify, the instance's per-call timeout). Never
	 * negative. Bound every wait of your own sockets by it. Check
	 * PG_HOST_HAS(host, time_left_ms) first. */
	long (*time_left_ms)(struct pg_plugin_ctx *ctx);

	/* 1.3: the settings' caFile (--ca-file), a PEM file of CA certificates every TLS
	 * client of portgate trusts next to the system store; NULL when none is set. A
	 * plugin's own caFile option overrides it (common/trust.c does both). host->http
	 * uses it already. Check PG_HOST_HAS(host, ca_file) first. */
	const char *(*ca_file)(struct pg_plugin_ctx *ctx);

	/* 1.3: the settings' dns.server (--dns-server) as configured, or NULL when
	 * names go to the system resolver. Every name portgate looks up goes
	 * through the configured resolver: a plugin that connects to a name itself
	 * asks host->dns when this is set, getaddrinfo only when it is not.
	 * Check PG_HOST_HAS(host, dns_server) first. */
	const char *(*dns_server)(struct pg_plugin_ctx *ctx);
};

#define PG_HOST_HAS(host, field) \
	((host)->struct_size >= offsetof(struct pg_host_api, field) + sizeof((host)->field))

/* The descriptor. Append-only within a major version. */
struct pg_plugin {
	size_t struct_size; /* sizeof(struct pg_plugin) when built (macro sets it) */
	unsigned abi_major, abi_minor;
	enum pg_plugin_kind kind;
	const char *name; /* [a-z0-9_-]+, unique among loaded plugins */
	const char *version;
	const char *description;
	const struct pg_plugin_option *options; /* NULL-name terminated, may be NULL */
	enum pg_thread_model thread_model;

	/* Create an instance: read options via host, allocate *state. Called once
	 * per configured instance, before any worker thread. ctx and host stay
	 * valid until destroy. Return PG_PLUGIN_OK or FAIL (host->error says why). */
	int (*create)(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state);
	void (*destroy)(void *state);

	/* Enricher: finding is borrowed; write results into out (a fresh object the
	 * host owns; merged under finding.enrichment.<instance> on OK). To add
	 * findings, append objects {rule, severity, reason, evidence, defaultAction}
	 * to new_findings (a fresh array); severity is one of info, low, medium,
	 * high, critical; "assetLevel": true makes an asset-level finding (port and
	 * protocol not copied). Since 1.1 the finding (here and in notify events)
	 * carries "assetContext": the asset's manifest fields after defaults plus
	 * "line" and "manifest" (see docs/plugin-guide.md).
	 * Message lines: out may carry "message": [{"label": L, "text": T}, ...],
	 * lines the host copies into every notification of the finding (a CMDB's
	 * on-call, the registration, the TLS posture; pg_message_line adds one).
	 * L is 1..24 bytes of [A-Za-z0-9 -/] starting with a letter or digit and
	 * not a core label (Asset, Exposed, Owner, Policy, Evidence, Fingerprint);
	 * T is plain text, made one line (control characters and line breaks
	 * become spaces) and cut at 360 bytes; each notifier escapes it for its
	 * format. At most 4 lines per enricher and 12 per message; invalid lines
	 * are dropped. DNS, Registration, Network, TLS and Headers take their
	 * aspect's place in the message (DNS and Network replace the host's own
	 * line); any other label follows the owner. */
	int (*enrich)(void *state, const json_t *finding, json_t *out, json_t *new_findings);

	/* Notifier: event is borrowed (see docs/plugin-guide.md for its shape).
	 * idempotency_key is stable across retries and redeliveries of this event.
	 * On RETRY, *retry_after_ms may be set (>= 0) to ask for a delay. */
	int (*notify)(void *state, const json_t *event, const char *idempotency_key,
		      long *retry_after_ms);
	/* --- end of the ABI 1.0 minimum descriptor (PG_PLUGIN_MIN_SIZE) --- */

	enum pg_notify_mode notify_mode;
	enum pg_enrich_scope enrich_scope;
	unsigned cache_ttl_s; /* enricher results cached across runs this long; 0 = never */
	unsigned timeout_ms;  /* default per-call timeout hint; 0 = the host's */
	/* --- end of ABI 1.2 --- */

	/* 1.3: the rules an enricher judges fire on every asset it can judge, not
	 * only on assets that happen to have a finding. judges (PG_JUDGE_* bits;
	 * 0, the default: none) says which assets: the host then calls enrich
	 * once per scanned address of each such asset (once without "ip" when
	 * none was scanned), besides the findings `enrich.on` selects, with an
	 * input that names the asset and no rule and no port: {"asset",
	 * "target", "ip", "assetContext", "openPorts"}. The findings it adds are
	 * about the asset: they take no port from it. Its output is kept on the
	 * findings that share the call (same memo key), if any. An older host
	 * ignores the field: the plugin then sees findings only. */
	unsigned judges;
	/* 1.3: with judges, the name of one of the plugin's PG_OPT_STRING options
	 * whose value is a manifest tag the asset must also carry (headers:
	 * "authTag"); NULL: no tag needed. */
	const char *judges_tag_option;

	/* 1.3: the typed option table, NULL-name terminated; when set it is used
	 * instead of options. option_spec_size is sizeof(struct pg_option_spec)
	 * as built (PORTGATE_PLUGIN sets it), so rows may grow later. */
	const struct pg_option_spec *option_table;
	size_t option_spec_size;
	/* --- end of ABI 1.3 --- */

	/* 1.4: the rules the plugin can emit (struct pg_rule_spec), NULL-id
	 * terminated; NULL: none declared. rule_spec_size is sizeof(struct
	 * pg_rule_spec) as built (PORTGATE_PLUGIN sets it). */
	const struct pg_rule_spec *rule_table;
	size_t rule_spec_size;
};

/* Append one message line {"label", "text"} to an enricher's out (see enrich). */
static inline void pg_message_line(json_t *out, const char *label, const char *text)
{
	json_t *m = json_object_get(out, "message");

	if (!json_is_array(m)) {
		m = json_array();
		json_object_set_new(out, "message", m);
	}
	json_array_append_new(m, json_pack("{s:s, s:s}", "label", label, "text", text));
}

/* 1.3: the index of value in a PG_OPT_ENUM option's choices (NULL-terminated),
 * -1 when absent. The host has checked the value, so for an option of the
 * table this maps it to the plugin's own enum. */
static inline int pg_option_choice(const char *const *choices, const char *value)
{
	for (int i = 0; value && choices[i]; i++)
		if (!strcmp(choices[i], value))
			return i;
	return -1;
}

/* Smallest descriptor the host accepts: everything through notify. Fields after
 * it may be absent in older plugins and then read as zero (the defaults). */
#define PG_PLUGIN_MIN_SIZE \
	(offsetof(struct pg_plugin, notify) + sizeof(((struct pg_plugin *)0)->notify))

typedef const struct pg_plugin *(*pg_plugin_entry_fn)(void);

#if defined(__GNUC__)
#define PG_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define PG_PLUGIN_EXPORT
#endif

/* Define the entry point. desc is a static struct pg_plugin; struct_size and the
 * ABI version are filled in here so a plugin cannot get them wrong. */
#define PORTGATE_PLUGIN(desc)                                                 \
	PG_PLUGIN_EXPORT const struct pg_plugin *portgate_plugin_entry(void); \
	const struct pg_plugin *portgate_plugin_entry(void)                   \
	{                                                                     \
		(desc).struct_size = sizeof(struct pg_plugin);                \
		(desc).abi_major = PG_PLUGIN_ABI_MAJOR;                       \
		(desc).abi_minor = PG_PLUGIN_ABI_MINOR;                       \
		(desc).option_spec_size = sizeof(struct pg_option_spec);      \
		(desc).rule_spec_size = sizeof(struct pg_rule_spec);          \
		return &(desc);                                               \
	}

#ifdef __cplusplus
}
#endif

#endif
