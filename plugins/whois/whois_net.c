/* whois_net.c - port-43 client: a non-blocking socket and poll(), every
 * wait bounded by what is left of the exchange's time, and a size cap, so a
 * server that never closes or sends 10 MiB costs one lookup, not the run. */
#include "whois_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/netaddr.h"
#include "common/wait.h"

int whois_split_server(const char *server, char *host, size_t hostlen, unsigned *port)
{
	const char *colon, *hs = server;
	size_t hl;
	char *end;
	unsigned long p = 43;

	if (server[0] == '[') {
		const char *rb = strchr(server, ']');
		if (!rb)
			return -1;
		hs = server + 1;
		hl = (size_t)(rb - hs);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] && !colon)
			return -1;
	} else {
		colon = strchr(server, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL, hl = strlen(server); /* bare IPv6 address */
		else
			hl = colon ? (size_t)(colon - server) : strlen(server);
	}
	if (colon) {
		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno || *end || !colon[1] || p == 0 || p > 65535)
			return -1;
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	*port = (unsigned)p;
	return 0;
}

/* host (literal or name, through the host's resolver) -> sockaddr. */
static int resolve(const struct nl_env *e, const char *host, unsigned port,
		   struct sockaddr_storage *ss, socklen_t *sl, char *err, size_t errlen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	static const char *const types[] = { "A", "AAAA" };
	char addr[256];

	memset(ss, 0, sizeof(*ss));
	snprintf(addr, sizeof(addr), "%.255s", host);
	for (int t = -1; t < 2; t++) {
		json_t *ans = NULL;
		if (t >= 0) { /* not a literal: ask the configured resolver */
			if (e->host->dns(e->ctx, host, types[t], &ans) != 0 ||
			    !json_array_size(ans)) {
				json_decref(ans);
				continue;
			}
			snprintf(addr, sizeof(addr), "%.255s",
				 json_string_value(json_array_get(ans, 0)));
			json_decref(ans);
		}
		if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)port);
			*sl = sizeof(*s4);
			return 0;
		}
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)port);
			*sl = sizeof(*s6);
			return 0;
		}
	}
	snprintf(err, errlen, "%s: no address", host);
	return -1;
}

static int connect_to(const struct sockaddr_storage *ss, socklen_t sl, uint64_t deadline,
		      const char *server, char *err, size_t errlen)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int soerr = 0;
	socklen_t el = sizeof(soerr);

	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", server, strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)ss, sl) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		snprintf(err, errlen, "%s: connect: %s", server, strerror(errno));
	} else if (pg_wait_fd(fd, POLLOUT, deadline) <= 0) {
		snprintf(err, errlen, "%s: connect timed out", server);
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) != 0 || soerr) {
		snprintf(err, errlen, "%s: connect: %s", server, strerror(soerr ? soerr : errno));
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

static int send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (pg_wait_fd(fd, POLLOUT, deadline) <= 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Read until EOF, max bytes or the deadline. 0 (EOF or cap), -1 (err set). */
static int read_all(int fd, uint64_t deadline, size_t max, struct whois_answer *a,
		    const char *server, char *err, size_t errlen)
{
	/* never more room than the cap: a first read past a small cap would
	 * step over it, and the next growth would shrink the buffer under len */
	size_t cap = max < 4096 ? max : 4096;

	a->data = malloc(cap + 1);
	if (!a->data)
		return -1;
	for (;;) {
		ssize_t n;
		if (a->len >= max) {
			a->truncated = 1;
			return 0;
		}
		if (a->len == cap) {
			char *g;
			cap = cap * 2 < max ? cap * 2 : max;
			if (!(g = realloc(a->data, cap + 1)))
				return -1;
			a->data = g;
		}
		n = recv(fd, a->data + a->len, cap - a->len, 0);
		if (n > 0) {
			a->len += (size_t)n;
			a->data[a->len] = '\0';
		} else if (n == 0) {
			a->data[a->len] = '\0';
			return 0;
		} else if (errno == EAGAIN || errno == EINTR) {
			int w = pg_wait_fd(fd, POLLIN, deadline);
			if (w <= 0) {
				snprintf(err, errlen, "%s: %s", server,
					 w == 0 ? "no end of the answer in time (server did not "
						  "close)"
						: strerror(errno));
				return -1;
			}
		} else {
			snprintf(err, errlen, "%s: read: %s", server, strerror(errno));
			return -1;
		}
	}
}

/* A public server's referral must not aim portgate into an internal network
 * (a registry answer naming 169.254.169.254 or 10.0.0.5 as the registrar). */
static int guard(const struct sockaddr_storage *ss, int allow_internal, int *internal,
		 const char *server, char *err, size_t errlen)
{
	const void *a = ss->ss_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	char text[INET6_ADDRSTRLEN] = "";

	inet_ntop(ss->ss_family, a, text, sizeof(text));
	*internal = pg_netaddr_is_internal(text);
	if (!*internal || allow_internal)
		return 0;
	snprintf(err, errlen, "%s: refused: %s is an internal address and the first server is not",
		 server, text);
	return -1;
}

void whois_answer_clear(struct whois_answer *a)
{
	free(a->data);
	memset(a, 0, sizeof(*a));
}

int whois_query(const struct nl_env *e, const char *server, const char *query, long timeout_ms,
		size_t max_bytes, int allow_internal, struct whois_answer *out, char *err,
		size_t errlen)
{
	uint64_t deadline = pg_clock_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	char host[256], line[512];
	unsigned port;
	int fd, rc = -1, internal = 0;

	memset(out, 0, sizeof(*out));
	if (whois_split_server(server, host, sizeof(host), &port) != 0) {
		snprintf(err, errlen, "%s: not HOST or HOST:PORT", server);
		return -1;
	}
	if (strlen(query) + 3 > sizeof(line) || strpbrk(query, "\r\n")) {
		snprintf(err, errlen, "%s: query not sendable", server);
		return -1;
	}
	snprintf(line, sizeof(line), "%s\r\n", query);
	if (resolve(e, host, port, &ss, &sl, err, errlen) != 0)
		return -1;
	if (guard(&ss, allow_internal, &internal, server, err, errlen) != 0)
		return WN_REFUSED;
	fd = connect_to(&ss, sl, deadline, server, err, errlen);
	if (fd < 0)
		return -1;
	if (send_all(fd, line, strlen(line), deadline) != 0)
		snprintf(err, errlen, "%s: send failed or timed out", server);
	else
		rc = read_all(fd, deadline, max_bytes, out, server, err, errlen);
	close(fd);
	if (rc != 0)
		whois_answer_clear(out);
	out->internal = internal;
	return rc;
}
