/* ssl_cert.c - certificate facts (names, key, signature, dates, fingerprint)
 * and the weak-key / weak-signature / incomplete-chain verdicts. */
#include "ssl_cert.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "common/cert_json.h"

static json_t *serial_json(const X509 *c)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	json_t *s = json_string(hex ? hex : "");

	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

static const char *key_type(const EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS: return "RSA";
	case EVP_PKEY_DSA: return "DSA";
	case EVP_PKEY_EC: return "EC";
	case EVP_PKEY_ED25519: return "Ed25519";
	case EVP_PKEY_ED448: return "Ed448";
	default: return "unknown";
	}
}

json_t *tls_cert_json(X509 *c)
{
	EVP_PKEY *k = X509_get0_pubkey(c);
	int nid = X509_get_signature_nid(c);

	/* the facts the probe's certificate also shows come from common/cert_json.c */
	return json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:o, s:b}", "subject",
		pg_cert_json_name(X509_get_subject_name(c)), "issuer",
		pg_cert_json_name(X509_get_issuer_name(c)), "serial", serial_json(c), "san",
		pg_cert_json_san(c), "notBefore", pg_cert_json_time(X509_get0_notBefore(c)),
		"notAfter", pg_cert_json_time(X509_get0_notAfter(c)), "keyType",
		k ? key_type(k) : "none", "keyBits", k ? EVP_PKEY_get_bits(k) : 0,
		"signatureAlgorithm", nid != NID_undef ? OBJ_nid2ln(nid) : "unknown", "sha256",
		pg_cert_json_sha256(c), "selfSigned", X509_self_signed(c, 0) == 1);
}

int tls_days_remaining(const X509 *c)
{
	int days = 0, secs = 0;

	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(c)) != 1)
		return 0;
	/* Whole days left: an expired certificate is negative from its first second. */
	if (secs < 0 && days <= 0)
		days--;
	return days;
}

int tls_host_matches(X509 *c, const char *name)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1)
		return X509_check_ip_asc(c, name, 0) == 1;
	return X509_check_host(c, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

int tls_weak_signature(const X509 *c)
{
	int md = NID_undef, pk = NID_undef;

	if (!OBJ_find_sigid_algs(X509_get_signature_nid(c), &md, &pk))
		return 0;
	return md == NID_sha1 || md == NID_md5 || md == NID_md5_sha1 || md == NID_md4 ||
	       md == NID_md2;
}

int tls_weak_key(const X509 *c)
{
	EVP_PKEY *k = X509_get0_pubkey(c);
	int bits;

	if (!k)
		return 0;
	bits = EVP_PKEY_get_bits(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
	case EVP_PKEY_DSA: return bits < 2048;
	case EVP_PKEY_EC: return bits < 256;
	default: return 0;
	}
}

int tls_chain_incomplete(STACK_OF(X509) * chain, long verify_result)
{
	int n = chain ? sk_X509_num(chain) : 0;

	if (n == 0)
		return 0;
	if (verify_result != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
	    verify_result != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT &&
	    verify_result != X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE)
		return 0;
	return X509_self_signed(sk_X509_value(chain, n - 1), 0) != 1;
}
