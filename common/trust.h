/* trust.h - one trust setting for every TLS client of portgate and its plugins: the
 * settings' caFile (--ca-file), lent to plugins by the host (ABI 1.3 host->ca_file),
 * is trusted next to the system store by default; a plugin instance's own caFile is
 * its whole store instead (docs/plugin-guide.md, "Trust"). */
#ifndef PG_COMMON_TRUST_H
#define PG_COMMON_TRUST_H

#include <openssl/types.h> /* SSL_CTX, declared only: trust.c links no OpenSSL */
#include <portgate/plugin.h>

struct pg_trust {
	const char *own;    /* the instance's caFile, NULL when unset; borrowed */
	const char *global; /* the settings' caFile, NULL when unset; borrowed */
};

/* The instance's trust: its option opt (a PG_OPT_STRING path) and the host's global
 * CA file (NULL from a host older than ABI 1.3). */
struct pg_trust pg_trust_get(const struct pg_host_api *host, struct pg_plugin_ctx *ctx,
			     const char *opt);

/* Load t into ctx's verify store (trust_ssl.c, for the targets that link OpenSSL): own
 * alone, else the system store plus global. 1 on success, 0 when a file could not be
 * loaded (OpenSSL's error queue says why). */
int pg_trust_load(SSL_CTX *ctx, const struct pg_trust *t);

/* The file for libcurl's CURLOPT_CAINFO: own, else global, else NULL (curl's default;
 * Debian's libcurl keeps its CA directory next to a CAINFO file). */
const char *pg_trust_curl_file(const struct pg_trust *t);

#endif
