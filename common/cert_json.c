/* cert_json.c - see cert_json.h. */
#include "common/cert_json.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

/* A DNS name longer than a full domain name (253) is no name: cut it. */
#define SAN_NAME_MAX 300

json_t *pg_cert_json_name(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;
	json_t *s;

	if (!b)
		return json_string("");
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
	n = BIO_get_mem_data(b, &p);
	if (n > PG_CERT_NAME_MAX)
		n = PG_CERT_NAME_MAX;
	/* ESC_MSB and ESC_CTRL leave only printable ASCII: always valid UTF-8 */
	s = json_stringn(p ? p : "", n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return s ? s : json_string("");
}

json_t *pg_cert_json_time(const ASN1_TIME *t)
{
	struct tm tm;
	char out[32];

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return json_null();
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(out);
}

/* A DNS name as text: printable ASCII as is, other bytes \xHH, cut to fit. */
static json_t *dns_name_json(const ASN1_STRING *s)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int len = ASN1_STRING_length(s);
	char out[SAN_NAME_MAX + 1];
	size_t o = 0;

	for (int i = 0; i < len && o + 4 < sizeof(out); i++) {
		if (d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\')
			out[o++] = (char)d[i];
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", d[i]);
	}
	out[o] = '\0';
	return json_string(out);
}

static json_t *ip_json(const ASN1_OCTET_STRING *s)
{
	char ip[INET6_ADDRSTRLEN];
	int len = ASN1_STRING_length(s);

	if ((len != 4 && len != 16) ||
	    !inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof(ip)))
		return NULL;
	return json_string(ip);
}

json_t *pg_cert_json_san(const X509 *cert)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	json_t *a = json_array();

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && i < PG_CERT_SAN_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		json_t *v = g->type == GEN_DNS     ? dns_name_json(g->d.dNSName)
			    : g->type == GEN_IPADD ? ip_json(g->d.iPAddress)
						   : NULL;

		if (v)
			json_array_append_new(a, v);
	}
	GENERAL_NAMES_free(names);
	return a;
}

json_t *pg_cert_json_sha256(const X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (X509_digest(cert, EVP_sha256(), md, &len) != 1)
		return json_null();
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * len] = '\0';
	return json_string(hex);
}
