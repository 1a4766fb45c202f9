/* cert_json.h - how a certificate's facts are written in JSON, one writer
 * for the probe's `certificate` (core/probe/probe_tls.c) and the ssl
 * enricher's `chain[]` (plugins/ssl/ssl_cert.c): the same certificate reads
 * the same in both (docs/evidence.md, docs/plugins/ssl.md). */
#ifndef PG_COMMON_CERT_JSON_H
#define PG_COMMON_CERT_JSON_H

#include <jansson.h>
#include <openssl/x509.h>

/* A distinguished name as RFC 4514 text (X509_NAME_print_ex with
 * XN_FLAG_RFC2253: most specific RDN first, ",+\"\\<>;" escaped, control and
 * non-ASCII bytes as \XX), at most PG_CERT_NAME_MAX bytes. */
#define PG_CERT_NAME_MAX 511
json_t *pg_cert_json_name(const X509_NAME *name);

/* A certificate time as RFC 3339 UTC without fractions, "2026-03-01T22:06:25Z";
 * null when t is missing or unreadable. */
json_t *pg_cert_json_time(const ASN1_TIME *t);

/* subjectAltName DNS names and IP addresses, in certificate order, at most
 * PG_CERT_SAN_MAX entries; a DNS name's bytes outside printable ASCII (and
 * the backslash) as \xHH. */
#define PG_CERT_SAN_MAX 100
json_t *pg_cert_json_san(const X509 *cert);

/* The SHA-256 fingerprint of the DER certificate, lower-case hex. */
json_t *pg_cert_json_sha256(const X509 *cert);

#endif
