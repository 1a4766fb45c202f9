/* test_scan.c - the scan engine against real sockets on loopback.
 *
 * Open ports are listeners bound to port 0; closed ports are ports bound and
 * released; "filtered" ports (no answer at all) are listeners whose accept
 * queue is full: Linux drops further SYNs instead of resetting them, so the
 * connect gets no answer, as behind a DROP rule. */
#include "config.h"

#include "pg_check.h"
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"
#include "scan/scan.h"
#include "scan/scan_int.h"

/* ---- a fake probe, used unless the real one is linked in ----
 * It waits on EPOLLIN until its first deadline, then replaces its socket by a
 * new connection (same fd number on even ports, a different one on odd
 * ports), waits for EPOLLOUT on it and finishes. This drives every path the
 * engine has for probes: deadline steps, fd changes, MOD/ADD/DEL. */
struct pg_probe {
	int fd;
	int state;
	int steps;
	bool tls;
	bool reconnected;
	uint64_t deadline;
	struct pg_addr addr;
	uint16_t port;
	char host[64];
};

static int fake_starts;
static bool fake_hang; /* never finish on its own: the engine's backstop must end it */

__attribute__((weak)) struct pg_probe *pg_probe_start(int fd, const struct pg_addr *addr,
						      uint16_t port, const char *hostname,
						      bool expect_tls,
						      const struct pg_probe_opts *opts,
						      uint64_t now_ms)
{
	struct pg_probe *p = calloc(1, sizeof(*p));

	(void)opts;
	fake_starts++;
	p->fd = fd;
	p->addr = *addr;
	p->port = port;
	p->tls = expect_tls;
	p->deadline = now_ms + 20;
	snprintf(p->host, sizeof(p->host), "%s", hostname ? hostname : "");
	return p;
}

static int fake_connect(struct pg_probe *p)
{
	struct sockaddr_storage ss = p->addr.ss;
	int fd = socket(p->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (p->addr.family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(p->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(p->port);
	if (fd >= 0)
		(void)connect(fd, (struct sockaddr *)&ss, p->addr.sslen);
	return fd;
}

__attribute__((weak)) bool pg_probe_step(struct pg_probe *p, uint32_t events, uint64_t now_ms)
{
	p->steps++;
	if (fake_hang) {
		p->deadline = now_ms + 100000;
		return false;
	}
	if (p->state == 0) {
		if (events != 0 || now_ms < p->deadline)
			return false;
		if (p->port % 2) { /* new fd first: a different number */
			int nfd = fake_connect(p);

			close(p->fd);
			p->fd = nfd;
		} else { /* close first: the kernel hands back the same number */
			close(p->fd);
			p->fd = fake_connect(p);
		}
		p->state = 1;
		p->deadline = now_ms + 2000;
		return false;
	}
	if (events & EPOLLOUT) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		p->reconnected = err == 0;
	}
	return true;
}

__attribute__((weak)) int pg_probe_fd(const struct pg_probe *p)
{
	return p->fd;
}

__attribute__((weak)) uint32_t pg_probe_events(const struct pg_probe *p)
{
	return p->state == 0 ? EPOLLIN : EPOLLOUT;
}

__attribute__((weak)) uint64_t pg_probe_deadline(const struct pg_probe *p)
{
	return p->deadline;
}

__attribute__((weak)) json_t *pg_probe_finish(struct pg_probe *p)
{
	json_t *j = json_pack("{s:s, s:b, s:b, s:s, s:i}", "service", "fake", "tlsExpected",
			      p->tls, "reconnected", p->reconnected, "host", p->host, "steps",
			      p->steps);

	if (p->fd >= 0)
		close(p->fd);
	free(p);
	return j;
}

__attribute__((weak)) const char *pg_service_by_port(uint16_t port, char *buf, size_t len)
{
	(void)port;
	snprintf(buf, len, "unknown");
	return buf;
}

__attribute__((weak)) bool pg_port_is_tls_default(uint16_t port)
{
	return port == 443;
}

/* ---- helpers ---- */

#define MIN_TIMEOUT_MS (PG_RTT_MIN_TIMEOUT_US / 1000)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Bind family's address (any for v4 so all of 127/8 answers, ::1 for v6). */
static int bind_any(int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_listener(int family, uint16_t *port)
{
	int fd = bind_any(family);

	if (fd < 0)
		return -1;
	ck_assert_int_eq(listen(fd, 4096), 0);
	*port = bound_port(fd);
	return fd;
}

static uint16_t closed_port(int family)
{
	int fd = bind_any(family);
	uint16_t port;

	ck_assert_int_ge(fd, 0);
	port = bound_port(fd);
	close(fd);
	return port;
}

static void make_addr(const char *ip, struct pg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;

		a->family = AF_INET6;
		s->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
		a->sslen = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;

		a->family = AF_INET;
		s->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ip, &s->sin_addr), 1);
		a->sslen = sizeof(*s);
	}
	snprintf(a->text, sizeof(a->text), "%s", ip);
}

/* A listener that answers no SYN: backlog 0 filled by one connection. */
struct blackhole {
	int lfd, filler;
	uint16_t port;
};

static void blackhole_open(struct blackhole *b)
{
	struct pg_addr a;
	struct pollfd pfd = { .events = POLLIN };

	b->lfd = bind_any(AF_INET);
	ck_assert_int_ge(b->lfd, 0);
	ck_assert_int_eq(listen(b->lfd, 0), 0);
	b->port = bound_port(b->lfd);
	make_addr("127.0.0.1", &a);
	((struct sockaddr_in *)&a.ss)->sin_port = htons(b->port);
	b->filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(b->filler, (struct sockaddr *)&a.ss, a.sslen), 0);
	/* wait (bounded) until the handshake is in the accept queue, which fills it: the
	 * listener reads as readable then */
	pfd.fd = b->lfd;
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
}

static void blackhole_close(struct blackhole *b)
{
	close(b->filler);
	close(b->lfd);
}

static void target_init(struct pg_scan_target *t, const char *ip, const uint16_t *ports,
			size_t n)
{
	memset(t, 0, sizeof(*t));
	make_addr(ip, &t->addr);
	t->ports = ports;
	t->nports = n;
	t->results = calloc(n, sizeof(*t->results));
}

static void target_clear(struct pg_scan_target *t)
{
	size_t i;

	for (i = 0; i < t->nports; i++)
		pg_port_result_clear(&t->results[i]);
	free(t->results);
}

static void quick_opts(struct pg_scan_opts *o, int timeout_ms, int retries)
{
	pg_scan_opts_default(o);
	o->timeout_ms = timeout_ms;
	o->retries = retries;
	o->probe = false;
}

static void assert_port(const struct pg_port_result *r, uint16_t port, enum pg_port_state st,
			const char *reason)
{
	ck_assert_uint_eq(r->port, port);
	ck_assert_msg(r->state == st, "port %u: state %s, want %s (%s)", port,
		      pg_port_state_name(r->state), pg_port_state_name(st), r->reason);
	ck_assert_str_eq(r->reason, reason);
}

static int run(struct pg_scan_target *t, size_t n, const struct pg_scan_opts *o)
{
	char err[256] = "";
	int rc = pg_scan_run(t, n, o, err, sizeof(err));

	ck_assert_msg(rc == 0, "pg_scan_run: %s", err);
	return rc;
}

/* ---- tests ---- */

START_TEST(test_open_closed_v4)
{
	uint16_t p1, p2, c = closed_port(AF_INET);
	int l1 = open_listener(AF_INET, &p1), l2 = open_listener(AF_INET, &p2);
	uint16_t ports[3] = { p2, c, p1 }; /* results follow this order */
	struct pg_scan_target t;
	struct pg_scan_opts o;
	size_t i;

	quick_opts(&o, 1000, 1);
	target_init(&t, "127.0.0.1", ports, 3);
	run(&t, 1, &o);
	assert_port(&t.results[0], p2, PG_PORT_OPEN, "syn-ack");
	assert_port(&t.results[1], c, PG_PORT_CLOSED, "conn-refused");
	assert_port(&t.results[2], p1, PG_PORT_OPEN, "syn-ack");
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(t.results[i].attempts, 1);
		ck_assert_uint_gt(t.results[i].rtt_us, 0);
		ck_assert_int_eq(t.results[i].err, 0);
		ck_assert_ptr_null(t.results[i].probe);
	}
	ck_assert_uint_gt(t.started_ms, 0);
	ck_assert_uint_ge(t.finished_ms, t.started_ms);
	target_clear(&t);
	close(l1);
	close(l2);
}
END_TEST

START_TEST(test_ipv6)
{
	uint16_t p, c;
	int l = open_listener(AF_INET6, &p);
	uint16_t ports[2];
	struct pg_scan_target t;
	struct pg_scan_opts o;

	if (l < 0) {
		fprintf(stderr, "test_ipv6: no IPv6 loopback here, skipped\n");
		return;
	}
	c = closed_port(AF_INET6);
	ports[0] = c;
	ports[1] = p;
	quick_opts(&o, 1000, 1);
	target_init(&t, "::1", ports, 2);
	run(&t, 1, &o);
	assert_port(&t.results[0], c, PG_PORT_CLOSED, "conn-refused");
	assert_port(&t.results[1], p, PG_PORT_OPEN, "syn-ack");
	target_clear(&t);
	close(l);
}
END_TEST

START_TEST(test_filtered_retry)
{
	struct blackhole b;
	struct pg_scan_target t;
	struct pg_scan_opts o;
	uint64_t t0, el;
	uint16_t ports[1];

	blackhole_open(&b);
	ports[0] = b.port;
	quick_opts(&o, 200, 1);
	target_init(&t, "127.0.0.1", ports, 1);
	t0 = now_ms();
	run(&t, 1, &o);
	el = now_ms() - t0;
	assert_port(&t.results[0], b.port, PG_PORT_FILTERED, "no-response");
	ck_assert_uint_eq(t.results[0].attempts, 2);
	ck_assert_uint_eq(t.results[0].rtt_us, 0);
	/* two tries and no third: the count above, not a time bound, says so */
	ck_assert_msg(el >= 390, "two 200 ms tries took %llu ms", (unsigned long long)el);
	target_clear(&t);
	blackhole_close(&b);
}
END_TEST

static size_t progress_calls, progress_last_done, progress_last_total, progress_last_open;

static void on_progress(const struct pg_scan_progress *p, void *ud)
{
	(void)ud;
	progress_calls++;
	ck_assert_uint_ge(p->done, progress_last_done);
	ck_assert_uint_ge(p->open, progress_last_open);
	ck_assert_uint_le(p->open, p->done + p->probing);
	progress_last_done = p->done;
	progress_last_total = p->total;
	progress_last_open = p->open;
}

/* 200 hosts x (open, closed, unanswered): all hosts advance together, so the
 * run takes about one timeout, where host after host would take 200. (The
 * answers shorten the timeout to PG_RTT_MIN_TIMEOUT_US, never below.) */
START_TEST(test_200_hosts_one_timeout)
{
	enum { NT = 200, TIMEOUT = 500 };
	struct blackhole b;
	uint16_t po, pc = closed_port(AF_INET);
	int lo = open_listener(AF_INET, &po);
	uint16_t ports[3];
	struct pg_scan_target *t = calloc(NT, sizeof(*t));
	struct pg_scan_opts o;
	uint64_t t0, el;
	size_t i;

	blackhole_open(&b);
	ports[0] = pc;
	ports[1] = po;
	ports[2] = b.port;
	for (i = 0; i < NT; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.0.%zu", i + 1);
		target_init(&t[i], ip, ports, 3);
	}
	quick_opts(&o, TIMEOUT, 0);
	o.progress = on_progress;
	t0 = now_ms();
	run(t, NT, &o);
	el = now_ms() - t0;
	ck_assert_msg(el >= MIN_TIMEOUT_MS - 10, "200 hosts took %llu ms with a %d ms timeout",
		      (unsigned long long)el, TIMEOUT);
	/* together, not host after host: every host started before any had finished */
	for (i = 0; i < NT; i++)
		ck_assert_msg(t[i].started_ms <= t[0].finished_ms && t[0].started_ms <= t[i].finished_ms,
			      "host %zu ran %llu..%llu, host 0 %llu..%llu", i,
			      (unsigned long long)t[i].started_ms, (unsigned long long)t[i].finished_ms,
			      (unsigned long long)t[0].started_ms, (unsigned long long)t[0].finished_ms);
	for (i = 0; i < NT; i++) {
		assert_port(&t[i].results[0], pc, PG_PORT_CLOSED, "conn-refused");
		assert_port(&t[i].results[1], po, PG_PORT_OPEN, "syn-ack");
		assert_port(&t[i].results[2], b.port, PG_PORT_FILTERED, "no-response");
		ck_assert_uint_ge(t[i].finished_ms, t[i].started_ms);
		ck_assert_uint_ge(t[i].finished_ms - t[i].started_ms, MIN_TIMEOUT_MS - 10);
		target_clear(&t[i]);
	}
	/* final call reports completion; at most ~10 calls per second */
	ck_assert_uint_eq(progress_last_done, NT * 3);
	ck_assert_uint_eq(progress_last_total, NT * 3);
	ck_assert_uint_eq(progress_last_open, NT); /* one open port per host */
	ck_assert_uint_le(progress_calls, el / 100 + 2);
	free(t);
	blackhole_close(&b);
	close(lo);
}
END_TEST

/* With 8 sockets in flight, 16 unanswered ports need two waves (of at least
 * the shortest timeout the answers can justify). */
START_TEST(test_global_cap)
{
	enum { NT = 16, TIMEOUT = 200 };
	struct blackhole b;
	uint16_t po, pc = closed_port(AF_INET);
	int lo = open_listener(AF_INET, &po);
	uint16_t ports[3];
	struct pg_scan_target t[NT];
	struct pg_scan_opts o;
	uint64_t t0, el;
	size_t i;

	blackhole_open(&b);
	ports[0] = po;
	ports[1] = b.port;
	ports[2] = pc;
	for (i = 0; i < NT; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.1.%zu", i + 1);
		target_init(&t[i], ip, ports, 3);
	}
	quick_opts(&o, TIMEOUT, 0);
	o.max_inflight = 8;
	t0 = now_ms();
	run(t, NT, &o);
	el = now_ms() - t0;
	/* at least two waves; that no job waited for a third is the cap's arithmetic */
	ck_assert_msg(el >= 2 * MIN_TIMEOUT_MS - 10, "took %llu ms", (unsigned long long)el);
	for (i = 0; i < NT; i++) {
		assert_port(&t[i].results[0], po, PG_PORT_OPEN, "syn-ack");
		assert_port(&t[i].results[1], b.port, PG_PORT_FILTERED, "no-response");
		assert_port(&t[i].results[2], pc, PG_PORT_CLOSED, "conn-refused");
		target_clear(&t[i]);
	}
	blackhole_close(&b);
	close(lo);
}
END_TEST

/* Two jobs per address at a time: 8 unanswered ports of one host need four
 * waves, while a second host is not held back by the first one's cap. */
START_TEST(test_per_host_cap)
{
	enum { NB = 8, TIMEOUT = 150 };
	struct blackhole b[NB];
	uint16_t ports[NB], po;
	int lo = open_listener(AF_INET, &po);
	uint16_t ports2[1] = { po };
	struct pg_scan_target t[2];
	struct pg_scan_opts o;
	uint64_t t0, el;
	size_t i;

	for (i = 0; i < NB; i++) {
		blackhole_open(&b[i]);
		ports[i] = b[i].port;
	}
	target_init(&t[0], "127.0.0.1", ports, NB);
	target_init(&t[1], "127.0.0.2", ports2, 1);
	quick_opts(&o, TIMEOUT, 0);
	o.max_per_host = 2;
	t0 = now_ms();
	run(t, 2, &o);
	el = now_ms() - t0;
	ck_assert_msg(el >= 4 * TIMEOUT - 10, "took %llu ms", (unsigned long long)el);
	for (i = 0; i < NB; i++)
		assert_port(&t[0].results[i], ports[i], PG_PORT_FILTERED, "no-response");
	assert_port(&t[1].results[0], po, PG_PORT_OPEN, "syn-ack");
	/* not behind host 1's 4 waves: host 2 was done before host 1 */
	ck_assert_uint_lt(t[1].finished_ms, t[0].finished_ms);
	target_clear(&t[0]);
	target_clear(&t[1]);
	for (i = 0; i < NB; i++)
		blackhole_close(&b[i]);
	close(lo);
}
END_TEST

/* Two names for one address share the per-address cap. */
START_TEST(test_same_address_shares_cap)
{
	struct blackhole b[2];
	uint16_t ports[2];
	struct pg_scan_target t[2];
	struct pg_scan_opts o;
	uint64_t t0, el;
	size_t i;

	for (i = 0; i < 2; i++) {
		blackhole_open(&b[i]);
		ports[i] = b[i].port;
	}
	target_init(&t[0], "127.0.0.1", ports, 2);
	target_init(&t[1], "127.0.0.1", ports, 2);
	quick_opts(&o, 150, 0);
	o.max_per_host = 1;
	t0 = now_ms();
	run(t, 2, &o);
	el = now_ms() - t0;
	ck_assert_msg(el >= 4 * 150 - 10, "4 jobs on one address, cap 1: took %llu ms",
		      (unsigned long long)el);
	for (i = 0; i < 2; i++) {
		assert_port(&t[i].results[0], ports[0], PG_PORT_FILTERED, "no-response");
		assert_port(&t[i].results[1], ports[1], PG_PORT_FILTERED, "no-response");
		target_clear(&t[i]);
	}
	blackhole_close(&b[0]);
	blackhole_close(&b[1]);
}
END_TEST

START_TEST(test_self_connect_detected)
{
	struct pg_addr a;
	uint16_t lp;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, l, c;

	/* bind to P, connect to P: TCP simultaneous open with itself */
	make_addr("127.0.0.1", &a);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a.ss, a.sslen), 0);
	((struct sockaddr_in *)&a.ss)->sin_port = htons(bound_port(fd));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a.ss, a.sslen), 0);
	ck_assert(pg_scan_is_self_connect(fd));
	close(fd);

	l = open_listener(AF_INET, &lp);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	((struct sockaddr_in *)&a.ss)->sin_port = htons(lp);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&a.ss, a.sslen), 0);
	ck_assert(!pg_scan_is_self_connect(c));
	close(c);
	close(l);
}
END_TEST

START_TEST(test_classify)
{
	static const struct {
		int err;
		bool sync;
		enum pg_port_state state;
		const char *reason;
	} cases[] = {
		{ ECONNREFUSED, false, PG_PORT_CLOSED, "conn-refused" },
		{ ECONNREFUSED, true, PG_PORT_CLOSED, "conn-refused" },
		{ EHOSTUNREACH, false, PG_PORT_FILTERED, "host-unreachable" },
		{ EACCES, false, PG_PORT_FILTERED, "admin-prohibited" },
		{ ETIMEDOUT, false, PG_PORT_FILTERED, "no-response" },
		{ ENETUNREACH, true, PG_PORT_ERROR, "net-unreachable" },
		{ ENETUNREACH, false, PG_PORT_ERROR, "net-unreachable" },
		{ EHOSTUNREACH, true, PG_PORT_ERROR, "no-route" },
		{ EADDRNOTAVAIL, true, PG_PORT_ERROR, "addr-not-available" },
		{ EMFILE, true, PG_PORT_ERROR, "fd-limit" },
		{ ENFILE, true, PG_PORT_ERROR, "fd-limit" },
		{ EPERM, true, PG_PORT_ERROR, "local-firewall" },
		{ EPERM, false, PG_PORT_ERROR, "local-firewall" },
		{ EAFNOSUPPORT, true, PG_PORT_ERROR, "af-unsupported" },
		{ EIO, true, PG_PORT_ERROR, "connect-failed" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_scan_verdict v;

		pg_scan_classify(-1, cases[i].err, cases[i].sync, &v);
		ck_assert_msg(v.state == cases[i].state, "case %zu: %s", i, v.reason);
		ck_assert_str_eq(v.reason, cases[i].reason);
		ck_assert_int_eq(v.err, v.state == PG_PORT_ERROR ? cases[i].err : 0);
	}
	ck_assert_str_eq(pg_port_state_name(PG_PORT_OPEN), "open");
	ck_assert_str_eq(pg_port_state_name(PG_PORT_CLOSED), "closed");
	ck_assert_str_eq(pg_port_state_name(PG_PORT_FILTERED), "filtered");
	ck_assert_str_eq(pg_port_state_name(PG_PORT_ERROR), "error");
}
END_TEST

/* Fill every hole below the highest open fd and return the next free fd
 * number: RLIMIT_NOFILE bounds fd numbers, not their count. */
static int fill_fd_holes(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int max = 2, fd;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		long n = strtol(de->d_name, NULL, 10);

		if (de->d_name[0] != '.' && n > max)
			max = (int)n;
	}
	closedir(d);
	while ((fd = dup(0)) >= 0 && fd < max)
		;
	return fd;
}

/* Scan nt copies of one open port in a child whose fd limit leaves room for
 * `spare` sockets besides the epoll fd. Child exit status: number of ports not
 * matching want_state (capped at 100). */
static int scan_with_fd_limit(int spare, int nt, enum pg_port_state want_state,
			      const char *want_reason)
{
	uint16_t po;
	int lo = open_listener(AF_INET, &po), status = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pg_scan_target *t = calloc((size_t)nt, sizeof(*t));
		struct pg_scan_opts o;
		struct rlimit rl;
		uint16_t ports[1] = { po };
		char err[128];
		int i, bad = 0;

		for (i = 0; i < nt; i++) {
			char ip[32];

			snprintf(ip, sizeof(ip), "127.0.2.%d", i + 1);
			target_init(&t[i], ip, ports, 1);
		}
		rl.rlim_cur = rl.rlim_max = (rlim_t)(fill_fd_holes() + 1 + 1 + spare);
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(101);
		quick_opts(&o, 1000, 0);
		o.max_inflight = 64;
		if (pg_scan_run(t, (size_t)nt, &o, err, sizeof(err)) != 0)
			_exit(102);
		for (i = 0; i < nt; i++)
			if (t[i].results[0].state != want_state ||
			    strcmp(t[i].results[0].reason, want_reason) != 0)
				bad++;
		_exit(bad > 100 ? 100 : bad);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(lo);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Out of descriptors mid-run: jobs wait for a socket to close and finish
 * correctly; nothing is misreported as closed. */
START_TEST(test_emfile_recovers)
{
	ck_assert_int_eq(scan_with_fd_limit(4, 40, PG_PORT_OPEN, "syn-ack"), 0);
}
END_TEST

/* No descriptor at all: every port is an error with its reason. */
START_TEST(test_emfile_error)
{
	ck_assert_int_eq(scan_with_fd_limit(0, 5, PG_PORT_ERROR, "fd-limit"), 0);
}
END_TEST

START_TEST(test_probe_driven_in_loop)
{
	uint16_t p1, p2, c = closed_port(AF_INET);
	int l1 = open_listener(AF_INET, &p1), l2 = open_listener(AF_INET, &p2);
	uint16_t ports[3] = { p1, p2, c }, tls[1] = { p2 };
	struct pg_scan_target t;
	struct pg_scan_opts o;
	size_t i;

	quick_opts(&o, 1000, 0);
	o.probe = true;
	target_init(&t, "127.0.0.1", ports, 3);
	t.hostname = "app.example.test";
	t.tls_ports = tls;
	t.ntls_ports = 1;
	fake_starts = 0;
	run(&t, 1, &o);
	assert_port(&t.results[0], p1, PG_PORT_OPEN, "syn-ack");
	assert_port(&t.results[1], p2, PG_PORT_OPEN, "syn-ack");
	assert_port(&t.results[2], c, PG_PORT_CLOSED, "conn-refused");
	ck_assert_ptr_nonnull(t.results[0].probe);
	ck_assert_ptr_nonnull(t.results[1].probe);
	ck_assert_ptr_null(t.results[2].probe);
	/* this program links the test's own probe stand-ins, never probe.c */
	ck_assert_int_eq(fake_starts, 2);
	{
		for (i = 0; i < 2; i++) {
			json_t *j = t.results[i].probe;

			ck_assert(json_is_true(json_object_get(j, "reconnected")));
			ck_assert_str_eq(json_string_value(json_object_get(j, "host")),
					 "app.example.test");
			ck_assert(json_boolean_value(json_object_get(j, "tlsExpected")) == (i == 1));
		}
	}
	target_clear(&t);
	close(l1);
	close(l2);
}
END_TEST

/* A probe that never ends is stopped by the engine past total_ms. */
START_TEST(test_probe_backstop)
{
	uint16_t p;
	int l = open_listener(AF_INET, &p);
	uint16_t ports[1] = { p };
	struct pg_scan_target t;
	struct pg_scan_opts o;
	uint64_t t0, el;

	quick_opts(&o, 1000, 0);
	o.probe = true;
	o.probe_opts.total_ms = 100;
	target_init(&t, "127.0.0.1", ports, 1);
	fake_hang = true;
	fake_starts = 0;
	t0 = now_ms();
	run(&t, 1, &o);
	el = now_ms() - t0;
	fake_hang = false;
	assert_port(&t.results[0], p, PG_PORT_OPEN, "syn-ack");
	ck_assert_int_gt(fake_starts, 0); /* the stand-in probe ran, so the backstop is tested */
	{
		ck_assert_ptr_nonnull(t.results[0].probe);
		/* it returned at all (the test case's timeout bounds a hang), after the
		 * connect timeout */
		ck_assert_msg(el >= 1000, "backstop after %llu ms", (unsigned long long)el);
	}
	target_clear(&t);
	close(l);
}
END_TEST

START_TEST(test_empty_and_bad_targets)
{
	uint16_t ports[2] = { 80, 443 };
	struct pg_scan_target t[2];
	struct pg_scan_opts o;

	quick_opts(&o, 100, 0);
	target_init(&t[0], "127.0.0.1", ports, 0); /* no ports */
	target_init(&t[1], "127.0.0.1", ports, 2);
	t[1].addr.family = AF_UNIX; /* not an IP address */
	run(t, 2, &o);
	assert_port(&t[1].results[0], 80, PG_PORT_ERROR, "bad-address");
	assert_port(&t[1].results[1], 443, PG_PORT_ERROR, "bad-address");
	ck_assert_uint_gt(t[0].finished_ms, 0);
	target_clear(&t[0]);
	target_clear(&t[1]);
	run(NULL, 0, &o);
}
END_TEST

/* RFC 6298 estimator: no shortening without evidence; then SRTT + 4 RTTVAR,
 * at least twice the slowest answer and PG_RTT_MIN_TIMEOUT_US, doubled per
 * retry, at most the configured timeout. */
START_TEST(test_rtt_estimator)
{
	struct pg_rtt g = { 0 }, d = { 0 }, none = { 0 };
	int i;

	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 1), 1000000);
	for (i = 0; i < PG_RTT_MIN_SAMPLES - 1; i++)
		pg_rtt_sample(&g, 40000);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 1), 1000000); /* too few */
	pg_rtt_sample(&g, 40000);
	ck_assert_uint_eq(g.srtt_us, 40000);
	ck_assert_uint_lt(g.rttvar_us, 20000); /* decays from rtt/2 */
	/* 40 ms answers: SRTT + 4 RTTVAR < 2 x 40 ms < the floor */
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 1), PG_RTT_MIN_TIMEOUT_US);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 2), 2 * PG_RTT_MIN_TIMEOUT_US);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 3), 4 * PG_RTT_MIN_TIMEOUT_US);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 10), 1000000);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 50000, 1), 50000); /* max wins */
	ck_assert_uint_eq(pg_rtt_timeout_us(NULL, &g, 1000000, 0), PG_RTT_MIN_TIMEOUT_US);
	/* one slower answer: never wait less than twice it */
	pg_rtt_sample(&g, 300000);
	ck_assert_uint_eq(g.max_us, 300000);
	ck_assert_uint_ge(pg_rtt_timeout_us(&d, &g, 1000000, 1), 600000);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &g, 1000000, 2), 1000000);
	/* a destination with its own evidence uses it (plus the run's maximum) */
	for (i = 0; i < PG_RTT_MIN_SAMPLES; i++)
		pg_rtt_sample(&d, 350000);
	ck_assert_uint_ge(pg_rtt_timeout_us(&d, &none, 5000000, 1), 700000);
	ck_assert_uint_le(pg_rtt_timeout_us(&d, &none, 5000000, 1), 1000000);
	/* a steady 10 ms destination converges to the floor */
	memset(&d, 0, sizeof(d));
	for (i = 0; i < 50; i++)
		pg_rtt_sample(&d, 10000 + (i % 3) * 1000);
	ck_assert_uint_le(d.srtt_us, 12000);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &none, 1000000, 1), PG_RTT_MIN_TIMEOUT_US);
	/* UDP: a destination's own answers count from PG_RTT_MIN_SAMPLES_UDP on;
	 * the run-wide fallback still needs PG_RTT_MIN_SAMPLES */
	memset(&d, 0, sizeof(d));
	for (i = 0; i < PG_RTT_MIN_SAMPLES_UDP - 1; i++)
		pg_rtt_sample(&d, 20000);
	ck_assert_uint_eq(pg_rtt_timeout_n_us(&d, PG_RTT_MIN_SAMPLES_UDP, &none, 1000000, 1),
			  1000000);
	pg_rtt_sample(&d, 20000);
	ck_assert_uint_eq(pg_rtt_timeout_n_us(&d, PG_RTT_MIN_SAMPLES_UDP, &none, 1000000, 1),
			  PG_RTT_MIN_TIMEOUT_US);
	ck_assert_uint_eq(pg_rtt_timeout_us(&d, &none, 1000000, 1), 1000000);
	ck_assert_uint_eq(pg_rtt_timeout_n_us(&none, PG_RTT_MIN_SAMPLES_UDP, &d, 1000000, 1),
			  1000000);
}
END_TEST

/* Answers from closed ports make the unanswered ones finish far sooner than
 * the configured timeout; one that started before any answer (listed first)
 * is brought forward too, and both still get their retry. */
START_TEST(test_adaptive_timeout)
{
	enum { NC = 30, TIMEOUT = 10000 };
	struct blackhole b[2];
	int cfd[NC];
	uint16_t ports[NC + 2];
	struct pg_scan_target t;
	struct pg_scan_opts o;
	uint64_t t0, el;
	size_t i;

	blackhole_open(&b[0]);
	blackhole_open(&b[1]);
	ports[0] = b[0].port;
	for (i = 0; i < NC; i++) {
		cfd[i] = bind_any(AF_INET); /* bound, not listening: RST */
		ck_assert_int_ge(cfd[i], 0);
		ports[i + 1] = bound_port(cfd[i]);
	}
	ports[NC + 1] = b[1].port;
	quick_opts(&o, TIMEOUT, 1);
	o.max_per_host = 4; /* the last port starts after answers came back */
	target_init(&t, "127.0.0.1", ports, NC + 2);
	t0 = now_ms();
	run(&t, 1, &o);
	el = now_ms() - t0;
	for (i = 0; i < NC; i++)
		assert_port(&t.results[i + 1], ports[i + 1], PG_PORT_CLOSED, "conn-refused");
	for (i = 0; i < 2; i++) {
		struct pg_port_result *r = &t.results[i ? NC + 1 : 0];

		assert_port(r, b[i].port, PG_PORT_FILTERED, "no-response");
		ck_assert_uint_eq(r->attempts, 2);
	}
	/* first try >= the floor, the retry twice that; fixed would be 2 x 10 s, so ending
	 * before one configured timeout means both tries were shortened */
	ck_assert_msg(el >= 3 * MIN_TIMEOUT_MS - 10 && el < TIMEOUT,
		      "unanswered ports took %llu ms", (unsigned long long)el);
	target_clear(&t);
	for (i = 0; i < NC; i++)
		close(cfd[i]);
	blackhole_close(&b[0]);
	blackhole_close(&b[1]);
}
END_TEST

/* A big scan without probing runs one loop per CPU over slices of the jobs
 * (a target can be cut in two): every port must still be right, timing
 * merged per target, progress monotonic and final once. */
START_TEST(test_loops_big_scan)
{
	enum { NP = 4500 };
	int *fds = calloc(NP, sizeof(*fds)), lst[3];
	uint16_t *ports = calloc(NP, sizeof(*ports));
	struct pg_scan_target t[2];
	struct pg_scan_opts o;
	size_t i, j;

	ck_assert_int_gt(pg_scan_auto_inflight(), 0); /* raise the fd limit */
	for (i = 0; i < NP; i++) {
		if (i % 1500 == 7) {
			lst[i / 1500] = open_listener(AF_INET, &ports[i]);
			fds[i] = -1;
			continue;
		}
		fds[i] = bind_any(AF_INET); /* bound, not listening: RST */
		ck_assert_int_ge(fds[i], 0);
		ports[i] = bound_port(fds[i]);
	}
	target_init(&t[0], "127.0.0.1", ports, NP);
	target_init(&t[1], "127.0.0.2", ports, NP);
	quick_opts(&o, 2000, 1);
	o.progress = on_progress;
	progress_calls = progress_last_done = progress_last_total = 0;
	run(t, 2, &o);
	for (j = 0; j < 2; j++) {
		for (i = 0; i < NP; i++) {
			if (i % 1500 == 7)
				assert_port(&t[j].results[i], ports[i], PG_PORT_OPEN, "syn-ack");
			else
				assert_port(&t[j].results[i], ports[i], PG_PORT_CLOSED, "conn-refused");
			ck_assert_uint_eq(t[j].results[i].attempts, 1);
		}
		ck_assert_uint_gt(t[j].started_ms, 0);
		ck_assert_uint_ge(t[j].finished_ms, t[j].started_ms);
		target_clear(&t[j]);
	}
	ck_assert_uint_eq(progress_last_done, 2 * NP);
	ck_assert_uint_eq(progress_last_total, 2 * NP);
	for (i = 0; i < NP; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (i = 0; i < 3; i++)
		close(lst[i]);
	free(fds);
	free(ports);
}
END_TEST

static Suite *scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_rtt_estimator);
	tcase_add_test(tc, test_adaptive_timeout);
	tcase_add_test(tc, test_loops_big_scan);
	tcase_add_test(tc, test_self_connect_detected);
	tcase_add_test(tc, test_open_closed_v4);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_filtered_retry);
	tcase_add_test(tc, test_200_hosts_one_timeout);
	tcase_add_test(tc, test_global_cap);
	tcase_add_test(tc, test_per_host_cap);
	tcase_add_test(tc, test_same_address_shares_cap);
	tcase_add_test(tc, test_emfile_recovers);
	tcase_add_test(tc, test_emfile_error);
	tcase_add_test(tc, test_probe_driven_in_loop);
	tcase_add_test(tc, test_probe_backstop);
	tcase_add_test(tc, test_empty_and_bad_targets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_check_run(scan_suite());
}
