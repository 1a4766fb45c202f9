/* hash.c - lowercase hex, SHA-256 and HMAC-SHA256 (OpenSSL). */
#include "config.h"
#include "hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

void pg_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void pg_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	pg_hex_encode(md, 32, out);
}

void pg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &mdlen);
	pg_hex_encode(md, 32, out);
}
