/* ssl_conn.h - one bounded TLS handshake against ip:port for the ssl enricher. */
#ifndef PG_SSL_CONN_H
#define PG_SSL_CONN_H

#include <stdint.h>
#include <openssl/ssl.h>

#include "common/trust.h"

/* A finished (or failed) handshake. ssl is NULL when none completed. */
struct tls_conn {
	SSL *ssl;     /* owned: tls_conn_close */
	SSL_CTX *ctx; /* owned */
	int fd;
	char error[160];
};

/* Handshake with ip:port (SNI sni unless NULL or an IP literal) allowing only
 * protocol version (0: any from TLS 1.0 up), the client at security level 0 so
 * weak keys, SHA-1 and legacy versions can still be observed. trust: the
 * store for the verify result (common/trust.h). Every wait ends by
 * deadline_ms (pg_clock_now_ms clock). Returns 0 when the handshake completed. */
int tls_conn_open(struct tls_conn *c, const char *ip, int port, const char *sni, int version,
		  const struct pg_trust *trust, uint64_t deadline_ms);
void tls_conn_close(struct tls_conn *c);

#endif
