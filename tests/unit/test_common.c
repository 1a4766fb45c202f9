/* test_common.c - what core and the plugins share (common/): URL parts through
 * libcurl, the HTTP status rule and Retry-After, the call budget, the fd
 * wait, the string buffer and getter, and one certificate written the same
 * way by the probe (core/probe/probe_tls.c) and the ssl enricher
 * (plugins/ssl/ssl_cert.c, compiled in here). */
#include "config.h"

#include "pg_check.h"
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <portgate/plugin.h>

#include "common/cert_json.h"
#include "common/clock.h"
#include "common/http_status.h"
#include "common/json_get.h"
#include "common/strbuf.h"
#include "common/url.h"
#include "common/wait.h"
#include "probe/probe.h"
#include "ssl/ssl_cert.h"

static void assert_split(const char *url, const char *scheme, const char *host, const char *port)
{
	struct pg_url_parts p;

	ck_assert_msg(pg_url_split(url, &p), "%s: not split", url);
	ck_assert_str_eq(p.scheme, scheme);
	ck_assert_str_eq(p.host, host);
	ck_assert_str_eq(p.port, port);
}

START_TEST(url_host_drops_userinfo_and_port)
{
	struct pg_url_parts p;

	assert_split("https://rdap.example.net/domain/x", "https", "rdap.example.net", "");
	/* the bug netlib's hand-split had: user@ and :port stayed in the host */
	assert_split("https://user:s3cret@RDAP.Example.net:8443/ip/1.2.3.4?x=1#f", "https",
		     "rdap.example.net", "8443");
	assert_split("HTTP://[2001:db8::1]:8080/", "http", "2001:db8::1", "8080");
	assert_split("whois://whois.example.org", "whois", "whois.example.org", "");
	ck_assert(!pg_url_split("rdap.example.net/domain", &p));
	ck_assert_str_eq(p.host, "");
	ck_assert(!pg_url_split("https://host:99999/", &p));
	ck_assert(!pg_url_split("", &p));
}
END_TEST

static void assert_path(const char *url, const char *want)
{
	char *p = pg_url_path_new(url);

	if (want)
		ck_assert_str_eq(p, want);
	else
		ck_assert_ptr_null(p);
	free(p);
}

START_TEST(url_path_without_query_or_fragment)
{
	assert_path("https://www.example.test/a/b/c?x=/y#/z", "/a/b/c");
	assert_path("https://www.example.test", "/");
	assert_path("https://u@www.example.test:8443/a/", "/a/");
	assert_path("/a/b", NULL);
}
END_TEST

START_TEST(http_status_outcomes)
{
	static const struct {
		long status;
		int rc;
	} cases[] = {
		{ 200, PG_PLUGIN_OK },    { 201, PG_PLUGIN_OK },    { 204, PG_PLUGIN_OK },
		{ 299, PG_PLUGIN_OK },    { 429, PG_PLUGIN_RETRY }, { 500, PG_PLUGIN_RETRY },
		{ 503, PG_PLUGIN_RETRY }, { 599, PG_PLUGIN_RETRY }, { 400, PG_PLUGIN_FAIL },
		{ 401, PG_PLUGIN_FAIL },  { 404, PG_PLUGIN_FAIL },  { 408, PG_PLUGIN_FAIL },
		{ 301, PG_PLUGIN_FAIL },  { 100, PG_PLUGIN_FAIL },  { 600, PG_PLUGIN_FAIL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(pg_http_status_outcome(cases[i].status) == cases[i].rc,
			      "HTTP %ld: %d, want %d", cases[i].status,
			      pg_http_status_outcome(cases[i].status), cases[i].rc);
}
END_TEST

START_TEST(retry_after_seconds_and_dates)
{
	char future[64];
	time_t t = time(NULL) + 120;
	struct tm tm;
	long ms;

	ck_assert_int_eq(pg_http_retry_after_ms(" 7 "), 7000);
	ck_assert_int_eq(pg_http_retry_after_ms("0"), 0);
	ck_assert_int_eq(pg_http_retry_after_ms("604800"), 604800000L);
	ck_assert_int_eq(pg_http_retry_after_ms("604801"), -1); /* more than a week */
	ck_assert_int_eq(pg_http_retry_after_ms("7x"), -1);
	ck_assert_int_eq(pg_http_retry_after_ms("-7"), -1);
	ck_assert_int_eq(pg_http_retry_after_ms("soon"), -1);
	ck_assert_int_eq(pg_http_retry_after_ms(""), -1);
	ck_assert_int_eq(pg_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), 0);
	gmtime_r(&t, &tm);
	strftime(future, sizeof(future), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	ms = pg_http_retry_after_ms(future);
	ck_assert_msg(ms > 100000 && ms <= 120000, "%s: %ld ms", future, ms);
	/* the obsolete asctime() form a receiver may still send (RFC 9110 5.6.7) */
	strftime(future, sizeof(future), "%a %b %e %H:%M:%S %Y", &tm);
	ms = pg_http_retry_after_ms(future);
	ck_assert_msg(ms > 100000 && ms <= 120000, "%s: %ld ms", future, ms);
}
END_TEST

START_TEST(call_budget_rule)
{
	uint64_t before = pg_clock_now_ms(), dl;

	ck_assert_int_eq(pg_clock_budget_ms(1000), 850);
	ck_assert_int_eq(pg_clock_budget_ms(30000), 26950);
	ck_assert_int_eq(pg_clock_budget_ms(55), 0);
	ck_assert_int_eq(pg_clock_budget_ms(0), 0);
	ck_assert_int_eq(pg_clock_budget_ms(-5), 0);
	dl = pg_clock_deadline_ms(1000);
	ck_assert_uint_ge(dl, before + 850);
	ck_assert_uint_ge(pg_clock_now_us() / 1000, before);
	{
		struct timespec ts;
		uint64_t at;

		pg_clock_timespec_in(1999, &ts);
		at = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		ck_assert_int_lt(ts.tv_nsec, 1000000000L);
		ck_assert_uint_ge(at, before + 1999);
	}
}
END_TEST

START_TEST(wait_fd_ready_and_deadline)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* nothing to read: the deadline ends the wait, and one in the past at once */
	ck_assert_int_eq(pg_wait_fd(sv[0], POLLIN, pg_clock_now_ms() + 20), 0);
	ck_assert_int_eq(pg_wait_fd(sv[0], POLLIN, 1), 0);
	ck_assert_int_eq(pg_wait_fd(sv[0], POLLOUT, pg_clock_now_ms() + 1000), 1);
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	ck_assert_int_eq(pg_wait_fd(sv[0], POLLIN, pg_clock_now_ms() + 1000), 1);
	ck_assert_int_eq(pg_wait_fd(sv[0], POLLIN, 0), 1); /* 0: no deadline */
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(strbuf_and_getter)
{
	struct pg_strbuf b = { 0 };
	json_t *o = json_pack("{s:s, s:i}", "name", "web", "port", 443);
	char *s;

	s = pg_strbuf_take(&b);
	ck_assert_str_eq(s, "");
	free(s);
	for (int i = 0; i < 100; i++)
		pg_strbuf_add(&b, "0123456789");
	pg_strbuf_addn(&b, "abc", 2);
	ck_assert_uint_eq(b.len, 1002);
	s = pg_strbuf_take(&b);
	ck_assert_uint_eq(strlen(s), 1002);
	ck_assert_str_eq(s + 1000, "ab");
	ck_assert_ptr_null(b.data);
	free(s);
	ck_assert_str_eq(pg_json_get_str(o, "name"), "web");
	ck_assert_ptr_null(pg_json_get_str(o, "port"));
	ck_assert_ptr_null(pg_json_get_str(NULL, "name"));
	ck_assert_str_eq(pg_json_get_str_or(o, "port", "?"), "?");
	json_decref(o);
}
END_TEST

/* A self-signed certificate whose names need RFC 4514 escaping: a comma, a
 * plus, a leading '#', non-ASCII (UTF-8) and a control byte. */
static X509 *make_cert(void)
{
	static const unsigned char ip[4] = { 192, 0, 2, 7 };
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *g;
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

	ck_assert_ptr_nonnull(k);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
	ck_assert(ASN1_TIME_set_string(X509_getm_notBefore(c), "20260101000000Z"));
	ck_assert(ASN1_TIME_set_string(X509_getm_notAfter(c), "20260301220625Z"));
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
				   (const unsigned char *)"Ex\xc3\xa4mple+Co", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
				   (const unsigned char *)"#web, \"one\"\x01", -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, n);
	g = GENERAL_NAME_new();
	GENERAL_NAME_set0_value(g, GEN_DNS, ASN1_IA5STRING_new());
	ASN1_STRING_set(g->d.dNSName, "www.example.test", -1);
	sk_GENERAL_NAME_push(gens, g);
	g = GENERAL_NAME_new();
	ASN1_OCTET_STRING_set(os, ip, sizeof(ip));
	GENERAL_NAME_set0_value(g, GEN_IPADD, os);
	sk_GENERAL_NAME_push(gens, g);
	X509_add1_ext_i2d(c, NID_subject_alt_name, gens, 0, 0);
	X509_set_pubkey(c, k);
	ck_assert(X509_sign(c, k, EVP_sha256()) > 0);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(n);
	EVP_PKEY_free(k);
	return c;
}

static void assert_same(const json_t *a, const char *ka, const json_t *b, const char *kb)
{
	char *x = json_dumps(json_object_get(a, ka), JSON_ENCODE_ANY);
	char *y = json_dumps(json_object_get(b, kb), JSON_ENCODE_ANY);

	ck_assert_msg(x && y && !strcmp(x, y), "probe %s %s, ssl %s %s", ka, x, kb, y);
	free(x);
	free(y);
}

START_TEST(one_certificate_one_spelling)
{
	X509 *c = make_cert();
	json_t *probe = pg_tls_cert_json(c, "www.example.test", false, 0);
	json_t *ssl = tls_cert_json(c);

	assert_same(probe, "subject", ssl, "subject");
	assert_same(probe, "issuer", ssl, "issuer");
	assert_same(probe, "san", ssl, "san");
	assert_same(probe, "notBefore", ssl, "notBefore");
	assert_same(probe, "expires", ssl, "notAfter");
	assert_same(probe, "sha256", ssl, "sha256");
	/* RFC 3339 without fractions; RFC 4514 text, most specific RDN first */
	ck_assert_str_eq(pg_json_get_str(probe, "expires"), "2026-03-01T22:06:25Z");
	ck_assert_str_eq(pg_json_get_str(probe, "notBefore"), "2026-01-01T00:00:00Z");
	ck_assert_str_eq(pg_json_get_str(probe, "subject"),
			 "CN=\\#web\\, \\\"one\\\"\\01,O=Ex\\C3\\A4mple\\+Co");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(probe, "san"), 0)),
			 "www.example.test");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(probe, "san"), 1)),
			 "192.0.2.7");
	ck_assert_uint_eq(strlen(pg_json_get_str(probe, "sha256")), 64);
	json_decref(probe);
	json_decref(ssl);
	X509_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("common");

	tcase_add_test(tc, url_host_drops_userinfo_and_port);
	tcase_add_test(tc, url_path_without_query_or_fragment);
	tcase_add_test(tc, http_status_outcomes);
	tcase_add_test(tc, retry_after_seconds_and_dates);
	tcase_add_test(tc, call_budget_rule);
	tcase_add_test(tc, wait_fd_ready_and_deadline);
	tcase_add_test(tc, strbuf_and_getter);
	tcase_add_test(tc, one_certificate_one_spelling);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
