/* test_scan_udp.c - UDP jobs of the scan engine against real sockets.
 *
 * On loopback: an open port is a socket of a forked responder that answers
 * every datagram with REPLIES datagrams; a closed port is a port bound and
 * released (the kernel answers ICMP port unreachable, unlimited on loopback);
 * a silent port is a bound socket nobody reads (no answer, no ICMP: what a
 * DROP rule looks like).
 *
 * The rate-limit test builds two network namespaces joined by a veth pair,
 * where the target's kernel limits ICMP errors as usual (net.ipv4.icmp_ratelimit
 * 1000 ms, burst 6; IPv6 likewise), with many closed ports, iptables DROP and
 * REJECT ports and a responder, and requires the exact state of every port. */
#include "config.h"

#include "pg_check.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe_udp.h"
#include "scan/scan.h"
#include "scan/scan_int.h"

#define REPLY   "hello from udp"
#define REPLIES 3
#define MAXFDS  64

/* ---- helpers ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void make_addr(const char *ip, struct pg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;

		a->family = s->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
		a->sslen = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;

		a->family = s->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ip, &s->sin_addr), 1);
		a->sslen = sizeof(*s);
	}
	snprintf(a->text, sizeof(a->text), "%s", ip);
}

/* A socket of type on ip:port (0 = any free port); its port in *port. */
static int bound(int type, const char *ip, uint16_t *port)
{
	struct pg_addr a;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, one = 1;

	make_addr(ip, &a);
	pg_addr_set_port(&a, *port);
	fd = socket(a.family, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_msg(bind(fd, (struct sockaddr *)&a.ss, a.sslen) == 0, "bind %s:%u: %s", ip, *port,
		      strerror(errno));
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static uint16_t closed_udp(const char *ip)
{
	uint16_t port = 0;

	close(bound(SOCK_DGRAM, ip, &port));
	return port;
}

/* The REPLIES datagrams of one answer in one sendmmsg call: on loopback they are all
 * queued before the call returns, so a preempted responder cannot space them further
 * apart than the engine's drain gap (which would make the datagram counts flaky). */
static void answer(int fd, const struct sockaddr_storage *from, socklen_t flen)
{
	struct iovec iov = { .iov_base = (void *)REPLY, .iov_len = strlen(REPLY) };
	struct mmsghdr m[REPLIES];
	int k;

	memset(m, 0, sizeof(m));
	for (k = 0; k < REPLIES; k++)
		m[k].msg_hdr = (struct msghdr){ .msg_name = (void *)from,
						.msg_namelen = flen,
						.msg_iov = &iov,
						.msg_iovlen = 1 };
	(void)sendmmsg(fd, m, REPLIES, 0);
}

/* Answer every datagram on fds with REPLIES datagrams, for at most 120 s. */
static void serve(const int *fds, size_t n)
{
	struct pollfd pfd[MAXFDS];
	uint64_t end = now_ms() + 120000;
	size_t i;

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (now_ms() < end) {
		if (poll(pfd, n, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			char buf[2048];

			if (!(pfd[i].revents & POLLIN) ||
			    recvfrom(fds[i], buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen) < 0)
				continue;
			answer(fds[i], &from, flen);
		}
	}
}

static pid_t responder(const int *fds, size_t n)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test leaves nothing running */
		serve(fds, n);
		_exit(0);
	}
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void target_udp(struct pg_scan_target *t, const char *ip, const uint16_t *tcp, size_t ntcp,
		       const uint16_t *udp, size_t nudp)
{
	memset(t, 0, sizeof(*t));
	make_addr(ip, &t->addr);
	t->ports = tcp;
	t->nports = ntcp;
	t->udp_ports = udp;
	t->nudp_ports = nudp;
	t->results = calloc(pg_scan_nresults(t), sizeof(*t->results));
}

static void target_clear(struct pg_scan_target *t)
{
	size_t i;

	for (i = 0; i < pg_scan_nresults(t); i++)
		pg_port_result_clear(&t->results[i]);
	free(t->results);
}

static void opts_udp(struct pg_scan_opts *o, bool probe)
{
	pg_scan_opts_default(o);
	o->timeout_ms = 300;
	o->retries = 1;
	o->probe = probe;
}

static void run(struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o)
{
	char err[256] = "";

	ck_assert_msg(pg_scan_run(t, n, o, err, sizeof(err)) == 0, "pg_scan_run: %s", err);
}

static void assert_port(const struct pg_port_result *r, uint16_t port, enum pg_proto proto,
			enum pg_port_state st, const char *reason)
{
	ck_assert_uint_eq(r->port, port);
	ck_assert_msg(r->proto == proto, "port %u: proto %s", port, pg_proto_name(r->proto));
	ck_assert_msg(r->state == st && strcmp(r->reason, reason) == 0,
		      "%s port %u: %s/%s (%u tries), want %s/%s", pg_proto_name(proto), port,
		      pg_port_state_name(r->state), r->reason, r->attempts, pg_port_state_name(st),
		      reason);
}

/* ---- loopback ---- */

static size_t prog_calls, prog_done, prog_total, prog_open;

static void on_progress(const struct pg_scan_progress *p, void *ud)
{
	(void)ud;
	prog_calls++;
	prog_done = p->done;
	prog_total = p->total;
	prog_open = p->open;
}

/* TCP and UDP of one target, probe off: states, reasons, order, progress. */
START_TEST(test_udp_states_v4)
{
	uint16_t tcp_open = 0, udp_open = 0, silent = 0, tcp_closed, udp_closed;
	int lfd = bound(SOCK_STREAM, "127.0.0.1", &tcp_open);
	int ufd = bound(SOCK_DGRAM, "127.0.0.1", &udp_open);
	int sfd = bound(SOCK_DGRAM, "127.0.0.1", &silent);
	uint16_t tcp[2], udp[3];
	struct pg_scan_target t;
	struct pg_scan_opts o;
	pid_t pid;

	ck_assert_int_eq(listen(lfd, 16), 0);
	pid = responder(&ufd, 1);
	tcp_closed = closed_udp("127.0.0.1"); /* any released port: nothing listens on TCP */
	udp_closed = closed_udp("127.0.0.1");
	tcp[0] = tcp_open, tcp[1] = tcp_closed;
	udp[0] = udp_open, udp[1] = udp_closed, udp[2] = silent;
	target_udp(&t, "127.0.0.1", tcp, 2, udp, 3);
	opts_udp(&o, false);
	o.progress = on_progress;
	run(&t, 1, &o);
	assert_port(&t.results[0], tcp_open, PG_PROTO_TCP, PG_PORT_OPEN, "syn-ack");
	assert_port(&t.results[1], tcp_closed, PG_PROTO_TCP, PG_PORT_CLOSED, "conn-refused");
	assert_port(&t.results[2], udp_open, PG_PROTO_UDP, PG_PORT_OPEN, "udp-response");
	assert_port(&t.results[3], udp_closed, PG_PROTO_UDP, PG_PORT_CLOSED, "port-unreach");
	assert_port(&t.results[4], silent, PG_PROTO_UDP, PG_PORT_FILTERED, "no-response");
	ck_assert_ptr_null(t.results[2].probe); /* --no-probe: no evidence */
	ck_assert_uint_gt(t.results[2].rtt_us, 0);
	ck_assert_uint_gt(t.results[3].rtt_us, 0);
	ck_assert_uint_eq(t.results[4].rtt_us, 0);
	ck_assert_uint_ge(t.results[4].attempts, 2);
	ck_assert_uint_eq(prog_total, 5);
	ck_assert_uint_eq(prog_done, 5);
	ck_assert_uint_eq(prog_open, 2);
	ck_assert_uint_gt(prog_calls, 0);
	target_clear(&t);
	stop(pid);
	close(lfd);
	close(ufd);
	close(sfd);
}
END_TEST

/* Probe on, IPv6: the answer's datagrams are counted for amplification. */
START_TEST(test_udp_probe_v6)
{
	uint16_t open = 0, closed, udp[2];
	int ufd;
	struct pg_scan_target t;
	struct pg_scan_opts o;
	unsigned char req[PG_UDP_REQUEST_MAX];
	const char *svc;
	json_t *u;
	pid_t pid;
	int probe6 = socket(AF_INET6, SOCK_DGRAM, 0);

	if (probe6 < 0) {
		fprintf(stderr, "SKIP test_udp_probe_v6: no IPv6 here\n");
		return;
	}
	close(probe6);
	ufd = bound(SOCK_DGRAM, "::1", &open);
	pid = responder(&ufd, 1);
	closed = closed_udp("::1");
	udp[0] = open, udp[1] = closed;
	target_udp(&t, "::1", NULL, 0, udp, 2);
	opts_udp(&o, true);
	run(&t, 1, &o);
	assert_port(&t.results[0], open, PG_PROTO_UDP, PG_PORT_OPEN, "udp-response");
	assert_port(&t.results[1], closed, PG_PROTO_UDP, PG_PORT_CLOSED, "port-unreach");
	ck_assert_ptr_nonnull(t.results[0].probe);
	ck_assert_ptr_nonnull(json_object_get(t.results[0].probe, "service"));
	u = json_object_get(t.results[0].probe, "udp");
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(json_integer_value(json_object_get(u, "sent")),
			 (json_int_t)pg_udp_request(open, 1, req, sizeof(req), &svc));
	ck_assert_int_eq(json_integer_value(json_object_get(u, "datagrams")), REPLIES);
	ck_assert_int_eq(json_integer_value(json_object_get(u, "received")),
			 REPLIES * (json_int_t)strlen(REPLY));
	ck_assert_ptr_null(t.results[1].probe);
	target_clear(&t);
	stop(pid);
	close(ufd);
}
END_TEST

/* max_bytes caps what is read of an answer. */
START_TEST(test_udp_drain_capped)
{
	uint16_t open = 0;
	int ufd = bound(SOCK_DGRAM, "127.0.0.1", &open);
	struct pg_scan_target t;
	struct pg_scan_opts o;
	json_t *u;
	pid_t pid = responder(&ufd, 1);

	target_udp(&t, "127.0.0.1", NULL, 0, &open, 1);
	opts_udp(&o, true);
	o.probe_opts.max_bytes = strlen(REPLY) + 1; /* the second datagram reaches the cap */
	run(&t, 1, &o);
	assert_port(&t.results[0], open, PG_PROTO_UDP, PG_PORT_OPEN, "udp-response");
	u = json_object_get(t.results[0].probe, "udp");
	ck_assert_int_eq(json_integer_value(json_object_get(u, "datagrams")), 2);
	target_clear(&t);
	stop(pid);
	close(ufd);
}
END_TEST

/* Many closed ports at once on loopback: every one closed. */
START_TEST(test_udp_many_closed)
{
	uint16_t ports[40];
	struct pg_scan_target t;
	struct pg_scan_opts o;
	size_t i;

	for (i = 0; i < 40; i++)
		ports[i] = closed_udp("127.0.0.1");
	target_udp(&t, "127.0.0.1", NULL, 0, ports, 40);
	opts_udp(&o, false);
	run(&t, 1, &o);
	for (i = 0; i < 40; i++)
		assert_port(&t.results[i], ports[i], PG_PROTO_UDP, PG_PORT_CLOSED, "port-unreach");
	target_clear(&t);
}
END_TEST

/* A batch bigger than any ICMP burst (loopback has no limit here; elsewhere
 * icmp_msgs_burst is 50): a silent port among 90 closed ones is the only one
 * filtered. */
START_TEST(test_udp_big_batch)
{
	enum { N = 90 };
	uint16_t ports[N + 1], silent = 0;
	int sfd = bound(SOCK_DGRAM, "127.0.0.1", &silent);
	struct pg_scan_target t;
	struct pg_scan_opts o;
	size_t i;

	for (i = 0; i < N; i++)
		ports[i] = closed_udp("127.0.0.1");
	ports[N] = silent;
	target_udp(&t, "127.0.0.1", NULL, 0, ports, N + 1);
	opts_udp(&o, false);
	run(&t, 1, &o);
	for (i = 0; i < N; i++)
		assert_port(&t.results[i], ports[i], PG_PROTO_UDP, PG_PORT_CLOSED, "port-unreach");
	assert_port(&t.results[N], silent, PG_PROTO_UDP, PG_PORT_FILTERED, "no-response");
	target_clear(&t);
	close(sfd);
}
END_TEST

/* Several loops: TCP jobs are cut into views, all UDP jobs go to the last loop;
 * every result lands in place. */
START_TEST(test_udp_loop_views)
{
	uint16_t tcp[3], udp[5], open = 0;
	int ufd = bound(SOCK_DGRAM, "127.0.0.1", &open);
	struct pg_scan_target t[2];
	struct pg_scan_opts o;
	char err[256] = "";
	size_t i, j;
	pid_t pid = responder(&ufd, 1);

	for (i = 0; i < 3; i++)
		tcp[i] = closed_udp("127.0.0.1");
	udp[0] = open;
	for (i = 1; i < 5; i++)
		udp[i] = closed_udp("127.0.0.1");
	target_udp(&t[0], "127.0.0.1", tcp, 3, udp, 5);
	target_udp(&t[1], "127.0.0.2", tcp, 3, udp + 1, 4);
	opts_udp(&o, false);
	ck_assert_msg(pg_scan_run_loops(t, 2, &o, 3, err, sizeof(err)) == 0, "%s", err);
	for (j = 0; j < 2; j++)
		for (i = 0; i < 3; i++)
			assert_port(&t[j].results[i], tcp[i], PG_PROTO_TCP, PG_PORT_CLOSED,
				    "conn-refused");
	assert_port(&t[0].results[3], open, PG_PROTO_UDP, PG_PORT_OPEN, "udp-response");
	for (i = 1; i < 5; i++)
		assert_port(&t[0].results[3 + i], udp[i], PG_PROTO_UDP, PG_PORT_CLOSED,
			    "port-unreach");
	for (i = 0; i < 4; i++)
		assert_port(&t[1].results[3 + i], udp[1 + i], PG_PROTO_UDP, PG_PORT_CLOSED,
			    "port-unreach");
	target_clear(&t[0]);
	target_clear(&t[1]);
	stop(pid);
	close(ufd);
}
END_TEST

/* A big probe-less scan runs several loops (on 2+ CPUs): UDP results of both
 * targets still land in place, and progress counts every job. */
START_TEST(test_udp_big_looped)
{
	enum { NP = 4500 };
	uint16_t *tcp = calloc(NP, sizeof(*tcp)), udp[2];
	struct pg_scan_target t[2];
	struct pg_scan_opts o;
	size_t i, j;

	for (i = 0; i < NP; i++)
		tcp[i] = (uint16_t)(20000 + i); /* nothing listens there on 127.0.0.2/3 */
	udp[0] = closed_udp("127.0.0.1");
	udp[1] = closed_udp("127.0.0.1");
	target_udp(&t[0], "127.0.0.2", tcp, NP, udp, 2);
	target_udp(&t[1], "127.0.0.3", tcp, NP, udp, 2);
	opts_udp(&o, false);
	o.timeout_ms = 2000;
	o.progress = on_progress;
	run(t, 2, &o);
	for (j = 0; j < 2; j++) {
		for (i = 0; i < NP; i++)
			assert_port(&t[j].results[i], tcp[i], PG_PROTO_TCP, PG_PORT_CLOSED,
				    "conn-refused");
		for (i = 0; i < 2; i++)
			assert_port(&t[j].results[NP + i], udp[i], PG_PROTO_UDP, PG_PORT_CLOSED,
				    "port-unreach");
	}
	ck_assert_uint_eq(prog_total, 2 * NP + 4);
	ck_assert_uint_eq(prog_done, 2 * NP + 4);
	target_clear(&t[0]);
	target_clear(&t[1]);
	free(tcp);
}
END_TEST

START_TEST(test_udp_classify)
{
	struct pg_scan_verdict v;

	pg_scan_classify_udp(-1, ECONNREFUSED, &v);
	ck_assert_int_eq(v.state, PG_PORT_CLOSED);
	ck_assert_str_eq(v.reason, "port-unreach");
	pg_scan_classify_udp(-1, EHOSTUNREACH, &v);
	ck_assert_int_eq(v.state, PG_PORT_FILTERED);
	ck_assert_str_eq(v.reason, "host-unreachable");
	pg_scan_classify_udp(-1, EPERM, &v);
	ck_assert_int_eq(v.state, PG_PORT_ERROR);
	ck_assert_str_eq(v.reason, "local-firewall");
}
END_TEST

/* An ICMP answer is told from a RST: UDP and TCP rounds share the target's ICMP budget. */
START_TEST(test_udp_icmp_queued)
{
	struct pg_addr a;
	int on = 1, fd, i;
	struct pollfd p;

	make_addr("127.0.0.1", &a);
	pg_addr_set_port(&a, closed_udp("127.0.0.1"));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on)), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a.ss, a.sslen), 0);
	ck_assert_int_eq(send(fd, "", 0, 0), 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 2000), 1);
	ck_assert(pg_scan_icmp_queued(fd));
	close(fd);
	/* a TCP connect refused by a RST queues nothing */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on)), 0);
	i = connect(fd, (struct sockaddr *)&a.ss, a.sslen);
	ck_assert(i != 0 && errno == ECONNREFUSED);
	ck_assert(!pg_scan_icmp_queued(fd));
	close(fd);
}
END_TEST

/* ---- the ICMP rate limit, in namespaces ---- */

#define NCLOSED   10 /* beyond Linux's burst of 6: most replies come at 1/s */
#define MAXCLOSED 20
#define NOPEN     2
#define NDROP     3
#define FIRST     40000

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

struct lab {
	char s[32], t[32];
	int home;     /* our own namespace, to come back to */
	pid_t pid;    /* the responder */
	pid_t pid2;   /* the second address's responder, or 0 */
	pid_t delayq; /* bench/nfq-delay holding our datagrams, or 0 */
	int nclosed;
};

/* Hold the scanner's UDP datagrams ms milliseconds with bench/nfq-delay (this
 * kernel may have no netem); false when it is not built. */
static bool lab_delay(struct lab *l, int ms)
{
	char d[16];

	if (access("bench/nfq-delay", X_OK) != 0) {
		fprintf(stderr, "SKIP (part): bench/nfq-delay is not built (make bench)\n");
		return false;
	}
	snprintf(d, sizeof(d), "%d", ms);
	l->delayq = fork();
	ck_assert_int_ge(l->delayq, 0);
	if (l->delayq == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* kept across ip's exec */
		execlp("ip", "ip", "netns", "exec", l->s, "bench/nfq-delay", "-q", "7", "-d", d,
		       (char *)NULL);
		_exit(127);
	}
	usleep(300000);
	ck_assert_int_eq(
		sh("ip netns exec %s iptables -A OUTPUT -p udp -j NFQUEUE --queue-num 7 "
		   "&& ip netns exec %s ip6tables -A OUTPUT -p udp -j NFQUEUE --queue-num 7",
		   l->s, l->s),
		0);
	return true;
}

/* The link works both ways, ICMP included (IPv6 neighbour discovery can take
 * a moment): a closed port answers. Bounded: 5 s. */
static void lab_wait(const char *ip)
{
	struct pg_addr a;
	int i, err = 0;

	make_addr(ip, &a);
	pg_addr_set_port(&a, 9);
	for (i = 0; i < 50 && err != ECONNREFUSED; i++) {
		int fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		socklen_t len = sizeof(err);

		ck_assert_int_eq(connect(fd, (struct sockaddr *)&a.ss, a.sslen), 0);
		(void)send(fd, "", 0, 0);
		(void)poll(&p, 1, 100);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		close(fd);
	}
	ck_assert_msg(err == ECONNREFUSED, "the namespace link to %s does not work", ip);
}

static bool enter(const char *ns)
{
	char path[64];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = setns(fd, CLONE_NEWNET) == 0;
	close(fd);
	return ok;
}

/* Ports: FIRST.. open (responder), then NCLOSED closed, NDROP dropped, one
 * REJECTed with admin-prohibited. Returns false (with the reason printed)
 * when namespaces cannot be built here. */
static void lab_down(struct lab *l);

static bool lab_up(struct lab *l, int delay_ms, int nclosed)
{
	int i;
	uint16_t p;
	int fds[NOPEN];

	snprintf(l->s, sizeof(l->s), "pgus-%d", (int)getpid());
	snprintf(l->t, sizeof(l->t), "pgut-%d", (int)getpid());
	l->delayq = l->pid2 = 0;
	l->nclosed = nclosed;
	/* namespaces of an earlier test that failed before lab_down (its pid is gone) */
	sh("for n in $(ip netns list 2>/dev/null | grep -oE '^pgu[st]-[0-9]+'); do "
	   "kill -0 ${n#*-} 2>/dev/null || ip netns del $n; done");
	if (getuid() != 0 || sh("ip netns add %s 2>/dev/null && ip netns add %s", l->s, l->t)) {
		fprintf(stderr, "SKIP rate-limit test: needs root and ip netns\n");
		return false;
	}
	/* no duplicate address detection: addresses work at once */
	ck_assert_int_eq(sh("for n in %s %s; do ip netns exec $n sysctl -qw "
			    "net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; "
			    "done",
			    l->s, l->t),
			 0);
	ck_assert_int_eq(sh("ip link add us%d netns %s type veth peer name ut%d netns %s", getpid(),
			    l->s, getpid(), l->t),
			 0);
	ck_assert_int_eq(
		sh("set -e; S='ip -n %s'; T='ip -n %s'; $S link set lo up; $T link set lo up;"
		   "$S addr add 10.253.0.1/24 dev us%d; $T addr add 10.253.0.2/24 dev ut%d;"
		   "$S -6 addr add fd00:253::1/64 dev us%d nodad;"
		   "$T -6 addr add fd00:253::2/64 dev ut%d nodad;"
		   "$S link set us%d up; $T link set ut%d up",
		   l->s, l->t, getpid(), getpid(), getpid(), getpid(), getpid(), getpid()),
		0);
	for (i = 0; i < NDROP; i++) {
		p = FIRST + NOPEN + l->nclosed + i;
		ck_assert_int_eq(
			sh("ip netns exec %s iptables -A INPUT -p udp --dport %u -j DROP && "
			   "ip netns exec %s ip6tables -A INPUT -p udp --dport %u -j DROP",
			   l->t, p, l->t, p),
			0);
	}
	p = FIRST + NOPEN + l->nclosed + NDROP;
	ck_assert_int_eq(sh("ip netns exec %s iptables -A INPUT -p udp --dport %u -j REJECT "
			    "--reject-with icmp-admin-prohibited && ip netns exec %s ip6tables -A "
			    "INPUT -p udp --dport %u -j REJECT --reject-with icmp6-adm-prohibited",
			    l->t, p, l->t, p),
			 0);
	l->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(l->home, 0);
	ck_assert(enter(l->t));
	for (i = 0; i < NOPEN; i++) {
		p = FIRST + i;
		fds[i] = bound(SOCK_DGRAM, "::", &p); /* v4 and v6 */
	}
	l->pid = responder(fds, NOPEN);
	for (i = 0; i < NOPEN; i++)
		close(fds[i]);
	ck_assert(enter(l->s));
	lab_wait("10.253.0.2");
	lab_wait("fd00:253::2");
	if (delay_ms > 0 && !lab_delay(l, delay_ms)) {
		lab_down(l);
		return false;
	}
	return true;
}

static void lab_down(struct lab *l)
{
	stop(l->delayq);
	stop(l->pid2);
	stop(l->pid);
	ck_assert_int_eq(setns(l->home, CLONE_NEWNET), 0);
	close(l->home);
	sh("ip netns del %s; ip netns del %s", l->s, l->t);
}

static void check_lab(const struct pg_scan_target *t, int nclosed)
{
	size_t i = 0, k;

	for (k = 0; k < NOPEN; k++, i++)
		assert_port(&t->results[i], FIRST + i, PG_PROTO_UDP, PG_PORT_OPEN, "udp-response");
	for (k = 0; k < (size_t)nclosed; k++, i++)
		assert_port(&t->results[i], FIRST + i, PG_PROTO_UDP, PG_PORT_CLOSED,
			    "port-unreach");
	for (k = 0; k < NDROP; k++, i++)
		assert_port(&t->results[i], FIRST + i, PG_PROTO_UDP, PG_PORT_FILTERED,
			    "no-response");
	assert_port(&t->results[i], FIRST + i, PG_PROTO_UDP, PG_PORT_FILTERED, "admin-prohibited");
}

/* Scan the lab's ports over IPv4 and IPv6 at once (ntargets 2) or IPv4 alone
 * (1); exact states, and the IPv4 target's silent ports proven the way waits says. */
enum waits { ROUNDS_NEEDED, NO_ROUND };

static void rate_limited(int delay_ms, int nclosed, size_t ntargets, enum waits waits)
{
	uint16_t ports[NOPEN + MAXCLOSED + NDROP + 1];
	size_t nports = NOPEN + (size_t)nclosed + NDROP + 1;
	struct pg_scan_target t[2];
	struct pg_scan_opts o;
	struct lab l;
	uint64_t t0, ms;
	size_t i;

	if (!lab_up(&l, delay_ms, nclosed))
		return;
	for (i = 0; i < nports; i++)
		ports[i] = (uint16_t)(FIRST + i);
	target_udp(&t[0], "10.253.0.2", NULL, 0, ports, nports);
	target_udp(&t[1], "fd00:253::2", NULL, 0, ports, nports);
	opts_udp(&o, false);
	o.timeout_ms = 1000;
	t0 = now_ms();
	run(t, ntargets, &o);
	ms = now_ms() - t0;
	fprintf(stderr,
		"rate-limited UDP scan, %d closed, delay %d ms: %llu ms (IPv4 %llu ms, IPv6 %llu "
		"ms)\n",
		nclosed, delay_ms, (unsigned long long)ms,
		(unsigned long long)(t[0].finished_ms - t[0].started_ms),
		(unsigned long long)(t[1].finished_ms - t[1].started_ms));
	check_lab(&t[0], nclosed);
	if (ntargets > 1)
		check_lab(&t[1], nclosed);
	/* how the IPv4 target's silent ports were proven, not how long it took (time is
	 * bench/udp.sh's job): by quiet rounds, or at once by the canaries */
	if (waits == NO_ROUND)
		ck_assert_uint_eq(t[0].udp_round_waits, 0);
	else
		ck_assert_uint_gt(t[0].udp_round_waits, 0);
	target_clear(&t[0]);
	target_clear(&t[1]);
	lab_down(&l);
}

START_TEST(test_udp_rate_limited)
{
	/* ~1 s per ICMP error beyond the burst of 6 (10 closed + 1 prohibited), no more */
	rate_limited(0, NCLOSED, 2, ROUNDS_NEEDED);
}
END_TEST

START_TEST(test_udp_rate_limited_delay)
{
	rate_limited(20, NCLOSED, 2, ROUNDS_NEEDED);
}
END_TEST

/* 3 closed + 1 prohibited leave 2 of the burst's 6 tokens: the canaries prove
 * the drops at once, well before a quiet interval (1.02 s) could. */
START_TEST(test_udp_canaries)
{
	rate_limited(20, 3, 2, NO_ROUND);
}
END_TEST

/* A short list of one address at 20 ms: 5 answers (2 open, 2 closed, 1
 * prohibited), fewer than the 6 a timeout needs elsewhere. The destination's
 * own answers shorten its UDP timeout from 3 on, so its first dropped try
 * times out within the canaries' span and they prove it: about 0.3 s, where
 * waiting the full 1 s timeout cost a quiet round (2 s). */
START_TEST(test_udp_short_list)
{
	rate_limited(20, 2, 1, NO_ROUND);
}
END_TEST

/* A second address on the target's interface (one host, one ICMP bucket for
 * us: Linux limits per peer, not per local address), and a responder with a
 * socket bound to each address, which answers from it (the first responder's
 * wildcard sockets answer from whichever address the kernel picks). */
static void lab_second_address(struct lab *l)
{
	static const char *ips[4] = { "10.253.0.2", "10.253.0.3", "fd00:253::2", "fd00:253::3" };
	int fds[4 * NOPEN], i, k;

	ck_assert_int_eq(sh("ip -n %s addr add 10.253.0.3/24 dev ut%d && "
			    "ip -n %s -6 addr add fd00:253::3/64 dev ut%d nodad",
			    l->t, getpid(), l->t, getpid()),
			 0);
	ck_assert(enter(l->t));
	for (i = 0; i < NOPEN; i++) {
		for (k = 0; k < 4; k++) {
			uint16_t p = FIRST + i;

			fds[4 * i + k] = bound(SOCK_DGRAM, ips[k], &p);
		}
	}
	l->pid2 = responder(fds, 4 * NOPEN);
	for (i = 0; i < 4 * NOPEN; i++)
		close(fds[i]);
	ck_assert(enter(l->s));
	lab_wait("10.253.0.3");
	lab_wait("fd00:253::3");
}

/* Two addresses of one host scanned together share its ICMP bucket: the
 * errors one address draws must not let the other's unanswered tries pass
 * for proof. Each run draws 8 errors per family (4 per address) against a
 * burst of 6; runs repeat (bounded) because the race is timing dependent. */
START_TEST(test_udp_shared_bucket)
{
	enum { NC = 3, RUNS = 3 };
	static const char *ips[4] = { "10.253.0.2", "10.253.0.3", "fd00:253::2", "fd00:253::3" };
	uint16_t ports[NOPEN + NC + NDROP + 1];
	struct pg_scan_target t[4];
	struct pg_scan_opts o;
	struct lab l;
	size_t i, k;
	int run_no;

	if (!lab_up(&l, 0, NC))
		return;
	lab_second_address(&l);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		ports[i] = (uint16_t)(FIRST + i);
	opts_udp(&o, false);
	o.timeout_ms = 1000;
	for (run_no = 0; run_no < RUNS; run_no++) {
		uint64_t t0 = now_ms();

		for (k = 0; k < 4; k++)
			target_udp(&t[k], ips[k], NULL, 0, ports, sizeof(ports) / sizeof(ports[0]));
		run(t, 4, &o);
		fprintf(stderr, "shared bucket, run %d: %llu ms\n", run_no,
			(unsigned long long)(now_ms() - t0));
		for (k = 0; k < 4; k++) {
			check_lab(&t[k], NC);
			target_clear(&t[k]);
		}
		if (run_no + 1 < RUNS)
			usleep(2000000); /* the next run starts with a partly refilled bucket */
	}
	lab_down(&l);
}
END_TEST

static Suite *scan_udp_suite(void)
{
	Suite *s = suite_create("scan_udp");
	TCase *tc = tcase_create("udp");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_udp_classify);
	tcase_add_test(tc, test_udp_icmp_queued);
	tcase_add_test(tc, test_udp_states_v4);
	tcase_add_test(tc, test_udp_probe_v6);
	tcase_add_test(tc, test_udp_drain_capped);
	tcase_add_test(tc, test_udp_many_closed);
	tcase_add_test(tc, test_udp_big_batch);
	tcase_add_test(tc, test_udp_loop_views);
	tcase_add_test(tc, test_udp_big_looped);
	tcase_add_test(tc, test_udp_rate_limited);
	tcase_add_test(tc, test_udp_rate_limited_delay);
	tcase_add_test(tc, test_udp_canaries);
	suite_add_tcase(s, tc);
	tc = tcase_create("lab2"); /* CK_RUN_CASE=lab2 runs these alone */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_udp_short_list);
	tcase_add_test(tc, test_udp_shared_bucket);
	suite_add_tcase(s, tc);
	return s;
}

/* make_addr without Check's assertions (which need a running test). */
static bool parse_addr(const char *ip, struct pg_addr *a)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	snprintf(a->text, sizeof(a->text), "%s", ip);
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		a->family = s6->sin6_family = AF_INET6;
		a->sslen = sizeof(*s6);
		return true;
	}
	a->family = s4->sin_family = AF_INET;
	a->sslen = sizeof(*s4);
	return inet_pton(AF_INET, ip, &s4->sin_addr) == 1;
}

/* test_scan_udp --scan ADDR FIRST-LAST: scan those UDP ports with the engine
 * alone (probing, default options) and print {"ports": [...]} as portgate scan
 * would; bench/udp.sh measures the engine this way (PG_BIN = a wrapper) until
 * the CLI parses "N/udp". */
static int scan_main(const char *ip, const char *range)
{
	unsigned first, last, n, i;
	uint16_t *ports;
	struct pg_scan_target t;
	struct pg_scan_opts o;
	char err[256] = "";

	if (sscanf(range, "%u-%u", &first, &last) != 2 || first > last || last > 65535)
		return 2;
	n = last - first + 1;
	ports = calloc(n, sizeof(*ports));
	for (i = 0; i < n; i++)
		ports[i] = (uint16_t)(first + i);
	memset(&t, 0, sizeof(t));
	if (!parse_addr(ip, &t.addr))
		return 2;
	t.udp_ports = ports;
	t.nudp_ports = n;
	t.results = calloc(n, sizeof(*t.results));
	pg_scan_opts_default(&o);
	if (pg_scan_run(&t, 1, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("{\"ports\": [");
	for (i = 0; i < n; i++)
		printf("%s{\"port\": %u, \"protocol\": \"%s\", \"state\": \"%s\", \"reason\": "
		       "\"%s\"}",
		       i ? ", " : "", t.results[i].port, pg_proto_name(t.results[i].proto),
		       pg_port_state_name(t.results[i].state), t.results[i].reason);
	printf("]}\n");
	target_clear(&t);
	free(ports);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--scan") == 0)
		return scan_main(argv[2], argv[3]);
	return pg_check_run(scan_udp_suite());
}
