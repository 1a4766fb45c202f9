/* ssl_conn.c - a TLS handshake over a non-blocking socket, every wait
 * (connect, each handshake round) bounded by the caller's deadline. */
#include "ssl_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "common/wait.h"

/* Fill sa from an IPv4 or IPv6 literal; its length, 0 when not a literal. */
static socklen_t ip_sockaddr(const char *ip, int port, struct sockaddr_storage *sa)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		return sizeof(*v4);
	}
	if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		return sizeof(*v6);
	}
	return 0;
}

static int connect_bounded(struct tls_conn *c, const char *ip, int port, uint64_t deadline_ms)
{
	struct sockaddr_storage sa;
	socklen_t len = ip_sockaddr(ip, port, &sa);
	int err = 0, w;
	socklen_t elen = sizeof(err);

	if (!len) {
		snprintf(c->error, sizeof(c->error), "not an IP address: %s", ip);
		return -1;
	}
	c->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(c->error, sizeof(c->error), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		snprintf(c->error, sizeof(c->error), "connect: %s", strerror(errno));
		return -1;
	}
	w = pg_wait_fd(c->fd, POLLOUT, deadline_ms);
	if (w <= 0) {
		snprintf(c->error, sizeof(c->error), "connect: %s",
			 w == 0 ? "timed out" : strerror(errno));
		return -1;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err) {
		snprintf(c->error, sizeof(c->error), "connect: %s", strerror(err ? err : errno));
		return -1;
	}
	return 0;
}

static int is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int make_ctx(struct tls_conn *c, int version, const struct pg_trust *trust)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx) {
		snprintf(c->error, sizeof(c->error), "SSL_CTX_new failed");
		return -1;
	}
	/* Client side only: observe what the server offers, however weak. */
	SSL_CTX_set_security_level(c->ctx, 0);
	SSL_CTX_set_cipher_list(c->ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_min_proto_version(c->ctx, version ? version : TLS1_VERSION);
	SSL_CTX_set_max_proto_version(c->ctx, version);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	if (!pg_trust_load(c->ctx, trust)) {
		snprintf(c->error, sizeof(c->error), "cannot load the trust store %s",
			 trust->own      ? trust->own
			 : trust->global ? trust->global
					 : "(system)");
		return -1;
	}
	return 0;
}

static int handshake(struct tls_conn *c, uint64_t deadline_ms)
{
	for (;;) {
		int rc = SSL_connect(c->ssl), e, w;
		unsigned long code;

		if (rc == 1)
			return 0;
		e = SSL_get_error(c->ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = pg_wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
				       deadline_ms);
			if (w > 0)
				continue;
			snprintf(c->error, sizeof(c->error), "handshake %s",
				 w == 0 ? "timed out" : "poll failed");
			return -1;
		}
		code = ERR_peek_last_error();
		if (code)
			snprintf(c->error, sizeof(c->error), "handshake: %s",
				 ERR_reason_error_string(code) ? ERR_reason_error_string(code)
							       : "failed");
		else
			snprintf(c->error, sizeof(c->error), "handshake: connection closed");
		ERR_clear_error();
		return -1;
	}
}

int tls_conn_open(struct tls_conn *c, const char *ip, int port, const char *sni, int version,
		  const struct pg_trust *trust, uint64_t deadline_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (make_ctx(c, version, trust) != 0 || connect_bounded(c, ip, port, deadline_ms) != 0)
		goto fail;
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
		snprintf(c->error, sizeof(c->error), "SSL_new failed");
		goto fail;
	}
	if (sni && *sni && !is_ip_literal(sni))
		SSL_set_tlsext_host_name(c->ssl, sni);
	SSL_set_tlsext_status_type(c->ssl, TLSEXT_STATUSTYPE_ocsp);
	if (handshake(c, deadline_ms) != 0)
		goto fail;
	return 0;
fail:
	ERR_clear_error();
	tls_conn_close(c);
	return -1;
}

void tls_conn_close(struct tls_conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl); /* no close_notify: we only looked */
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->ctx = NULL;
	c->fd = -1;
}
