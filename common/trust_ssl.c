/* trust_ssl.c - pg_trust_load (trust.h), apart from trust.c so a plugin that uses
 * libcurl only links no OpenSSL. */
#include "common/trust.h"

#include <openssl/ssl.h>

int pg_trust_load(SSL_CTX *ctx, const struct pg_trust *t)
{
	if (t->own)
		return SSL_CTX_load_verify_locations(ctx, t->own, NULL) == 1;
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		return 0;
	return !t->global || SSL_CTX_load_verify_locations(ctx, t->global, NULL) == 1;
}
