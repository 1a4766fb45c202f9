/* test_probe_udp.c - the UDP requests and answer parsers (core/probe/probe_udp*.c).
 *
 * "pure": the request bytes against their documents' fixed fields, canned answers,
 * answers to another request, and random bytes. "live": each request sent with a
 * plain UDP socket to a real server on 127.0.0.1 (dnsmasq, snmpd, memcached, chronyd,
 * in.tftpd, started by tests/tools/udp_servers.sh with their own configs) or to an
 * emulator written from the protocol document (tests/tools/udp_emul.py, which
 * answers only a valid request), and the answer fed to pg_udp_answer. Exits 77
 * (skip) naming what is missing when a server or python3 is not installed. */
#include "config.h"

#include <arpa/inet.h>
#include "pg_check.h"
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/probe.h"
#include "probe/probe_udp.h"
#include "util/util.h"

#define ANSWER_MAX 65536
#define WAIT_MS    200 /* one attempt; a server just started may not be bound yet */
#define ATTEMPTS   100 /* 100 x 200 ms: the bound on waiting for a server to come up */
#define NONCE      0x1234abcdu

static char dir[64];
static pid_t emul_pid = -1;
static const char *srcdir;

/* The live servers: name in udp_servers.sh / udp_emul.py and the port it got. */
static const char *const emul_kinds[] = { "ssdp", "netbios", "mdns",    "wsd",  "coap",
					  "ike",  "ikenatt", "openvpn", "quic", "sip" };

static pid_t servers_pid = -1;

static void stop_servers(void)
{
	char cmd[128];

	if (emul_pid > 0) {
		kill(emul_pid, SIGTERM);
		waitpid(emul_pid, NULL, 0);
		emul_pid = -1;
	}
	/* udp_servers.sh returns once its servers are gone (bounded by its STOP_WAIT) */
	if (servers_pid > 0) {
		kill(servers_pid, SIGTERM);
		waitpid(servers_pid, NULL, 0);
		servers_pid = -1;
	}
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)system(cmd);
		dir[0] = '\0';
	}
}

static void die(const char *what)
{
	fprintf(stderr, "test_probe_udp: %s\n", what);
	stop_servers();
	exit(99);
}

/* Bounded wait for path to appear: false after tries x 50 ms. */
static bool wait_file(const char *path, int tries)
{
	for (int i = 0; i < tries && access(path, R_OK) != 0; i++)
		usleep(50 * 1000);
	return access(path, R_OK) == 0;
}

static void start_emulators(void)
{
	char script[256], portfile[128];
	char *argv[PG_ARRAY_LEN(emul_kinds) + 4];

	snprintf(script, sizeof(script), "%s/tests/tools/udp_emul.py", srcdir);
	snprintf(portfile, sizeof(portfile), "%s/emul.ports", dir);
	argv[0] = "python3";
	argv[1] = script;
	argv[2] = portfile;
	for (size_t i = 0; i < PG_ARRAY_LEN(emul_kinds); i++)
		argv[3 + i] = (char *)emul_kinds[i];
	argv[3 + PG_ARRAY_LEN(emul_kinds)] = NULL;
	emul_pid = fork();
	if (emul_pid == 0) {
		execvp("python3", argv);
		_exit(127);
	}
	if (!wait_file(portfile, 200))
		die("udp_emul.py did not start");
}

/* What udp_servers.sh could not start ("NAME: why" lines): those tests are left out
 * and the run ends as skipped (77) with the reasons, never as a silent pass. */
static char missing[1024];

static void read_missing(void)
{
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/missing", dir);
	f = fopen(path, "r");
	n = f ? fread(missing, 1, sizeof(missing) - 1, f) : 0;
	if (f)
		fclose(f);
	missing[n] = '\0';
}

/* udp_servers.sh run DIR as our child: it starts the servers, writes DIR/ready and
 * stays until stop_servers() signals it. */
static void start_real_servers(void)
{
	char script[256], ready[128];

	snprintf(script, sizeof(script), "%s/tests/tools/udp_servers.sh", srcdir);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	servers_pid = fork();
	if (servers_pid == 0) {
		execlp("sh", "sh", script, "run", dir, (char *)NULL);
		_exit(127);
	}
	/* 60 s: udp_servers.sh waits up to 30 s for charon's control socket alone */
	if (servers_pid < 0 || !wait_file(ready, 1200))
		die("udp_servers.sh did not start");
}

static void start_servers(void)
{
	srcdir = getenv("PG_SRCDIR") ? getenv("PG_SRCDIR") : ".";
	if (system("command -v python3 >/dev/null") != 0) {
		printf("SKIP: python3 is needed\n");
		exit(77);
	}
	snprintf(dir, sizeof(dir), "/tmp/pg-probe-udp.XXXXXX");
	if (!mkdtemp(dir)) {
		dir[0] = '\0';
		die("mkdtemp failed");
	}
	start_real_servers();
	read_missing();
	start_emulators();
}

/* Port the live server of that name listens on (from DIR/ports or DIR/emul.ports), 0
 * when it was not started. */
static uint16_t find_port(const char *name)
{
	const char *files[] = { "ports", "emul.ports" };
	char path[128], kind[32];
	unsigned port;

	for (size_t i = 0; i < PG_ARRAY_LEN(files); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fscanf(f, "%31s %u", kind, &port) == 2)
			if (strcmp(kind, name) == 0) {
				fclose(f);
				return (uint16_t)port;
			}
		fclose(f);
	}
	return 0;
}

static uint16_t server_port(const char *name)
{
	uint16_t port = find_port(name);

	ck_assert_msg(port != 0, "no server %s", name);
	return port;
}

/* The last answer exchange() received, for tests that look past the evidence. */
static unsigned char last_ans[ANSWER_MAX];
static size_t last_n;

/* Send the request portgate writes for well-known port wk to the server listening
 * on port at, from an unconnected socket (TFTP answers from another port), and
 * return pg_udp_answer's evidence for the first answer. Bounded: ATTEMPTS sends. */
static json_t *exchange(uint16_t wk, uint16_t at, const char *want_service)
{
	unsigned char req[PG_UDP_REQUEST_MAX], ans[ANSWER_MAX];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(at) };
	const char *svc = NULL;
	size_t reqlen = pg_udp_request(wk, NONCE, req, sizeof(req), &svc);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t n = -1;

	ck_assert_uint_gt(reqlen, 0);
	ck_assert_str_eq(svc, want_service);
	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < ATTEMPTS && n < 0; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		ck_assert_int_eq(sendto(fd, req, reqlen, 0, (struct sockaddr *)&sa, sizeof(sa)),
				 (ssize_t)reqlen);
		if (poll(&p, 1, WAIT_MS) == 1)
			n = recv(fd, ans, sizeof(ans), 0);
	}
	close(fd);
	ck_assert_msg(n > 0, "no answer from the %s server on port %u", want_service, at);
	memcpy(last_ans, ans, (size_t)n);
	last_n = (size_t)n;
	return pg_udp_answer(wk, req, reqlen, ans, (size_t)n);
}

/* Evidence whose banner starts with prefix (what a newer server version may extend). */
static void assert_evidence_prefix(json_t *ev, const char *service, const char *prefix)
{
	const char *b = json_string_value(json_object_get(ev, "banner"));

	ck_assert_str_eq(json_string_value(json_object_get(ev, "service")), service);
	ck_assert_msg(b && strncmp(b, prefix, strlen(prefix)) == 0, "banner '%s' lacks '%s'",
		      b ? b : "(none)", prefix);
	json_decref(ev);
}

static void assert_evidence(json_t *ev, const char *service, const char *banner)
{
	ck_assert_ptr_nonnull(ev);
	/* only an answer of memcached (no authentication over UDP) or SNMP (community
	 * public) proves anyone is served */
	ck_assert_int_eq(json_is_false(json_object_get(ev, "authRequired")),
			 !strcmp(service, "memcached") || !strcmp(service, "snmp"));
	ck_assert_str_eq(json_string_value(json_object_get(ev, "service")), service);
	if (banner)
		ck_assert_str_eq(json_string_value(json_object_get(ev, "banner")), banner);
	else
		ck_assert_ptr_null(json_object_get(ev, "banner"));
	json_decref(ev);
}

/* First line of a command's output, without its newline. */
static void first_line(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(out, (int)len, p));
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

/* --- pure: the requests and parsers without a server --- */

/* Request sizes and the fixed fields their documents require. */
static const struct {
	uint16_t port;
	const char *service;
	size_t len;
	size_t off; /* where head sits */
	const char *head;
	size_t headlen;
} requests[] = {
	{ 53, "dns", 30, 0, "\xab\xcd\x00\x00\x00\x01", 6 }, /* id = nonce, RD clear */
	{ 69, "tftp", 32, 0, "\x00\x01portgate-probe-1234abcd\0octet", 32 },
	{ 123, "ntp", 48, 0, "\x23\x00", 2 },                     /* LI 0, VN 4, mode 3 */
	{ 137, "netbios-ns", 50, 12, "\x20\x43\x4b\x41\x41", 5 }, /* " CKAA": '*' encoded */
	{ 161, "snmp", 43, 0, "\x30\x29\x02\x01\x01\x04\x06public\xa0", 14 },
	{ 443, "quic", 1200, 0, "\xc0\x1a\x2a\x3a\x4a\x08", 6 },
	{ 500, "ike", 376, 16, "\x21\x20\x22\x08", 4 }, /* SA, 2.0, SA_INIT, I */
	{ 1194, "openvpn", 14, 0, "\x38", 1 },
	{ 1900, "ssdp", 94, 0, "M-SEARCH * HTTP/1.1\r\n", 21 },
	{ 3702, "ws-discovery", 0, 0, "<?xml", 5 },
	{ 4500, "ike", 380, 0, "\0\0\0\0", 4 }, /* non-ESP marker */
	{ 5060, "sip", 0, 0, "OPTIONS sip:", 12 },
	{ 5353, "mdns", 46, 12, "\x09_services", 10 },
	{ 5683, "coap", 25, 0, "\x44\x01\xab\xcd", 4 }, /* CON GET, MID = nonce */
	{ 11211, "memcached", 15, 0, "\xab\xcd\x00\x00\x00\x01\x00\x00stats\r\n", 15 },
};

START_TEST(request_fields)
{
	unsigned char buf[PG_UDP_REQUEST_MAX];
	const char *svc = NULL;
	size_t n = pg_udp_request(requests[_i].port, NONCE, buf, sizeof(buf), &svc);

	ck_assert_str_eq(svc, requests[_i].service);
	ck_assert_str_eq(pg_udp_service(requests[_i].port), requests[_i].service);
	if (requests[_i].len)
		ck_assert_uint_eq(n, requests[_i].len);
	ck_assert_uint_le(n, PG_UDP_REQUEST_MAX);
	ck_assert_uint_ge(n, requests[_i].off + requests[_i].headlen);
	ck_assert_mem_eq(buf + requests[_i].off, requests[_i].head, requests[_i].headlen);
	/* a buffer one byte short: nothing, rather than a cut request */
	svc = "x";
	ck_assert_uint_eq(pg_udp_request(requests[_i].port, NONCE, buf, n - 1, &svc), 0);
	ck_assert_ptr_null(svc);
}
END_TEST

START_TEST(request_nonce_varies_ids)
{
	unsigned char a[PG_UDP_REQUEST_MAX], b[PG_UDP_REQUEST_MAX];
	const char *svc;

	for (size_t i = 0; i < PG_ARRAY_LEN(requests); i++) {
		size_t na = pg_udp_request(requests[i].port, 1, a, sizeof(a), &svc);
		size_t nb = pg_udp_request(requests[i].port, 2, b, sizeof(b), &svc);

		if (requests[i].port == 1900) /* SSDP has no transaction id */
			continue;
		ck_assert_msg(na != nb || memcmp(a, b, na) != 0, "port %u ignores the nonce",
			      requests[i].port);
	}
}
END_TEST

START_TEST(other_ports_get_empty_datagram)
{
	unsigned char buf[PG_UDP_REQUEST_MAX];
	const char *svc = "x";
	char name[64];
	json_t *ev;

	ck_assert_uint_eq(pg_udp_request(9, NONCE, buf, sizeof(buf), &svc), 0);
	ck_assert_ptr_null(svc);
	ck_assert_ptr_null(pg_udp_service(9));
	/* any answer there: named by /etc/services' udp entry (discard), no banner */
	ev = pg_udp_answer(9, buf, 0, (const unsigned char *)"hello", 5);
	assert_evidence(ev, pg_service_by_port_udp(9, name, sizeof(name)), NULL);
	ck_assert_str_eq(pg_service_by_port_udp(53, name, sizeof(name)), "domain");
	ck_assert_str_eq(pg_service_by_port_udp(65000, name, sizeof(name)), "unknown");
}
END_TEST

/* Our DNS request turned into an answer: QR set, one TXT record (class CH) whose
 * owner is a pointer to the question, holding txt. */
static size_t dns_txt_answer(const unsigned char *req, size_t reqlen, const char *txt,
			     unsigned char *out)
{
	size_t tl = strlen(txt), n = reqlen;

	memcpy(out, req, reqlen);
	out[2] |= 0x80; /* QR */
	out[7] = 1;     /* ANCOUNT */
	memcpy(out + n, "\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00", 11);
	n += 11;
	out[n++] = (unsigned char)(tl + 1);
	out[n++] = (unsigned char)tl;
	memcpy(out + n, txt, tl);
	return n + tl;
}

START_TEST(dns_answer_checks_id_and_sanitises)
{
	unsigned char req[PG_UDP_REQUEST_MAX], ans[512];
	const char *svc;
	size_t rl = pg_udp_request(53, NONCE, req, sizeof(req), &svc);
	size_t n = dns_txt_answer(req, rl, "9.18.1\x1b[2J", ans);

	assert_evidence(pg_udp_answer(53, req, rl, ans, n), "dns", "9.18.1\\x1b[2J");
	ans[1] ^= 1; /* another id: not our answer, named by the port only */
	assert_evidence(pg_udp_answer(53, req, rl, ans, n), "domain", NULL);
	ans[1] ^= 1;
	ans[2] &= 0x7f; /* a query, not an answer */
	assert_evidence(pg_udp_answer(53, req, rl, ans, n), "domain", NULL);
}
END_TEST

START_TEST(dns_compression_loop_is_bounded)
{
	unsigned char req[PG_UDP_REQUEST_MAX], ans[512];
	const char *svc;
	size_t rl = pg_udp_request(53, NONCE, req, sizeof(req), &svc);
	size_t n = dns_txt_answer(req, rl, "x", ans);

	/* the record's owner name points at itself: the answer is ours, its record
	 * unreadable */
	ans[rl] = 0xc0;
	ans[rl + 1] = (unsigned char)rl;
	assert_evidence(pg_udp_answer(53, req, rl, ans, n), "dns", NULL);
}
END_TEST

START_TEST(ntp_answer_checks_origin)
{
	unsigned char req[PG_UDP_REQUEST_MAX], ans[48] = { 0x24, 1 };
	const char *svc;
	size_t rl = pg_udp_request(123, NONCE, req, sizeof(req), &svc);

	memcpy(ans + 12, "GPS\0", 4);
	memcpy(ans + 24, req + 40, 8); /* origin = our transmit timestamp */
	assert_evidence(pg_udp_answer(123, req, rl, ans, sizeof(ans)), "ntp",
			"NTPv4, stratum 1, refid GPS");
	ans[1] = 0;
	memcpy(ans + 12, "RATE", 4);
	assert_evidence(pg_udp_answer(123, req, rl, ans, sizeof(ans)), "ntp",
			"NTPv4, kiss code RATE");
	ans[31] ^= 0xff; /* another request's origin */
	assert_evidence(pg_udp_answer(123, req, rl, ans, sizeof(ans)), "ntp", NULL);
}
END_TEST

START_TEST(memcached_answer_checks_request_id)
{
	unsigned char req[PG_UDP_REQUEST_MAX];
	unsigned char ans[] = "\xab\xcd\x00\x00\x00\x01\x00\x00STAT pid 7\r\nSTAT uptime 3\r\n"
			      "STAT version 1.6.18\r\nSTAT libevent 2.1.12\r\n";
	const char *svc;
	char name[64];
	size_t rl = pg_udp_request(11211, NONCE, req, sizeof(req), &svc);

	assert_evidence(pg_udp_answer(11211, req, rl, ans, sizeof(ans) - 1), "memcached",
			"STAT version 1.6.18");
	ans[0] = 0;
	assert_evidence(pg_udp_answer(11211, req, rl, ans, sizeof(ans) - 1),
			pg_service_by_port_udp(11211, name, sizeof(name)), NULL);
}
END_TEST

/* xorshift32: reproducible garbage */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Random bytes, and every prefix of a mutated request, to every parser: a service
 * name always, a banner (if any) printable. The fuzz harness does this for longer. */
START_TEST(garbage_is_bounded)
{
	unsigned char req[PG_UDP_REQUEST_MAX], ans[1500];
	uint32_t x = 0x2545f491u;

	for (size_t i = 0; i < PG_ARRAY_LEN(requests); i++) {
		const char *svc;
		size_t rl = pg_udp_request(requests[i].port, NONCE, req, sizeof(req), &svc);

		for (int round = 0; round < 300; round++) {
			size_t n = next_rand(&x) % sizeof(ans);
			json_t *ev;
			const char *b;

			memcpy(ans, req, n < rl ? n : rl);
			for (size_t k = round % 2 ? 0 : (n < rl ? n : rl); k < n; k++)
				ans[k] = (unsigned char)next_rand(&x);
			if (n > 3)
				ans[next_rand(&x) % n] ^= 0xff;
			ev = pg_udp_answer(requests[i].port, req, rl, ans, n);
			ck_assert_ptr_nonnull(json_string_value(json_object_get(ev, "service")));
			b = json_string_value(json_object_get(ev, "banner"));
			for (; b && *b; b++)
				ck_assert(*b >= 0x20 && *b < 0x7f);
			json_decref(ev);
		}
	}
}
END_TEST

/* The version a server's own command prints: the word after prefix in its first line
 * ("Dnsmasq version 2.90  Copyright ...", "memcached 1.6.18"). */
static void version_of(const char *cmd, const char *prefix, char *out, size_t len)
{
	char line[256];
	size_t pl = strlen(prefix);

	first_line(cmd, line, sizeof(line));
	ck_assert_int_eq(strncmp(line, prefix, pl), 0);
	snprintf(out, len, "%.*s", (int)strcspn(line + pl, " "), line + pl);
}

/* The real servers of udp_servers.sh: well-known port, service, and the banner their
 * config gives, or the version their own command prints (the word after cmd_prefix)
 * after banner_prefix. dnsmasq answers version.bind CH TXT with "dnsmasq-<version>";
 * chrony's local reference is stratum 10 (its config), refid 127.127.1.1; OpenVPN's
 * answer carries no version. */
static const struct {
	const char *kind;
	uint16_t wk;
	const char *service, *banner, *cmd, *cmd_prefix, *banner_prefix;
} real[] = {
	{ "dns", 53, "dns", NULL, "dnsmasq -v", "Dnsmasq version ", "dnsmasq-" },
	{ "memcached", 11211, "memcached", NULL, "memcached -V", "memcached ", "STAT version " },
	{ "snmp", 161, "snmp", "portgate test agent 5.9", NULL, NULL, NULL },
	{ "ntp", 123, "ntp", "NTPv4, stratum 10, refid 127.127.1.1", NULL, NULL, NULL },
	{ "tftp", 69, "tftp", "error 1: File not found", NULL, NULL, NULL },
	{ "openvpnd", 1194, "openvpn", NULL, NULL, NULL, NULL },
	{ "charon", 4500, "ike", NULL, NULL, NULL, NULL },
};

START_TEST(live_real)
{
	char ver[64], want[80];
	const char *banner = real[_i].banner;

	if (real[_i].cmd) {
		version_of(real[_i].cmd, real[_i].cmd_prefix, ver, sizeof(ver));
		snprintf(want, sizeof(want), "%s%s", real[_i].banner_prefix, ver);
		banner = want;
	}
	assert_evidence(exchange(real[_i].wk, server_port(real[_i].kind), real[_i].service),
			real[_i].service, banner);
}
END_TEST

/* strongSwan did not just answer (NO_PROPOSAL_CHOSEN would name IKE too): it chose our
 * proposal and took our KE, answering IKE_SA_INIT with SA, KE, Nr (RFC 7296 1.2). */
START_TEST(live_charon_accepts_proposal)
{
	assert_evidence(exchange(4500, server_port("charon"), "ike"), "ike", NULL);
	ck_assert_uint_gt(last_n, 4 + 28);
	ck_assert_mem_eq(last_ans, "\0\0\0\0", 4);
	ck_assert_uint_eq(last_ans[4 + 16], 33); /* first payload: SA */
	ck_assert_uint_eq(last_ans[4 + 18], 34); /* IKE_SA_INIT */
}
END_TEST

/* libcoap's example server lists its resources, the root first; ngtcp2's server offers
 * QUIC v1 (and a reserved version, left out). */
static const struct {
	const char *kind;
	uint16_t wk;
	const char *service, *prefix;
} real_prefixed[] = {
	{ "coapd", 5683, "coap", "</>;title=\"General Info\";ct=0,</time>;" },
	{ "ngtcp2", 443, "quic", "versions v1" },
};

START_TEST(live_real_prefixed)
{
	assert_evidence_prefix(exchange(real_prefixed[_i].wk, server_port(real_prefixed[_i].kind),
					real_prefixed[_i].service),
			       real_prefixed[_i].service, real_prefixed[_i].prefix);
}
END_TEST

/* The emulators: well-known port, emulator, service, banner. */
static const struct {
	uint16_t wk;
	const char *kind, *service, *banner;
} emulated[] = {
	{ 1900, "ssdp", "ssdp", "Linux/6.1 UPnP/2.0 PortgateTestDevice/1.4" },
	{ 137, "netbios", "netbios-ns", "PGTEST<00>, PGTEST<20>, WORKGROUP<00> group" },
	{ 5353, "mdns", "mdns", "_http._tcp.local, _ssh._tcp.local" },
	{ 3702, "wsd", "ws-discovery", "dn:NetworkVideoTransmitter" },
	{ 5683, "coap", "coap",
	  "</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",</sensors/light>;if=\"sensor\","
	  "</fw>;ct=0" },
	{ 500, "ike", "ike", NULL },
	{ 4500, "ikenatt", "ike", NULL },
	{ 1194, "openvpn", "openvpn", NULL },
	{ 443, "quic", "quic", "versions v1, v2" },
	{ 5060, "sip", "sip", "PortgateTestPBX 2.3" },
};

START_TEST(live_emulated)
{
	assert_evidence(
		exchange(emulated[_i].wk, server_port(emulated[_i].kind), emulated[_i].service),
		emulated[_i].service, emulated[_i].banner);
}
END_TEST

static Suite *probe_udp_suite(void)
{
	Suite *s = suite_create("probe_udp");
	TCase *pure = tcase_create("pure"), *live = tcase_create("live");

	tcase_add_loop_test(pure, request_fields, 0, (int)PG_ARRAY_LEN(requests));
	tcase_add_test(pure, request_nonce_varies_ids);
	tcase_add_test(pure, other_ports_get_empty_datagram);
	tcase_add_test(pure, dns_answer_checks_id_and_sanitises);
	tcase_add_test(pure, dns_compression_loop_is_bounded);
	tcase_add_test(pure, ntp_answer_checks_origin);
	tcase_add_test(pure, memcached_answer_checks_request_id);
	tcase_add_test(pure, garbage_is_bounded);
	suite_add_tcase(s, pure);

	tcase_set_timeout(live, 30);
	for (int i = 0; i < (int)PG_ARRAY_LEN(real); i++)
		if (find_port(real[i].kind)) /* else named in missing */
			tcase_add_loop_test(live, live_real, i, i + 1);
	for (int i = 0; i < (int)PG_ARRAY_LEN(real_prefixed); i++)
		if (find_port(real_prefixed[i].kind))
			tcase_add_loop_test(live, live_real_prefixed, i, i + 1);
	if (find_port("charon"))
		tcase_add_test(live, live_charon_accepts_proposal);
	tcase_add_loop_test(live, live_emulated, 0, (int)PG_ARRAY_LEN(emulated));
	suite_add_tcase(s, live);
	return s;
}

int main(void)
{
	int status;

	start_servers();
	status = pg_check_run(probe_udp_suite());
	stop_servers();
	if (status == 0 && missing[0]) {
		printf("SKIP: the other tests passed; not run: %s", missing);
		return 77;
	}
	return status;
}
