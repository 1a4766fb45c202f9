/* test_probe.c - the probe state machine against real listeners on loopback.
 *
 * The test drives pg_probe_* with its own small epoll loop (not the scan
 * engine) against tests/tools/hostile.py, with certificates made by
 * tests/e2e/lib/tls.sh (openssl CLI). Needs python3 and openssl: exits 77
 * (skip) without them. */
#include "config.h"

#include <arpa/inet.h>
#include "pg_check.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/probe.h"
#include "util/util.h"

/* hostile.py listeners, in this order */
enum {
	L_SSH, L_SMTP, L_FTP, L_POP3, L_IMAP, L_MYSQL, L_EVIL, L_GARBAGE, L_TRICKLE, L_FASTTRICKLE,
	L_SILENT, L_HTTP, L_TLSPLAIN, L_VALID, L_EXPIRED, L_FUTURE, L_SELF, L_WRONGHOST, L_WILDCARD,
	L_PARTIAL, L_TLSFLOOD, L_TLSSTALL, L_HANGUP, L_GETCLOSE, L_REDISDENIED, L_COUNT
};
static const char *const kinds[L_COUNT] = {
	"ssh", "smtp", "ftp", "pop3", "imap", "mysql", "evil", "garbage", "trickle=1", "trickle=0.1",
	"silent", "http", "tlsplain", "tls=valid", "tls=expired", "tls=future", "tls=self",
	"tls=wronghost", "tls=wildcard", "tls=partial", "tlsflood", "tlsstall", "hangup", "getclose",
	"redisdenied",
};

static char dir[64];
static char ca_file[128];
static pid_t server_pid = -1;
static uint16_t ports[L_COUNT];

static void stop_server(void);

/* Setup failed: no half-started listener or temp dir left behind. */
static void die(const char *what)
{
	fprintf(stderr, "test_probe: %s\n", what);
	stop_server();
	exit(99);
}

static void run_or_die(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0) {
		fprintf(stderr, "test_probe: '%s' failed (%d)\n", cmd, rc);
		die("setup command failed");
	}
}

static void start_server(void)
{
	const char *src = getenv("PG_SRCDIR");
	char cmd[1024], portfile[128], *argv[L_COUNT + 4];
	char specs[L_COUNT][256];
	FILE *f;

	if (!src)
		src = ".";
	if (system("command -v python3 >/dev/null && command -v openssl >/dev/null") != 0) {
		printf("SKIP: python3 and openssl are needed\n");
		exit(77);
	}
	snprintf(dir, sizeof(dir), "/tmp/pg-probe.XXXXXX");
	if (!mkdtemp(dir)) {
		dir[0] = '\0';
		die("mkdtemp failed");
	}
	snprintf(cmd, sizeof(cmd), ". '%s/tests/e2e/lib/tls.sh' && tls_make_pki '%s'", src, dir);
	run_or_die(cmd);
	snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
	snprintf(portfile, sizeof(portfile), "%s/ports", dir);
	snprintf(cmd, sizeof(cmd), "%s/tests/tools/hostile.py", src);
	argv[0] = "python3";
	argv[1] = cmd;
	argv[2] = portfile;
	for (int i = 0; i < L_COUNT; i++) {
		if (strncmp(kinds[i], "tls=", 4) == 0)
			snprintf(specs[i], sizeof(specs[i]), "tls=%s/%s.pem:%s/%s.key", dir, kinds[i] + 4, dir,
				 kinds[i] + 4);
		else
			snprintf(specs[i], sizeof(specs[i]), "%s", kinds[i]);
		argv[3 + i] = specs[i];
	}
	argv[3 + L_COUNT] = NULL;
	server_pid = fork();
	if (server_pid == 0) {
		execvp("python3", argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && access(portfile, R_OK) != 0; i++)
		usleep(50 * 1000);
	f = fopen(portfile, "r");
	if (!f)
		die("hostile.py did not start");
	for (int i = 0; i < L_COUNT; i++) {
		unsigned p = 0;

		if (fscanf(f, "%u", &p) != 1)
			die("bad port file");
		ports[i] = (uint16_t)p;
	}
	fclose(f);
}

static void stop_server(void)
{
	char cmd[128];

	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)system(cmd);
	}
}

static struct pg_probe_opts test_opts(void)
{
	struct pg_probe_opts o = {.banner_wait_ms = 300, .total_ms = 3000, .max_bytes = 16384};

	return o;
}

static int connect_loopback(uint16_t port, struct pg_addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sslen = sizeof(*sin);
	pg_strlcpy(a->text, "127.0.0.1", sizeof(a->text));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Watch fd with events in ep, whether or not it is (still) registered. */
static void watch(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};

	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
		ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
}

/* How a probe ended, in its own terms rather than in wall-clock time (a loaded machine
 * stretches the time; what ended the probe does not change): by one of its timers or by what
 * it read, and the deadline it was waiting for, counted from its start. */
struct probe_end {
	uint64_t ms;       /* elapsed, for the lower bounds */
	bool by_timer;     /* the last step came at or after the probe's deadline */
	uint64_t deadline; /* that deadline - start, 0 when none was pending */
};

/* One probe through a private epoll loop; *end (may be NULL) says how it ended. */
static json_t *probe_ex(int which, const char *host, bool tls, const struct pg_probe_opts *o,
			struct probe_end *end)
{
	struct pg_addr a;
	int fd = connect_loopback(ports[which], &a), ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t t0 = pg_clock_now_ms(), now = t0;
	struct pg_probe *p = pg_probe_start(fd, &a, ports[which], host, tls, o, now);
	json_t *j;
	int i;
	uint64_t dl = 0;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 100000; i++) {
		struct epoll_event ev = {0};
		int n;

		dl = pg_probe_deadline(p);
		watch(ep, pg_probe_fd(p), pg_probe_events(p));
		n = epoll_wait(ep, &ev, 1, dl > now ? (int)(dl - now) : 0);
		now = pg_clock_now_ms();
		if (pg_probe_step(p, n > 0 ? ev.events : 0, now))
			break;
	}
	ck_assert_int_lt(i, 100000);
	j = pg_probe_finish(p);
	close(ep);
	if (end) {
		end->ms = pg_clock_now_ms() - t0;
		end->by_timer = dl && now >= dl; /* 0: no timer was pending */
		end->deadline = dl ? dl - t0 : 0;
	}
	return j;
}

static json_t *probe(int which, const char *host, bool tls, const char *ca)
{
	struct pg_probe_opts o = test_opts();

	o.ca_file = ca;
	return probe_ex(which, host, tls, &o, NULL);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *cstr(json_t *o, const char *key)
{
	return str(json_object_get(o, "certificate"), key);
}

/* reasons[] as one comma list, "" when empty */
static const char *reasons(json_t *o, char *buf, size_t len)
{
	json_t *r = json_object_get(json_object_get(o, "certificate"), "reasons"), *v;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(r, i, v) {
		if (i)
			pg_str_append(buf, len, ",");
		pg_str_append(buf, len, json_string_value(v));
	}
	return buf;
}

static bool cert_valid(json_t *o)
{
	return json_is_true(json_object_get(json_object_get(o, "certificate"), "valid"));
}

static const char *byport(int which, char *buf, size_t len)
{
	return pg_service_by_port(ports[which], buf, len);
}

/* ---- pure helpers ---- */

START_TEST(sanitize_rules)
{
	char out[64];
	const char evil[] = "a\x1b[2J\tb\\c\r\n\r\nd\x00\xff";

	pg_banner_sanitize(evil, sizeof(evil) - 1, out, sizeof(out));
	ck_assert_str_eq(out, "a\\x1b[2J b\\x5cc | d\\x00\\xff");
	pg_banner_sanitize("x\r\n", 3, out, sizeof(out));
	ck_assert_str_eq(out, "x"); /* trailing line end dropped */
	pg_banner_sanitize("0123456789abcdef", 16, out, 10);
	ck_assert_str_eq(out, "012345...");
	pg_banner_sanitize("\x01\x02\x03\x04", 4, out, 11);
	ck_assert_str_eq(out, "\\x01..."); /* never cut inside an escape */
}
END_TEST

START_TEST(classify_protocols)
{
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"SSH-2.0-x\r\n", 11, NULL), "ssh");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"220 x ESMTP\r\n", 13, NULL), "smtp");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"220 (vsFTPd)\r\n", 14, NULL), "ftp");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"220 hi\r\n", 8, "ftp"), "ftp");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"+OK\r\n", 5, NULL), "pop3");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"* OK\r\n", 6, NULL), "imap");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"HTTP/1.1 200 OK\r\n", 17, NULL), "http");
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"\x15\x03\x03\x00\x02", 5, NULL), "tls");
	ck_assert_ptr_null(pg_probe_classify((const unsigned char *)"hello", 5, NULL));
	ck_assert_str_eq(pg_probe_classify((const unsigned char *)"-DENIED Redis is\r\n", 18, NULL),
			 "redis");
	/* a POP3 refusal is no Redis */
	ck_assert_ptr_null(pg_probe_classify((const unsigned char *)"-ERR denied\r\n", 13, NULL));
}
END_TEST

START_TEST(http_head_parse)
{
	const char r[] = "HTTP/1.1 301 Moved\r\nX-A: b\r\nserver:  nginx/1.22\x1b\r\n\r\nServer: body";
	char line[64], server[64];
	int status = 0;

	ck_assert(pg_http_parse((const unsigned char *)r, sizeof(r) - 1, &status, line, sizeof(line), server,
				sizeof(server)));
	ck_assert_int_eq(status, 301);
	ck_assert_str_eq(line, "HTTP/1.1 301 Moved");
	ck_assert_str_eq(server, "nginx/1.22\\x1b");
	ck_assert(!pg_http_parse((const unsigned char *)"HTTP/1.1 2", 10, &status, line, sizeof(line), server,
				 sizeof(server)));
}
END_TEST

START_TEST(port_tables)
{
	char buf[64];

	ck_assert_str_eq(pg_service_by_port(22, buf, sizeof(buf)), "ssh");
	ck_assert_str_eq(pg_service_by_port(993, buf, sizeof(buf)), "imaps");
	ck_assert(pg_port_is_tls_default(443) && pg_port_is_tls_default(8443) && pg_port_is_tls_default(5986));
	ck_assert(!pg_port_is_tls_default(80) && !pg_port_is_tls_default(22));
	ck_assert(pg_port_is_http_like(8080) && !pg_port_is_http_like(22));
}
END_TEST

/* ---- server-first banners ---- */

START_TEST(banners)
{
	static const struct { int l; const char *service, *banner; } want[] = {
		{L_SSH, "ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"},
		{L_SMTP, "smtp", "220 mail.test.local ESMTP Postfix (Debian/GNU)"},
		{L_FTP, "ftp", "220 (vsFTPd 3.0.3)"},
		{L_POP3, "pop3", "+OK Dovecot (Debian) ready."},
		{L_IMAP, "imap", "* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready."},
		{L_MYSQL, "mysql", "8.0.36-hostile"},
	};
	json_t *j = probe(want[_i].l, "localhost", false, NULL);

	ck_assert_str_eq(str(j, "service"), want[_i].service);
	ck_assert_str_eq(str(j, "banner"), want[_i].banner);
	ck_assert_ptr_null(json_object_get(j, "tlsVersion"));
	ck_assert_ptr_null(json_object_get(j, "speaksTls"));
	json_decref(j);
}
END_TEST

/* Redis in protected mode greets a remote client with -DENIED and hangs up: named
 * redis, with authRequired, also on a port /etc/services does not name (it was
 * "unknown" there). */
START_TEST(redis_protected_mode_greeting)
{
	json_t *j = probe(L_REDISDENIED, "localhost", false, NULL);

	ck_assert_str_eq(str(j, "service"), "redis");
	ck_assert(json_is_true(json_object_get(j, "authRequired")));
	ck_assert_str_eq(str(j, "banner"), "-DENIED Redis is running in protected mode because "
					   "protected mode is enabled and no password is set for the "
					   "default user.");
	json_decref(j);
}
END_TEST

START_TEST(banner_escapes)
{
	json_t *j = probe(L_EVIL, "localhost", false, NULL);
	const char *b = str(j, "banner");

	ck_assert_str_eq(str(j, "service"), "ssh");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, "SSH-2.0-Evil\\x1b]0;pwned\\x07\\x1b[2J\\x5cx41\\x00\\x7f | second line");
	for (const char *c = b; *c; c++)
		ck_assert(*c >= 0x20 && *c < 0x7f);
	json_decref(j);
}
END_TEST

/* ---- hostile servers stay within the bounds ---- */

START_TEST(garbage_is_bounded)
{
	struct pg_probe_opts o = test_opts();
	struct probe_end end;
	char svc[64];
	json_t *j;

	o.max_bytes = 1000;
	j = probe_ex(L_GARBAGE, "localhost", false, &o, &end);
	ck_assert_int_le(json_integer_value(json_object_get(j, "bytesRead")), 1000);
	ck_assert_int_gt(json_integer_value(json_object_get(j, "bytesRead")), 0);
	ck_assert_msg(!end.by_timer, "the byte cap, not a timer, ends the read"); /* was < 1000 ms */
	ck_assert_str_eq(str(j, "service"), byport(L_GARBAGE, svc, sizeof(svc)));
	ck_assert_str_eq(str(j, "banner") + strlen(str(j, "banner")) - 3, "...");
	ck_assert_int_le(strlen(str(j, "banner")), 256);
	ck_assert(strncmp(str(j, "banner"), "\\x00NOISE", 9) == 0);
	json_decref(j);
}
END_TEST

START_TEST(slow_trickle_ends_after_quiet)
{
	struct probe_end end;
	struct pg_probe_opts o = test_opts();
	json_t *j = probe_ex(L_TRICKLE, "localhost", false, &o, &end);

	/* one byte, then a second of quiet: the settle timer ends the read, well before the
	 * total budget and before the server's second byte (was: < 900 ms) */
	ck_assert_str_eq(str(j, "banner"), "a");
	ck_assert(end.by_timer);
	ck_assert_uint_lt(end.deadline, 1000);
	json_decref(j);
}
END_TEST

START_TEST(fast_trickle_hits_total)
{
	struct probe_end end;
	struct pg_probe_opts o = test_opts();
	json_t *j;

	o.total_ms = 1500;
	j = probe_ex(L_FASTTRICKLE, "localhost", false, &o, &end);
	/* a byte every 100 ms never lets the read settle: total_ms stops it (was: < 1800 ms) */
	ck_assert_uint_ge(end.ms, 1450);
	ck_assert(end.by_timer);
	ck_assert_uint_eq(end.deadline, 1500);
	ck_assert(strncmp(str(j, "banner"), "abcdefgh", 8) == 0);
	json_decref(j);
}
END_TEST

START_TEST(silent_hits_total)
{
	struct probe_end end;
	char svc[64];
	struct pg_probe_opts o = test_opts();
	json_t *j;

	o.total_ms = 1200;
	j = probe_ex(L_SILENT, "localhost", false, &o, &end);
	/* the total budget, not a later timer, ends it (was: < 1500 ms) */
	ck_assert_uint_ge(end.ms, 1150);
	ck_assert(end.by_timer);
	ck_assert_uint_eq(end.deadline, 1200);
	ck_assert_ptr_null(json_object_get(j, "banner"));
	ck_assert_str_eq(str(j, "service"), byport(L_SILENT, svc, sizeof(svc)));
	json_decref(j);
}
END_TEST

START_TEST(tls_flood_is_bounded)
{
	struct probe_end end;
	struct pg_probe_opts o = test_opts();
	json_t *j;

	o.max_bytes = 4096;
	j = probe_ex(L_TLSFLOOD, "localhost", true, &o, &end);
	ck_assert_ptr_nonnull(str(j, "tlsError"));
	ck_assert(json_is_false(json_object_get(j, "speaksTls")));
	/* at most one TLS record (16 KiB + header) past the cap */
	ck_assert_int_le(json_integer_value(json_object_get(j, "bytesRead")), 4096 + 16384 + 5);
	ck_assert_msg(!end.by_timer, "the byte cap, not a timer, ends the handshake"); /* < 1000 ms */
	json_decref(j);
}
END_TEST

START_TEST(tls_stall_hits_total)
{
	struct probe_end end;
	struct pg_probe_opts o = test_opts();
	json_t *j;

	o.total_ms = 1000;
	j = probe_ex(L_TLSSTALL, "localhost", true, &o, &end);
	ck_assert_str_eq(str(j, "tlsError"), "timeout");
	/* the total budget ends the stalled handshake (was: < 1300 ms) */
	ck_assert_uint_ge(end.ms, 950);
	ck_assert(end.by_timer);
	ck_assert_uint_eq(end.deadline, 1000);
	json_decref(j);
}
END_TEST

/* ---- data-store guesses (probe_db.h) on a port /etc/services does not name ---- */

/* A server that hangs up on every request: HTTP, the speculative TLS handshake and the
 * five data-store guesses each end at the hang-up, not at a timer; nothing is named. */
START_TEST(hangups_end_the_guesses)
{
	struct probe_end end;
	char svc[64];
	struct pg_probe_opts o = test_opts();
	json_t *j;

	o.total_ms = 10000;
	j = probe_ex(L_HANGUP, "localhost", false, &o, &end);
	ck_assert_msg(!end.by_timer, "the last hang-up, not a timer, ends it");
	ck_assert_ptr_null(json_object_get(j, "banner"));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "bytesRead")), 0);
	ck_assert_str_eq(str(j, "service"), byport(L_HANGUP, svc, sizeof(svc)));
	json_decref(j);
}
END_TEST

/* A server that closes on GET and then waits on everything: the speculative handshake and
 * each of the five guesses cost their own 1 s wait (300 + 6 x 1000 ms), and the probe ends
 * when the guesses run out, before the 10 s budget. */
START_TEST(wrong_guesses_cost_their_wait)
{
	struct probe_end end;
	struct pg_probe_opts o = test_opts();
	char svc[64];
	json_t *j;

	/* an ephemeral port /etc/services names gets no guesses (as before): nothing to see */
	ck_assert_str_eq(byport(L_GETCLOSE, svc, sizeof(svc)), "unknown");
	o.total_ms = 10000;
	j = probe_ex(L_GETCLOSE, "localhost", false, &o, &end);
	ck_assert(end.by_timer);
	ck_assert_uint_ge(end.deadline, 6300);
	ck_assert_uint_lt(end.deadline, 10000);
	ck_assert_uint_ge(end.ms, 6250);
	ck_assert_ptr_null(json_object_get(j, "tlsError")); /* a speculative attempt says nothing */
	json_decref(j);
}
END_TEST

/* ---- HTTP and TLS discovery ---- */

START_TEST(http_probe)
{
	json_t *j = probe(L_HTTP, "localhost", false, NULL);

	ck_assert_str_eq(str(j, "service"), "http");
	ck_assert_str_eq(str(j, "banner"), "HTTP/1.1 200 OK | hostile-http/1.0");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "http"), "status")), 200);
	ck_assert_str_eq(str(json_object_get(j, "http"), "server"), "hostile-http/1.0");
	json_decref(j);
}
END_TEST

START_TEST(tls_port_speaks_plain)
{
	json_t *j = probe(L_TLSPLAIN, "localhost", true, ca_file);

	ck_assert_str_eq(str(j, "service"), "http");
	ck_assert(json_is_true(json_object_get(j, "tlsExpected")));
	ck_assert(json_is_false(json_object_get(j, "speaksTls")));
	ck_assert_str_eq(str(j, "banner"), "HTTP/1.1 400 Bad Request | plainhttpd/2.4");
	ck_assert_ptr_null(json_object_get(j, "certificate"));
	ck_assert_ptr_null(json_object_get(j, "tlsError"));
	json_decref(j);
}
END_TEST

START_TEST(plain_port_speaks_tls)
{
	json_t *j = probe(L_VALID, "localhost", false, ca_file);

	/* silence, our GET is dropped by the TLS server, reconnect with TLS */
	ck_assert_str_eq(str(j, "service"), "https");
	ck_assert(json_is_true(json_object_get(j, "speaksTls")));
	ck_assert_ptr_null(json_object_get(j, "tlsExpected"));
	ck_assert_str_eq(str(j, "tlsVersion"), "TLSv1.3");
	ck_assert_str_eq(str(j, "banner"), "HTTP/1.1 200 OK | hostile-tls/1.0");
	ck_assert(cert_valid(j));
	json_decref(j);
}
END_TEST

/* sha256 of the DER certificate, computed by the openssl CLI */
static void cli_fingerprint(const char *name, char out[65])
{
	char cmd[256], line[256];
	size_t o = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s/%s.pem' -noout -fingerprint -sha256", dir, name);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	pclose(f);
	for (const char *c = strchr(line, '=') + 1; *c && o < 64; c++)
		if (*c != ':' && *c != '\n')
			out[o++] = (char)(*c >= 'A' && *c <= 'F' ? *c + 32 : *c);
	out[o] = '\0';
}

START_TEST(cert_valid_fields)
{
	json_t *j = probe(L_VALID, "localhost", true, ca_file), *san;
	char fp[65], nb[32], na[32], want_nb[32], want_na[32], r[128];
	FILE *f;

	ck_assert_str_eq(str(j, "service"), "https");
	ck_assert_str_eq(str(j, "tlsVersion"), "TLSv1.3");
	ck_assert(json_is_true(json_object_get(j, "tlsExpected")));
	ck_assert(json_is_true(json_object_get(j, "speaksTls")));
	ck_assert_str_eq(cstr(j, "subject"), "CN=localhost");
	ck_assert_str_eq(cstr(j, "issuer"), "CN=Portgate Test CA,O=Portgate Test");
	san = json_object_get(json_object_get(j, "certificate"), "san");
	ck_assert_int_eq(json_array_size(san), 2);
	ck_assert_str_eq(json_string_value(json_array_get(san, 0)), "localhost");
	ck_assert_str_eq(json_string_value(json_array_get(san, 1)), "127.0.0.1");
	ck_assert(cert_valid(j));
	ck_assert_str_eq(reasons(j, r, sizeof(r)), "");
	cli_fingerprint("valid", fp);
	ck_assert_str_eq(cstr(j, "sha256"), fp);
	/* valid.dates: YYYYMMDDHHMMSSZ pair written by tls_make_pki */
	snprintf(r, sizeof(r), "%s/valid.dates", dir);
	f = fopen(r, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%15s %15s", nb, na), 2);
	fclose(f);
	snprintf(want_nb, sizeof(want_nb), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", nb, nb + 4, nb + 6, nb + 8,
		 nb + 10, nb + 12);
	snprintf(want_na, sizeof(want_na), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", na, na + 4, na + 6, na + 8,
		 na + 10, na + 12);
	ck_assert_str_eq(cstr(j, "notBefore"), want_nb);
	ck_assert_str_eq(cstr(j, "expires"), want_na);
	/* issued up to midnight of day +400: 399 whole days left, 398 when the run
	 * crossed midnight after the certificate was made (seen at 00:04 UTC) */
	ck_assert_int_ge(json_integer_value(json_object_get(json_object_get(j, "certificate"), "daysRemaining")),
			 398);
	json_decref(j);
}
END_TEST

/* certificate verdicts: listener, host name, CA file, expected reasons */
static const struct {
	int l;
	const char *host;
	bool with_ca;
	const char *reasons;
} verdicts[] = {
	{L_VALID, "localhost", false, "untrusted"},
	{L_VALID, "127.0.0.1", true, ""},
	{L_VALID, NULL, true, ""}, /* no name: the address is matched */
	{L_VALID, "other.example", true, "hostname-mismatch"},
	{L_EXPIRED, "localhost", true, "expired"},
	{L_FUTURE, "localhost", true, "not-yet-valid"},
	{L_SELF, "localhost", true, "untrusted,self-signed"},
	{L_WRONGHOST, "localhost", true, "hostname-mismatch"},
	{L_WILDCARD, "app.test.local", true, ""},
	{L_WILDCARD, "test.local", true, "hostname-mismatch"},
	{L_WILDCARD, "a.b.test.local", true, "hostname-mismatch"},
	{L_PARTIAL, "www.test.local", true, "hostname-mismatch"},
	{L_EXPIRED, "other.example", false, "expired,untrusted,hostname-mismatch"},
};

START_TEST(cert_verdicts)
{
	json_t *j = probe(verdicts[_i].l, verdicts[_i].host, true, verdicts[_i].with_ca ? ca_file : NULL);
	char r[128];

	ck_assert_msg(json_object_get(j, "certificate"), "case %d: no certificate", _i);
	ck_assert_msg(strcmp(reasons(j, r, sizeof(r)), verdicts[_i].reasons) == 0, "case %d: reasons '%s', want '%s'",
		      _i, r, verdicts[_i].reasons);
	ck_assert(cert_valid(j) == (verdicts[_i].reasons[0] == '\0'));
	json_decref(j);
}
END_TEST

START_TEST(cert_dates_fixed)
{
	json_t *e = probe(L_EXPIRED, "localhost", true, ca_file);
	json_t *f = probe(L_FUTURE, "localhost", true, ca_file);

	ck_assert_str_eq(cstr(e, "notBefore"), "2020-01-01T00:00:00Z");
	ck_assert_str_eq(cstr(e, "expires"), "2021-01-01T00:00:00Z");
	ck_assert_int_lt(json_integer_value(json_object_get(json_object_get(e, "certificate"), "daysRemaining")), 0);
	ck_assert_str_eq(cstr(f, "notBefore"), "2035-01-01T00:00:00Z");
	ck_assert_str_eq(cstr(f, "expires"), "2036-01-01T00:00:00Z");
	ck_assert_str_eq(cstr(f, "subject"), "CN=localhost");
	json_decref(e);
	json_decref(f);
}
END_TEST

START_TEST(self_signed_trusted_by_ca_file)
{
	char self[160];
	json_t *j;

	snprintf(self, sizeof(self), "%s/self.pem", dir);
	j = probe(L_SELF, "localhost", true, self);
	/* pinned via --ca-file: the chain verifies, nothing else is wrong */
	ck_assert(cert_valid(j));
	ck_assert_str_eq(cstr(j, "issuer"), "CN=localhost");
	json_decref(j);
}
END_TEST

static Suite *probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *pure = tcase_create("pure"), *live = tcase_create("live");

	tcase_add_test(pure, sanitize_rules);
	tcase_add_test(pure, classify_protocols);
	tcase_add_test(pure, http_head_parse);
	tcase_add_test(pure, port_tables);
	suite_add_tcase(s, pure);

	tcase_set_timeout(live, 30);
	tcase_add_loop_test(live, banners, 0, 6);
	tcase_add_test(live, redis_protected_mode_greeting);
	tcase_add_test(live, banner_escapes);
	tcase_add_test(live, garbage_is_bounded);
	tcase_add_test(live, slow_trickle_ends_after_quiet);
	tcase_add_test(live, fast_trickle_hits_total);
	tcase_add_test(live, silent_hits_total);
	tcase_add_test(live, tls_flood_is_bounded);
	tcase_add_test(live, tls_stall_hits_total);
	tcase_add_test(live, hangups_end_the_guesses);
	tcase_add_test(live, wrong_guesses_cost_their_wait);
	tcase_add_test(live, http_probe);
	tcase_add_test(live, tls_port_speaks_plain);
	tcase_add_test(live, plain_port_speaks_tls);
	tcase_add_test(live, cert_valid_fields);
	tcase_add_loop_test(live, cert_verdicts, 0, (int)PG_ARRAY_LEN(verdicts));
	tcase_add_test(live, cert_dates_fixed);
	tcase_add_test(live, self_signed_trusted_by_ca_file);
	suite_add_tcase(s, live);
	return s;
}

int main(void)
{
	int status;

	start_server();
	status = pg_check_run(probe_suite());
	stop_server();
	return status;
}
