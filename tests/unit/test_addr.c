/* test_addr.c - the internal-address check (common/netaddr.c, the one the
 * host and the plugins share) on the table of tests/unit/addr_table.h, and
 * host->http's refuse_internal (ABI 1.2) refuses a loopback server
 * without sending it a byte, while the same request without it (or from a
 * plugin whose 1.1-sized request has no such field) reaches it. */
#include "config.h"

#include "pg_check.h"
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr_table.h"
#include "common/netaddr.h"
#include "plugin/http.h"

START_TEST(internal_check_agrees_with_the_table)
{
	for (size_t i = 0; i < PG_ADDR_CASES; i++) {
		const struct pg_addr_case *c = &pg_addr_cases[i];
		ck_assert_msg(pg_netaddr_is_internal(c->addr) == c->internal,
			      "%s should%s be internal", c->addr, c->internal ? "" : " not");
	}
}
END_TEST

/* A one-shot HTTP server on 127.0.0.1: answers each connection 200 "ok" and
 * counts them; it gives up after SERVER_WAIT_MS without a connection. */
#define SERVER_WAIT_MS 3000
struct server {
	int fd;
	int port;
	atomic_int accepted;
	pthread_t thread;
};

static void *serve(void *arg)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
				     "Connection: close\r\n\r\nok";
	struct server *s = arg;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	char buf[2048];

	for (int n = 0; n < 4 && poll(&p, 1, SERVER_WAIT_MS) == 1; n++) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		atomic_fetch_add(&s->accepted, 1);
		if (read(c, buf, sizeof(buf)) > 0 && write(c, answer, sizeof(answer) - 1) < 0)
			perror("write");
		close(c);
	}
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s->fd, 8), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void no_proxy(void)
{
	static const char *const vars[] = { "http_proxy",  "HTTP_PROXY", "https_proxy",
					    "HTTPS_PROXY", "all_proxy",  "ALL_PROXY" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	pg_http_global_init();
}

static int get(const char *host, int port, int refuse, size_t struct_size,
	       struct pg_http_response *resp)
{
	struct pg_http_request req = { .struct_size = struct_size, .refuse_internal = refuse };
	char url[128];

	snprintf(url, sizeof(url), "http://%s:%d/x", host, port);
	req.url = url;
	return pg_http_perform(&req, NULL, 2000, resp);
}

START_TEST(refuse_internal_refuses_loopback_before_connecting)
{
	struct pg_http_response resp;
	struct server s;

	no_proxy();
	server_start(&s);
	ck_assert_int_eq(get("127.0.0.1", s.port, 1, sizeof(struct pg_http_request), &resp), -1);
	ck_assert_int_eq(resp.status, 0);
	ck_assert_str_eq(resp.error, "refused: 127.0.0.1 connects to internal address 127.0.0.1");
	pg_http_response_clear(&resp);
	/* a name: the address checked is the one curl resolved it to */
	ck_assert_int_eq(get("localhost", s.port, 1, sizeof(struct pg_http_request), &resp), -1);
	ck_assert_msg(!strncmp(resp.error, "refused: localhost connects to internal address ", 48),
		      "%s", resp.error);
	pg_http_response_clear(&resp);
	ck_assert_int_eq(atomic_load(&s.accepted), 0);
	/* the same request without the flag reaches the server */
	ck_assert_int_eq(get("127.0.0.1", s.port, 0, sizeof(struct pg_http_request), &resp), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "ok");
	pg_http_response_clear(&resp);
	ck_assert_int_eq(atomic_load(&s.accepted), 1);
	close(s.fd);
}
END_TEST

/* A plugin built against 1.1 sends a request that ends at response_headers:
 * whatever follows in memory is not its refuse_internal and is never read. */
START_TEST(refuse_internal_not_read_from_a_1_1_request)
{
	size_t size11 = offsetof(struct pg_http_request, refuse_internal);
	struct pg_http_response resp;
	struct server s;

	no_proxy();
	server_start(&s);
	ck_assert_int_eq(get("127.0.0.1", s.port, 1, size11, &resp), 0);
	ck_assert_int_eq(resp.status, 200);
	pg_http_response_clear(&resp);
	ck_assert_int_eq(atomic_load(&s.accepted), 1);
	close(s.fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, internal_check_agrees_with_the_table);
	tcase_add_test(tc, refuse_internal_refuses_loopback_before_connecting);
	tcase_add_test(tc, refuse_internal_not_read_from_a_1_1_request);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
