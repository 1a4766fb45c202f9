/* test_netlib.c - netlib's memo and gate across fork()ed processes, as the
 * host's worker pool uses them (the state made before the fork, every worker
 * a child), the internal-address classes of the redirect guards, and the
 * RDAP bootstrap files portgate ships (data/rdap, see its README). */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr_table.h"
#include "common/netaddr.h"
#include "netlib/netlib.h"
#include "netlib/netlib_int.h"

#define CHILDREN 6

/* Counters the children share with the test. */
struct shared {
	atomic_int inside, max_inside, computed, got;
};

static struct shared *shared_new(void)
{
	struct shared *p = nl_shm_new(sizeof(*p));

	ck_assert_ptr_nonnull(p);
	return p;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait for every child; the number that exited 0. */
static int reap(const pid_t *pids, int n)
{
	int ok = 0, st;

	for (int i = 0; i < n; i++)
		if (waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	return ok;
}

static void gate_child(struct nl_gate *g, struct shared *sh)
{
	int now, max;

	if (nl_gate_enter(g, "whois.example:43", 10000) != 0)
		_exit(1);
	now = atomic_fetch_add(&sh->inside, 1) + 1;
	max = atomic_load(&sh->max_inside);
	while (now > max && !atomic_compare_exchange_weak(&sh->max_inside, &max, now))
		;
	sleep_ms(150);
	atomic_fetch_sub(&sh->inside, 1);
	nl_gate_leave(g, "whois.example:43");
	_exit(0);
}

START_TEST(gate_limits_children_to_n)
{
	struct nl_gate *g = nl_gate_new(2, 0);
	struct shared *sh = shared_new();
	pid_t pids[CHILDREN];

	ck_assert_ptr_nonnull(g);
	for (int i = 0; i < CHILDREN; i++)
		if ((pids[i] = fork()) == 0)
			gate_child(g, sh);
	ck_assert_int_eq(reap(pids, CHILDREN), CHILDREN);
	ck_assert_int_eq(atomic_load(&sh->max_inside), 2);
	nl_gate_free(g);
}
END_TEST

START_TEST(gate_paces_starts)
{
	struct nl_gate *g = nl_gate_new(4, 200);
	uint64_t t0 = pg_clock_now_ms();

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(nl_gate_enter(g, "rdap.example", 2000), 0);
		nl_gate_leave(g, "rdap.example");
	}
	/* three starts 200 ms apart: the third at least 400 ms after the first */
	ck_assert_uint_ge(pg_clock_now_ms() - t0, 400);
	ck_assert_int_eq(nl_gate_enter(g, "other.example", 0), 0); /* per server */
	nl_gate_free(g);
}
END_TEST

/* A child that takes something (take(arg) returns 0) and never gives it
 * back: it stays (pause) or exits (a zombie until reaped). Returns once it
 * holds it. */
static pid_t child_holding(int (*take)(void *), void *arg, int stay)
{
	int ready[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	if ((pid = fork()) == 0) {
		if (take(arg) != 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		while (stay)
			pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

/* g's "s", never left */
static int take_gate(void *g)
{
	return nl_gate_enter(g, "s", 1000);
}

/* the claim of m's "k", never finished */
static int take_claim(void *m)
{
	int claimed;

	return !nl_memo_claim(m, "k", 0, &claimed) && claimed ? 0 : -1;
}

/* m's lock (the memo's first member), never unlocked */
static int take_memo_lock(void *m)
{
	nl_shlock_lock(m);
	return 0;
}

/* A child that enters and never leaves, killed as the host kills a worker
 * past its deadline: its slot comes back. */
START_TEST(gate_slot_of_killed_child_is_reclaimed)
{
	struct nl_gate *g = nl_gate_new(1, 0);
	pid_t pid = child_holding(take_gate, g, 1);
	int st;

	ck_assert_int_eq(nl_gate_enter(g, "s", 100), -1); /* held */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(nl_gate_enter(g, "s", 1000), 0);
	nl_gate_leave(g, "s");
	nl_gate_free(g);
}
END_TEST

/* A child killed while it waits for the gate (the host kills a worker past its
 * deadline, or at the end of serve, wherever it is): later waits and leaves
 * still work. With a process-shared pthread_cond_t the second leave after such
 * a kill blocked forever, holding the lock every other worker needs. */
START_TEST(gate_survives_a_waiter_killed_while_waiting)
{
	struct nl_gate *g = nl_gate_new(1, 0);
	int st;
	pid_t pid;

	ck_assert_int_eq(nl_gate_enter(g, "s", 0), 0);
	if ((pid = fork()) == 0)
		_exit(nl_gate_enter(g, "s", 10000) == 0 ? 0 : 1);
	sleep_ms(200); /* the child now sleeps in the wait */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	alarm(5); /* a leave that hangs fails the test instead of stalling it */
	for (int round = 0; round < 3; round++) {
		nl_gate_leave(g, "s");
		ck_assert_int_eq(nl_gate_enter(g, "s", 0), 0);
		if ((pid = fork()) == 0)
			_exit(nl_gate_enter(g, "s", 2000) == 0 ? 0 : 1);
		sleep_ms(100);
		nl_gate_leave(g, "s"); /* wakes the child, which takes the slot */
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		ck_assert_int_eq(nl_gate_enter(g, "s", 1000), 0); /* the child's is reclaimed */
	}
	alarm(0);
	nl_gate_free(g);
}
END_TEST

/* A holder that died but is not reaped yet (a zombie still answers kill(pid,
 * 0)) holds nothing: its slot comes back. */
START_TEST(gate_slot_of_unreaped_child_is_reclaimed)
{
	struct nl_gate *g = nl_gate_new(1, 0);
	pid_t pid = child_holding(take_gate, g, 0);
	siginfo_t si;
	int st;

	/* exited, not reaped: a zombie */
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(nl_gate_enter(g, "s", 500), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	nl_gate_free(g);
}
END_TEST

/* A pid the kernel handed to another process since (pids wrap at pid_max)
 * is not the owner that took the slot: the start time differs. */
START_TEST(owner_with_a_reused_pid_is_dead)
{
	struct nl_owner me = nl_owner_self(), reused = me;
	int fds[2], st;
	struct nl_owner child;
	pid_t pid;

	ck_assert_int_gt(me.pid, 0);
	ck_assert(nl_owner_alive(me));
	reused.start++;
	ck_assert(!nl_owner_alive(reused));
	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		child = nl_owner_self(); /* not the parent's, cached before the fork */
		if (write(fds[1], &child, sizeof(child)) == (ssize_t)sizeof(child))
			pause();
		_exit(1);
	}
	ck_assert_int_eq(read(fds[0], &child, sizeof(child)), (ssize_t)sizeof(child));
	ck_assert_int_eq(child.pid, pid);
	ck_assert(nl_owner_alive(child));
	child.start++; /* the same pid, another process */
	ck_assert(!nl_owner_alive(child));
	child.start--;
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(!nl_owner_alive(child));
}
END_TEST

static void memo_child(struct nl_memo *m, struct shared *sh)
{
	int claimed;
	json_t *v = nl_memo_claim(m, "domain:example.com", 10000, &claimed);

	if (!v && claimed) {
		atomic_fetch_add(&sh->computed, 1);
		sleep_ms(200); /* the others arrive while it is computed */
		v = json_pack("{s:s}", "registrar", "Example");
		nl_memo_finish(m, "domain:example.com", v);
	}
	if (v && !strcmp(json_string_value(json_object_get(v, "registrar")), "Example"))
		atomic_fetch_add(&sh->got, 1);
	json_decref(v);
	_exit(0);
}

/* A failed or rate-limited lookup is remembered only fail_ttl_s: with 0 the
 * next caller asks again at once, while a success is still served. */
START_TEST(memo_failures_are_kept_shorter)
{
	struct nl_memo *quick = nl_memo_new(NL_MEMO_RUN_S, 0, 1 << 16);
	struct nl_memo *run = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, 1 << 16);
	json_t *fail = json_pack("{s:s}", "memoError", "whois.example: timed out");
	json_t *limited = json_pack("{s:b}", "rateLimited", 1);
	json_t *ok = json_pack("{s:s}", "registrar", "Example"), *v;
	int claimed;

	ck_assert_ptr_nonnull(quick);
	ck_assert_ptr_nonnull(run);
	for (int i = 0; i < 2; i++) {
		struct nl_memo *m = i ? run : quick;
		ck_assert_ptr_null(nl_memo_claim(m, "domain:dead.example", 0, &claimed));
		ck_assert_int_eq(claimed, 1);
		nl_memo_finish(m, "domain:dead.example", fail);
		ck_assert_ptr_null(nl_memo_claim(m, "domain:busy.example", 0, &claimed));
		nl_memo_finish(m, "domain:busy.example", limited);
		ck_assert_ptr_null(nl_memo_claim(m, "domain:fine.example", 0, &claimed));
		nl_memo_finish(m, "domain:fine.example", ok);
		usleep(5000);
		v = nl_memo_claim(m, "domain:fine.example", 0, &claimed);
		ck_assert_ptr_nonnull(v); /* a success stays for the run */
		json_decref(v);
		for (int k = 0; k < 2; k++) {
			const char *key = k ? "domain:busy.example" : "domain:dead.example";
			v = nl_memo_claim(m, key, 0, &claimed);
			if (m == quick) { /* expired: this caller asks again */
				ck_assert_ptr_null(v);
				ck_assert_int_eq(claimed, 1);
				nl_memo_finish(m, key, NULL);
			} else { /* within one run the failure is served at once */
				ck_assert_ptr_nonnull(v);
				json_decref(v);
			}
		}
	}
	json_decref(fail);
	json_decref(limited);
	json_decref(ok);
	nl_memo_free(quick);
	nl_memo_free(run);
}
END_TEST

START_TEST(memo_key_computed_once_across_children)
{
	struct nl_memo *m = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, 1 << 16);
	struct shared *sh = shared_new();
	pid_t pids[CHILDREN];
	int claimed;
	json_t *v;

	ck_assert_ptr_nonnull(m);
	for (int i = 0; i < CHILDREN; i++)
		if ((pids[i] = fork()) == 0)
			memo_child(m, sh);
	ck_assert_int_eq(reap(pids, CHILDREN), CHILDREN);
	ck_assert_int_eq(atomic_load(&sh->computed), 1);
	ck_assert_int_eq(atomic_load(&sh->got), CHILDREN);
	v = nl_memo_claim(m, "domain:example.com", 0, &claimed); /* the parent sees it too */
	ck_assert_ptr_nonnull(v);
	json_decref(v);
	nl_memo_free(m);
}
END_TEST

START_TEST(memo_claim_of_killed_child_passes_on)
{
	struct nl_memo *m = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, 1 << 16);
	pid_t pid = child_holding(take_claim, m, 1);
	int claimed, st;

	ck_assert_ptr_null(nl_memo_claim(m, "k", 100, &claimed));
	ck_assert_int_eq(claimed, 0); /* still computed by the child */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_ptr_null(nl_memo_claim(m, "k", 1000, &claimed));
	ck_assert_int_eq(claimed, 1);
	nl_memo_free(m);
}
END_TEST

/* A child SIGKILLed with the memo's lock held (as in the middle of moving
 * results in compact()): the results it may have left half moved are not
 * served, the key is computed again. */
START_TEST(memo_results_dropped_after_a_holder_died_inside)
{
	struct nl_memo *m = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, 1 << 16);
	json_t *v = json_pack("{s:s}", "registrar", "Example");
	int claimed, st;
	pid_t pid;

	ck_assert_ptr_null(nl_memo_claim(m, "k", 0, &claimed));
	nl_memo_finish(m, "k", v);
	pid = child_holding(take_memo_lock, m, 1);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_ptr_null(nl_memo_claim(m, "k", 1000, &claimed));
	ck_assert_int_eq(claimed, 1);
	nl_memo_finish(m, "k", v);
	json_decref(nl_memo_claim(m, "k", 0, &claimed)); /* and it is kept again */
	ck_assert_int_eq(claimed, 0);
	json_decref(v);
	nl_memo_free(m);
}
END_TEST

/* A result bigger than the arena is not kept: the next caller computes it
 * again (correct, only not shared); small ones still are. */
START_TEST(memo_full_arena_falls_back_to_computing)
{
	struct nl_memo *m = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, 64);
	json_t *big = json_pack("{s:s}", "raw",
				"0123456789012345678901234567890123456789"
				"0123456789012345678901234567890123456789");
	json_t *small = json_pack("{s:i}", "a", 1), *v;
	int claimed;

	ck_assert_ptr_null(nl_memo_claim(m, "big", 0, &claimed));
	ck_assert_int_eq(claimed, 1);
	nl_memo_finish(m, "big", big);
	ck_assert_ptr_null(nl_memo_claim(m, "big", 0, &claimed));
	ck_assert_int_eq(claimed, 1);
	nl_memo_finish(m, "big", NULL);
	ck_assert_ptr_null(nl_memo_claim(m, "small", 0, &claimed));
	nl_memo_finish(m, "small", small);
	v = nl_memo_claim(m, "small", 0, &claimed);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	json_decref(big);
	json_decref(small);
	nl_memo_free(m);
}
END_TEST

START_TEST(internal_addresses)
{
	for (size_t i = 0; i < PG_ADDR_CASES; i++)
		ck_assert_msg(pg_netaddr_is_internal(pg_addr_cases[i].addr) ==
				      pg_addr_cases[i].internal,
			      "%s should%s be internal", pg_addr_cases[i].addr,
			      pg_addr_cases[i].internal ? "" : " not");
}
END_TEST

/* A fake host for nl_rdap_get: a public base (198.51.100.43) answers 302 to
 * http://rebind.test/x, which host->dns calls 10.0.0.1 and any other name
 * answers 200 {}. It records what each request asked. */
static struct {
	int http_calls, dns_calls, refuse[4];
} fake;

static int fake_http(struct pg_plugin_ctx *ctx, const struct pg_http_request *req,
		     struct pg_http_response *resp)
{
	(void)ctx;
	memset(resp, 0, sizeof(*resp));
	fake.refuse[fake.http_calls++ & 3] = req->refuse_internal;
	resp->status = strstr(req->url, "198.51.100.43") ? 302 : 200;
	resp->body = strdup("{}");
	resp->body_len = 2;
	*req->response_headers = json_pack("[{s:s, s:s}]", "name", "location", "value",
					   "http://rebind.test/x");
	return 0;
}

static void fake_clear(struct pg_http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

static int fake_dns(struct pg_plugin_ctx *ctx, const char *name, const char *type, json_t **ans)
{
	(void)ctx;
	fake.dns_calls++;
	*ans = !strcmp(name, "rebind.test") && !strcmp(type, "A") ? json_pack("[s]", "10.0.0.1")
								  : json_array();
	return 0;
}

static int rdap_on_host(unsigned minor, char *err, size_t errlen)
{
	struct pg_host_api host = { .struct_size = offsetof(struct pg_host_api, time_left_ms),
				    .abi_major = 1,
				    .abi_minor = minor,
				    .http = fake_http,
				    .http_response_clear = fake_clear,
				    .dns = fake_dns };
	struct nl_env e = { NULL, &host };
	json_t *out = NULL;
	int rc;

	memset(&fake, 0, sizeof(fake));
	rc = nl_rdap_get(&e, "http://198.51.100.43/rdap/", "domain/example.org", 1000, 0, &out, err,
			 errlen);
	json_decref(out);
	return rc;
}

/* A 1.2 host checks where it connects: the redirect goes out with
 * refuse_internal and no look-up of its own (the host's answer may differ);
 * an older host gets today's look-up, which refuses before any request. */
START_TEST(rdap_redirect_guard_by_host_abi)
{
	char err[256];

	ck_assert_int_eq(rdap_on_host(2, err, sizeof(err)), NL_RDAP_OK);
	ck_assert_int_eq(fake.http_calls, 2);
	ck_assert_int_eq(fake.refuse[0], 0); /* the configured server itself */
	ck_assert_int_eq(fake.refuse[1], 1);
	ck_assert_int_eq(fake.dns_calls, 0);

	ck_assert_int_eq(rdap_on_host(1, err, sizeof(err)), NL_RDAP_ERROR);
	ck_assert_int_eq(fake.http_calls, 1);
	ck_assert_int_eq(fake.refuse[0], 0);
	ck_assert_int_ge(fake.dns_calls, 1);
	ck_assert_str_eq(err, "RDAP: redirect to rebind.test refused: an internal address, and the "
			      "base URL is not internal");
}
END_TEST

/* An RDAP server that answers 404 and records the name the request logs. */
static char logged[256];

static int fake_http_404(struct pg_plugin_ctx *ctx, const struct pg_http_request *req,
			 struct pg_http_response *resp)
{
	(void)ctx;
	memset(resp, 0, sizeof(*resp));
	snprintf(logged, sizeof(logged), "%s", req->log_url ? req->log_url : "");
	resp->status = 404;
	return 0;
}

/* The server's name in errors, logs and gate keys: never the userinfo (a
 * secret) nor the port (common/url.c; a hand split kept both). */
START_TEST(rdap_host_without_userinfo_or_port)
{
	struct pg_host_api host = { .struct_size = offsetof(struct pg_host_api, time_left_ms),
				    .abi_major = 1,
				    .abi_minor = 2,
				    .http = fake_http_404,
				    .http_response_clear = fake_clear,
				    .dns = fake_dns };
	struct nl_env e = { NULL, &host };
	json_t *out = NULL;
	char err[256], h[256];

	ck_assert_int_eq(nl_rdap_get(&e, "https://user:s3cret@RDAP.example.net:8443/rdap/",
				     "domain/example.org", 1000, 0, &out, err, sizeof(err)),
			 NL_RDAP_NOT_FOUND);
	ck_assert_str_eq(err, "RDAP rdap.example.net: not found");
	ck_assert_str_eq(logged, "rdap.example.net");
	nl_url_host("https://[2001:db8::43]:8443/ip/", h, sizeof(h));
	ck_assert_str_eq(h, "2001:db8::43");
	nl_url_host("not a url", h, sizeof(h));
	ck_assert_str_eq(h, "");
}
END_TEST

/* An RFC 9224 bootstrap file: version "1.0", an RFC 3339 publication,
 * services of [entries, URLs] pairs of strings. */
static json_t *load_rfc9224(const char *name)
{
	char path[512], err[512];
	const json_t *svc, *pub;
	json_t *boot;
	size_t i;
	int y, mo, d, h, mi, sec;
	char z;

	snprintf(path, sizeof(path), "%s/data/rdap/%s", PG_TEST_SRCDIR, name);
	boot = nl_bootstrap_load(path, err, sizeof(err));
	ck_assert_msg(boot != NULL, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(boot, "version")), "1.0");
	pub = json_object_get(boot, "publication");
	ck_assert(json_is_string(pub) &&
		  sscanf(json_string_value(pub), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi,
			 &sec, &z) == 7 &&
		  z == 'Z');
	ck_assert_uint_gt(json_array_size(json_object_get(boot, "services")), 0);
	json_array_foreach(json_object_get(boot, "services"), i, svc)
	{
		const json_t *e;
		size_t j;
		ck_assert_uint_eq(json_array_size(svc), 2);
		ck_assert_uint_gt(json_array_size(json_array_get(svc, 0)), 0);
		json_array_foreach(json_array_get(svc, 0), j, e) ck_assert(json_is_string(e));
		json_array_foreach(json_array_get(svc, 1), j, e)
			ck_assert(!strncmp(json_string_value(e), "http", 4));
	}
	return boot;
}

START_TEST(shipped_bootstrap_files_are_rfc9224)
{
	json_t *dns = load_rfc9224("dns.json"), *v4 = load_rfc9224("ipv4.json");
	json_t *v6 = load_rfc9224("ipv6.json");

	ck_assert_str_eq(nl_bootstrap_dns(dns, "example.com"), "https://rdap.verisign.com/com/v1/");
	ck_assert_str_eq(nl_bootstrap_dns(dns, "www.example.org"),
			 "https://rdap.publicinterestregistry.org/rdap/");
	ck_assert_str_eq(nl_bootstrap_ip(v4, "193.0.6.139"), "https://rdap.db.ripe.net/");
	ck_assert_str_eq(nl_bootstrap_ip(v6, "2001:67c:2e8::1"), "https://rdap.db.ripe.net/");
	json_decref(dns);
	json_decref(v4);
	json_decref(v6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netlib");
	TCase *tc = tcase_create("netlib");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, gate_limits_children_to_n);
	tcase_add_test(tc, gate_paces_starts);
	tcase_add_test(tc, gate_slot_of_killed_child_is_reclaimed);
	tcase_add_test(tc, gate_survives_a_waiter_killed_while_waiting);
	tcase_add_test(tc, gate_slot_of_unreaped_child_is_reclaimed);
	tcase_add_test(tc, owner_with_a_reused_pid_is_dead);
	tcase_add_test(tc, memo_key_computed_once_across_children);
	tcase_add_test(tc, memo_failures_are_kept_shorter);
	tcase_add_test(tc, memo_claim_of_killed_child_passes_on);
	tcase_add_test(tc, memo_full_arena_falls_back_to_computing);
	tcase_add_test(tc, memo_results_dropped_after_a_holder_died_inside);
	tcase_add_test(tc, internal_addresses);
	tcase_add_test(tc, rdap_redirect_guard_by_host_abi);
	tcase_add_test(tc, rdap_host_without_userinfo_or_port);
	tcase_add_test(tc, shipped_bootstrap_files_are_rfc9224);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
