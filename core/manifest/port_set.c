/* port_set.c - port lists: parse "80,443,8000-8010,53/udp", merge, sort, dedupe.
 *
 * A set is a sorted array of disjoint, non-adjacent ranges per transport (TCP in
 * the list's own members, UDP in its udp member); every operation below works on
 * one transport's ranges (struct pg_port_ranges) and the public functions apply it
 * to TCP, UDP or both. Parsing goes through
 * a bitmap (a word at a time) so repeated or overlapping items cost nothing
 * extra; merging is a linear pass over both range arrays. */
#include "config.h"
#include "port_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

/* Commonly exposed TCP services, sorted ascending (tests check the order).
 * The selection covers what attackers scan first: remote shells and desktops,
 * mail, directory, file sharing, databases, caches, message brokers, container
 * and cluster control planes, dashboards and the usual alternate HTTP ports. */
const uint16_t pg_default_candidate_ports[] = {
	21,    /* ftp */
	22,    /* ssh */
	23,    /* telnet */
	25,    /* smtp */
	53,    /* dns over tcp */
	80,    /* http */
	110,   /* pop3 */
	111,   /* rpcbind */
	135,   /* msrpc */
	139,   /* netbios-ssn */
	143,   /* imap */
	389,   /* ldap */
	443,   /* https */
	445,   /* smb */
	465,   /* smtps */
	587,   /* submission */
	636,   /* ldaps */
	873,   /* rsync */
	993,   /* imaps */
	995,   /* pop3s */
	1080,  /* socks */
	1433,  /* mssql */
	1521,  /* oracle */
	1883,  /* mqtt */
	2049,  /* nfs */
	2181,  /* zookeeper */
	2375,  /* docker api (plain) */
	2376,  /* docker api (tls) */
	2379,  /* etcd */
	3000,  /* grafana, dev servers */
	3306,  /* mysql */
	3389,  /* rdp */
	5000,  /* dev servers, registries */
	5432,  /* postgresql */
	5601,  /* kibana */
	5672,  /* amqp */
	5900,  /* vnc */
	5984,  /* couchdb */
	5985,  /* winrm http */
	5986,  /* winrm https */
	6379,  /* redis */
	6443,  /* kubernetes api */
	7001,  /* weblogic */
	8000,  /* alt http */
	8008,  /* alt http */
	8080,  /* alt http, proxies */
	8081,  /* alt http */
	8086,  /* influxdb */
	8443,  /* alt https */
	8500,  /* consul */
	8888,  /* alt http, notebooks */
	9000,  /* php-fpm, minio, portainer */
	9042,  /* cassandra */
	9090,  /* prometheus */
	9092,  /* kafka */
	9100,  /* node exporter, jetdirect */
	9200,  /* elasticsearch http */
	9300,  /* elasticsearch transport */
	10250, /* kubelet */
	11211, /* memcached */
	15672, /* rabbitmq management */
	27017, /* mongodb */
};
const size_t pg_default_candidate_ports_n = PG_ARRAY_LEN(pg_default_candidate_ports);

#define PORT_BITMAP_WORDS (65536 / 64)

/* A set of ports, with the range of words in use so converting a one-port
 * set does not walk all 1024 words. */
struct port_bitmap {
	uint64_t w[PORT_BITMAP_WORDS];
	size_t lo, hi; /* words [lo, hi] may be non-zero; lo > hi when empty */
};

static void bitmap_set(struct port_bitmap *bm, unsigned port)
{
	size_t w = port / 64;

	bm->w[w] |= UINT64_C(1) << (port % 64);
	if (bm->lo > bm->hi) {
		bm->lo = bm->hi = w;
	} else if (w < bm->lo) {
		bm->lo = w;
	} else if (w > bm->hi) {
		bm->hi = w;
	}
}

/* Set ports lo..hi (lo <= hi) a word at a time: a spec repeating "1-65535"
 * must cost O(items * 1024), not O(items * 65535) (a 200 KB manifest of
 * full-range defaults took 20 s with one bit per step). */
static void bitmap_set_range(struct port_bitmap *bm, unsigned lo, unsigned hi)
{
	size_t wlo = lo / 64, whi = hi / 64, w;
	uint64_t first = ~UINT64_C(0) << (lo % 64);
	uint64_t last = ~UINT64_C(0) >> (63 - hi % 64);

	if (wlo == whi) {
		bm->w[wlo] |= first & last;
	} else {
		bm->w[wlo] |= first;
		for (w = wlo + 1; w < whi; w++)
			bm->w[w] = ~UINT64_C(0);
		bm->w[whi] |= last;
	}
	bitmap_set(bm, lo); /* already set: only widens [lo, hi] */
	bitmap_set(bm, hi);
}

/* The TCP ranges of a list as a pg_port_ranges, and back. */
static struct pg_port_ranges tcp_of(const struct pg_portlist *pl)
{
	return (struct pg_port_ranges){ pl->r, pl->nr, pl->n };
}

static void tcp_set(struct pg_portlist *pl, struct pg_port_ranges rs)
{
	pl->r = rs.r;
	pl->nr = rs.nr;
	pl->n = rs.n;
}

static void range_push(struct pg_port_ranges *pl, size_t *cap, unsigned lo, unsigned hi)
{
	if (pl->nr && pl->r[pl->nr - 1].hi + 1u >= lo) { /* overlaps or touches: extend */
		if (hi > pl->r[pl->nr - 1].hi) {
			pl->n += hi - pl->r[pl->nr - 1].hi;
			pl->r[pl->nr - 1].hi = (uint16_t)hi;
		}
		return;
	}
	pg_grow(&pl->r, cap, pl->nr + 1, sizeof(*pl->r));
	pl->r[pl->nr].lo = (uint16_t)lo;
	pl->r[pl->nr++].hi = (uint16_t)hi;
	pl->n += hi - lo + 1;
}

/* Replace *out with the ports set in bm (out's old array is not freed), as
 * ranges: runs of set bits, found a word at a time (ctz on the word and on its
 * complement), so "1-65535" costs 1024 steps and one range. */
static void bitmap_to_list(const struct port_bitmap *bm, struct pg_port_ranges *out)
{
	size_t cap = 0;

	out->r = NULL;
	out->nr = out->n = 0;
	for (size_t w = bm->lo; w <= bm->hi && bm->lo <= bm->hi; w++) {
		uint64_t bits = bm->w[w];
		unsigned base = (unsigned)(w * 64);

		while (bits) {
			unsigned start = (unsigned)__builtin_ctzll(bits);
			uint64_t run = ~(bits >> start); /* lowest 0 ends the run */
			unsigned len = run ? (unsigned)__builtin_ctzll(run) : 64;

			range_push(out, &cap, base + start, base + start + len - 1);
			bits = start + len >= 64 ? 0 : bits & (~UINT64_C(0) << (start + len));
		}
	}
}

/* Parse one port number of an item; text is [s, s+len). */
static bool parse_port(const char *s, size_t len, unsigned *port, char *err, size_t errlen)
{
	char buf[32];
	unsigned long v;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			snprintf(err, errlen, "'%.*s' is not a port number",
				 (int)(len > 40 ? 40 : len), s);
			return false;
		}
	}
	if (len == 0) {
		snprintf(err, errlen, "missing port number");
		return false;
	}
	/* Digits only: anything longer than the buffer is out of range anyway. */
	if (len < sizeof(buf)) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	if (len >= sizeof(buf) || !pg_parse_ulong(buf, 65535, &v) || v == 0) {
		snprintf(err, errlen, "port %.*s is outside 1-65535", (int)(len > 40 ? 40 : len),
			 s);
		return false;
	}
	*port = (unsigned)v;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* An unknown protocol ending: the hint repeats the item's own number or range
 * ("1-2/sctp" -> use 1-2/udp), else shows the spelling with 53. */
static void bad_proto(const char *s, size_t len, const char *slash, char *err, size_t errlen)
{
	size_t plen = len - (size_t)(slash - s) - 1, nlen = (size_t)(slash - s);
	const char *num = s;

	while (nlen && is_space(s[nlen - 1]))
		nlen--;
	if (nlen == 0 || nlen > 11 || strspn(s, "0123456789-") < nlen) {
		num = "53";
		nlen = 2;
	}
	snprintf(err, errlen, "'%.*s': protocol '%.*s' is not tcp or udp (use %.*s/udp)",
		 (int)(len > 40 ? 40 : len), s, (int)(plen > 20 ? 20 : plen), slash + 1, (int)nlen,
		 num);
}

/* The "/tcp" or "/udp" ending of an item [s, s+*len): cuts it off *len and points
 * *bm at the bitmap of its transport (TCP without an ending). */
static bool parse_proto(const char *s, size_t *len, struct port_bitmap *bms[2],
			struct port_bitmap **bm, char *err, size_t errlen)
{
	const char *slash = memchr(s, '/', *len);
	size_t plen;

	*bm = bms[0];
	if (!slash)
		return true;
	plen = *len - (size_t)(slash - s) - 1;
	if (plen == 3 && strncasecmp(slash + 1, "udp", 3) == 0)
		*bm = bms[1];
	else if (plen != 3 || strncasecmp(slash + 1, "tcp", 3) != 0) {
		bad_proto(s, *len, slash, err, errlen);
		return false;
	}
	*len = (size_t)(slash - s);
	while (*len && is_space(s[*len - 1]))
		(*len)--;
	if (*len == 0) {
		snprintf(err, errlen, "missing port number before '/%.3s'", slash + 1);
		return false;
	}
	return true;
}

/* One item "80", "8000-8010", "53/udp" or "1000-1010/udp" (surrounding blanks allowed)
 * into the bitmap of its transport (bms[0] TCP, bms[1] UDP). */
static bool parse_item(const char *s, size_t len, struct port_bitmap *bms[2], char *err,
		       size_t errlen)
{
	struct port_bitmap *bm;
	const char *dash;
	unsigned lo, hi;

	while (len && is_space(*s))
		s++, len--;
	while (len && is_space(s[len - 1]))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "empty item in port list");
		return false;
	}
	if (!parse_proto(s, &len, bms, &bm, err, errlen))
		return false;
	dash = memchr(s, '-', len);
	if (!dash) {
		if (!parse_port(s, len, &lo, err, errlen))
			return false;
		bitmap_set(bm, lo);
		return true;
	}
	if (!parse_port(s, (size_t)(dash - s), &lo, err, errlen) ||
	    !parse_port(dash + 1, len - (size_t)(dash - s) - 1, &hi, err, errlen)) {
		/* "-5" or "5-": say it is a broken range, not a missing number. */
		if (dash == s || dash == s + len - 1)
			snprintf(err, errlen, "'%.*s' is not a port range (use LOW-HIGH)",
				 (int)(len > 40 ? 40 : len), s);
		return false;
	}
	if (lo > hi) {
		snprintf(err, errlen, "range %u-%u is reversed (use %u-%u%s)", lo, hi, hi, lo,
			 bm == bms[1] ? "/udp" : "");
		return false;
	}
	bitmap_set_range(bm, lo, hi);
	return true;
}

bool pg_ports_parse(const char *spec, struct pg_portlist *out, char *err, size_t errlen)
{
	struct port_bitmap *bm = pg_xcalloc(2, sizeof(*bm)); /* TCP, UDP; freed below */
	struct port_bitmap *bms[2] = { &bm[0], &bm[1] };
	struct pg_port_ranges tcp;
	const char *s = spec, *comma;
	bool ok = true;

	bm[0].lo = bm[1].lo = 1; /* lo > hi: empty */

	memset(out, 0, sizeof(*out));
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty port list");
		free(bm);
		return false;
	}
	for (;;) {
		comma = strchr(s, ',');
		if (!parse_item(s, comma ? (size_t)(comma - s) : strlen(s), bms, err, errlen)) {
			ok = false;
			break;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	if (ok) {
		bitmap_to_list(&bm[0], &tcp);
		tcp_set(out, tcp);
		bitmap_to_list(&bm[1], &out->udp);
	}
	free(bm);
	return ok;
}

/* Index of the first range whose hi >= port. */
static size_t lower_bound(const struct pg_port_ranges *pl, uint16_t port)
{
	size_t lo = 0, hi = pl->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pl->r[mid].hi < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool ranges_has(const struct pg_port_ranges *pl, uint16_t port)
{
	size_t i = lower_bound(pl, port);
	return i < pl->nr && pl->r[i].lo <= port;
}

bool pg_ports_has(const struct pg_portlist *pl, uint16_t port)
{
	struct pg_port_ranges tcp = tcp_of(pl);
	return ranges_has(&tcp, port);
}

bool pg_ports_has_udp(const struct pg_portlist *pl, uint16_t port)
{
	return ranges_has(&pl->udp, port);
}

bool pg_ports_has_proto(const struct pg_portlist *pl, bool udp, uint16_t port)
{
	return udp ? pg_ports_has_udp(pl, port) : pg_ports_has(pl, port);
}

/* Linear union of two range lists into a fresh array. */
static void ranges_merge(struct pg_port_ranges *dst, const struct pg_port_ranges *src)
{
	struct pg_port_ranges out = { 0 };
	size_t i = 0, j = 0, cap = 0;

	if (src->nr == 0)
		return;
	while (i < dst->nr || j < src->nr) {
		const struct pg_port_range *next;

		if (j == src->nr || (i < dst->nr && dst->r[i].lo <= src->r[j].lo))
			next = &dst->r[i++];
		else
			next = &src->r[j++];
		range_push(&out, &cap, next->lo, next->hi);
	}
	free(dst->r);
	*dst = out;
}

static void ranges_add(struct pg_port_ranges *pl, uint16_t port)
{
	struct pg_port_range one = { port, port };
	struct pg_port_ranges single = { &one, 1, 1 };

	if (!ranges_has(pl, port))
		ranges_merge(pl, &single);
}

void pg_ports_add(struct pg_portlist *pl, uint16_t port)
{
	struct pg_port_ranges tcp = tcp_of(pl);

	ranges_add(&tcp, port);
	tcp_set(pl, tcp);
}

void pg_ports_add_udp(struct pg_portlist *pl, uint16_t port)
{
	ranges_add(&pl->udp, port);
}

void pg_ports_merge(struct pg_portlist *dst, const struct pg_portlist *src)
{
	struct pg_port_ranges tcp, stcp;

	if (!src)
		return;
	tcp = tcp_of(dst);
	stcp = tcp_of(src);
	ranges_merge(&tcp, &stcp);
	tcp_set(dst, tcp);
	ranges_merge(&dst->udp, &src->udp);
}

static struct pg_port_range *ranges_dup(const struct pg_port_ranges *src)
{
	struct pg_port_range *r = NULL;

	if (src->nr) {
		r = pg_xmalloc(src->nr * sizeof(*r));
		memcpy(r, src->r, src->nr * sizeof(*r));
	}
	return r;
}

void pg_ports_copy(struct pg_portlist *dst, const struct pg_portlist *src)
{
	struct pg_port_ranges tcp = tcp_of(src);

	*dst = *src;
	dst->r = ranges_dup(&tcp);
	dst->udp.r = ranges_dup(&src->udp);
}

void pg_ports_clear(struct pg_portlist *pl)
{
	free(pl->r);
	free(pl->udp.r);
	memset(pl, 0, sizeof(*pl));
}

void pg_ports_from_array(struct pg_portlist *out, const uint16_t *v, size_t n)
{
	struct port_bitmap *bm = pg_xcalloc(1, sizeof(*bm)); /* freed below */
	struct pg_port_ranges tcp;

	bm->lo = 1; /* lo > hi: empty */
	for (size_t i = 0; i < n; i++)
		if (v[i])
			bitmap_set(bm, v[i]);
	bitmap_to_list(bm, &tcp);
	memset(out, 0, sizeof(*out));
	tcp_set(out, tcp);
	free(bm);
}

static uint16_t *ranges_expand(const struct pg_port_ranges *pl)
{
	uint16_t *v = pl->n ? pg_xmalloc(pl->n * sizeof(*v)) : NULL;
	size_t k = 0;

	for (size_t i = 0; i < pl->nr; i++)
		for (unsigned p = pl->r[i].lo; p <= pl->r[i].hi; p++)
			v[k++] = (uint16_t)p;
	return v;
}

uint16_t *pg_ports_expand(const struct pg_portlist *pl)
{
	struct pg_port_ranges tcp = tcp_of(pl);
	return ranges_expand(&tcp);
}

uint16_t *pg_ports_expand_udp(const struct pg_portlist *pl)
{
	return ranges_expand(&pl->udp);
}
