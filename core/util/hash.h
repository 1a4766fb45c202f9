/* hash.h - lowercase hex, SHA-256 and HMAC-SHA256. */
#ifndef PG_UTIL_HASH_H
#define PG_UTIL_HASH_H

#include <stddef.h>

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void pg_hex_encode(const unsigned char *in, size_t n, char *out);
/* Lowercase hex SHA-256 of data into out (65 bytes). */
void pg_sha256_hex(const void *data, size_t len, char out[65]);
/* HMAC-SHA256(key, data) as lowercase hex (webhook signatures). */
void pg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
			char out[65]);

#endif
