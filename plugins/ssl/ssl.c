/* ssl.c - enricher: the TLS posture of every TLS port of the finding's asset
 * (chain, trust, hostname, expiry, OCSP stapling, protocol versions) and the
 * tls-* findings that follow from it. The host hands the asset's open ports
 * to every enricher as finding.openPorts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <portgate/plugin.h>

#include "common/clock.h"
#include "ssl_cert.h"
#include "ssl_conn.h"

#define MAX_PORTS       16    /* TLS ports examined per asset */
#define DEFAULT_CALL_MS 20000 /* budget when the host cannot say (ABI 1.0) */

struct ssl_state {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	struct pg_trust trust; /* its caFile, else the system store + the settings' caFile */
	int64_t expiring_days;
};

static const struct pg_plugin_option ssl_options[] = {
	{ "caFile", PG_OPT_STRING, NULL, 0,
	  "PEM trust store for the chain verdict (default: the system store)" },
	{ "expiringDays", PG_OPT_INT, "30", 0,
	  "tls-expiring-soon when fewer days than this remain" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct {
	int version;
	const char *name;
} versions[] = {
	{ TLS1_VERSION, "TLSv1.0" },
	{ TLS1_1_VERSION, "TLSv1.1" },
	{ TLS1_2_VERSION, "TLSv1.2" },
	{ TLS1_3_VERSION, "TLSv1.3" },
};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

static int ssl_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct ssl_state *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->ctx = ctx;
	s->host = host;
	s->trust = pg_trust_get(host, ctx, "caFile");
	s->expiring_days = host->opt_int(ctx, "expiringDays");
	if (s->expiring_days < 0 || s->expiring_days > 3650) {
		host->error(ctx, "expiringDays: expected 0..3650");
		free(s);
		return PG_PLUGIN_FAIL;
	}
	*state = s;
	return PG_PLUGIN_OK;
}

static void ssl_destroy(void *state)
{
	free(state);
}

/* The absolute deadline of this call, a little before the host's so our
 * result is not thrown away. */
static uint64_t call_deadline(const struct ssl_state *s)
{
	long left = DEFAULT_CALL_MS;

#if PG_PLUGIN_ABI_MINOR >= 1
	if (PG_HOST_HAS(s->host, time_left_ms))
		left = s->host->time_left_ms(s->ctx);
#endif
	return pg_clock_deadline_ms(left);
}

/* Share of the remaining time for one of n remaining handshakes. */
static uint64_t step_deadline(uint64_t deadline, unsigned n)
{
	uint64_t now = pg_clock_now_ms();

	if (now >= deadline)
		return now;
	return now + (deadline - now) / (n ? n : 1);
}

static int json_int_in(const json_t *arr, json_int_t v)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i, x) if (json_integer_value(x) == v) return 1;
	return 0;
}

/* Does this open port speak TLS? The probe says so (speaksTls, tlsVersion),
 * or the manifest lists it in tlsPorts. */
static int is_tls_port(const json_t *port, const json_t *finding)
{
	const json_t *ctx = json_object_get(finding, "assetContext");
	json_int_t n = json_integer_value(json_object_get(port, "port"));

	return json_is_true(json_object_get(port, "speaksTls")) ||
	       json_is_string(json_object_get(port, "tlsVersion")) ||
	       json_int_in(json_object_get(ctx, "tlsPorts"), n);
}

static void add_finding(json_t *added, int port, const char *rule, const char *sev,
			json_t *evidence, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Append one tls-* finding on port; evidence is stolen. */
static void add_finding(json_t *added, int port, const char *rule, const char *sev,
			json_t *evidence, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	json_array_append_new(added,
			      json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:o}", "rule", rule,
					"severity", sev, "defaultAction", "warn", "reason", reason,
					"port", port, "protocol", "tcp", "evidence", evidence));
}

static json_t *chain_json(STACK_OF(X509) * chain)
{
	json_t *a = json_array();

	for (int i = 0; chain && i < sk_X509_num(chain); i++)
		json_array_append_new(a, tls_cert_json(sk_X509_value(chain, i)));
	return a;
}

static int ocsp_stapled(SSL *ssl)
{
	const unsigned char *resp = NULL;

	return SSL_get_tlsext_status_ocsp_resp(ssl, &resp) > 0 && resp;
}

static void cert_findings(const struct ssl_state *s, X509 *leaf, STACK_OF(X509) * chain, long vr,
			  int port, json_t *added)
{
	EVP_PKEY *key = X509_get0_pubkey(leaf);
	const char *sig = OBJ_nid2ln(X509_get_signature_nid(leaf));
	const char *type = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "EC" : "RSA/DSA";
	int days = tls_days_remaining(leaf), bits = key ? EVP_PKEY_get_bits(key) : 0;

	if (days < s->expiring_days && days < 0)
		add_finding(added, port, "tls-expiring-soon", "high",
			    json_pack("{s:i}", "daysRemaining", days),
			    "port %d: the TLS certificate expired %d days ago", port, -days);
	else if (days < s->expiring_days)
		add_finding(added, port, "tls-expiring-soon", "medium",
			    json_pack("{s:i, s:i}", "daysRemaining", days, "expiringDays",
				      (int)s->expiring_days),
			    "port %d: the TLS certificate expires in %d days", port, days);
	if (tls_weak_key(leaf))
		add_finding(added, port, "tls-weak-key", "high",
			    json_pack("{s:s, s:i}", "keyType", type, "keyBits", bits),
			    "port %d: the TLS certificate has a weak %s key (%d bits)", port, type,
			    bits);
	if (tls_weak_signature(leaf))
		add_finding(added, port, "tls-weak-signature", "medium",
			    json_pack("{s:s}", "signatureAlgorithm", sig),
			    "port %d: the TLS certificate is signed with %s", port, sig);
	if (tls_chain_incomplete(chain, vr))
		add_finding(added, port, "tls-chain-incomplete", "medium",
			    json_pack("{s:i, s:s}", "verifyCode", (int)vr, "verifyError",
				      X509_verify_cert_error_string(vr)),
			    "port %d: the server does not send the chain up to a trusted root",
			    port);
}

/* The certificate facts of one completed handshake into out; the tls-*
 * certificate findings into added. */
static void judge_chain(const struct ssl_state *s, SSL *ssl, const char *name, int port,
			json_t *out, json_t *added)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	long vr = SSL_get_verify_result(ssl);
	int days;

	json_object_set_new(out, "negotiated", json_string(SSL_get_version(ssl)));
	json_object_set_new(out, "chain", chain_json(chain));
	json_object_set_new(out, "ocspStapled", json_boolean(ocsp_stapled(ssl)));
	if (!leaf) {
		json_object_set_new(out, "trusted", json_false());
		return;
	}
	days = tls_days_remaining(leaf);
	json_object_set_new(out, "trusted", json_boolean(vr == X509_V_OK));
	json_object_set_new(out, "verifyCode", json_integer(vr));
	json_object_set_new(out, "verifyError", json_string(X509_verify_cert_error_string(vr)));
	json_object_set_new(out, "hostnameMatch", json_boolean(tls_host_matches(leaf, name)));
	json_object_set_new(out, "daysRemaining", json_integer(days));
	json_object_set_new(out, "selfSigned", json_boolean(X509_self_signed(leaf, 0) == 1));
	json_object_set_new(out, "chainIncomplete", json_boolean(tls_chain_incomplete(chain, vr)));

	cert_findings(s, leaf, chain, vr, port, added);
}

/* Which versions the server accepts, each probed alone; a legacy one
 * accepted adds tls-legacy-protocol. */
static void probe_versions(const struct ssl_state *s, const char *ip, const char *name, int port,
			   uint64_t deadline, json_t *out, json_t *added)
{
	json_t *acc = json_object(), *legacy = json_array();

	for (size_t i = 0; i < NVERSIONS; i++) {
		struct tls_conn c;
		uint64_t step = step_deadline(deadline, (unsigned)(NVERSIONS - i));
		int ok = tls_conn_open(&c, ip, port, name, versions[i].version, &s->trust, step) ==
			 0;

		json_object_set_new(acc, versions[i].name, json_boolean(ok));
		if (ok && versions[i].version < TLS1_2_VERSION)
			json_array_append_new(legacy, json_string(versions[i].name));
		tls_conn_close(&c);
	}
	json_object_set_new(out, "protocols", acc);
	if (json_array_size(legacy))
		add_finding(added, port, "tls-legacy-protocol", "medium",
			    json_pack("{s:O}", "accepted", legacy),
			    "port %d: the server accepts %s%s", port,
			    json_string_value(json_array_get(legacy, 0)),
			    json_array_size(legacy) > 1 ? " and TLSv1.1" : "");
	json_decref(legacy);
}

/* One TLS port: the chain of a default handshake, then each version. */
static json_t *check_port(const struct ssl_state *s, const char *ip, const char *name, int port,
			  uint64_t deadline, json_t *added)
{
	json_t *out = json_pack("{s:i}", "port", port);
	struct tls_conn c;

	if (tls_conn_open(&c, ip, port, name, 0, &s->trust, step_deadline(deadline, 5)) != 0) {
		json_object_set_new(out, "error", json_string(c.error));
		return out;
	}
	judge_chain(s, c.ssl, name, port, out, added);
	tls_conn_close(&c);
	probe_versions(s, ip, name, port, deadline, out, added);
	return out;
}

/* The legacy versions a port accepted, ", TLSv1.0, TLSv1.1" style, into buf. */
static void legacy_text(const json_t *protocols, char *buf, size_t len)
{
	const char *names[] = { "TLSv1.0", "TLSv1.1" };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 2 && used < len; i++)
		if (json_is_true(json_object_get(protocols, names[i])))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 names[i]);
}

/* One message line per examined port: trust, days left, hostname, legacy
 * versions (the verify text is OpenSSL's own, never the certificate's). */
static void port_line(json_t *out, const json_t *p)
{
	const char *err = json_string_value(json_object_get(p, "error"));
	const char *why = json_string_value(json_object_get(p, "verifyError"));
	int port = (int)json_integer_value(json_object_get(p, "port"));
	int trusted = json_is_true(json_object_get(p, "trusted"));
	char legacy[64], line[320];

	legacy_text(json_object_get(p, "protocols"), legacy, sizeof(legacy));
	if (err)
		snprintf(line, sizeof(line), "%d/tcp: no handshake (%.200s)", port, err);
	else
		snprintf(line, sizeof(line),
			 "%d/tcp: %s%s%.120s%s, %lld days left, hostname %s, %s%s", port,
			 trusted ? "trusted" : "untrusted", trusted || !why ? "" : " (",
			 trusted || !why ? "" : why, trusted || !why ? "" : ")",
			 (long long)json_integer_value(json_object_get(p, "daysRemaining")),
			 json_is_true(json_object_get(p, "hostnameMatch")) ? "matches"
									   : "does not match",
			 *legacy ? "accepts legacy " : "no legacy protocols", legacy);
	pg_message_line(out, "TLS", line);
}

static int ssl_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct ssl_state *s = state;
	const char *ip = json_string_value(json_object_get(finding, "ip"));
	const char *target = json_string_value(json_object_get(finding, "target"));
	const json_t *ports = json_object_get(finding, "openPorts"), *p;
	uint64_t deadline = call_deadline(s);
	json_t *list = json_array();
	size_t i, n = 0;

	if (!ip || !target) {
		json_decref(list);
		json_object_set_new(out, "skipped", json_string("finding has no scanned address"));
		return PG_PLUGIN_OK;
	}
	json_array_foreach(ports, i, p)
	{
		if (!is_tls_port(p, finding) || n++ >= MAX_PORTS)
			continue;
		json_array_append_new(
			list,
			check_port(s, ip, target,
				   (int)json_integer_value(json_object_get(p, "port")),
				   step_deadline(deadline, (unsigned)(json_array_size(ports) - i)),
				   new_findings));
	}
	json_object_set_new(out, "target", json_string(target));
	json_object_set_new(out, "ip", json_string(ip));
	json_object_set_new(out, "ports", list);
	json_array_foreach(list, i, p)
	{
		if (i == 4) /* the host keeps 4 lines per enricher; the rest is in the evidence */
			break;
		port_line(out, p);
	}
	return PG_PLUGIN_OK;
}

/* The tls-* rules cert_findings and probe_versions add (ABI 1.4). */
static const struct pg_rule_spec rules[] = {
	PG_RULE_SPEC("tls-expiring-soon", "warn", "medium",
		     "The TLS certificate expires in fewer than expiringDays days (high once "
		     "expired)"),
	PG_RULE_SPEC(
		"tls-weak-key", "warn", "high",
		"The TLS certificate's key is weak (RSA or DSA under 2048 bits, EC under 256)"),
	PG_RULE_SPEC("tls-weak-signature", "warn", "medium",
		     "The TLS certificate is signed with SHA-1, MD5, MD4 or MD2"),
	PG_RULE_SPEC("tls-chain-incomplete", "warn", "medium",
		     "The server does not send the chain up to a trusted root"),
	PG_RULE_SPEC("tls-legacy-protocol", "warn", "medium", "The server accepts TLS 1.0 or 1.1"),
	PG_RULE_SPEC_END,
};

static struct pg_plugin ssl_plugin = {
	.rule_table = rules,
	.kind = PG_PLUGIN_ENRICHER,
	.name = "ssl",
	.version = "1.0.0",
	.description = "TLS posture of the asset's TLS ports: chain, trust, expiry, versions",
	.options = ssl_options,
	.thread_model = PG_THREAD_PARALLEL,
	.create = ssl_create,
	.destroy = ssl_destroy,
	.enrich = ssl_enrich,
#if PG_PLUGIN_ABI_MINOR >= 1
	.enrich_scope = PG_SCOPE_ASSET,
#else
	.enrich_scope = PG_SCOPE_TARGET,
#endif
	.timeout_ms = 30000,
#ifdef PG_JUDGE_TLS_PORTS
	.judges = PG_JUDGE_TLS_PORTS, /* the tls-* rules, finding or not */
#endif
};

PORTGATE_PLUGIN(ssl_plugin)
