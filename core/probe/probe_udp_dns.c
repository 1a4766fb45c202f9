/* probe_udp_dns.c - DNS (53), multicast DNS (5353) and NetBIOS name service (137):
 * the three speak the RFC 1035 message format. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "probe_udp_int.h"

#define DNS_HEADER_LEN  12
#define DNS_QR          0x8000u
#define DNS_OPCODE_MASK 0x7800u
#define DNS_TYPE_PTR    12
#define DNS_TYPE_TXT    16
#define DNS_CLASS_IN    1
#define DNS_CLASS_CH    3    /* CHAOS (RFC 1035 3.2.4) */
#define NB_TYPE_NBSTAT  0x21 /* RFC 1002 4.2.1.3 */
#define NB_NAME_LEN     16   /* 15 characters and the suffix byte */
#define NB_ENTRY_LEN    18   /* name + NAME_FLAGS (RFC 1002 4.2.18) */
#define NB_GROUP        0x8000u
#define LIST_MAX        8 /* names kept in a banner */

struct dns_rr {
	unsigned type, rclass;
	struct pg_rd rdata;
};

/* Header of a query for one question; id from the nonce. */
static void dns_query_head(struct pg_wr *w, uint32_t nonce, unsigned flags)
{
	pg_wr16(w, nonce & 0xffffu);
	pg_wr16(w, flags);
	pg_wr16(w, 1); /* QDCOUNT */
	pg_wr16(w, 0);
	pg_wr16(w, 0);
	pg_wr16(w, 0);
}

/* RFC 1035 4.1.1, and the BIND convention (also dnsmasq, Unbound, Knot, PowerDNS) of
 * naming the server's version in the CHAOS TXT record version.bind. Chosen over a
 * root NS query because a CHAOS question is answered by the server itself, never
 * recursed to third parties, and its answer carries the version; RD is clear too. A
 * server that hides its version still answers (REFUSED/NXDOMAIN) with our id. */
static size_t dns_question(uint32_t nonce, unsigned char *buf, size_t buflen, const char *name,
			   unsigned type, unsigned rclass)
{
	struct pg_wr w;

	pg_wr_init(&w, buf, buflen);
	dns_query_head(&w, nonce, 0);
	pg_udp_dns_name_put(&w, name);
	pg_wr16(&w, type);
	pg_wr16(&w, rclass);
	return pg_wr_end(&w);
}

static size_t dns_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	return dns_question(nonce, buf, buflen, "version.bind", DNS_TYPE_TXT, DNS_CLASS_CH);
}

/* The answer echoes the id and opcode of req with QR set (RFC 1035 4.1.1); r is left
 * after the question section. Returns ANCOUNT, or -1 when it is not our answer. */
static long dns_open(struct pg_rd *r, const unsigned char *req, size_t reqlen,
		     const unsigned char *ans, size_t n)
{
	unsigned id, flags, qd, an;
	char name[256];

	pg_rd_init(r, ans, n);
	id = pg_rd16(r);
	flags = pg_rd16(r);
	qd = pg_rd16(r);
	an = pg_rd16(r);
	pg_rd_mem(r, 4); /* NSCOUNT, ARCOUNT */
	if (r->bad || reqlen < DNS_HEADER_LEN || id != ((unsigned)req[0] << 8 | req[1]) ||
	    !(flags & DNS_QR) ||
	    (flags & DNS_OPCODE_MASK) != ((unsigned)req[2] << 8 & DNS_OPCODE_MASK))
		return -1;
	for (unsigned i = 0; i < qd && !r->bad; i++) {
		pg_udp_dns_name_read(r, ans, n, name, sizeof(name));
		pg_rd_mem(r, 4); /* QTYPE, QCLASS */
	}
	return r->bad ? -1 : (long)an;
}

/* Next resource record (RFC 1035 4.1.3); its name is skipped. */
static bool dns_rr_next(struct pg_rd *r, struct dns_rr *rr)
{
	char name[256];
	const unsigned char *p;
	unsigned len;

	pg_udp_dns_name_read(r, r->b, r->n, name, sizeof(name));
	rr->type = pg_rd16(r);
	rr->rclass = pg_rd16(r);
	pg_rd32(r); /* TTL */
	len = pg_rd16(r);
	p = pg_rd_mem(r, len);
	if (!p)
		return false;
	pg_rd_init(&rr->rdata, p, len);
	return true;
}

/* TXT RDATA: one or more <character-string>s (RFC 1035 3.3.14), joined. */
static void txt_append(struct pg_rd *rd, struct pg_wr *banner)
{
	while (rd->off < rd->n) {
		unsigned l = pg_rd8(rd);
		const unsigned char *s = pg_rd_mem(rd, l);

		if (!s)
			return;
		pg_wr_text(banner, s, l);
	}
}

static bool dns_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		       struct pg_wr *banner)
{
	struct pg_rd r;
	struct dns_rr rr;
	long an = dns_open(&r, req, reqlen, ans, n);

	if (an < 0)
		return false;
	for (long i = 0; i < an && dns_rr_next(&r, &rr); i++)
		if (rr.type == DNS_TYPE_TXT && banner->len == 0)
			txt_append(&rr.rdata, banner);
	return true;
}

const struct pg_udp_family pg_udp_dns = { "dns", dns_request, dns_answer, false, false };

/* RFC 6763 9: the service type enumeration name. Sent to port 5353 from another port it
 * is a "legacy unicast" query (RFC 6762 6.7): the responder answers us by unicast with
 * our id and the question repeated, so the id checks the answer. */
static size_t mdns_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	return dns_question(nonce, buf, buflen, "_services._dns-sd._udp.local", DNS_TYPE_PTR,
			    DNS_CLASS_IN);
}

static void list_sep(struct pg_wr *banner)
{
	if (banner->len)
		pg_wr_text(banner, ", ", 2);
}

/* Answers are PTRs to the service types offered (_http._tcp.local, ...): the banner. */
static bool mdns_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	struct pg_rd r;
	struct dns_rr rr;
	long an = dns_open(&r, req, reqlen, ans, n);
	int kept = 0;

	if (an < 0)
		return false;
	for (long i = 0; i < an && kept < LIST_MAX && dns_rr_next(&r, &rr); i++) {
		char name[256];
		struct pg_rd at = { ans, n, (size_t)(rr.rdata.b - ans), false };

		if (rr.type != DNS_TYPE_PTR ||
		    !pg_udp_dns_name_read(&at, ans, n, name, sizeof(name)))
			continue;
		list_sep(banner);
		pg_wr_text(banner, name, strlen(name));
		kept++;
	}
	return true;
}

const struct pg_udp_family pg_udp_mdns = { "mdns", mdns_request, mdns_answer, false, false };

/* RFC 1002 4.2.17 NODE STATUS REQUEST: the wildcard name "*" (NUL padded to 16),
 * first-level encoded (RFC 1001 14.1: each nibble + 'A'), type NBSTAT, class IN. */
static size_t nbstat_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	unsigned char name[NB_NAME_LEN] = { '*' };
	struct pg_wr w;

	pg_wr_init(&w, buf, buflen);
	dns_query_head(&w, nonce, 0);
	pg_wr8(&w, 2 * NB_NAME_LEN);
	for (size_t i = 0; i < NB_NAME_LEN; i++) {
		pg_wr8(&w, 'A' + (name[i] >> 4));
		pg_wr8(&w, 'A' + (name[i] & 0xfu));
	}
	pg_wr8(&w, 0); /* no scope */
	pg_wr16(&w, NB_TYPE_NBSTAT);
	pg_wr16(&w, DNS_CLASS_IN);
	return pg_wr_end(&w);
}

/* One NODE_NAME entry as NAME<xx> (trailing blanks dropped, suffix in hex). */
static void nb_name_append(const unsigned char *e, struct pg_wr *banner)
{
	size_t l = NB_NAME_LEN - 1;
	char tail[16];
	unsigned flags = (unsigned)e[NB_NAME_LEN] << 8 | e[NB_NAME_LEN + 1];

	while (l > 0 && (e[l - 1] == ' ' || e[l - 1] == 0))
		l--;
	list_sep(banner);
	pg_wr_text(banner, e, l);
	snprintf(tail, sizeof(tail), "<%02x>%s", e[NB_NAME_LEN - 1],
		 flags & NB_GROUP ? " group" : "");
	pg_wr_text(banner, tail, strlen(tail));
}

/* RFC 1002 4.2.18 NODE STATUS RESPONSE: our id, one NBSTAT record whose RDATA starts
 * with NUM_NAMES and the 18-byte entries. */
static bool nbstat_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans,
			  size_t n, struct pg_wr *banner)
{
	struct pg_rd r;
	struct dns_rr rr;
	long an = dns_open(&r, req, reqlen, ans, n);
	unsigned count;

	if (an < 1 || !dns_rr_next(&r, &rr) || rr.type != NB_TYPE_NBSTAT)
		return false;
	count = pg_rd8(&rr.rdata);
	for (unsigned i = 0; i < count && i < LIST_MAX; i++) {
		const unsigned char *e = pg_rd_mem(&rr.rdata, NB_ENTRY_LEN);

		if (!e)
			break;
		nb_name_append(e, banner);
	}
	return true;
}

const struct pg_udp_family pg_udp_nbstat = { "netbios-ns", nbstat_request, nbstat_answer, false,
					     false };
