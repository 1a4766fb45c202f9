/* ssl_cert.h - what the ssl enricher reports about a presented chain. */
#ifndef PG_SSL_CERT_H
#define PG_SSL_CERT_H

#include <jansson.h>
#include <openssl/ssl.h>

/* Key facts of one certificate as JSON (a new object): subject, issuer,
 * serial, san[], notBefore, notAfter, keyType, keyBits, signatureAlgorithm,
 * sha256, selfSigned. */
json_t *tls_cert_json(X509 *cert);

/* Whole days from now until cert's notAfter (negative when expired). */
int tls_days_remaining(const X509 *cert);

/* 1 when name (a DNS name or an IP literal) matches cert, as browsers do
 * (no partial wildcards). */
int tls_host_matches(X509 *cert, const char *name);

/* 1 when the signature algorithm is SHA-1 or MD5 based. */
int tls_weak_signature(const X509 *cert);

/* 1 when the key is RSA/DSA under 2048 bits or EC under 256. */
int tls_weak_key(const X509 *cert);

/* 1 when the server did not send what links its chain to a trust anchor:
 * verification could not find the issuer of the last certificate sent, and
 * that certificate is not self-signed. */
int tls_chain_incomplete(STACK_OF(X509) * chain, long verify_result);

#endif
