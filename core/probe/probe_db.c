/* probe_db.c - requests to data stores and parsers of their answers (probe_db.h).
 *
 * Every request is read-only and carries no credential: Redis PING + INFO server,
 * PostgreSQL SSLRequest and a StartupMessage that is never followed by a password,
 * MongoDB hello / isMaster, memcached version. Every parser reads untrusted bytes:
 * each index is checked against n before use, nothing assumes NUL termination. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "probe.h"
#include "probe_db.h"
#include "util/util.h"

#define PG_SSL_REQUEST_CODE 80877103u /* 1234 << 16 | 5679: PostgreSQL protocol docs */
#define PG_PROTOCOL_3_0     196608u   /* 3 << 16 */
#define PG_MSG_MAX          65536u    /* a pre-authentication message is far smaller */
#define MONGO_OP_REPLY      1
#define MONGO_OP_QUERY      2004
#define MONGO_OP_MSG        2013
#define MONGO_MSG_MAX       (48u * 1024 * 1024) /* maxMessageSizeBytes */
#define MONGO_UNAUTHORIZED  13                  /* error code "Unauthorized" */
#define TEXT_LINE_MAX       512         /* a first line longer than this is not a short status */
#define MYSQL_PLUGIN_AUTH   0x00080000u /* CLIENT_PLUGIN_AUTH capability */

void pg_db_info_init(struct pg_db_info *i)
{
	memset(i, 0, sizeof(*i));
	i->auth_required = -1;
	i->ssl = -1;
	i->max_wire = -1;
}

/* ---- byte helpers ---- */

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static void put_be32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
}

static void put_le32(unsigned char *b, uint32_t v)
{
	b[3] = (unsigned char)(v >> 24), b[2] = (unsigned char)(v >> 16);
	b[1] = (unsigned char)(v >> 8), b[0] = (unsigned char)v;
}

static bool has(const unsigned char *b, size_t n, const char *lit)
{
	return memmem(b, n, lit, strlen(lit)) != NULL;
}

/* b (n bytes) starts with lit, or is a beginning of it. */
static bool prefix_of(const unsigned char *b, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return memcmp(b, lit, n < l ? n : l) == 0;
}

static bool begins(const unsigned char *b, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(b, lit, l) == 0;
}

/* Index of the '\n' ending the first line, or n when there is none. */
static size_t eol(const unsigned char *b, size_t n)
{
	const unsigned char *nl = memchr(b, '\n', n);

	return nl ? (size_t)(nl - b) : n;
}

/* Sanitised copy of a line without its CR. */
static void text(char *dst, size_t len, const unsigned char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		n--;
	pg_banner_sanitize(s, n, dst, len);
}

/* ---- requests ---- */

static void mongo_header(unsigned char *b, uint32_t len, uint32_t op)
{
	put_le32(b, len);
	put_le32(b + 4, PG_DB_MONGO_REQ_ID);
	put_le32(b + 8, 0);
	put_le32(b + 12, op);
}

/* BSON { <cmd>: int32 1 [, $db: "admin"] }. */
static size_t bson_cmd(unsigned char *b, const char *cmd, bool db)
{
	size_t i = 4, cl = strlen(cmd) + 1;

	b[i++] = 0x10;
	memcpy(b + i, cmd, cl), i += cl;
	put_le32(b + i, 1), i += 4;
	if (db) {
		b[i++] = 0x02;
		memcpy(b + i, "$db", 4), i += 4;
		put_le32(b + i, 6), i += 4;
		memcpy(b + i, "admin", 6), i += 6;
	}
	b[i++] = 0;
	put_le32(b, (uint32_t)i);
	return i;
}

static size_t mongo_msg(unsigned char *b)
{
	size_t i = 16;

	put_le32(b + i, 0), i += 4; /* flagBits */
	b[i++] = 0;                 /* section kind 0: the body document */
	i += bson_cmd(b + i, "hello", true);
	mongo_header(b, (uint32_t)i, MONGO_OP_MSG);
	return i;
}

static size_t mongo_query(unsigned char *b)
{
	size_t i = 16;

	put_le32(b + i, 0), i += 4; /* flags */
	memcpy(b + i, "admin.$cmd", 11), i += 11;
	put_le32(b + i, 0), i += 4;           /* numberToSkip */
	put_le32(b + i, 0xffffffffu), i += 4; /* numberToReturn -1: one document */
	i += bson_cmd(b + i, "isMaster", false);
	mongo_header(b, (uint32_t)i, MONGO_OP_QUERY);
	return i;
}

static size_t pg_startup(unsigned char *b)
{
	static const char params[] = "user\0portgate\0database\0portgate\0"
				     "application_name\0portgate\0"; /* + the final NUL */
	size_t n = 8 + sizeof(params);

	put_be32(b, (uint32_t)n);
	put_be32(b + 4, PG_PROTOCOL_3_0);
	memcpy(b + 8, params, sizeof(params));
	return n;
}

size_t pg_db_request(enum pg_db_req r, unsigned char *buf, size_t len)
{
	static const char redis[] = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n";

	if (len < PG_DB_REQ_MAX)
		return 0;
	switch (r) {
	case PG_DB_REDIS: memcpy(buf, redis, sizeof(redis) - 1); return sizeof(redis) - 1;
	case PG_DB_PG_SSL:
		put_be32(buf, 8);
		put_be32(buf + 4, PG_SSL_REQUEST_CODE);
		return 8;
	case PG_DB_MEMCACHED: memcpy(buf, "version\r\n", 9); return 9;
	case PG_DB_MONGO_MSG: return mongo_msg(buf);
	case PG_DB_MONGO_QUERY: return mongo_query(buf);
	case PG_DB_PG_STARTUP: return pg_startup(buf);
	default: return 0;
	}
}

/* ---- Redis (RESP) ---- */

/* The INFO bulk string after the PING reply: "$<len>\r\n...redis_version:X\r\n...". */
static enum pg_db_verdict redis_info(const unsigned char *b, size_t n, bool final,
				     struct pg_db_info *out)
{
	static const char key[] = "redis_version:";
	const unsigned char *v;

	if (n && b[0] != '$')
		return PG_DB_YES; /* INFO refused (-NOAUTH, renamed command): PONG named it */
	v = memmem(b, n, key, sizeof(key) - 1);
	if (v) {
		size_t off = (size_t)(v - b) + sizeof(key) - 1;
		size_t vl = eol(b + off, n - off);

		if (off + vl < n) {
			text(out->version, sizeof(out->version), b + off, vl);
			text(out->banner, sizeof(out->banner), v, sizeof(key) - 1 + vl);
			return PG_DB_YES;
		}
	}
	return final ? PG_DB_YES : PG_DB_MORE;
}

static enum pg_db_verdict parse_redis(const unsigned char *b, size_t n, bool final,
				      struct pg_db_info *out)
{
	size_t l = eol(b, n);

	if (n == 0 || (b[0] != '+' && b[0] != '-'))
		return n || final ? PG_DB_NO : PG_DB_MORE;
	if (l == n)
		return final || n > TEXT_LINE_MAX ? PG_DB_NO : PG_DB_MORE;
	if (l == 0 || b[l - 1] != '\r')
		return PG_DB_NO; /* RESP lines end in CRLF */
	out->service = "redis";
	text(out->banner, sizeof(out->banner), b, l);
	if (begins(b, n, "+PONG")) {
		out->auth_required = 0;
		return redis_info(b + l + 1, n - l - 1, final, out);
	}
	/* -NOAUTH (2.8+), -ERR operation not permitted (2.6), -DENIED (protected mode) */
	if (begins(b, l, "-NOAUTH") || begins(b, l, "-DENIED") || has(b, l, "not permitted") ||
	    has(b, l, "auth"))
		out->auth_required = 1;
	return PG_DB_YES;
}

/* ---- PostgreSQL ---- */

/* ErrorResponse body: fields (type byte + C string) up to a 0 byte. */
static bool pg_error_fields(const unsigned char *b, size_t n, struct pg_db_info *out)
{
	const unsigned char *sev = NULL, *msg = NULL, *code = NULL;
	size_t i = 0;

	while (i < n && b[i]) {
		unsigned char t = b[i++];
		const unsigned char *z = memchr(b + i, 0, n - i);

		if (!z)
			return false;
		if (t == 'S')
			sev = b + i;
		else if (t == 'M')
			msg = b + i;
		else if (t == 'C')
			code = b + i;
		i = (size_t)(z - b) + 1;
	}
	if (i >= n || !msg || !(sev || code))
		return false;
	if (out) {
		char m[120], s[16] = "ERROR";

		pg_banner_sanitize(msg, strlen((const char *)msg), m, sizeof(m));
		if (sev)
			pg_banner_sanitize(sev, strlen((const char *)sev), s, sizeof(s));
		snprintf(out->banner, sizeof(out->banner), "%s: %s", s, m);
		if (code &&
		    (!strcmp((const char *)code, "28000") || !strcmp((const char *)code, "28P01")))
			out->auth_required = 1;
	}
	return true;
}

/* The method an AuthenticationRequest code asks for, and the message's name in
 * the protocol documentation (the banner). */
static const char *pg_auth_name(uint32_t code, const char **msg)
{
	static const struct {
		uint32_t code;
		const char *method, *msg;
	} names[] = {
		{ 0, "trust", "AuthenticationOk" },
		{ 2, "kerberos5", "AuthenticationKerberosV5" },
		{ 3, "password", "AuthenticationCleartextPassword" },
		{ 5, "md5", "AuthenticationMD5Password" },
		{ 7, "gss", "AuthenticationGSS" },
		{ 9, "sspi", "AuthenticationSSPI" },
		{ 10, "sasl", "AuthenticationSASL" },
	};

	for (size_t i = 0; i < PG_ARRAY_LEN(names); i++)
		if (names[i].code == code) {
			*msg = names[i].msg;
			return names[i].method;
		}
	*msg = "AuthenticationRequest";
	return "unknown";
}

/* AuthenticationRequest: the method the server asks for; SASL names its mechanisms. */
static void pg_auth(const unsigned char *b, size_t n, struct pg_db_info *out)
{
	uint32_t code = be32(b);
	const char *msg;

	out->auth_required = code != 0;
	pg_strlcpy(out->auth_method, pg_auth_name(code, &msg), sizeof(out->auth_method));
	snprintf(out->banner, sizeof(out->banner), "%s", msg);
	if (code == 10 && n > 4 && memchr(b + 4, 0, n - 4)) {
		text(out->auth_method, sizeof(out->auth_method), b + 4,
		     strlen((const char *)b + 4));
		snprintf(out->banner, sizeof(out->banner), "%s %s", msg, out->auth_method);
		for (char *c = out->auth_method; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	}
}

/* Messages a server sends before authentication completes: Authentication*,
 * ErrorResponse, NegotiateProtocolVersion, ParameterStatus, NoticeResponse,
 * BackendKeyData. */
static bool pg_type_ok(unsigned char t)
{
	return t && strchr("REvSNK", t);
}

/* One backend message at b: its length, or 0 when it is not (yet) whole and valid. */
static size_t pg_message(const unsigned char *b, size_t n, bool *bad)
{
	uint32_t len;

	if (n < 5)
		return 0;
	len = be32(b + 1);
	*bad = len < 4 || len > PG_MSG_MAX || !pg_type_ok(b[0]);
	return !*bad && n >= 1 + (size_t)len ? 1 + (size_t)len : 0;
}

static enum pg_db_verdict parse_pg_startup(const unsigned char *b, size_t n, bool final,
					   struct pg_db_info *out)
{
	size_t i = 0, m;
	bool bad = false;

	while ((m = pg_message(b + i, n - i, &bad)) > 0) {
		const unsigned char *body = b + i + 5;

		if (b[i] == 'R' && m >= 9) {
			out->service = "postgresql";
			pg_auth(body, m - 5, out);
			return PG_DB_YES;
		}
		if (b[i] == 'E') {
			if (!pg_error_fields(body, m - 5, out))
				return PG_DB_NO;
			out->service = "postgresql";
			return PG_DB_YES;
		}
		i += m;
	}
	if (bad || (n && !pg_type_ok(b[0])))
		return PG_DB_NO;
	return final ? PG_DB_NO : PG_DB_MORE;
}

static enum pg_db_verdict parse_pg_ssl(const unsigned char *b, size_t n, bool final,
				       struct pg_db_info *out)
{
	if (n == 0)
		return final ? PG_DB_NO : PG_DB_MORE;
	if (b[0] == 'E') /* a server too old for SSLRequest refuses it */
		return parse_pg_startup(b, n, final, out);
	if ((b[0] != 'S' && b[0] != 'N') || n > 1)
		return PG_DB_NO;
	out->service = "postgresql";
	out->ssl = b[0] == 'S';
	return PG_DB_YES;
}

/* ---- MongoDB (BSON) ---- */

/* Bytes of a BSON value of type t at v (at most n bytes), SIZE_MAX when malformed. */
static size_t bson_len(unsigned char t, const unsigned char *v, size_t n)
{
	static const unsigned char fixed[][2] = {
		{ 0x01, 8 }, { 0x06, 0 }, { 0x07, 12 }, { 0x08, 1 },  { 0x09, 8 }, { 0x0a, 0 },
		{ 0x10, 4 }, { 0x11, 8 }, { 0x12, 8 },  { 0x13, 16 }, { 0x7f, 0 }, { 0xff, 0 },
	};

	for (size_t i = 0; i < PG_ARRAY_LEN(fixed); i++)
		if (fixed[i][0] == t)
			return fixed[i][1];
	if (n < 4)
		return SIZE_MAX;
	switch (t) {
	case 0x02:
	case 0x0d:
	case 0x0e: return 4 + (size_t)le32(v); /* string: int32 length + bytes */
	case 0x03:
	case 0x04:
	case 0x0f: return le32(v) >= 5 ? le32(v) : SIZE_MAX; /* document, array, code w/ scope */
	case 0x05: return 5 + (size_t)le32(v);               /* binary: length, subtype, bytes */
	default: return SIZE_MAX;
	}
}

static long bson_number(unsigned char t, const unsigned char *v)
{
	double d;

	if (t == 0x10)
		return (long)(int32_t)le32(v);
	if (t == 0x12)
		return (long)(int32_t)le32(
			v);       /* int64, little-endian: wire versions fit its low word */
	memcpy(&d, v, sizeof(d)); /* 0x01: little-endian IEEE 754, as this host */
	return d > -1e9 && d < 1e9 ? (long)d : -1;
}

static void bson_field(const char *name, unsigned char t, const unsigned char *v, size_t vl,
		       struct pg_db_info *out, bool *ok)
{
	bool num = t == 0x10 || t == 0x12 || t == 0x01;

	if (!strcmp(name, "ok") && num)
		*ok = true;
	else if (!strcmp(name, "maxWireVersion") && num)
		out->max_wire = bson_number(t, v);
	else if (!strcmp(name, "code") && num && bson_number(t, v) == MONGO_UNAUTHORIZED)
		out->auth_required = 1;
	else if (!strcmp(name, "errmsg") && t == 0x02 && vl > 4)
		pg_banner_sanitize(v + 4, strnlen((const char *)v + 4, vl - 4), out->banner,
				   sizeof(out->banner));
}

/* Walk the top level of document d (n bytes available); true when it holds "ok". */
static bool bson_scan(const unsigned char *d, size_t n, struct pg_db_info *out)
{
	size_t i = 4;
	bool ok = false;

	if (n < 5 || le32(d) < 5)
		return false;
	if (le32(d) < n)
		n = le32(d);
	while (i < n && d[i]) {
		unsigned char t = d[i++];
		const unsigned char *z = memchr(d + i, 0, n - i);
		size_t vl, name;

		if (!z)
			break;
		name = i;
		i = (size_t)(z - d) + 1;
		vl = bson_len(t, d + i, n - i);
		if (vl == SIZE_MAX || vl > n - i)
			break;
		bson_field((const char *)d + name, t, d + i, vl, out, &ok);
		i += vl;
	}
	return ok;
}

static enum pg_db_verdict parse_mongo(const unsigned char *b, size_t n, bool final,
				      struct pg_db_info *out)
{
	uint32_t len, op;
	size_t doc;

	if (n < 16)
		return final || (n >= 4 && le32(b) > MONGO_MSG_MAX) ? PG_DB_NO : PG_DB_MORE;
	len = le32(b), op = le32(b + 12);
	if (len <= 21 || len > MONGO_MSG_MAX || le32(b + 8) != PG_DB_MONGO_REQ_ID ||
	    (op != MONGO_OP_MSG && op != MONGO_OP_REPLY))
		return PG_DB_NO;
	if (n < len && !final)
		return PG_DB_MORE;
	doc = op == MONGO_OP_MSG ? 21 : 36; /* header + flagBits + kind | OP_REPLY's fields */
	if (n < doc || len < doc + 5 || (op == MONGO_OP_MSG && b[20] != 0))
		return PG_DB_NO;
	if (!bson_scan(b + doc, (n < len ? n : len) - doc, out))
		return PG_DB_NO;
	out->service = "mongodb";
	if (!out->banner[0] && out->max_wire >= 0)
		snprintf(out->banner, sizeof(out->banner), "maxWireVersion %ld", out->max_wire);
	return PG_DB_YES;
}

/* ---- memcached ---- */

static enum pg_db_verdict parse_memcached(const unsigned char *b, size_t n, bool final,
					  struct pg_db_info *out)
{
	size_t l = eol(b, n);

	if (!prefix_of(b, n, "VERSION ") && !prefix_of(b, n, "CLIENT_ERROR"))
		return PG_DB_NO;
	if (l == n)
		return final || n > TEXT_LINE_MAX ? PG_DB_NO : PG_DB_MORE;
	if (begins(b, l, "VERSION ")) {
		out->auth_required = 0;
		text(out->version, sizeof(out->version), b + 8, l - 8);
	} else if (begins(b, l, "CLIENT_ERROR") && has(b, l, "authenticat")) {
		out->auth_required = 1; /* "CLIENT_ERROR unauthenticated" (-Y authfile) */
	} else {
		return PG_DB_NO;
	}
	out->service = "memcached";
	text(out->banner, sizeof(out->banner), b, l);
	return PG_DB_YES;
}

enum pg_db_verdict pg_db_parse(enum pg_db_req r, const unsigned char *b, size_t n, bool final,
			       struct pg_db_info *out)
{
	switch (r) {
	case PG_DB_REDIS: return parse_redis(b, n, final, out);
	case PG_DB_PG_SSL: return parse_pg_ssl(b, n, final, out);
	case PG_DB_PG_STARTUP: return parse_pg_startup(b, n, final, out);
	case PG_DB_MEMCACHED: return parse_memcached(b, n, final, out);
	case PG_DB_MONGO_MSG:
	case PG_DB_MONGO_QUERY: return parse_mongo(b, n, final, out);
	default: return PG_DB_NO;
	}
}

/* ---- hints ---- */

enum pg_db_req pg_db_port_hint(uint16_t port)
{
	switch (port) {
	case 6379: return PG_DB_REDIS;
	case 5432: return PG_DB_PG_SSL;
	case 11211: return PG_DB_MEMCACHED;
	case 27017:
	case 27018:
	case 27019: return PG_DB_MONGO_MSG;
	default: return PG_DB_NREQ;
	}
}

enum pg_db_req pg_db_answer_hint(const unsigned char *b, size_t n)
{
	size_t m;
	bool bad = false;

	if (n >= 3 && b[0] == '-' && b[1] >= 'A' && b[1] <= 'Z' && eol(b, n) < n)
		return PG_DB_REDIS;
	if (begins(b, n, "ERROR\r\n") || begins(b, n, "CLIENT_ERROR "))
		return PG_DB_MEMCACHED;
	if (has(b, n, "access MongoDB over HTTP"))
		return PG_DB_MONGO_MSG;
	m = n && b[0] == 'E' ? pg_message(b, n, &bad) : 0;
	if (m && pg_error_fields(b + 5, m - 5, NULL))
		return PG_DB_PG_SSL;
	return PG_DB_NREQ;
}

/* ---- MySQL / MariaDB greeting ---- */

/* The auth plugin name after the version in a protocol-10 greeting. */
static void mysql_plugin(const unsigned char *b, size_t n, size_t i, struct pg_db_info *out)
{
	uint32_t caps;
	size_t part2;

	/* connection id 4, auth data 8, filler 1, capabilities 2, charset 1, status 2,
	 * capabilities (upper) 2, auth data length 1, reserved 10 */
	if (i + 31 > n)
		return;
	caps = (uint32_t)b[i + 13] | (uint32_t)b[i + 14] << 8 | (uint32_t)b[i + 18] << 16 |
	       (uint32_t)b[i + 19] << 24;
	part2 = b[i + 20] > 21 ? b[i + 20] - 8u : 13u; /* max(13, length - 8) */
	i += 31 + part2;
	if (!(caps & MYSQL_PLUGIN_AUTH) || i >= n || !memchr(b + i, 0, n - i))
		return;
	text(out->auth_method, sizeof(out->auth_method), b + i, strlen((const char *)b + i));
}

bool pg_db_mysql_greeting(const unsigned char *b, size_t n, struct pg_db_info *out)
{
	size_t plen, end, v = 5;
	const unsigned char *z;

	if (n < 6 || b[3] != 0 || (b[4] != 0x0a && b[4] != 0xff))
		return false;
	plen = b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
	end = plen + 4 < n ? plen + 4 : n;
	if (b[4] == 0xff) { /* error packet: 2-byte code, then the text */
		out->service = memmem(b, end, "MariaDB", 7) ? "mariadb" : "mysql";
		if (end > 7)
			text(out->banner, sizeof(out->banner), b + 7, end - 7);
		return true;
	}
	z = end > v ? memchr(b + v, 0, end - v) : NULL; /* a length shorter than its head */
	if (!z)
		return false;
	out->service = memmem(b + v, (size_t)(z - b) - v, "MariaDB", 7) ? "mariadb" : "mysql";
	text(out->banner, sizeof(out->banner), b + v, (size_t)(z - b) - v);
	/* MariaDB 10+ prefixes "5.5.5-" so old clients accept it */
	if (begins(b + v, (size_t)(z - b) - v, "5.5.5-") && out->service[1] == 'a')
		v += 6;
	text(out->version, sizeof(out->version), b + v, (size_t)(z - b) - v);
	mysql_plugin(b, end, (size_t)(z - b) + 1, out);
	return true;
}

/* ---- Elasticsearch / OpenSearch ---- */

static const char *json_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The root document of a 200: {"name", "cluster_name", "version": {"number",
 * "distribution"?}, "tagline"}. */
static bool search_root(const unsigned char *body, size_t n, struct pg_db_info *out)
{
	json_t *doc = json_loadb((const char *)body, n, 0, NULL), *ver;
	const char *tag, *dist;
	bool named = false;

	ver = json_object_get(doc, "version");
	tag = json_str(doc, "tagline");
	dist = json_str(ver, "distribution");
	if (json_is_object(ver) && json_object_get(doc, "cluster_name")) {
		if (!strcmp(dist, "opensearch") || strstr(tag, "OpenSearch"))
			out->service = "opensearch";
		else if (!strcmp(tag, "You Know, for Search"))
			out->service = "elasticsearch";
		named = out->service != NULL;
	}
	if (named) {
		const char *num = json_str(ver, "number");

		pg_banner_sanitize(num, strlen(num), out->version, sizeof(out->version));
		out->auth_required = 0;
	}
	json_decref(doc);
	return named;
}

bool pg_db_http_search(const unsigned char *b, size_t n, struct pg_db_info *out)
{
	const unsigned char *body = memmem(b, n, "\r\n\r\n", 4);
	size_t head = body ? (size_t)(body - b) : n;
	char line[8], server[8];
	int status = 0;

	if (!pg_http_parse(b, n, &status, line, sizeof(line), server, sizeof(server)))
		return false;
	if (status == 200 && body)
		return search_root(body + 4, n - head - 4, out);
	if (status != 401)
		return false;
	/* the security layers' own words: ES's security_exception (and its product
	 * header, 7.14+), the OpenSearch Security plugin's realm */
	if (has(b, head, "OpenSearch Security"))
		out->service = "opensearch";
	else if (has(b, n, "security_exception") ||
		 has(b, head, "X-elastic-product: Elasticsearch"))
		out->service = "elasticsearch";
	else
		return false;
	out->auth_required = 1;
	return true;
}

/* ---- evidence ---- */

void pg_db_evidence(const struct pg_db_info *i, json_t *o)
{
	if (!i->service)
		return;
	json_object_set_new(o, "service", json_string(i->service));
	if (i->version[0])
		json_object_set_new(o, "version", json_string(i->version));
	if (i->banner[0])
		json_object_set_new(o, "banner", json_string(i->banner));
	if (i->auth_required >= 0)
		json_object_set_new(o, "authRequired", json_boolean(i->auth_required));
	if (i->auth_method[0])
		json_object_set_new(o, "authMethod", json_string(i->auth_method));
	if (i->ssl >= 0)
		json_object_set_new(o, "sslSupported", json_boolean(i->ssl));
	if (i->max_wire >= 0)
		json_object_set_new(o, "maxWireVersion", json_integer(i->max_wire));
}
