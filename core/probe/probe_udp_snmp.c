/* probe_udp_snmp.c - SNMP (161): a v2c GetRequest of sysDescr.0 with the community
 * "public" (RFC 3416 PDUs, RFC 3417 transport, RFC 1901 v2c message, BER of X.690). */
#include "config.h"

#include <string.h>

#include "probe_udp_int.h"

#define BER_INTEGER      0x02
#define BER_OCTET_STRING 0x04
#define BER_NULL         0x05
#define BER_OID          0x06
#define BER_SEQUENCE     0x30
#define PDU_GET          0xa0 /* RFC 3416 3: [0] GetRequest-PDU */
#define PDU_RESPONSE     0xa2 /* [2] Response-PDU */
#define SNMP_V2C         1
#define BER_LEN_LONG     0x80
#define BER_LEN_BYTES    4 /* lengths over 4 GiB do not fit a datagram anyway */
#define REQID_BIT30      0x40000000u
#define REQID_MASK       0x3fffffffu

/* sysDescr.0 = 1.3.6.1.2.1.1.1.0 (RFC 3418), BER-encoded */
static const unsigned char sysdescr_oid[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
static const char community[] = "public";

/* The request-id: bit 30 set and bit 31 clear, so it is positive and its minimal
 * BER encoding (X.690 8.3.2) is always 4 bytes and the lengths below are constants. */
static uint32_t snmp_reqid(uint32_t nonce)
{
	return (nonce & REQID_MASK) | REQID_BIT30;
}

static void tl(struct pg_wr *w, unsigned tag, size_t len)
{
	pg_wr8(w, tag);
	pg_wr8(w, (unsigned)len); /* every length here is < 128: short form */
}

/* Content lengths, inside out: a TLV is TL_LEN bytes of tag and short-form length plus
 * its content; INTEGERs are one byte (version, error fields) or four (request-id). */
#define TL_LEN 2
#define INT1   (TL_LEN + 1)
#define INT4   (TL_LEN + 4)

static size_t snmp_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	size_t vb = TL_LEN + sizeof(sysdescr_oid) + TL_LEN, vbl = TL_LEN + vb;
	size_t pdu = INT4 + INT1 + INT1 + TL_LEN + vbl, comm = sizeof(community) - 1;
	struct pg_wr w;

	pg_wr_init(&w, buf, buflen);
	tl(&w, BER_SEQUENCE, INT1 + TL_LEN + comm + TL_LEN + pdu);
	tl(&w, BER_INTEGER, 1);
	pg_wr8(&w, SNMP_V2C);
	tl(&w, BER_OCTET_STRING, comm);
	pg_wr_mem(&w, community, comm);
	tl(&w, PDU_GET, pdu);
	tl(&w, BER_INTEGER, 4);
	pg_wr32(&w, snmp_reqid(nonce));
	tl(&w, BER_INTEGER, 1);
	pg_wr8(&w, 0); /* error-status */
	tl(&w, BER_INTEGER, 1);
	pg_wr8(&w, 0);             /* error-index */
	tl(&w, BER_SEQUENCE, vbl); /* VarBindList */
	tl(&w, BER_SEQUENCE, vb);  /* VarBind */
	tl(&w, BER_OID, sizeof(sysdescr_oid));
	pg_wr_mem(&w, sysdescr_oid, sizeof(sysdescr_oid));
	tl(&w, BER_NULL, 0);
	return pg_wr_end(&w);
}

/* One BER TLV (X.690 8.1: single-byte tags, short or long definite lengths): its
 * tag and a reader over its contents; r moves past it. */
static bool ber_next(struct pg_rd *r, unsigned *tag, struct pg_rd *in)
{
	size_t len;
	const unsigned char *p;

	*tag = pg_rd8(r);
	len = pg_rd8(r);
	if (len & BER_LEN_LONG) {
		unsigned nb = len & ~BER_LEN_LONG;

		if (nb == 0 || nb > BER_LEN_BYTES)
			return false;
		len = 0;
		for (unsigned i = 0; i < nb; i++)
			len = len << 8 | pg_rd8(r);
	}
	p = r->bad ? NULL : pg_rd_mem(r, len);
	if (!p)
		return false;
	pg_rd_init(in, p, len);
	return true;
}

/* Enter the TLV at r if it has tag want: *r becomes its contents. */
static bool ber_enter(struct pg_rd *r, unsigned want)
{
	struct pg_rd in;
	unsigned tag;

	if (!ber_next(r, &tag, &in) || tag != want)
		return false;
	*r = in;
	return true;
}

/* A non-negative INTEGER that fits 32 bits. */
static bool ber_uint(struct pg_rd *r, uint32_t *v)
{
	struct pg_rd in;
	unsigned tag;

	if (!ber_next(r, &tag, &in) || tag != BER_INTEGER || in.n == 0 || in.n > 5)
		return false;
	*v = 0;
	for (size_t i = 0; i < in.n; i++)
		*v = *v << 8 | in.b[i];
	return !(in.b[0] & 0x80);
}

/* Open message r down to its PDU of tag pdu: *r becomes the PDU's contents after
 * the request-id, which goes to *id. The community is not checked: an agent may
 * answer with its own (RFC 3584 mappings). */
static bool snmp_pdu_open(struct pg_rd *r, unsigned pdu, uint32_t *id)
{
	struct pg_rd skip;
	uint32_t version;
	unsigned tag;

	return ber_enter(r, BER_SEQUENCE) && ber_uint(r, &version) && version == SNMP_V2C &&
	       ber_next(r, &tag, &skip) && tag == BER_OCTET_STRING && ber_enter(r, pdu) &&
	       ber_uint(r, id);
}

/* RFC 3416 4.2.1: the Response-PDU carries our request-id; its first variable binding
 * holds sysDescr (an OCTET STRING), or an exception when the agent has none. */
static bool snmp_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	struct pg_rd q, r, oid, val;
	uint32_t want, id, err, idx;
	unsigned tag;

	pg_rd_init(&q, req, reqlen);
	pg_rd_init(&r, ans, n);
	if (!snmp_pdu_open(&q, PDU_GET, &want) || !snmp_pdu_open(&r, PDU_RESPONSE, &id) ||
	    id != want || !ber_uint(&r, &err) || !ber_uint(&r, &idx))
		return false;
	if (err == 0 && ber_enter(&r, BER_SEQUENCE) && ber_enter(&r, BER_SEQUENCE) &&
	    ber_next(&r, &tag, &oid) && tag == BER_OID && ber_next(&r, &tag, &val) &&
	    tag == BER_OCTET_STRING)
		pg_wr_text(banner, val.b, val.n);
	return true;
}

const struct pg_udp_family pg_udp_snmp = { "snmp", snmp_request, snmp_answer, false, true };
