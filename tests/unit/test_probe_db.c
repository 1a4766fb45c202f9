/* test_probe_db.c - the data-store requests byte by byte and the parsers of their
 * answers (core/probe/probe_db.c): answers as the real servers send them (captured
 * from redis-server 7.0, PostgreSQL 15, MariaDB 10.11, memcached 1.6 on loopback,
 * MongoDB and Elasticsearch from their protocol documents), cut answers, refusals
 * and answers of the wrong service. */
#include "config.h"
#include "pg_check.h"
#include <stdlib.h>
#include <string.h>

#include "probe/probe_db.h"
#include "util/util.h"

#define LIT(s) (const unsigned char *)(s), sizeof(s) - 1

static enum pg_db_verdict parse(enum pg_db_req r, const unsigned char *b, size_t n, bool final,
				struct pg_db_info *i)
{
	pg_db_info_init(i);
	return pg_db_parse(r, b, n, final, i);
}

/* The info names service and says auth (1, 0, -1 for not known). */
static void expect(const struct pg_db_info *i, const char *service, int auth)
{
	ck_assert_ptr_nonnull(i->service);
	ck_assert_str_eq(i->service, service);
	ck_assert_int_eq(i->auth_required, auth);
}

static size_t request(enum pg_db_req r, unsigned char *buf)
{
	return pg_db_request(r, buf, PG_DB_REQ_MAX);
}

/* ---- requests ---- */

START_TEST(requests_byte_by_byte)
{
	unsigned char b[PG_DB_REQ_MAX];
	static const unsigned char ssl[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	static const char startup[] = "\0\0\0\x43\0\x03\0\0user\0portgate\0database\0portgate\0"
				      "application_name\0portgate\0";
	size_t n;

	n = request(PG_DB_REDIS, b);
	ck_assert_uint_eq(n, 40);
	ck_assert(memcmp(b, "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n", n) == 0);
	ck_assert_uint_eq(request(PG_DB_PG_SSL, b), 8);
	ck_assert(memcmp(b, ssl, 8) == 0);
	n = request(PG_DB_PG_STARTUP, b);
	ck_assert_uint_eq(n, 67); /* the length field says so too (0x43) */
	ck_assert(memcmp(b, startup, sizeof(startup)) == 0); /* the final NUL included */
	ck_assert_uint_eq(request(PG_DB_MEMCACHED, b), 9);
	ck_assert(memcmp(b, "version\r\n", 9) == 0);
	ck_assert_uint_eq(request(PG_DB_NREQ, b), 0);
	ck_assert_uint_eq(pg_db_request(PG_DB_REDIS, b, 16), 0); /* too small a buffer */
}
END_TEST

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

START_TEST(mongo_requests_layout)
{
	unsigned char b[PG_DB_REQ_MAX];
	size_t n = request(PG_DB_MONGO_MSG, b);

	/* header: messageLength, requestID, responseTo 0, opCode 2013 */
	ck_assert_uint_eq(n, 52);
	ck_assert_uint_eq(le32(b), 52);
	ck_assert_uint_eq(le32(b + 4), PG_DB_MONGO_REQ_ID);
	ck_assert_uint_eq(le32(b + 8), 0);
	ck_assert_uint_eq(le32(b + 12), 2013);
	ck_assert_uint_eq(le32(b + 16), 0); /* flagBits */
	ck_assert_uint_eq(b[20], 0);        /* section kind 0 */
	ck_assert_uint_eq(le32(b + 21), 31);
	ck_assert(memcmp(b + 25, "\x10hello\0\x01\0\0\0\x02$db\0\x06\0\0\0admin\0\0", 27) == 0);

	n = request(PG_DB_MONGO_QUERY, b);
	ck_assert_uint_eq(n, 58);
	ck_assert_uint_eq(le32(b), 58);
	ck_assert_uint_eq(le32(b + 12), 2004);
	ck_assert(memcmp(b + 20, "admin.$cmd\0", 11) == 0);
	ck_assert_uint_eq(le32(b + 31), 0);          /* numberToSkip */
	ck_assert_uint_eq(le32(b + 35), 0xffffffff); /* numberToReturn -1 */
	ck_assert(memcmp(b + 39, "\x13\0\0\0\x10isMaster\0\x01\0\0\0\0", 19) == 0);
}
END_TEST

/* ---- Redis ---- */

START_TEST(redis_open)
{
	static const char ans[] = "+PONG\r\n$590\r\n# Server\r\nredis_version:7.0.15\r\n"
				  "redis_git_sha1:00000000\r\nredis_mode:standalone\r\n";
	struct pg_db_info i;

	ck_assert_int_eq(parse(PG_DB_REDIS, LIT(ans), false, &i), PG_DB_YES);
	expect(&i, "redis", 0);
	ck_assert_str_eq(i.version, "7.0.15");
	ck_assert_str_eq(i.banner, "redis_version:7.0.15");
	/* PONG alone: the INFO answer is still on its way, or cut */
	ck_assert_int_eq(parse(PG_DB_REDIS, LIT("+PONG\r\n"), false, &i), PG_DB_MORE);
	ck_assert_int_eq(
		parse(PG_DB_REDIS, LIT("+PONG\r\n$590\r\n# Server\r\nredis_ver"), true, &i),
		PG_DB_YES);
	ck_assert_str_eq(i.version, "");
	ck_assert_int_eq(i.auth_required, 0);
}
END_TEST

START_TEST(redis_refusals)
{
	static const struct {
		const char *ans;
		int auth;
	} cases[] = {
		{ "-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n", 1 },
		{ "-DENIED Redis is running in protected mode because protected mode is "
		  "enabled\r\n",
		  1 },
		{ "-ERR operation not permitted\r\n", 1 },
		{ "-ERR unknown command 'PING'\r\n", -1 },
	};
	struct pg_db_info i;

	for (size_t k = 0; k < PG_ARRAY_LEN(cases); k++) {
		ck_assert_int_eq(parse(PG_DB_REDIS, (const unsigned char *)cases[k].ans,
				       strlen(cases[k].ans), false, &i),
				 PG_DB_YES);
		ck_assert_str_eq(i.service, "redis");
		ck_assert_int_eq(i.auth_required, cases[k].auth);
	}
	ck_assert_str_eq(i.banner, "-ERR unknown command 'PING'");
	ck_assert_int_eq(parse(PG_DB_REDIS, LIT("-NOAU"), false, &i), PG_DB_MORE);
	ck_assert_int_eq(parse(PG_DB_REDIS, LIT("-NOAU"), true, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_REDIS, LIT("ERROR\r\n"), false, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_REDIS, LIT("+OK\n"), false, &i), PG_DB_NO); /* no CR */
	ck_assert_int_eq(parse(PG_DB_REDIS, LIT("HTTP/1.1 400 Bad Request\r\n"), false, &i),
			 PG_DB_NO);
	ck_assert_ptr_null(i.service);
}
END_TEST

/* ---- PostgreSQL ---- */

START_TEST(pg_ssl_answers)
{
	struct pg_db_info i;

	ck_assert_int_eq(parse(PG_DB_PG_SSL, LIT("N"), false, &i), PG_DB_YES);
	ck_assert_str_eq(i.service, "postgresql");
	ck_assert_int_eq(i.ssl, 0);
	ck_assert_int_eq(parse(PG_DB_PG_SSL, LIT("S"), false, &i), PG_DB_YES);
	ck_assert_int_eq(i.ssl, 1);
	ck_assert_int_eq(parse(PG_DB_PG_SSL, LIT(""), false, &i), PG_DB_MORE);
	ck_assert_int_eq(parse(PG_DB_PG_SSL, LIT(""), true, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_PG_SSL, LIT("No such thing\r\n"), false, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_PG_SSL, LIT("Y"), false, &i), PG_DB_NO);
}
END_TEST

/* One whole answer to the startup message: what it names. */
struct pg_case {
	const char *ans;
	size_t n;
	const char *method, *banner;
	int auth;
};

START_TEST(pg_startup_answers)
{
	/* AuthenticationSASL with its mechanisms, as PostgreSQL 15 sends it */
	static const char scram[] = "R\0\0\0\x17\0\0\0\x0aSCRAM-SHA-256\0\0";
	static const char md5[] = "R\0\0\0\x0c\0\0\0\x05\x01\x02\x03\x04";
	static const char ok[] = "R\0\0\0\x08\0\0\0\0";
	static const char hba[] = "E\0\0\0\x56SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for "
				  "host \"127.0.0.1\", user \"portgate\"\0\0";
	static const struct pg_case cases[] = {
		{ scram, sizeof(scram) - 1, "scram-sha-256", "AuthenticationSASL SCRAM-SHA-256",
		  1 },
		{ md5, sizeof(md5) - 1, "md5", "AuthenticationMD5Password", 1 },
		{ ok, sizeof(ok) - 1, "trust", "AuthenticationOk", 0 },
		{ hba, sizeof(hba) - 1, "",
		  "FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"portgate\"", 1 },
	};
	struct pg_db_info i;

	for (size_t k = 0; k < PG_ARRAY_LEN(cases); k++) {
		ck_assert_int_eq(parse(PG_DB_PG_STARTUP, (const unsigned char *)cases[k].ans,
				       cases[k].n, false, &i),
				 PG_DB_YES);
		expect(&i, "postgresql", cases[k].auth);
		ck_assert_str_eq(i.auth_method, cases[k].method);
		ck_assert_str_eq(i.banner, cases[k].banner);
	}
	/* cut: a message not whole yet, then judged cut */
	ck_assert_int_eq(parse(PG_DB_PG_STARTUP, (const unsigned char *)scram, 7, false, &i),
			 PG_DB_MORE);
	ck_assert_int_eq(parse(PG_DB_PG_STARTUP, (const unsigned char *)scram, 7, true, &i),
			 PG_DB_NO);
	/* a length past any pre-authentication message, an unknown type, fields without an end */
	ck_assert_int_eq(parse(PG_DB_PG_STARTUP, LIT("R\x7f\0\0\0\0\0\0\0"), false, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_PG_STARTUP, LIT("X\0\0\0\x08\0\0\0\0"), false, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_PG_STARTUP, LIT("E\0\0\0\x09SFATAL"), false, &i), PG_DB_NO);
	ck_assert_ptr_null(i.service);
}
END_TEST

/* ---- MongoDB ---- */

static size_t put_le(unsigned char *b, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		b[k] = (unsigned char)(v >> (8 * k));
	return 4;
}

/* An OP_MSG (or OP_REPLY) answer to our request holding {ok: 1.0, maxWireVersion: wire}. */
static size_t mongo_reply(unsigned char *b, uint32_t op, uint32_t to, int32_t wire)
{
	static const unsigned char one[8] = { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f }; /* 1.0 */
	size_t i = 16, doc;

	if (op == 2013) {
		i += put_le(b + i, 0);
		b[i++] = 0;
	} else {
		memset(b + i, 0, 16);
		b[i + 16] = 1; /* responseFlags, cursorID, startingFrom 0; numberReturned 1 */
		i += 20;
	}
	doc = i;
	i += 4;
	memcpy(b + i, "\x10maxWireVersion", 16), i += 16;
	i += put_le(b + i, (uint32_t)wire);
	memcpy(b + i, "\x01ok", 4), i += 4;
	memcpy(b + i, one, 8), i += 8;
	b[i++] = 0;
	put_le(b + doc, (uint32_t)(i - doc));
	put_le(b, (uint32_t)i);
	put_le(b + 4, 7);
	put_le(b + 8, to);
	put_le(b + 12, op);
	return i;
}

START_TEST(mongo_answers)
{
	unsigned char b[256];
	size_t n = mongo_reply(b, 2013, PG_DB_MONGO_REQ_ID, 21);
	struct pg_db_info i;

	ck_assert_int_eq(parse(PG_DB_MONGO_MSG, b, n, false, &i), PG_DB_YES);
	ck_assert_str_eq(i.service, "mongodb");
	ck_assert_int_eq(i.max_wire, 21);
	ck_assert_int_eq(i.auth_required, -1); /* hello proves nothing about authentication */
	ck_assert_int_eq(parse(PG_DB_MONGO_MSG, b, n - 3, false, &i), PG_DB_MORE);
	n = mongo_reply(b, 1, PG_DB_MONGO_REQ_ID, 5);
	ck_assert_int_eq(parse(PG_DB_MONGO_QUERY, b, n, false, &i), PG_DB_YES);
	ck_assert_int_eq(i.max_wire, 5);
	/* an answer to another request, another opcode, a document without "ok" */
	n = mongo_reply(b, 2013, 12345, 21);
	ck_assert_int_eq(parse(PG_DB_MONGO_MSG, b, n, false, &i), PG_DB_NO);
	n = mongo_reply(b, 2012, PG_DB_MONGO_REQ_ID, 21);
	ck_assert_int_eq(parse(PG_DB_MONGO_MSG, b, n, false, &i), PG_DB_NO);
	n = mongo_reply(b, 2013, PG_DB_MONGO_REQ_ID, 21);
	b[n - 13] = 'x'; /* "ok" -> "xk" */
	ck_assert_int_eq(parse(PG_DB_MONGO_MSG, b, n, false, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_MONGO_MSG, LIT("HTTP/1.0 200 OK\r\n\r\n"), false, &i),
			 PG_DB_NO);
}
END_TEST

/* ---- memcached ---- */

START_TEST(memcached_answers)
{
	struct pg_db_info i;

	ck_assert_int_eq(parse(PG_DB_MEMCACHED, LIT("VERSION 1.6.18\r\n"), false, &i), PG_DB_YES);
	ck_assert_str_eq(i.service, "memcached");
	ck_assert_str_eq(i.version, "1.6.18");
	ck_assert_int_eq(i.auth_required, 0);
	ck_assert_int_eq(parse(PG_DB_MEMCACHED, LIT("CLIENT_ERROR unauthenticated\r\n"), false, &i),
			 PG_DB_YES);
	ck_assert_int_eq(i.auth_required, 1);
	ck_assert_int_eq(parse(PG_DB_MEMCACHED, LIT("VERS"), false, &i), PG_DB_MORE);
	ck_assert_int_eq(parse(PG_DB_MEMCACHED, LIT("VERSION 1.6"), true, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_MEMCACHED, LIT("ERROR\r\n"), false, &i), PG_DB_NO);
	ck_assert_int_eq(parse(PG_DB_MEMCACHED, LIT("-ERR unknown command\r\n"), false, &i),
			 PG_DB_NO);
}
END_TEST

/* ---- hints ---- */

START_TEST(hints)
{
	static const char pg_err[] = "E\0\0\0\x35SFATAL\0C08P01\0Minvalid length of startup "
				     "packet\0\0";

	ck_assert_int_eq(pg_db_port_hint(6379), PG_DB_REDIS);
	ck_assert_int_eq(pg_db_port_hint(5432), PG_DB_PG_SSL);
	ck_assert_int_eq(pg_db_port_hint(11211), PG_DB_MEMCACHED);
	ck_assert_int_eq(pg_db_port_hint(27018), PG_DB_MONGO_MSG);
	ck_assert_int_eq(pg_db_port_hint(3306), PG_DB_NREQ); /* MySQL speaks first */
	ck_assert_int_eq(pg_db_answer_hint(LIT("-ERR wrong number of arguments for 'get' "
					       "command\r\n")),
			 PG_DB_REDIS);
	ck_assert_int_eq(pg_db_answer_hint(LIT("ERROR\r\nERROR\r\n")), PG_DB_MEMCACHED);
	ck_assert_int_eq(pg_db_answer_hint(LIT(pg_err)), PG_DB_PG_SSL);
	ck_assert_int_eq(pg_db_answer_hint(LIT("HTTP/1.0 200 OK\r\n\r\nIt looks like you are "
					       "trying to access MongoDB over HTTP on the native "
					       "driver port.\n")),
			 PG_DB_MONGO_MSG);
	ck_assert_int_eq(pg_db_answer_hint(LIT("HTTP/1.1 400 Bad Request\r\n\r\n")), PG_DB_NREQ);
	ck_assert_int_eq(pg_db_answer_hint(LIT("-")), PG_DB_NREQ);
}
END_TEST

/* ---- MySQL / MariaDB greeting ---- */

START_TEST(mysql_greetings)
{
	/* MariaDB 10.11 on loopback, byte for byte */
	static const char maria[] =
		"d\0\0\0\n5.5.5-10.11.19-MariaDB-0+deb12u1\0\x05\0\0\0XC%-S;k-\0\xfe\xf7\x08\x02\0"
		"\xff\x81\x15\0\0\0\0\0\0\x1d\0\0\0:z{|zqHREC_5\0mysql_native_password";
	/* MySQL 8.0 (protocol documentation layout): caching_sha2_password */
	static const char mysql8[] = "J\0\0\0\n8.0.36\0\x08\0\0\0abcdefgh\0\xff\xff\xff\x02\0\xff"
				     "\xdf\x15\0\0\0\0\0\0\0\0\0\0ijklmnopqrst\0"
				     "caching_sha2_password";
	static const char denied[] =
		"\x43\0\0\0\xffj\x04Host '10.0.0.9' is not allowed to connect to "
		"this MariaDB server";
	struct pg_db_info i;

	pg_db_info_init(&i);
	ck_assert(pg_db_mysql_greeting(LIT(maria) + 1, &i)); /* + the literal's NUL */
	ck_assert_str_eq(i.service, "mariadb");
	ck_assert_str_eq(i.version, "10.11.19-MariaDB-0+deb12u1");
	ck_assert_str_eq(i.auth_method, "mysql_native_password");
	ck_assert_int_eq(i.auth_required, -1); /* a greeting proves nothing */
	pg_db_info_init(&i);
	ck_assert(pg_db_mysql_greeting(LIT(mysql8) + 1, &i));
	ck_assert_str_eq(i.service, "mysql");
	ck_assert_str_eq(i.version, "8.0.36");
	ck_assert_str_eq(i.auth_method, "caching_sha2_password");
	pg_db_info_init(&i);
	ck_assert(pg_db_mysql_greeting(LIT(denied), &i));
	ck_assert_str_eq(i.banner,
			 "Host '10.0.0.9' is not allowed to connect to this MariaDB server");
	ck_assert_str_eq(i.service, "mariadb");
	pg_db_info_init(&i);
	/* cut before the plugin name: version only */
	ck_assert(pg_db_mysql_greeting((const unsigned char *)maria, 50, &i));
	ck_assert_str_eq(i.auth_method, "");
	ck_assert(!pg_db_mysql_greeting(LIT("SSH-2.0-OpenSSH_9.2\r\n"), &i));
	/* a length shorter than the packet's own head (found by fuzz_probe_db) */
	ck_assert(!pg_db_mysql_greeting(LIT("\0\0\0\0\n0.1"), &i));
}
END_TEST

/* ---- Elasticsearch / OpenSearch ---- */

START_TEST(search_roots)
{
	static const char es[] = "HTTP/1.1 200 OK\r\nX-elastic-product: Elasticsearch\r\n"
				 "content-type: application/json\r\n\r\n"
				 "{\"name\":\"n\",\"cluster_name\":\"c\",\"version\":{\"number\":"
				 "\"8.11.3\",\"build_flavor\":\"default\"},\"tagline\":\"You Know, "
				 "for Search\"}";
	static const char os[] = "HTTP/1.1 200 OK\r\n\r\n{\"cluster_name\":\"c\",\"version\":{"
				 "\"distribution\":\"opensearch\",\"number\":\"2.11.1\"},"
				 "\"tagline\":\"The OpenSearch Project: https://opensearch.org/\"}";
	static const char es401[] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
				    "realm=\"security\"\r\n\r\n{\"error\":{\"type\":"
				    "\"security_exception\"},\"status\":401}";
	static const char os401[] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
				    "realm=\"OpenSearch Security\"\r\n\r\nUnauthorized";
	static const char other[] = "HTTP/1.1 200 OK\r\n\r\n{\"cluster_name\":\"c\",\"version\":{"
				    "\"number\":\"1\"},\"tagline\":\"something else\"}";
	struct pg_db_info i;

	pg_db_info_init(&i);
	ck_assert(pg_db_http_search(LIT(es), &i));
	ck_assert_str_eq(i.service, "elasticsearch");
	ck_assert_str_eq(i.version, "8.11.3");
	ck_assert_int_eq(i.auth_required, 0);
	pg_db_info_init(&i);
	ck_assert(pg_db_http_search(LIT(os), &i));
	ck_assert_str_eq(i.service, "opensearch");
	ck_assert_str_eq(i.version, "2.11.1");
	pg_db_info_init(&i);
	ck_assert(pg_db_http_search(LIT(es401), &i));
	ck_assert_str_eq(i.service, "elasticsearch");
	ck_assert_int_eq(i.auth_required, 1);
	pg_db_info_init(&i);
	ck_assert(pg_db_http_search(LIT(os401), &i));
	ck_assert_str_eq(i.service, "opensearch");
	pg_db_info_init(&i);
	ck_assert(!pg_db_http_search(LIT(other), &i));
	ck_assert(!pg_db_http_search(LIT("HTTP/1.1 401 Unauthorized\r\n\r\n"), &i));
	ck_assert(!pg_db_http_search((const unsigned char *)es, sizeof(es) - 10, &i)); /* cut */
	ck_assert_ptr_null(i.service);
}
END_TEST

START_TEST(evidence_fields)
{
	struct pg_db_info i;
	json_t *o = json_object();
	char *s;

	pg_db_info_init(&i);
	pg_db_evidence(&i, o);
	ck_assert_uint_eq(json_object_size(o), 0); /* nothing named, nothing said */
	i.service = "postgresql";
	i.ssl = 0;
	i.auth_required = 1;
	pg_strlcpy(i.auth_method, "scram-sha-256", sizeof(i.auth_method));
	pg_db_evidence(&i, o);
	s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_str_eq(s, "{\"authMethod\":\"scram-sha-256\",\"authRequired\":true,"
			    "\"service\":\"postgresql\",\"sslSupported\":false}");
	free(s);
	json_decref(o);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("probe_db");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, requests_byte_by_byte);
	tcase_add_test(tc, mongo_requests_layout);
	tcase_add_test(tc, redis_open);
	tcase_add_test(tc, redis_refusals);
	tcase_add_test(tc, pg_ssl_answers);
	tcase_add_test(tc, pg_startup_answers);
	tcase_add_test(tc, mongo_answers);
	tcase_add_test(tc, memcached_answers);
	tcase_add_test(tc, hints);
	tcase_add_test(tc, mysql_greetings);
	tcase_add_test(tc, search_roots);
	tcase_add_test(tc, evidence_fields);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_check_run(suite());
}
