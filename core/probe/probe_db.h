/* probe_db.h - data stores named by what they answer: the read-only requests the
 * probe sends to Redis, PostgreSQL, MongoDB and memcached, and the parsers of their
 * answers, of a MySQL/MariaDB greeting and of an Elasticsearch/OpenSearch root
 * document (docs/probes.md lists every byte sent).
 *
 * Pure functions of untrusted bytes: bounded by the given length, no
 * allocation that outlives a call, no crash on any input (fuzz/fuzz_probe_db.c).
 * The state machine in probe.c sends the requests and feeds the answers. */
#ifndef PG_PROBE_DB_H
#define PG_PROBE_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The requests, in the order the probe tries them on a silent port it cannot name
 * by number, so that each server either answers or hangs up at once on the guesses
 * before its own (a server that waits costs DB_WAIT_MS): Redis's RESP draws an error
 * from memcached and a hang-up from PostgreSQL and MongoDB (the bytes read as a
 * length past their limits); MongoDB's header is a length PostgreSQL refuses. */
enum pg_db_req {
	PG_DB_REDIS,       /* RESP PING + INFO server */
	PG_DB_MONGO_MSG,   /* OP_MSG { hello: 1, $db: "admin" } */
	PG_DB_MONGO_QUERY, /* legacy OP_QUERY admin.$cmd { isMaster: 1 } (servers before 3.6) */
	PG_DB_PG_SSL,      /* PostgreSQL SSLRequest */
	PG_DB_MEMCACHED,   /* "version\r\n" */
	PG_DB_PG_STARTUP,  /* PostgreSQL StartupMessage v3, user/database "portgate" */
	PG_DB_NREQ         /* none */
};

enum pg_db_verdict {
	PG_DB_MORE, /* a valid beginning: read on */
	PG_DB_NO,   /* not this service */
	PG_DB_YES   /* named: the info is complete */
};

#define PG_DB_REQ_MAX      128         /* the largest request pg_db_request writes */
#define PG_DB_MONGO_REQ_ID 0x70670001u /* requestID of both MongoDB requests */

/* What an answer showed. Strings are sanitised (printable ASCII). */
struct pg_db_info {
	const char *service;  /* static: "redis", "postgresql", "mysql", "mariadb", "mongodb",
				"memcached", "elasticsearch", "opensearch"; NULL: not named */
	char version[64];     /* "" when the answer does not say */
	char banner[160];     /* the answer's own words: "+PONG", "VERSION 1.6.18", an error */
	char auth_method[32]; /* "scram-sha-256", "md5", "password", "trust", ... or "" */
	int auth_required;    /* 1 required, 0 the answer proves none is needed, -1 not known */
	int ssl;              /* PostgreSQL SSLRequest: 1 'S', 0 'N', -1 not asked */
	long max_wire;        /* MongoDB maxWireVersion, -1 when absent */
};

void pg_db_info_init(struct pg_db_info *i);

/* Write request r into buf (len >= PG_DB_REQ_MAX); returns its length, 0 if r is
 * PG_DB_NREQ or buf is too small. */
size_t pg_db_request(enum pg_db_req r, unsigned char *buf, size_t len);

/* Judge the answer b[0..n) to request r, filling out. final: nothing more will
 * arrive (end of stream, buffer full, quiet), so a cut answer is judged as it is. */
enum pg_db_verdict pg_db_parse(enum pg_db_req r, const unsigned char *b, size_t n, bool final,
			       struct pg_db_info *out);

/* The request a port number suggests first (6379 Redis, 5432 PostgreSQL,
 * 27017-27019 MongoDB, 11211 memcached), PG_DB_NREQ for any other port. */
enum pg_db_req pg_db_port_hint(uint16_t port);

/* The request an answer to some other request points at (a RESP error, a
 * PostgreSQL ErrorResponse, memcached's "ERROR", mongod's "MongoDB over HTTP"
 * page), PG_DB_NREQ when it points at none. */
enum pg_db_req pg_db_answer_hint(const unsigned char *b, size_t n);

/* A MySQL/MariaDB server-first packet (greeting, protocol 10, or an error
 * packet): service, version, auth_method (the greeting's auth plugin). */
bool pg_db_mysql_greeting(const unsigned char *b, size_t n, struct pg_db_info *out);

/* An HTTP answer to GET / from Elasticsearch or OpenSearch: 200 with the root
 * document (version.number, version.distribution, tagline) proves no
 * authentication; 401 from their security layer says it is required. */
bool pg_db_http_search(const unsigned char *b, size_t n, struct pg_db_info *out);

/* Add the named service's fields to probe evidence o: service, version?,
 * banner?, authRequired?, authMethod?, sslSupported?, maxWireVersion?. */
void pg_db_evidence(const struct pg_db_info *i, json_t *o);

#endif
