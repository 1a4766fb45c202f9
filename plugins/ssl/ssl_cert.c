/* ssl_cert.c - certificate facts (names, key, signature, dates, fingerprint)
 * and the weak-key / weak-signature / incomplete-chain verdicts. */
#include "ssl_cert.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

/* A BIO's contents as a JSON string. */
static json_t *bio_string(BIO *b)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);

	return json_stringn(p ? p : "", n > 0 ? (size_t)n : 0);
}

static json_t *name_json(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	json_t *s;

	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	s = bio_string(b);
	BIO_free(b);
	return s;
}

/* ISO 8601 UTC, as the rest of the evidence writes times. */
static json_t *time_json(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *serial_json(const X509 *c)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	json_t *s = json_string(hex ? hex : "");

	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

/* One subjectAltName entry as text: a DNS name, or an IP address. */
static json_t *general_name_json(const GENERAL_NAME *g)
{
	char ip[INET6_ADDRSTRLEN];
	const unsigned char *d;
	int len;

	if (g->type == GEN_DNS) {
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		return json_stringn((const char *)d, len > 0 ? (size_t)len : 0);
	}
	if (g->type != GEN_IPADD)
		return NULL;
	d = ASN1_STRING_get0_data(g->d.iPAddress);
	len = ASN1_STRING_length(g->d.iPAddress);
	if ((len != 4 && len != 16) || !inet_ntop(len == 4 ? AF_INET : AF_INET6, d, ip, sizeof(ip)))
		return NULL;
	return json_string(ip);
}

static json_t *san_json(const X509 *c)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
	json_t *a = json_array();

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		json_t *n = general_name_json(sk_GENERAL_NAME_value(names, i));
		if (n)
			json_array_append_new(a, n);
	}
	GENERAL_NAMES_free(names);
	return a;
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

static json_t *sha256_json(const X509 *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (X509_digest(c, EVP_sha256(), md, &len) != 1)
		return json_null();
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * len] = '\0';
	return json_string(hex);
}

json_t *tls_cert_json(X509 *c)
{
	EVP_PKEY *k = X509_get0_pubkey(c);
	int nid = X509_get_signature_nid(c);

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:o, s:b}", "subject",
			 name_json(X509_get_subject_name(c)), "issuer",
			 name_json(X509_get_issuer_name(c)), "serial", serial_json(c), "san",
			 san_json(c), "notBefore", time_json(X509_get0_notBefore(c)), "notAfter",
			 time_json(X509_get0_notAfter(c)), "keyType", k ? key_type(k) : "none",
			 "keyBits", k ? EVP_PKEY_get_bits(k) : 0, "signatureAlgorithm",
			 nid != NID_undef ? OBJ_nid2ln(nid) : "unknown", "sha256", sha256_json(c),
			 "selfSigned", X509_self_signed(c, 0) == 1);
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
