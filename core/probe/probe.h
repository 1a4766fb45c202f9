/* probe.h - what answers on an open port: banner, HTTP, TLS + certificate.
 *
 * A non-blocking state machine driven by the scan engine's epoll loop, so
 * probing a portfolio never serialises. The engine hands over a connected
 * socket; the probe may close it and open a new connection to the same
 * address (e.g. to retry with TLS when the first bytes show a TLS record), so
 * the engine re-reads pg_probe_fd() after every step.
 *
 * Every phase is bounded in time (opts->total_ms overall) and bytes
 * (opts->max_bytes): a hostile server cannot hang or bloat the scan. */
#ifndef PG_PROBE_H
#define PG_PROBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "resolve/resolve.h"

#define PG_PROBE_BANNER_WAIT_MS 1500 /* docs/probes.md and conf/portgate.yaml say so too */
#define PG_PROBE_TOTAL_MS       5000
#define PG_PROBE_MAX_BYTES      16384
/* A TLS handshake has its own byte budget: a valid chain (a leaf with 100 names plus an
 * intermediate) is larger than a small maxBytes, and running out of budget there must
 * not read as "no TLS". 64 KiB holds any chain seen in practice. */
#define PG_PROBE_TLS_MAX_BYTES  65536

struct pg_probe_opts {
	int banner_wait_ms;   /* how long to wait for a server-first banner */
	int total_ms;         /* hard cap on one port's probing, all phases */
	size_t max_bytes;     /* cap on bytes read from one port, TLS handshakes excepted */
	size_t tls_max_bytes; /* cap on the bytes of each TLS handshake (records included) */
	const char *ca_file;  /* extra trust anchors for certificate checks, may be NULL */
};

/* The defaults above. Inline: the scan engine sets them without linking the
 * probe (its unit test drives the engine with a fake probe). */
static inline void pg_probe_opts_default(struct pg_probe_opts *o)
{
	o->banner_wait_ms = PG_PROBE_BANNER_WAIT_MS;
	o->total_ms = PG_PROBE_TOTAL_MS;
	o->max_bytes = PG_PROBE_MAX_BYTES;
	o->tls_max_bytes = PG_PROBE_TLS_MAX_BYTES;
	o->ca_file = NULL;
}

struct pg_probe;

/* Take ownership of connected non-blocking fd. hostname (may be NULL) is used
 * for SNI, certificate name checks and the HTTP Host header; expect_tls says
 * the manifest (or the well-known port list) says this port speaks TLS. */
struct pg_probe *pg_probe_start(int fd, const struct pg_addr *addr, uint16_t port,
				const char *hostname, bool expect_tls,
				const struct pg_probe_opts *opts, uint64_t now_ms);

/* Advance on readiness (EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits seen on
 * pg_probe_fd()) or, with events == 0, on reaching pg_probe_deadline().
 * Returns true when the probe is finished. */
bool pg_probe_step(struct pg_probe *p, uint32_t events, uint64_t now_ms);

int pg_probe_fd(const struct pg_probe *p);            /* fd to watch now */
uint32_t pg_probe_events(const struct pg_probe *p);   /* EPOLLIN and/or EPOLLOUT */
uint64_t pg_probe_deadline(const struct pg_probe *p); /* absolute monotonic ms */

/* Close everything, free p, return owned evidence: {"service": ..., "banner"?,
 * "tlsVersion"?, "certificate"?, "http"?, "tlsExpected"?, "speaksTls"?}. */
json_t *pg_probe_finish(struct pg_probe *p);

/* Service name from the system services database (/etc/services), "unknown"
 * when absent. Never nmap's data files (licence). */
const char *pg_service_by_port(uint16_t port, char *buf, size_t len);
/* The same for UDP: the database's "udp" entries (53 domain, 123 ntp, 161 snmp, ...). */
const char *pg_service_by_port_udp(uint16_t port, char *buf, size_t len);

/* Ports that conventionally speak TLS from the first byte (443, 465, 636, 853,
 * 993, 995, 5986, 8443, ...). */
bool pg_port_is_tls_default(uint16_t port);

/* --- Helpers shared by probe*.c and useful elsewhere (compatible additions). --- */

/* Ports that usually answer an HTTP request in plain text or inside TLS (80,
 * 8080, 8000, 443, 8443, ...): the probe sends its request at once instead of
 * first waiting for a server-first banner. */
bool pg_port_is_http_like(uint16_t port);

/* Does b (n bytes) start with the literal lit? */
bool pg_probe_starts(const unsigned char *b, size_t n, const char *lit);
/* Length of the line starting at b (without CR/LF), bounded by n. */
size_t pg_probe_line_len(const unsigned char *b, size_t n);

/* Printable, terminal- and JSON-safe copy of untrusted bytes: printable ASCII
 * kept, runs of CR/LF become " | ", tab a space, anything else (and the
 * backslash) \xNN; never cut inside an escape; "..." marks a cut. out gets at
 * most outlen-1 chars + NUL. Returns strlen(out). */
size_t pg_banner_sanitize(const void *in, size_t n, char *out, size_t outlen);

/* Name the protocol from the first bytes a server sent: "ssh", "smtp", "ftp",
 * "pop3", "imap", "mysql", "http", "tls" (a TLS record), "redis" (the protected-mode
 * refusal "-DENIED Redis ..."), or NULL. portname is
 * the services-database name of the port, used to tell FTP from SMTP when a
 * bare "220 " greeting says neither. */
const char *pg_probe_classify(const unsigned char *b, size_t n, const char *portname);

/* Parse an HTTP response head: status code, status line and Server header
 * (sanitised into the given buffers; server[0] == 0 when absent). */
bool pg_http_parse(const unsigned char *b, size_t n, int *status, char *line, size_t linelen,
		   char *server, size_t serverlen);

/* TLS (core/probe/probe_tls.c). OpenSSL types are forward-declared by their real
 * struct tags so this header does not pull in OpenSSL. */
struct ssl_ctx_st;
struct x509_st;
struct x509_store_ctx_st;

/* Shared client context for one CA file (NULL: system store only). Created
 * lazily, borrowed by the caller, freed at exit. Single-threaded use (the scan
 * loop). Also sets SIGPIPE to ignored if it was default (OpenSSL writes with
 * write(2)). NULL only if OpenSSL cannot allocate. */
struct ssl_ctx_st *pg_tls_client_ctx(const char *ca_file);
/* True when path is a readable PEM bundle holding at least one certificate, so the
 * probe can trust what it signs; else false with the reason in err. */
bool pg_tls_ca_file_check(const char *path, char *err, size_t errlen);

/* Chain problems collected by pg_tls_verify_cb into the unsigned int that
 * SSL_get_app_data() points to (the handshake completes with
 * SSL_VERIFY_NONE; the verdict is ours). */
#define PG_TLS_CHAIN_UNTRUSTED   0x1u /* issuer unknown, bad signature, CA expired, ... */
#define PG_TLS_CHAIN_SELF_SIGNED 0x2u /* verify code 18 or 19 */
int pg_tls_verify_cb(int ok, struct x509_store_ctx_st *sctx);

/* certificate{} evidence for the leaf: subject, issuer, san[], notBefore,
 * expires, daysRemaining, valid, reasons[], sha256. name is the target (host
 * name or IP text, is_ip says which) the certificate must match. */
json_t *pg_tls_cert_json(struct x509_st *cert, const char *name, bool is_ip, unsigned chain_flags);

#endif
