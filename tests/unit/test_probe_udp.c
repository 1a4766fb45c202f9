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
#define ATTEMPTS   25  /* 25 x 200 ms: the bound on waiting for a server to come up */
#define NONCE      0x1234abcdu

static char dir[64];
static pid_t emul_pid = -1;
static const char *srcdir;

/* The live servers: name in udp_servers.sh / udp_emul.py and the port it got. */
static const char *const emul_kinds[] = { "ssdp", "netbios", "mdns",    "wsd",  "coap",
					  "ike",  "ikenatt", "openvpn", "quic", "sip" };

static void stop_servers(void)
{
	char cmd[256];

	if (emul_pid > 0) {
		kill(emul_pid, SIGTERM);
		waitpid(emul_pid, NULL, 0);
		emul_pid = -1;
	}
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd),
			 "sh '%s/tests/tools/udp_servers.sh' stop '%s'; rm -rf '%s'", srcdir, dir,
			 dir);
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
	for (int i = 0; i < 200 && access(portfile, R_OK) != 0; i++)
		usleep(50 * 1000);
	if (access(portfile, R_OK) != 0)
		die("udp_emul.py did not start");
}

/* Skip (77) naming every server udp_servers.sh could not start. */
static void skip_if_missing(void)
{
	char path[128], why[1024] = "";
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/missing", dir);
	f = fopen(path, "r");
	n = f ? fread(why, 1, sizeof(why) - 1, f) : 0;
	if (f)
		fclose(f);
	why[n] = '\0';
	if (n) {
		printf("SKIP: %s", why);
		stop_servers();
		exit(77);
	}
}

static void start_servers(void)
{
	char cmd[512];

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
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/tools/udp_servers.sh' start '%s'", srcdir, dir);
	if (system(cmd) != 0)
		die("udp_servers.sh failed");
	skip_if_missing();
	start_emulators();
}

/* Port the live server of that name listens on (from DIR/ports or DIR/emul.ports). */
static uint16_t server_port(const char *name)
{
	const char *files[] = { "ports", "emul.ports" };
	char path[128], kind[32];
	unsigned port;

	for (size_t i = 0; i < PG_ARRAY_LEN(files); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		while (fscanf(f, "%31s %u", kind, &port) == 2)
			if (strcmp(kind, name) == 0) {
				fclose(f);
				return (uint16_t)port;
			}
		fclose(f);
	}
	ck_abort_msg("no server %s", name);
	return 0;
}

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
	return pg_udp_answer(wk, req, reqlen, ans, (size_t)n);
}

static void assert_evidence(json_t *ev, const char *service, const char *banner)
{
	ck_assert_ptr_nonnull(ev);
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

START_TEST(live_dnsmasq_version)
{
	char line[256], want[64], ver[32];

	/* "Dnsmasq version 2.90  Copyright ...": dnsmasq answers version.bind CH TXT
	 * with "dnsmasq-2.90" */
	first_line("dnsmasq -v", line, sizeof(line));
	ck_assert_int_eq(sscanf(line, "Dnsmasq version %31s", ver), 1);
	snprintf(want, sizeof(want), "dnsmasq-%s", ver);
	assert_evidence(exchange(53, server_port("dns"), "dns"), "dns", want);
}
END_TEST

START_TEST(live_snmpd_sysdescr)
{
	assert_evidence(exchange(161, server_port("snmp"), "snmp"), "snmp",
			"portgate test agent 5.9");
}
END_TEST

START_TEST(live_memcached_version)
{
	char line[128], want[160];

	first_line("memcached -V", line, sizeof(line)); /* "memcached 1.6.18" */
	ck_assert_int_eq(strncmp(line, "memcached ", 10), 0);
	snprintf(want, sizeof(want), "VERSION %s", line + 10);
	assert_evidence(exchange(11211, server_port("memcached"), "memcached"), "memcached", want);
}
END_TEST

START_TEST(live_chronyd)
{
	/* chrony's local reference: stratum 10 (its config), refid 127.127.1.1 */
	assert_evidence(exchange(123, server_port("ntp"), "ntp"), "ntp",
			"NTPv4, stratum 10, refid 127.127.1.1");
}
END_TEST

START_TEST(live_tftpd_missing_file)
{
	assert_evidence(exchange(69, server_port("tftp"), "tftp"), "tftp",
			"error 1: File not found");
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
	TCase *live = tcase_create("live");

	tcase_set_timeout(live, 30);
	tcase_add_test(live, live_dnsmasq_version);
	tcase_add_test(live, live_snmpd_sysdescr);
	tcase_add_test(live, live_memcached_version);
	tcase_add_test(live, live_chronyd);
	tcase_add_test(live, live_tftpd_missing_file);
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
	return status;
}
