/* probe.c - the per-port probe state machine (see probe.h and docs/probes.md).
 *
 * Phases:
 *   HANDSHAKE  TLS ClientHello/ServerHello on the socket (expected TLS, or
 *              after the server showed TLS);
 *   CONNECT    a fresh connection for that TLS retry;
 *   BANNER     wait up to banner_wait_ms for a server-first greeting;
 *   SEND/RESPONSE  an HTTP/1.0 GET and its answer;
 *   PLAIN_TAIL the rest of a plain-text answer to our ClientHello;
 *   DB_SEND/DB_READ a data-store request (probe_db.h) and its answer, each
 *              guess after the first on a new connection with its own wait.
 * Every phase attempts its non-blocking I/O whenever it runs, whatever the
 * events were, so the engine may use level- or edge-triggered epoll. All
 * reads stop at opts->max_bytes and the whole probe at opts->total_ms. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/log.h"
#include "probe.h"
#include "probe_db.h"
#include "util/util.h"

#define KEEP_MAX    4096 /* bytes of an answer kept for naming and the banner */
#define SETTLE_MS   250  /* quiet time after the last byte that ends a read */
#define BANNER_MAX  257  /* sanitised banner: 256 chars + NUL */
/* A data store's port (6379, 5432, ...) waits this long for a server-first greeting
 * (a MySQL server elsewhere greets within a round trip) before its request goes out. */
#define DB_GREET_MS 500
/* Wait for the first byte of an answer to one data-store guess: a wrong guess
 * costs this, not the rest of total_ms (the stores answer on loopback in < 10 ms). */
#define DB_WAIT_MS  1000

enum phase {
	PH_CONNECT,
	PH_HANDSHAKE,
	PH_BANNER,
	PH_SEND,
	PH_RESPONSE,
	PH_PLAIN_TAIL,
	PH_DB_SEND,
	PH_DB_READ,
	PH_DONE
};
enum rd { RD_WAIT, RD_EOF, RD_FULL };

struct pg_probe {
	int fd;              /* owned */
	struct pg_addr addr; /* destination, port set */
	uint16_t port;
	char *host;     /* owned: SNI / name to match; NULL without a name */
	char name[300]; /* what the certificate must match: host or IP text */
	bool name_is_ip;
	bool expect_tls;
	struct pg_probe_opts opts; /* ca_file borrowed, only used in pg_probe_start */
	SSL_CTX *ctx;              /* borrowed from the shared cache */

	enum phase phase;
	uint32_t events;
	uint64_t end_ms;   /* hard stop: start + total_ms */
	uint64_t phase_ms; /* phase deadline (<= end_ms) */
	size_t nread;      /* raw bytes read outside TLS handshakes, all connections */
	size_t hs_read;    /* raw bytes read during TLS handshakes (their own budget) */
	bool hs_over;      /* a handshake ran out of tls_max_bytes: TLS not checked */

	SSL *ssl; /* owned; NULL when plain */
	bool tls_tried, tls_ok;
	unsigned chain_flags; /* PG_TLS_CHAIN_*, set by the verify callback */
	json_t *cert;         /* owned */
	char tls_version[16];
	char tls_error[128];

	unsigned char *buf; /* owned: the kept answer */
	size_t blen, bcap;
	char req[512];
	size_t req_len, req_off;
	bool sent_http;
	bool plain_on_tls; /* our ClientHello got a plain-text answer */
	bool conn_used;    /* the current connection carried a request */

	/* data stores (probe_db.h) */
	bool db_connect;        /* PH_CONNECT leads to a data-store request, not TLS */
	enum pg_db_req db_req;  /* request in flight or last sent, PG_DB_NREQ before any */
	enum pg_db_req db_hint; /* what an earlier answer pointed at */
	unsigned db_sent;       /* bit (1 << req) per request sent */
	struct pg_db_info db;   /* what the answers showed */
	unsigned char *first;   /* owned: the answer before the first guess, restored when
				   no guess names the service */
	size_t first_len;
	bool first_kept;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void set_phase(struct pg_probe *p, enum phase ph, uint32_t events, uint64_t deadline)
{
	p->phase = ph;
	p->events = events;
	p->phase_ms = min_u64(deadline, p->end_ms);
}

static void done(struct pg_probe *p)
{
	set_phase(p, PH_DONE, 0, 0);
}

static bool looks_tls(const unsigned char *b, size_t n)
{
	return n >= 1 && (b[0] == 0x15 || b[0] == 0x16) && (n < 2 || b[1] == 0x03);
}

static bool port_known(uint16_t port)
{
	char tmp[64];

	return strcmp(pg_service_by_port(port, tmp, sizeof(tmp)), "unknown") != 0;
}

/* ---- I/O on the current connection, plain or TLS ---- */

/* >0 bytes, 0 end of stream (or error), -1 would block (p->events set). */
static ssize_t io_read(struct pg_probe *p, void *dst, size_t n)
{
	if (p->ssl) {
		int r;

		ERR_clear_error();
		r = SSL_read(p->ssl, dst, (int)(n > 16384 ? 16384 : n));
		if (r > 0)
			return r;
		switch (SSL_get_error(p->ssl, r)) {
		case SSL_ERROR_WANT_READ: p->events = EPOLLIN; return -1;
		case SSL_ERROR_WANT_WRITE: p->events = EPOLLOUT; return -1;
		default: return 0;
		}
	}
	if (p->nread >= p->opts.max_bytes)
		return 0;
	if (n > p->opts.max_bytes - p->nread)
		n = p->opts.max_bytes - p->nread;
	for (;;) {
		ssize_t r = recv(p->fd, dst, n, 0);

		if (r > 0)
			p->nread += (size_t)r;
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			p->events = EPOLLIN;
			return -1;
		}
		return 0; /* ECONNRESET etc.: the answer ends here */
	}
}

/* Write the rest of p->req. 1 all sent, 0 would block, -1 failed. */
static int io_write_req(struct pg_probe *p)
{
	while (p->req_off < p->req_len) {
		const char *s = p->req + p->req_off;
		size_t n = p->req_len - p->req_off;
		ssize_t w;

		if (p->ssl) {
			ERR_clear_error();
			w = SSL_write(p->ssl, s, (int)n);
			if (w <= 0) {
				int e = SSL_get_error(p->ssl, (int)w);

				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
					p->events = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
					return 0;
				}
				return -1;
			}
		} else {
			w = send(p->fd, s, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				p->events = EPOLLOUT;
				return 0;
			}
			if (w < 0)
				return -1;
		}
		p->req_off += (size_t)w;
	}
	return 1;
}

/* Read into the kept buffer until it would block, ends or is full. *got says
 * whether anything arrived. */
static enum rd read_more(struct pg_probe *p, bool *got)
{
	*got = false;
	for (;;) {
		ssize_t n;

		if (p->blen >= p->bcap)
			return RD_FULL;
		n = io_read(p, p->buf + p->blen, p->bcap - p->blen);
		if (n < 0)
			return RD_WAIT;
		if (n == 0)
			return RD_EOF;
		p->blen += (size_t)n;
		*got = true;
	}
}

/* ---- phase transitions (no I/O here: pump() runs the new phase) ---- */

static void start_http(struct pg_probe *p)
{
	char hostbuf[320];
	const char *h = p->name;

	if (p->name_is_ip && strchr(p->name, ':')) {
		snprintf(hostbuf, sizeof(hostbuf), "[%s]", p->name);
		h = hostbuf;
	}
	if (p->port == (p->ssl ? 443 : 80))
		snprintf(p->req, sizeof(p->req),
			 "GET / HTTP/1.0\r\nHost: %s\r\nUser-Agent: portgate/" PACKAGE_VERSION
			 "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
			 h);
	else
		snprintf(p->req, sizeof(p->req),
			 "GET / HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: portgate/" PACKAGE_VERSION
			 "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
			 h, p->port);
	p->req_len = strlen(p->req);
	p->req_off = 0;
	p->sent_http = true;
	p->conn_used = true;
	p->blen = 0;
	set_phase(p, PH_SEND, EPOLLOUT, p->end_ms);
}

/* A plain conversation on a data store's port (6379, 5432, 11211, 27017-27019). */
static bool db_port(const struct pg_probe *p)
{
	return !p->ssl && pg_db_port_hint(p->port) != PG_DB_NREQ;
}

/* The deadline of a wait that other steps follow (the greeting, a speculative
 * handshake before the data-store guesses): want_ms, but at most a third of what is
 * left of total_ms, so the steps after it still run. A budget cut below the banner
 * wait (probe.totalMs <= bannerWaitMs, serve's `timeout`) must not leave an
 * unauthenticated Redis "unknown" because nothing was ever sent to it. */
static uint64_t wait_share(const struct pg_probe *p, uint64_t now, uint64_t want_ms)
{
	uint64_t third = p->end_ms > now ? (p->end_ms - now) / 3 : 0;

	return now + min_u64(want_ms, third);
}

/* Application phase on a fresh plain or TLS connection. */
static void begin_app(struct pg_probe *p, uint64_t now)
{
	int wait = p->opts.banner_wait_ms;

	p->blen = 0;
	if (db_port(p) && wait > DB_GREET_MS)
		wait = DB_GREET_MS;
	if (pg_port_is_http_like(p->port))
		start_http(p); /* a server-first greeting still shows up first */
	else
		set_phase(p, PH_BANNER, EPOLLIN, wait_share(p, now, (uint64_t)wait));
}

static long rx_tap(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
		   size_t *processed)
{
	struct pg_probe *p = (struct pg_probe *)BIO_get_callback_arg(b);

	(void)len, (void)argi, (void)argl;
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && p) {
		size_t n = *processed;

		if (p->tls_ok) {
			p->nread += n;
			if (p->nread > p->opts.max_bytes)
				return -1; /* over budget: fail the read, the probe ends */
			return ret;
		}
		/* Keep the first raw bytes of the handshake: if the server
		 * answered in plain text, they are its banner. */
		size_t room = p->bcap - p->blen;

		memcpy(p->buf + p->blen, argp, n < room ? n : room);
		p->blen += n < room ? n : room;
		p->hs_read += n;
		if (p->hs_read > p->opts.tls_max_bytes) {
			p->hs_over = true; /* the handshake ends here, unjudged */
			return -1;
		}
	}
	return ret;
}

/* Begin a TLS handshake on the current fd. */
static void start_tls(struct pg_probe *p)
{
	p->tls_tried = true;
	p->conn_used = true;
	p->blen = 0;
	p->ssl = p->ctx ? SSL_new(p->ctx) : NULL;
	if (!p->ssl || SSL_set_fd(p->ssl, p->fd) != 1) {
		snprintf(p->tls_error, sizeof(p->tls_error), "cannot create a TLS session");
		done(p);
		return;
	}
	SSL_set_app_data(p->ssl, &p->chain_flags);
	SSL_set_verify(p->ssl, SSL_VERIFY_NONE, pg_tls_verify_cb);
	if (p->host && !p->name_is_ip)
		SSL_set_tlsext_host_name(p->ssl, p->host);
	BIO_set_callback_ex(SSL_get_rbio(p->ssl), rx_tap);
	BIO_set_callback_arg(SSL_get_rbio(p->ssl), (char *)p);
	set_phase(p, PH_HANDSHAKE, EPOLLOUT, p->end_ms);
}

/* A new connection to the same address, for TLS (the server showed TLS on a
 * plain conversation) or for the next data-store request. */
static void reconnect(struct pg_probe *p, bool for_db)
{
	int fd;

	close(p->fd);
	p->db_connect = for_db;
	p->conn_used = false;
	if (!for_db)
		p->tls_tried = true;
	p->fd = fd = socket(p->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&p->addr.ss, p->addr.sslen) < 0 &&
		       errno != EINPROGRESS)) {
		if (!for_db)
			snprintf(p->tls_error, sizeof(p->tls_error), "reconnect failed: %s",
				 strerror(errno));
		done(p);
		return;
	}
	set_phase(p, PH_CONNECT, EPOLLOUT, p->end_ms);
}

static void reconnect_tls(struct pg_probe *p)
{
	reconnect(p, false);
}

/* ---- data stores ---- */

static bool db_tried(const struct pg_probe *p, enum pg_db_req r)
{
	return p->db_sent & 1u << r;
}

/* The next request worth a guess: the port's, MongoDB's legacy form on its ports,
 * an earlier answer's hint, then - on a port /etc/services does not name, or a
 * data store's port - the others in enum order. PG_DB_NREQ: stop. */
static enum pg_db_req db_next_req(const struct pg_probe *p)
{
	enum pg_db_req hint = pg_db_port_hint(p->port);

	if (p->ssl || p->tls_ok || p->db.service)
		return PG_DB_NREQ;
	if (hint != PG_DB_NREQ && !db_tried(p, hint))
		return hint;
	if (hint == PG_DB_MONGO_MSG && !db_tried(p, PG_DB_MONGO_QUERY))
		return PG_DB_MONGO_QUERY;
	if (p->db_hint != PG_DB_NREQ && !db_tried(p, p->db_hint))
		return p->db_hint;
	if (hint == PG_DB_NREQ && port_known(p->port))
		return PG_DB_NREQ;
	for (int r = 0; r < PG_DB_PG_STARTUP; r++)
		if (!db_tried(p, (enum pg_db_req)r))
			return (enum pg_db_req)r;
	return PG_DB_NREQ;
}

/* Keep the current answer as the one to report if no guess names the service. */
static void keep_first(struct pg_probe *p)
{
	free(p->first);
	p->first = pg_xmalloc(p->blen ? p->blen : 1);
	memcpy(p->first, p->buf, p->blen);
	p->first_len = p->blen;
	p->first_kept = true;
}

/* Send request r on this connection when it is unused (or reuse says so: the
 * PostgreSQL startup after an 'N'), else on a new one. */
static void start_db(struct pg_probe *p, enum pg_db_req r, bool reuse)
{
	if (!p->first_kept)
		keep_first(p);
	p->db_req = r;
	p->db_sent |= 1u << r;
	p->req_len = pg_db_request(r, (unsigned char *)p->req, sizeof(p->req));
	p->req_off = 0;
	p->blen = 0;
	if (p->conn_used && !reuse) {
		reconnect(p, true);
		return;
	}
	p->conn_used = true;
	set_phase(p, PH_DB_SEND, EPOLLOUT, p->end_ms);
}

static void db_next(struct pg_probe *p)
{
	enum pg_db_req r = db_next_req(p);

	if (r == PG_DB_NREQ)
		done(p);
	else
		start_db(p, r, false);
}

/* After the banner, HTTP or TLS part: an empty answer (closed, silent) tries the
 * data stores; an answer another request drew from one of them (Redis's -ERR to
 * our GET) tries that one; any other answer stands. */
static void db_or_done(struct pg_probe *p)
{
	if (p->blen) {
		p->db_hint = pg_db_answer_hint(p->buf, p->blen);
		if (p->db_hint == PG_DB_NREQ) {
			done(p);
			return;
		}
	}
	db_next(p);
}

/* A judged answer to p->db_req. */
static void db_judged(struct pg_probe *p, enum pg_db_verdict v)
{
	enum pg_db_req hint;

	if (v == PG_DB_YES && p->db_req == PG_DB_PG_SSL && p->db.ssl >= 0) {
		/* 'N': the startup message follows on this connection; 'S': TLS would,
		 * so it goes on a new one */
		start_db(p, PG_DB_PG_STARTUP, p->db.ssl == 0);
		return;
	}
	if (v == PG_DB_YES) {
		done(p);
		return;
	}
	hint = pg_db_answer_hint(p->buf, p->blen);
	if (hint != PG_DB_NREQ)
		p->db_hint = hint;
	if (p->first_len == 0 && p->blen)
		keep_first(p); /* the first words of a server silent before: its banner */
	db_next(p);
}

/* Judge what arrived; a refusal of the guess leaves p->db as it was. */
static enum pg_db_verdict db_parse(struct pg_probe *p, bool final)
{
	struct pg_db_info t = p->db;
	enum pg_db_verdict v = pg_db_parse(p->db_req, p->buf, p->blen, final, &t);

	if (v != PG_DB_NO)
		p->db = t;
	return v;
}

/* Should a plain answer (or silence ended by a close) make us try TLS? */
static bool wants_tls_retry(const struct pg_probe *p)
{
	int status;
	char line[8], server[8];

	if (p->ssl || p->tls_tried)
		return false;
	if (p->blen == 0 || looks_tls(p->buf, p->blen))
		return true; /* closed on our request, or a TLS alert */
	/* nginx, Apache and Go answer plain HTTP on a TLS port with a 400
	 * whose body names HTTPS/SSL. */
	if (!pg_http_parse(p->buf, p->blen, &status, line, sizeof(line), server, sizeof(server)) ||
	    status != 400)
		return false;
	for (size_t i = 0; i + 5 <= p->blen; i++)
		if (strncasecmp((const char *)p->buf + i, "https", 5) == 0 ||
		    strncasecmp((const char *)p->buf + i, " ssl", 4) == 0)
			return true;
	return false;
}

static void response_done(struct pg_probe *p)
{
	if (wants_tls_retry(p))
		reconnect_tls(p);
	else
		db_or_done(p);
}

/* Whether the kept server-first bytes already make a whole greeting. */
static bool banner_complete(const struct pg_probe *p)
{
	if (memchr(p->buf, '\n', p->blen))
		return true;
	if (p->blen >= 4 && p->buf[3] == 0) { /* MySQL: 3-byte length, seq 0 */
		size_t plen = p->buf[0] | (size_t)p->buf[1] << 8 | (size_t)p->buf[2] << 16;

		return p->blen >= plen + 4;
	}
	return false;
}

/* ---- phases ---- */

static void tls_established(struct pg_probe *p, uint64_t now)
{
	X509 *cert = SSL_get1_peer_certificate(p->ssl);

	p->tls_ok = true;
	pg_strlcpy(p->tls_version, SSL_get_version(p->ssl), sizeof(p->tls_version));
	if (cert) {
		p->cert = pg_tls_cert_json(cert, p->name, p->name_is_ip, p->chain_flags);
		X509_free(cert);
	}
	begin_app(p, now);
}

static void tls_failed(struct pg_probe *p, uint64_t now)
{
	unsigned long e = ERR_peek_last_error();

	if (p->blen > 0 && !looks_tls(p->buf, p->blen)) {
		/* Plain text answered our ClientHello: keep what OpenSSL read
		 * (already in buf) and read the rest of it without TLS. */
		p->plain_on_tls = true;
		SSL_free(p->ssl); /* the socket BIO does not own the fd */
		p->ssl = NULL;
		set_phase(p, PH_PLAIN_TAIL, EPOLLIN, now + SETTLE_MS);
		return;
	}
	if (p->hs_over)
		snprintf(p->tls_error, sizeof(p->tls_error),
			 "TLS handshake exceeded probe.tlsMaxBytes (%zu bytes)",
			 p->opts.tls_max_bytes);
	else if (p->blen == 0 && p->expect_tls)
		snprintf(p->tls_error, sizeof(p->tls_error), "connection closed during handshake");
	else if (p->blen == 0) {
		/* a speculative retry on a port that just hangs up: nothing to report,
		 * but a data store may be there that hangs up on anything else */
		SSL_free(p->ssl);
		p->ssl = NULL;
		ERR_clear_error();
		db_next(p);
		return;
	} else if (e)
		snprintf(p->tls_error, sizeof(p->tls_error), "%s",
			 ERR_reason_error_string(e) ? ERR_reason_error_string(e)
						    : "handshake failed");
	else
		snprintf(p->tls_error, sizeof(p->tls_error), "handshake failed");
	ERR_clear_error();
	done(p);
}

static bool run_handshake(struct pg_probe *p, uint64_t now)
{
	int r, e;

	ERR_clear_error();
	r = SSL_connect(p->ssl);
	if (r == 1) {
		p->blen = 0; /* raw handshake bytes are not a banner */
		tls_established(p, now);
		return true;
	}
	e = SSL_get_error(p->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		p->events = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
		return false;
	}
	tls_failed(p, now);
	return true;
}

static bool run_connect(struct pg_probe *p, uint64_t now)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	/* Zero timeout: a readiness check, never a wait. */
	if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
		return false;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		if (!p->db_connect)
			snprintf(p->tls_error, sizeof(p->tls_error), "reconnect failed: %s",
				 strerror(err));
		done(p);
		return true;
	}
	if (p->db_connect) {
		start_db(p, p->db_req, true);
	} else {
		/* A speculative handshake where data stores are still to be tried gets
		 * one guess's wait: Redis and memcached hang up on our GET, then wait
		 * for a line end in the ClientHello until the budget is gone. */
		bool guess = !p->expect_tls && db_next_req(p) != PG_DB_NREQ;

		start_tls(p);
		if (guess)
			p->phase_ms = wait_share(p, now, DB_WAIT_MS);
	}
	return true;
}

/* The read of every reading phase: bytes that arrived extend the phase by the
 * settle time (a server that writes in pieces gets its whole answer read). */
static enum rd read_settle(struct pg_probe *p, uint64_t now, bool *got)
{
	enum rd r = read_more(p, got);

	if (r == RD_WAIT && *got)
		p->phase_ms = min_u64(now + SETTLE_MS, p->end_ms);
	return r;
}

static bool run_banner(struct pg_probe *p, uint64_t now)
{
	bool got;
	enum rd r = read_settle(p, now, &got);

	if (got && !p->ssl && !p->tls_tried && looks_tls(p->buf, p->blen)) {
		reconnect_tls(p);
		return true;
	}
	if (r != RD_WAIT || (p->blen && banner_complete(p))) {
		done(p);
		return true;
	}
	return false;
}

static bool run_send(struct pg_probe *p)
{
	int r = io_write_req(p);

	if (r == 0)
		return false;
	if (r < 0) { /* peer gone before our request: like a close without answer */
		response_done(p);
		return true;
	}
	set_phase(p, PH_RESPONSE, EPOLLIN, p->end_ms);
	return true;
}

static bool run_response(struct pg_probe *p, uint64_t now)
{
	bool got;

	if (read_settle(p, now, &got) == RD_WAIT)
		return false;
	response_done(p);
	return true;
}

static bool run_db_send(struct pg_probe *p, uint64_t now)
{
	int r = io_write_req(p);

	if (r == 0)
		return false;
	if (r < 0)
		db_judged(p, PG_DB_NO); /* hung up before the request: a wrong guess */
	else
		set_phase(p, PH_DB_READ, EPOLLIN, now + DB_WAIT_MS);
	return true;
}

static bool run_db_read(struct pg_probe *p, uint64_t now)
{
	bool got;
	enum rd r = read_settle(p, now, &got);
	enum pg_db_verdict v;

	if (r == RD_WAIT && !got)
		return false;
	v = db_parse(p, r != RD_WAIT);
	if (v == PG_DB_MORE)
		return false; /* the phase deadline judges what came */
	db_judged(p, v);
	return true;
}

/* The end of a plain answer to our ClientHello: on a port not declared TLS it
 * may be a data store's error (memcached's ERROR) that points at its request. */
static void plain_tail_done(struct pg_probe *p)
{
	if (p->expect_tls)
		done(p);
	else
		db_or_done(p);
}

static bool run_plain_tail(struct pg_probe *p, uint64_t now)
{
	bool got;

	if (read_settle(p, now, &got) == RD_WAIT)
		return false;
	plain_tail_done(p);
	return true;
}

/* Run phases until one has to wait. Returns after a bounded number of
 * transitions (the longest chain is banner -> send -> response -> connect ->
 * handshake -> banner -> send -> response). */
static void pump(struct pg_probe *p, uint64_t now)
{
	for (int i = 0; i < 12 && p->phase != PH_DONE; i++) {
		bool moved;

		switch (p->phase) {
		case PH_CONNECT: moved = run_connect(p, now); break;
		case PH_HANDSHAKE: moved = run_handshake(p, now); break;
		case PH_BANNER: moved = run_banner(p, now); break;
		case PH_SEND: moved = run_send(p); break;
		case PH_RESPONSE: moved = run_response(p, now); break;
		case PH_PLAIN_TAIL: moved = run_plain_tail(p, now); break;
		case PH_DB_SEND: moved = run_db_send(p, now); break;
		case PH_DB_READ: moved = run_db_read(p, now); break;
		default: moved = false; break;
		}
		if (!moved)
			break;
	}
}

static bool should_http(const struct pg_probe *p)
{
	return pg_port_is_http_like(p->port) || !port_known(p->port);
}

static void on_timeout(struct pg_probe *p, uint64_t now)
{
	if (now >= p->end_ms) {
		if (p->phase == PH_CONNECT || p->phase == PH_HANDSHAKE)
			snprintf(p->tls_error, sizeof(p->tls_error), "timeout");
		done(p);
		return;
	}
	switch (p->phase) {
	case PH_BANNER:
		if (p->blen == 0 && db_port(p))
			db_next(p);
		else if (p->blen == 0 && should_http(p))
			start_http(p);
		else
			done(p);
		break;
	case PH_RESPONSE: response_done(p); break;
	case PH_PLAIN_TAIL: plain_tail_done(p); break;
	case PH_HANDSHAKE:
		if (p->blen == 0 && !p->expect_tls)
			tls_failed(p, now); /* the speculative handshake's wait: nothing came */
		else
			done(p);
		break;
	case PH_DB_READ: db_judged(p, db_parse(p, true)); break;
	default: done(p); break;
	}
	pump(p, now);
}

/* ---- public ---- */

/* Unset or out-of-range values of in fall back to the defaults. */
static void opts_defaults(struct pg_probe_opts *o, const struct pg_probe_opts *in)
{
	struct pg_probe_opts d;

	pg_probe_opts_default(&d);
	*o = in ? *in : d;
	/* 0 is allowed: send the HTTP probe at once */
	if (o->banner_wait_ms < 0)
		o->banner_wait_ms = d.banner_wait_ms;
	if (o->total_ms <= 0)
		o->total_ms = d.total_ms;
	if (o->max_bytes == 0)
		o->max_bytes = d.max_bytes;
	if (o->tls_max_bytes == 0)
		o->tls_max_bytes = d.tls_max_bytes;
}

/* A host name we may put in SNI and a Host header: letters, digits, '.', '-', '_'. */
static bool host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-' || h[i] == '_'))
			return false;
	return true;
}

static bool is_ip_text(const char *s)
{
	unsigned char tmp[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

struct pg_probe *pg_probe_start(int fd, const struct pg_addr *addr, uint16_t port,
				const char *hostname, bool expect_tls,
				const struct pg_probe_opts *opts, uint64_t now_ms)
{
	struct pg_probe *p = pg_xcalloc(1, sizeof(*p));

	p->fd = fd;
	p->addr = *addr;
	pg_addr_set_port(&p->addr, port);
	p->port = port;
	p->expect_tls = expect_tls;
	p->db_req = p->db_hint = PG_DB_NREQ;
	pg_db_info_init(&p->db);
	opts_defaults(&p->opts, opts);
	p->end_ms = now_ms + (uint64_t)p->opts.total_ms;
	p->bcap = p->opts.max_bytes < KEEP_MAX ? p->opts.max_bytes : KEEP_MAX;
	p->buf = pg_xmalloc(p->bcap);
	if (hostname && is_ip_text(hostname)) {
		pg_strlcpy(p->name, hostname, sizeof(p->name));
		p->name_is_ip = true;
	} else if (hostname && host_ok(hostname)) {
		/* "app.test." is the same name as "app.test", but SNI and
		 * X509_check_host want it without the root dot */
		size_t len = strlen(hostname);
		p->host = pg_xstrndup(hostname,
				      len > 1 && hostname[len - 1] == '.' ? len - 1 : len);
		pg_strlcpy(p->name, p->host, sizeof(p->name));
	} else {
		pg_strlcpy(p->name, addr->text, sizeof(p->name));
		p->name_is_ip = true;
	}
	p->ctx = pg_tls_client_ctx(p->opts.ca_file);
	p->opts.ca_file = NULL; /* borrowed, not needed past this point */
	if (expect_tls)
		start_tls(p);
	else
		begin_app(p, now_ms);
	pump(p, now_ms);
	return p;
}

bool pg_probe_step(struct pg_probe *p, uint32_t events, uint64_t now_ms)
{
	(void)events; /* every phase retries its non-blocking I/O anyway */
	if (p->phase != PH_DONE) {
		if (now_ms >= p->end_ms) {
			on_timeout(p, now_ms);
		} else {
			pump(p, now_ms);
			if (p->phase != PH_DONE && now_ms >= pg_probe_deadline(p))
				on_timeout(p, now_ms);
		}
	}
	if (p->nread > p->opts.max_bytes || (p->nread == p->opts.max_bytes && !p->ssl))
		done(p);
	return p->phase == PH_DONE;
}

int pg_probe_fd(const struct pg_probe *p)
{
	return p->fd;
}

uint32_t pg_probe_events(const struct pg_probe *p)
{
	return p->phase == PH_DONE ? 0 : p->events;
}

uint64_t pg_probe_deadline(const struct pg_probe *p)
{
	return p->phase == PH_DONE ? 0 : min_u64(p->phase_ms, p->end_ms);
}

/* ---- evidence ---- */

/* service name when the conversation ran inside TLS */
static const char *tls_service(const char *app)
{
	static const char *const map[][2] = {
		{ "http", "https" }, { "smtp", "smtps" }, { "imap", "imaps" },
		{ "pop3", "pop3s" }, { "ftp", "ftps" },
	};

	for (size_t i = 0; i < PG_ARRAY_LEN(map); i++)
		if (strcmp(app, map[i][0]) == 0)
			return map[i][1];
	return app;
}

static void add_banner(struct pg_probe *p, json_t *o, const char *app)
{
	char banner[BANNER_MAX], line[BANNER_MAX], server[128];
	int status;

	if (app && strcmp(app, "http") == 0 &&
	    pg_http_parse(p->buf, p->blen, &status, line, sizeof(line), server, sizeof(server))) {
		json_t *h = json_object();

		json_object_set_new(h, "status", json_integer(status));
		if (server[0])
			json_object_set_new(h, "server", json_string(server));
		json_object_set_new(o, "http", h);
		if (server[0]) {
			char both[sizeof(line) + sizeof(server) + 4];

			snprintf(both, sizeof(both), "%s | %s", line, server);
			pg_strlcpy(banner, both, sizeof(banner)); /* cap like any banner */
		} else {
			pg_strlcpy(banner, line, sizeof(banner));
		}
	} else if (app && strcmp(app, "mysql") == 0 && p->blen > 5) {
		/* server version (protocol 10) or error text: skip the binary head */
		size_t off = p->buf[4] == 0xff ? 7 : 5, end = off;

		while (end < p->blen && p->buf[end])
			end++;
		pg_banner_sanitize(p->buf + off, end > off ? end - off : 0, banner, sizeof(banner));
	} else {
		pg_banner_sanitize(p->buf, p->blen, banner, sizeof(banner));
	}
	if (banner[0])
		json_object_set_new(o, "banner", json_string(banner));
}

static const char *service_name(struct pg_probe *p, const char *app, char *tmp, size_t len)
{
	const char *byport = pg_service_by_port(p->port, tmp, len);

	if (p->tls_ok) {
		if (app)
			return tls_service(app);
		return strcmp(byport, "unknown") != 0 ? byport : "tls";
	}
	if (app && strcmp(app, "tls") != 0)
		return app;
	if (p->tls_tried && looks_tls(p->buf, p->blen))
		return "tls"; /* TLS spoken but no handshake completed */
	return byport;
}

/* A data store that spoke first (MySQL, Redis's protected-mode refusal) or over
 * HTTP (Elasticsearch): its details. */
static void db_from_answer(struct pg_probe *p, const char *app)
{
	if (p->db.service || !app)
		return;
	if (!strcmp(app, "mysql"))
		pg_db_mysql_greeting(p->buf, p->blen, &p->db);
	else if (!strcmp(app, "http"))
		pg_db_http_search(p->buf, p->blen, &p->db);
	else if (!strcmp(app, "redis"))
		pg_db_parse(PG_DB_REDIS, p->buf, p->blen, true, &p->db);
}

json_t *pg_probe_finish(struct pg_probe *p)
{
	json_t *o = json_object();
	char tmp[64];
	const char *app;

	if (!p)
		return o;
	if (p->first_kept && !p->db.service) { /* no guess named it: the answer before them */
		memcpy(p->buf, p->first, p->first_len);
		p->blen = p->first_len;
	}
	app = p->blen ? pg_probe_classify(p->buf, p->blen,
					  pg_service_by_port(p->port, tmp, sizeof(tmp)))
		      : NULL;
	json_object_set_new(o, "service", json_string(service_name(p, app, tmp, sizeof(tmp))));
	if (p->blen && (!app || strcmp(app, "tls") != 0))
		add_banner(p, o, app);
	db_from_answer(p, app);
	pg_db_evidence(&p->db, o);
	if (p->tls_ok) {
		json_object_set_new(o, "tlsVersion", json_string(p->tls_version));
		if (p->cert)
			json_object_set_new(o, "certificate", json_incref(p->cert));
	}
	if (p->expect_tls)
		json_object_set_new(o, "tlsExpected", json_true());
	/* out of handshake budget: TLS was neither seen nor ruled out */
	if (p->hs_over && !p->tls_ok)
		json_object_set_new(o, "tlsUnchecked", json_true());
	else if (p->expect_tls || p->tls_ok)
		json_object_set_new(o, "speaksTls", json_boolean(p->tls_ok));
	if (p->tls_tried && !p->tls_ok && !p->plain_on_tls && p->tls_error[0])
		json_object_set_new(o, "tlsError", json_string(p->tls_error));
	json_object_set_new(o, "bytesRead", json_integer((json_int_t)p->nread));
	if (p->tls_tried)
		json_object_set_new(o, "tlsHandshakeBytes", json_integer((json_int_t)p->hs_read));

	json_decref(p->cert);
	SSL_free(p->ssl);
	if (p->fd >= 0)
		close(p->fd);
	free(p->buf);
	free(p->first);
	free(p->host);
	free(p);
	return o;
}
