/* siem_net.c - UDP, TCP (octet counting) and TLS syslog senders. */
#include "siem_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/wait.h"

struct siem_conn {
	enum siem_transport t;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static int connect_one(const struct addrinfo *ai, uint64_t deadline_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -1;
	if (ai->ai_socktype == SOCK_STREAM) /* each message leaves at once */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno == EINPROGRESS && pg_wait_fd(fd, POLLOUT, deadline_ms) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
		return fd;
	close(fd);
	errno = soerr ? soerr : ETIMEDOUT;
	return -1;
}

/* Numeric hosts only need no lookup (siem.c passes the address dns.server
 * gave when it is set); other names go through the system resolver
 * (getaddrinfo cannot be bounded: the SIEM host is the operator's own name). */
static int open_socket(enum siem_transport t, const char *host, const char *port,
		       uint64_t deadline_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = t == ST_UDP ? SOCK_DGRAM : SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	int rc = getaddrinfo(host, port, &hints, &res), fd = -1;

	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, deadline_ms);
	if (fd < 0)
		snprintf(err, errlen, "cannot connect to %s port %s: %s", host, port,
			 strerror(errno));
	freeaddrinfo(res);
	return fd;
}

static void ssl_err(const char *what, char *err, size_t errlen)
{
	char buf[200];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, e ? buf : "connection closed");
	ERR_clear_error();
}

/* Drive an SSL call that may want to read or write until done or the deadline. */
static int ssl_wait(struct siem_conn *c, int r, uint64_t deadline_ms)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		return pg_wait_fd(c->fd, POLLIN, deadline_ms) == 1 ? 1 : 0;
	if (e == SSL_ERROR_WANT_WRITE)
		return pg_wait_fd(c->fd, POLLOUT, deadline_ms) == 1 ? 1 : 0;
	return -1;
}

static int tls_start(struct siem_conn *c, const struct pg_trust *trust, const char *name,
		     uint64_t deadline_ms, char *err, size_t errlen)
{
	int r;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return ssl_err("TLS context", err, errlen), -1;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (!pg_trust_load(c->ctx, trust))
		return ssl_err("CA file", err, errlen), -1;
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return ssl_err("TLS session", err, errlen), -1;
	SSL_set_tlsext_host_name(c->ssl, name);
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(c->ssl, name) != 1)
		return ssl_err("TLS host name", err, errlen), -1;
	while ((r = SSL_connect(c->ssl)) != 1) {
		int w = ssl_wait(c, r, deadline_ms);
		if (w == 1)
			continue;
		if (w == 0)
			snprintf(err, errlen, "TLS handshake timed out");
		else if (SSL_get_verify_result(c->ssl) != X509_V_OK)
			snprintf(err, errlen, "TLS: server certificate not trusted: %s",
				 X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
		else
			ssl_err("TLS handshake", err, errlen);
		return -1;
	}
	return 0;
}

struct siem_conn *siem_connect(enum siem_transport t, const char *host, const char *port,
			       const struct pg_trust *trust, const char *server_name,
			       uint64_t deadline_ms, char *err, size_t errlen)
{
	struct siem_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->t = t;
	c->fd = open_socket(t, host, port, deadline_ms, err, errlen);
	if (c->fd < 0 || (t == ST_TLS && tls_start(c, trust, server_name ? server_name : host,
						   deadline_ms, err, errlen) != 0)) {
		siem_close(c, deadline_ms);
		return NULL;
	}
	return c;
}

static int send_all(struct siem_conn *c, const char *p, size_t n, uint64_t deadline_ms, char *err,
		    size_t errlen)
{
	while (n > 0) {
		ssize_t w;
		if (c->ssl) {
			size_t done = 0;
			int r = SSL_write_ex(c->ssl, p, n, &done);
			if (r == 1) {
				p += done;
				n -= done;
				continue;
			}
			if (ssl_wait(c, r, deadline_ms) == 1)
				continue;
			ssl_err("TLS write", err, errlen);
			return -1;
		}
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (pg_wait_fd(c->fd, POLLOUT, deadline_ms) != 1) {
				snprintf(err, errlen, "send timed out");
				return -1;
			}
		} else {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int siem_send(struct siem_conn *c, const char *msg, size_t len, uint64_t deadline_ms, char *err,
	      size_t errlen)
{
	char frame[32];
	char *buf;
	size_t fl;
	int rc;

	if (c->t == ST_UDP) {
		if (send(c->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	/* RFC 6587 3.4.1 / RFC 5425 4.3: MSG-LEN SP SYSLOG-MSG */
	snprintf(frame, sizeof(frame), "%zu ", len);
	fl = strlen(frame);
	buf = malloc(fl + len); /* one write: one TLS record per message */
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(buf, frame, fl);
	memcpy(buf + fl, msg, len);
	rc = send_all(c, buf, fl + len, deadline_ms, err, errlen);
	free(buf);
	return rc;
}

void siem_close(struct siem_conn *c, uint64_t deadline_ms)
{
	if (!c)
		return;
	if (c->ssl) {
		int r;
		while ((r = SSL_shutdown(c->ssl)) < 0 && ssl_wait(c, r, deadline_ms) == 1)
			;
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
