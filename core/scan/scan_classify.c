/* scan_classify.c - what a connect() outcome means: open, closed, filtered or
 * error, with a stable reason string. Kept apart from the event loop so the
 * mapping is testable without a network. */
#include "config.h"

#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "scan_int.h"

#define ICMP_DEST_UNREACH  3
#define ICMP6_DEST_UNREACH 1

static void verdict(struct pg_scan_verdict *v, enum pg_port_state state, const char *reason,
		    int err)
{
	v->state = state;
	v->reason = reason;
	v->err = state == PG_PORT_ERROR ? err : 0;
}

/* Read the ICMP type/code that killed the connect, if the kernel queued one
 * (IP_RECVERR/IPV6_RECVERR). Returns false when there is none. */
static bool read_icmp(int fd, uint8_t *origin, uint8_t *type, uint8_t *code)
{
	char data[64], cbuf[512];
	struct sockaddr_storage from;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = { .msg_name = &from,
			      .msg_namelen = sizeof(from),
			      .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (fd < 0 || recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return false;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		struct sock_extended_err ee;

		if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		*origin = ee.ee_origin;
		*type = ee.ee_type;
		*code = ee.ee_code;
		return true;
	}
	return false;
}

bool pg_scan_icmp_queued(int fd)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	return recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_PEEK | MSG_DONTWAIT) >= 0;
}

/* An ICMP destination-unreachable is an answer from the network: filtered
 * (what nmap -sT reports), never closed - except "port unreachable". */
static bool classify_icmp(int fd, struct pg_scan_verdict *v)
{
	uint8_t origin = 0, type = 0, code = 0;

	if (!read_icmp(fd, &origin, &type, &code))
		return false;
	if (origin == SO_EE_ORIGIN_ICMP && type == ICMP_DEST_UNREACH) {
		switch (code) {
		case 0: verdict(v, PG_PORT_FILTERED, "net-unreachable", 0); return true;
		case 3: verdict(v, PG_PORT_CLOSED, "conn-refused", 0); return true;
		case 9:
		case 10:
		case 13: verdict(v, PG_PORT_FILTERED, "admin-prohibited", 0); return true;
		default: verdict(v, PG_PORT_FILTERED, "host-unreachable", 0); return true;
		}
	}
	if (origin == SO_EE_ORIGIN_ICMP6 && type == ICMP6_DEST_UNREACH) {
		switch (code) {
		case 0: verdict(v, PG_PORT_FILTERED, "net-unreachable", 0); return true;
		case 1:
		case 5:
		case 6: verdict(v, PG_PORT_FILTERED, "admin-prohibited", 0); return true;
		case 4: verdict(v, PG_PORT_CLOSED, "conn-refused", 0); return true;
		default: verdict(v, PG_PORT_FILTERED, "host-unreachable", 0); return true;
		}
	}
	return false;
}

/* Errors raised before any packet left: routing table, firewall, resources. */
static void classify_local(int err, struct pg_scan_verdict *v)
{
	switch (err) {
	case ENETUNREACH: verdict(v, PG_PORT_ERROR, "net-unreachable", err); break;
	case EHOSTUNREACH: verdict(v, PG_PORT_ERROR, "no-route", err); break;
	case EACCES: verdict(v, PG_PORT_ERROR, "route-prohibited", err); break;
	case EPERM: verdict(v, PG_PORT_ERROR, "local-firewall", err); break;
	case EADDRNOTAVAIL:
	case EAGAIN: verdict(v, PG_PORT_ERROR, "addr-not-available", err); break;
	case EMFILE:
	case ENFILE: verdict(v, PG_PORT_ERROR, "fd-limit", err); break;
	case ENOBUFS:
	case ENOMEM: verdict(v, PG_PORT_ERROR, "no-buffers", err); break;
	case EAFNOSUPPORT: verdict(v, PG_PORT_ERROR, "af-unsupported", err); break;
	case ENETDOWN: verdict(v, PG_PORT_ERROR, "net-down", err); break;
	default: verdict(v, PG_PORT_ERROR, "connect-failed", err); break;
	}
}

void pg_scan_classify(int fd, int err, bool sync, struct pg_scan_verdict *v)
{
	if (err == ECONNREFUSED) {
		verdict(v, PG_PORT_CLOSED, "conn-refused", 0);
		return;
	}
	if (sync) {
		classify_local(err, v);
		return;
	}
	if (classify_icmp(fd, v))
		return;
	/* No ICMP detail queued: judge by errno alone. */
	switch (err) {
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENONET: verdict(v, PG_PORT_FILTERED, "host-unreachable", 0); break;
	case EACCES: verdict(v, PG_PORT_FILTERED, "admin-prohibited", 0); break;
	case ETIMEDOUT: verdict(v, PG_PORT_FILTERED, "no-response", 0); break;
	case ECONNRESET: verdict(v, PG_PORT_ERROR, "conn-reset", err); break;
	default: classify_local(err, v); break;
	}
}

/* UDP has no RST: ICMP port unreachable is "closed". Linux also reports ICMP
 * net/host admin-prohibited (codes 9, 10) as ECONNREFUSED on a UDP socket, so
 * the queued type/code decides first. */
void pg_scan_classify_udp(int fd, int err, struct pg_scan_verdict *v)
{
	if (classify_icmp(fd, v)) {
		if (v->state == PG_PORT_CLOSED)
			v->reason = "port-unreach";
		return;
	}
	if (err == ECONNREFUSED) {
		verdict(v, PG_PORT_CLOSED, "port-unreach", 0);
		return;
	}
	pg_scan_classify(fd, err, false, v);
}

static bool same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

bool pg_scan_is_self_connect(int fd)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);

	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) != 0)
		return false;
	return same_endpoint(&local, &peer);
}

int pg_scan_auto_inflight(void)
{
	struct rlimit rl;
	rlim_t cur, headroom;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 256;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { .rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	cur = rl.rlim_cur == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_cur;
	/* Headroom: stdio, plugins, libcurl, evidence files, a probe's second socket. */
	headroom = 64 + cur / 8;
	if (cur <= headroom + 8)
		return cur > 16 ? (int)(cur / 2) : 1;
	cur -= headroom;
	return cur > PG_SCAN_AUTO_MAX ? PG_SCAN_AUTO_MAX : (int)cur;
}
