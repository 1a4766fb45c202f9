/* test_resolve.c - pg_resolve_all against a real dnsmasq and small fake
 * servers, all on 127.0.0.1 ports picked free at run time. */
#include "config.h"

#include <arpa/inet.h>
#include "pg_check.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resolve/resolve.h"
#include "util/util.h"

#define BULK_NAMES 500

static pid_t dnsmasq_pid = -1;
static char tmpdir[] = "/tmp/pg-test-resolve-XXXXXX";
static char dns_server[32]; /* "127.0.0.1:PORT" of the dnsmasq */

/* ---- helpers ---------------------------------------------------------- */

/* A port free right now for UDP and for TCP on 127.0.0.1, or 0. */
static unsigned try_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned port = 0;
	int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u >= 0 && t >= 0 && !bind(u, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(u, (struct sockaddr *)&sin, &len) &&
	    !bind(t, (struct sockaddr *)&sin, sizeof(sin)))
		port = ntohs(sin.sin_port);
	if (u >= 0)
		close(u);
	if (t >= 0)
		close(t);
	return port;
}

/* A port that is free right now for both UDP and TCP on 127.0.0.1 (dnsmasq
 * binds both). The UDP port the kernel picks may be taken for TCP: try again
 * (bounded). There is a small race until the server binds it; callers that
 * start a server retry on failure. */
static unsigned free_port(void)
{
	unsigned port = 0;
	int i;

	for (i = 0; i < 50 && !port; i++)
		port = try_free_port();
	return port;
}

/* UDP socket bound to a free port of addr (AF_INET or AF_INET6 loopback). */
static int bound_udp(int family, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(family, SOCK_DGRAM, 0);

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_addr = in6addr_loopback;
		len = sizeof(*s);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static bool write_config(const char *path, unsigned port)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return false;
	}
	fprintf(f, "port=%u\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n"
		   "local=/#/\n" /* every unknown name is NXDOMAIN, nothing forwarded */
		   "host-record=a4.test,127.0.0.1\n"
		   "host-record=a6.test,::1\n"
		   "host-record=both.test,127.0.0.2,::2\n"
		   "host-record=final.test,127.0.0.5\n"
		   "cname=c1.test,c2.test\n"
		   "cname=c2.test,final.test\n"
		   "txt-record=txtonly.test,\"no addresses here\"\n",
		port);
	for (i = 0; i < BULK_NAMES; i++)
		fprintf(f, "host-record=n%d.bulk.test,127.1.%d.%d\n", i, i / 256, i % 256);
	return fclose(f) == 0;
}

static pid_t spawn_dnsmasq(const char *conf)
{
	char arg[512];
	pid_t pid;

	snprintf(arg, sizeof(arg), "--conf-file=%s", conf);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("dnsmasq", "dnsmasq", "--no-daemon", "--pid-file", arg, "--log-facility=-",
		       (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool resolves(const char *server, const char *name)
{
	struct pg_resolve_opts o = { server, 100, 1 };
	struct pg_resolution r;
	char *names[] = { (char *)name };
	char err[256];
	bool ok;

	memset(&r, 0, sizeof(r));
	ok = pg_resolve_all(names, 1, &o, &r, err, sizeof(err)) == 0 && r.ok;
	pg_resolution_clear(&r);
	return ok;
}

/* Start dnsmasq on a free port and wait (bounded) until it answers. */
static bool start_dnsmasq(void)
{
	char conf[256];
	int attempt, i;

	if (!mkdtemp(tmpdir))
		return false;
	snprintf(conf, sizeof(conf), "%s/dnsmasq.conf", tmpdir);
	for (attempt = 0; attempt < 5; attempt++) {
		unsigned port = free_port();

		if (!port)
			continue;
		if (!write_config(conf, port))
			return false;
		snprintf(dns_server, sizeof(dns_server), "127.0.0.1:%u", port);
		dnsmasq_pid = spawn_dnsmasq(conf);
		for (i = 0; i < 50; i++) {
			if (waitpid(dnsmasq_pid, NULL, WNOHANG) == dnsmasq_pid)
				break; /* port taken meanwhile: try another */
			if (resolves(dns_server, "a4.test"))
				return true;
		}
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = -1;
	}
	return false;
}

static void stop_dnsmasq(void)
{
	char path[256];

	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/dnsmasq.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* Resolve one name through server; returns pg_resolve_all's code. */
static int resolve1(const char *server, const char *name, int timeout_ms, int tries,
		    struct pg_resolution *r)
{
	struct pg_resolve_opts o = { server, timeout_ms, tries };
	char *names[] = { (char *)name };
	char err[256];

	memset(r, 0, sizeof(*r));
	return pg_resolve_all(names, 1, &o, r, err, sizeof(err));
}

/* ---- fake servers ------------------------------------------------------- */

enum fake_mode { FAKE_SERVFAIL, FAKE_DUP_A };

static size_t put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

/* Answer of the DUP_A server for an A query: 10.0.0.2, 10.0.0.1, 10.0.0.2
 * (a duplicate, and not in sorted order). AAAA: no data. */
static size_t add_dup_answers(unsigned char *buf, size_t len, unsigned qtype)
{
	static const unsigned char ips[3][4] = { { 10, 0, 0, 2 }, { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
	int i;

	if (qtype != 1)
		return len;
	for (i = 0; i < 3; i++) {
		unsigned char *p = buf + len;

		p += put16(p, 0xc00c); /* owner: the question name */
		p += put16(p, 1);
		p += put16(p, 1);
		p += put16(p, 0);
		p += put16(p, 60);
		p += put16(p, 4);
		memcpy(p, ips[i], 4);
		len += 16;
	}
	put16(buf + 6, 3);
	return len;
}

/* Read queries on fd and answer them per mode until killed. */
static void fake_server_loop(int fd, enum fake_mode mode)
{
	for (;;) {
		unsigned char buf[512];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, 400, 0, (struct sockaddr *)&from, &fl);
		size_t len, q = 12;

		if (n < 12)
			continue;
		while (q < (size_t)n && buf[q]) /* uncompressed question name */
			q += buf[q] + 1u;
		if (q + 5 > (size_t)n)
			continue;
		len = q + 5;
		buf[2] = 0x81; /* QR, RD */
		buf[3] = mode == FAKE_SERVFAIL ? 0x82 : 0x80; /* RA, rcode */
		memset(buf + 6, 0, 6);
		if (mode == FAKE_DUP_A)
			len = add_dup_answers(buf, len, (unsigned)buf[q + 1] << 8 | buf[q + 2]);
		sendto(fd, buf, len, 0, (struct sockaddr *)&from, fl);
	}
}

/* Fork a fake server on a free loopback port; *spec gets its server spec. */
static pid_t start_fake(int family, enum fake_mode mode, char *spec, size_t len)
{
	unsigned port;
	int fd = bound_udp(family, &port);
	pid_t pid;

	if (fd < 0)
		return -1;
	snprintf(spec, len, family == AF_INET ? "127.0.0.1:%u" : "[::1]:%u", port);
	pid = fork();
	if (pid == 0)
		fake_server_loop(fd, mode);
	close(fd);
	return pid;
}

static void stop_fake(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_a_only)
{
	struct pg_resolution r;

	ck_assert_int_eq(resolve1(dns_server, "a4.test", 1000, 2, &r), 0);
	ck_assert(r.ok);
	ck_assert(!r.is_literal);
	ck_assert_ptr_null(r.error);
	ck_assert_uint_eq(r.naddrs, 1);
	ck_assert_int_eq(r.addrs[0].family, AF_INET);
	ck_assert_str_eq(r.addrs[0].text, "127.0.0.1");
	ck_assert_uint_eq(r.ncnames, 0);
	pg_resolution_clear(&r);
	ck_assert_uint_eq(r.naddrs, 0);
}
END_TEST

START_TEST(test_aaaa_only)
{
	struct pg_resolution r;

	ck_assert_int_eq(resolve1(dns_server, "a6.test", 1000, 2, &r), 0);
	ck_assert(r.ok);
	ck_assert_uint_eq(r.naddrs, 1);
	ck_assert_int_eq(r.addrs[0].family, AF_INET6);
	ck_assert_str_eq(r.addrs[0].text, "::1");
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_both_a_first)
{
	struct pg_resolution r;

	ck_assert_int_eq(resolve1(dns_server, "both.test", 1000, 2, &r), 0);
	ck_assert(r.ok);
	ck_assert_uint_eq(r.naddrs, 2);
	ck_assert_str_eq(r.addrs[0].text, "127.0.0.2");
	ck_assert_str_eq(r.addrs[1].text, "::2");
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_cname_chain)
{
	struct pg_resolution r;

	ck_assert_int_eq(resolve1(dns_server, "c1.test", 1000, 2, &r), 0);
	ck_assert(r.ok);
	ck_assert_uint_eq(r.ncnames, 2);
	ck_assert_str_eq(r.cnames[0], "c2.test");
	ck_assert_str_eq(r.cnames[1], "final.test");
	ck_assert_uint_eq(r.naddrs, 1);
	ck_assert_str_eq(r.addrs[0].text, "127.0.0.5");
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_nxdomain)
{
	struct pg_resolution r;

	ck_assert_int_eq(resolve1(dns_server, "missing.test", 1000, 2, &r), 0);
	ck_assert(!r.ok);
	ck_assert_uint_eq(r.naddrs, 0);
	ck_assert_str_eq(r.error, "NXDOMAIN (name does not exist)");
	pg_resolution_clear(&r);
	ck_assert_ptr_null(r.error);
}
END_TEST

START_TEST(test_no_records)
{
	struct pg_resolution r;

	ck_assert_int_eq(resolve1(dns_server, "txtonly.test", 1000, 2, &r), 0);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.error, "no A or AAAA records");
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_timeout_silent_server)
{
	struct pg_resolution r;
	unsigned port;
	int fd = bound_udp(AF_INET, &port); /* bound, never read: a silent server */
	char spec[32];
	uint64_t t0, ms;

	ck_assert_int_ge(fd, 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	t0 = pg_clock_now_ms();
	ck_assert_int_eq(resolve1(spec, "a4.test", 200, 2, &r), 0);
	ms = pg_clock_now_ms() - t0;
	close(fd);
	ck_assert(!r.ok);
	ck_assert_ptr_nonnull(r.error);
	ck_assert_msg(!strncmp(r.error, "DNS timeout after ", 18), "error: %s", r.error);
	/* c-ares waits 200 ms, then 400 ms on the retry; the overall deadline
	 * (2 x that budget) bounds it from above. */
	ck_assert_uint_ge(ms, 550);
	ck_assert_uint_lt(ms, 1500);
	printf("timeout case: %s (measured %llu ms)\n", r.error, (unsigned long long)ms);
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct pg_resolution r;
	char spec[32], want[80];
	unsigned port = free_port(); /* nothing listens: ICMP port unreachable */

	ck_assert_uint_ne(port, 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	snprintf(want, sizeof(want), "connection refused by DNS server 127.0.0.1:%u", port);
	ck_assert_int_eq(resolve1(spec, "a4.test", 500, 1, &r), 0);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.error, want);
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_servfail)
{
	struct pg_resolution r;
	char spec[64];
	pid_t pid = start_fake(AF_INET, FAKE_SERVFAIL, spec, sizeof(spec));

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(resolve1(spec, "a4.test", 1000, 1, &r), 0);
	stop_fake(pid);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.error, "SERVFAIL");
	pg_resolution_clear(&r);
}
END_TEST

/* Answer order is kept and duplicates dropped; also the [v6]:port spec. */
static void check_dup_server(int family)
{
	struct pg_resolution r;
	char spec[64];
	pid_t pid = start_fake(family, FAKE_DUP_A, spec, sizeof(spec));

	if (pid < 0 && family == AF_INET6) {
		printf("no ::1 on this machine: [::1]:PORT server spec not exercised\n");
		return;
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(resolve1(spec, "dup.example", 1000, 1, &r), 0);
	stop_fake(pid);
	ck_assert_msg(r.ok, "error: %s", r.error ? r.error : "");
	ck_assert_uint_eq(r.naddrs, 2);
	ck_assert_str_eq(r.addrs[0].text, "10.0.0.2");
	ck_assert_str_eq(r.addrs[1].text, "10.0.0.1");
	pg_resolution_clear(&r);
}

START_TEST(test_answer_order_dedup)
{
	check_dup_server(AF_INET);
	check_dup_server(AF_INET6);
}
END_TEST

START_TEST(test_literals)
{
	static const struct {
		const char *in, *text;
		int family;
	} ok[] = {
		{ "192.0.2.7", "192.0.2.7", AF_INET },
		{ "2001:db8::1", "2001:db8::1", AF_INET6 },
		{ "[2001:db8::1]", "2001:db8::1", AF_INET6 },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1", AF_INET6 },
		{ "fe80::1%1", "fe80::1", AF_INET6 },
	};
	static const char *const bad[] = { "10.1", "1", "[192.0.2.7]", "[::1", "::1]", "[]",
					   "example.test", "", "256.1.1.1", "fe80::1%" };
	struct pg_addr a;
	size_t i;

	for (i = 0; i < PG_ARRAY_LEN(ok); i++) {
		ck_assert_msg(pg_addr_parse_literal(ok[i].in, 443, &a), "%s", ok[i].in);
		ck_assert_int_eq(a.family, ok[i].family);
		ck_assert_str_eq(a.text, ok[i].text);
		if (a.family == AF_INET) {
			ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&a.ss)->sin_port), 443);
			ck_assert_uint_eq(a.sslen, sizeof(struct sockaddr_in));
		} else {
			ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port), 443);
			ck_assert_uint_eq(a.sslen, sizeof(struct sockaddr_in6));
		}
		pg_addr_set_port(&a, 8443);
		ck_assert_uint_eq(ntohs(a.family == AF_INET
						? ((struct sockaddr_in *)&a.ss)->sin_port
						: ((struct sockaddr_in6 *)&a.ss)->sin6_port),
				  8443);
	}
	ck_assert_uint_eq(((struct sockaddr_in6 *)&a.ss)->sin6_scope_id, 1);
	for (i = 0; i < PG_ARRAY_LEN(bad); i++)
		ck_assert_msg(!pg_addr_parse_literal(bad[i], 80, &a), "%s", bad[i]);
	ck_assert(!pg_addr_parse_literal(NULL, 80, &a));
}
END_TEST

/* Literals need no DNS: a server that does not exist is never asked. */
START_TEST(test_literals_in_resolve_all)
{
	char *names[] = { "192.0.2.9", "::1", "[2001:db8::5]" };
	const char *want[] = { "192.0.2.9", "::1", "2001:db8::5" };
	struct pg_resolution r[3];
	struct pg_resolve_opts o = { "127.0.0.1:9", 100, 1 };
	char err[128];
	size_t i;

	memset(r, 0, sizeof(r));
	ck_assert_int_eq(pg_resolve_all(names, 3, &o, r, err, sizeof(err)), 0);
	for (i = 0; i < 3; i++) {
		ck_assert(r[i].ok);
		ck_assert(r[i].is_literal);
		ck_assert_uint_eq(r[i].naddrs, 1);
		ck_assert_str_eq(r[i].addrs[0].text, want[i]);
		pg_resolution_clear(&r[i]);
	}
}
END_TEST

START_TEST(test_bad_server_spec)
{
	static const char *const bad[] = { "", "dns.example:53", "127.0.0.1:0", "127.0.0.1:65536",
					   "127.0.0.1:", "127.0.0.1:53x", "[::1", "[::1]x",
					   "[::1]:", "[127.0.0.1]:53x", "1.2.3:53" };
	static const char *const good[] = { "127.0.0.1", "127.0.0.1:5353", "[::1]:5353",
					    "::1", "[::1]" };
	char *names[] = { "192.0.2.1" };
	struct pg_resolution r;
	char err[256];
	size_t i;

	for (i = 0; i < PG_ARRAY_LEN(bad); i++) {
		struct pg_resolve_opts o = { bad[i], 100, 1 };

		memset(&r, 0, sizeof(r));
		err[0] = '\0';
		ck_assert_msg(pg_resolve_all(names, 1, &o, &r, err, sizeof(err)) == -1, "%s", bad[i]);
		ck_assert_msg(strstr(err, "bad DNS server") != NULL, "%s: %s", bad[i], err);
		pg_resolution_clear(&r);
		ck_assert(!pg_resolve_server_check(bad[i], err, sizeof(err)));
	}
	for (i = 0; i < PG_ARRAY_LEN(good); i++) {
		struct pg_resolve_opts o = { good[i], 100, 1 };

		memset(&r, 0, sizeof(r));
		ck_assert_msg(pg_resolve_all(names, 1, &o, &r, err, sizeof(err)) == 0, "%s: %s",
			      good[i], err);
		ck_assert(r.ok);
		pg_resolution_clear(&r);
		ck_assert(pg_resolve_server_check(good[i], err, sizeof(err)));
	}
}
END_TEST

/* True when /etc/hosts maps localhost to 127.0.0.1, so the system resolver
 * answers from the file and sends no query anywhere. */
static bool hosts_has_localhost(void)
{
	char *text = pg_read_file("/etc/hosts", 1 << 20, NULL), *save = NULL, *line;
	bool found = false;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *lsave = NULL, *addr = strtok_r(line, " \t", &lsave), *name;

		if (!addr || strcmp(addr, "127.0.0.1"))
			continue;
		while (!found && (name = strtok_r(NULL, " \t", &lsave)))
			found = !strcmp(name, "localhost");
	}
	free(text);
	return found;
}

START_TEST(test_hosts_file_without_server)
{
	struct pg_resolution r;
	size_t i;
	bool v4 = false;

	if (!hosts_has_localhost()) {
		printf("no '127.0.0.1 localhost' in /etc/hosts: hosts-file lookup not exercised\n");
		return;
	}
	ck_assert_int_eq(resolve1(NULL, "localhost", 200, 1, &r), 0);
	ck_assert(r.ok);
	ck_assert(!r.is_literal);
	for (i = 0; i < r.naddrs; i++)
		v4 |= !strcmp(r.addrs[i].text, "127.0.0.1");
	ck_assert(v4);
	pg_resolution_clear(&r);
}
END_TEST

START_TEST(test_mixed_batch)
{
	char *names[] = { "a4.test", "missing.test", "10.9.8.7", "c1.test", "", "txtonly.test" };
	struct pg_resolution r[6];
	struct pg_resolve_opts o = { dns_server, 1000, 2 };
	char err[128];
	size_t i;

	memset(r, 0, sizeof(r));
	ck_assert_int_eq(pg_resolve_all(names, 6, &o, r, err, sizeof(err)), 0);
	ck_assert(r[0].ok);
	ck_assert_str_eq(r[0].addrs[0].text, "127.0.0.1");
	ck_assert_str_eq(r[1].error, "NXDOMAIN (name does not exist)");
	ck_assert(r[2].ok && r[2].is_literal);
	ck_assert(r[3].ok);
	ck_assert_str_eq(r[3].addrs[0].text, "127.0.0.5");
	ck_assert_str_eq(r[4].error, "invalid host name");
	ck_assert_str_eq(r[5].error, "no A or AAAA records");
	for (i = 0; i < 6; i++)
		pg_resolution_clear(&r[i]);
}
END_TEST

/* 500 names (1,000 queries) through one channel: about one round trip, not
 * 500. Each name must get its own address back. */
START_TEST(test_bulk_concurrent)
{
	struct pg_resolution *r = pg_xcalloc(BULK_NAMES, sizeof(*r));
	char **names = pg_xcalloc(BULK_NAMES, sizeof(*names));
	/* A lost answer would cost a 5 s retry, which the bound below catches. */
	struct pg_resolve_opts o = { dns_server, 5000, 2 };
	struct pg_resolution one;
	uint64_t t0, ms, one_ms;
	char err[128];
	int i;

	for (i = 0; i < BULK_NAMES; i++)
		names[i] = pg_xasprintf("n%d.bulk.test", i);
	t0 = pg_clock_now_ms();
	ck_assert_int_eq(resolve1(dns_server, "n1.bulk.test", 2000, 2, &one), 0);
	one_ms = pg_clock_now_ms() - t0;
	pg_resolution_clear(&one);
	t0 = pg_clock_now_ms();
	ck_assert_int_eq(pg_resolve_all(names, BULK_NAMES, &o, r, err, sizeof(err)), 0);
	ms = pg_clock_now_ms() - t0;
	for (i = 0; i < BULK_NAMES; i++) {
		char want[32];

		snprintf(want, sizeof(want), "127.1.%d.%d", i / 256, i % 256);
		ck_assert_msg(r[i].ok, "%s: %s", names[i], r[i].error ? r[i].error : "");
		ck_assert_uint_eq(r[i].naddrs, 1);
		ck_assert_str_eq(r[i].addrs[0].text, want);
		pg_resolution_clear(&r[i]);
		free(names[i]);
	}
	printf("bulk: %d names resolved in %llu ms (one name: %llu ms)\n", BULK_NAMES,
	       (unsigned long long)ms, (unsigned long long)one_ms);
	/* no answer was lost: that would have cost one 5 s retry timeout */
	ck_assert_uint_lt(ms, (uint64_t)o.timeout_ms);
	free(names);
	free(r);
}
END_TEST

/* Many names against a dead server: the first lost window is enough to
 * give up; a dead server must not cost one timeout per window. */
static void check_dead_server(const char *spec, const char *want_prefix)
{
	enum { N = 1000 };
	struct pg_resolution *r = pg_xcalloc(N, sizeof(*r));
	char **names = pg_xcalloc(N, sizeof(*names));
	struct pg_resolve_opts o = { spec, 100, 1 };
	uint64_t t0, ms;
	char err[128];
	int i;

	for (i = 0; i < N; i++)
		names[i] = pg_xasprintf("d%d.example.test", i);
	t0 = pg_clock_now_ms();
	ck_assert_int_eq(pg_resolve_all(names, N, &o, r, err, sizeof(err)), 0);
	ms = pg_clock_now_ms() - t0;
	for (i = 0; i < N; i++) {
		ck_assert(!r[i].ok);
		ck_assert_msg(!strncmp(r[i].error, want_prefix, strlen(want_prefix)), "%s: %s",
			      names[i], r[i].error);
		pg_resolution_clear(&r[i]);
		free(names[i]);
	}
	printf("dead server %s: %d names failed in %llu ms\n", spec, N, (unsigned long long)ms);
	/* one window per 100 ms timeout would take 32 x 100 ms: less than that is the first
	 * lost window giving up (the bound is that cost, not a guess at this machine's speed) */
	ck_assert_uint_lt(ms, 32 * 100);
	free(names);
	free(r);
}

START_TEST(test_dead_server_gives_up)
{
	unsigned port;
	int fd = bound_udp(AF_INET, &port);
	char spec[32], want[80];

	ck_assert_int_ge(fd, 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	check_dead_server(spec, "DNS timeout after ");
	close(fd);
	port = free_port();
	ck_assert_uint_ne(port, 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	snprintf(want, sizeof(want), "connection refused by DNS server %s", spec);
	check_dead_server(spec, want);
}
END_TEST

static Suite *resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("dns");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_only);
	tcase_add_test(tc, test_aaaa_only);
	tcase_add_test(tc, test_both_a_first);
	tcase_add_test(tc, test_cname_chain);
	tcase_add_test(tc, test_nxdomain);
	tcase_add_test(tc, test_no_records);
	tcase_add_test(tc, test_timeout_silent_server);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_servfail);
	tcase_add_test(tc, test_answer_order_dedup);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_literals_in_resolve_all);
	tcase_add_test(tc, test_bad_server_spec);
	tcase_add_test(tc, test_mixed_batch);
	tcase_add_test(tc, test_hosts_file_without_server);
	tcase_add_test(tc, test_bulk_concurrent);
	tcase_add_test(tc, test_dead_server_gives_up);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	if (!start_dnsmasq()) {
		fprintf(stderr, "SKIP: could not start dnsmasq on a free 127.0.0.1 port\n");
		stop_dnsmasq();
		return 77;
	}
	status = pg_check_run(resolve_suite());
	stop_dnsmasq();
	return status;
}
