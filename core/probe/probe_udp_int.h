/* probe_udp_int.h - internals of the UDP requests and answer parsers (probe_udp*.c).
 *
 * One family per protocol document: a request builder and an answer parser. The
 * parser returns true only when the answer is a valid reply of that protocol to
 * the request sent (transaction id, cookie or echoed field matched where the
 * protocol has one), and writes raw banner bytes that probe_udp.c sanitises. */
#ifndef PG_PROBE_UDP_INT_H
#define PG_PROBE_UDP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounded writer: a write past cap sets over and writes nothing more. */
struct pg_wr {
	unsigned char *b;
	size_t cap, len;
	bool over;
};

/* Bounded reader over untrusted bytes: a read past n sets bad and yields 0. */
struct pg_rd {
	const unsigned char *b;
	size_t n, off;
	bool bad;
};

void pg_wr_init(struct pg_wr *w, unsigned char *b, size_t cap);
void pg_wr8(struct pg_wr *w, unsigned v);
void pg_wr16(struct pg_wr *w, unsigned v);
void pg_wr32(struct pg_wr *w, uint32_t v);
void pg_wr_mem(struct pg_wr *w, const void *p, size_t n);
void pg_wr_str(struct pg_wr *w, const char *s);
/* Banner text: as much of s as fits (a banner may be cut, a request may not). */
void pg_wr_text(struct pg_wr *w, const void *s, size_t n);
/* Length written, or 0 when the buffer was too small. */
size_t pg_wr_end(const struct pg_wr *w);

void pg_rd_init(struct pg_rd *r, const unsigned char *b, size_t n);
unsigned pg_rd8(struct pg_rd *r);
unsigned pg_rd16(struct pg_rd *r);
uint32_t pg_rd32(struct pg_rd *r);
/* Pointer to the next n bytes (and skip them), or NULL (bad set). */
const unsigned char *pg_rd_mem(struct pg_rd *r, size_t n);

/* DNS wire names (RFC 1035 4.1.4). put: dotted text to labels. read: decode the
 * name at r (following compression pointers inside msg, bounded), dotted, into
 * out; r moves past the name as it sits in the message. */
void pg_udp_dns_name_put(struct pg_wr *w, const char *dotted);
bool pg_udp_dns_name_read(struct pg_rd *r, const unsigned char *msg, size_t n, char *out,
			  size_t outlen);

/* Value of the first "Name:" header line (case-insensitive) of a text message
 * (HTTP-like: SSDP, SIP), raw bytes; NULL when absent. */
const unsigned char *pg_udp_header(const unsigned char *b, size_t n, const char *name,
				   size_t *vlen);

/* Fill n bytes from nonce (xorshift32): ids, cookies, nonces that vary per request. */
void pg_udp_fill(unsigned char *p, size_t n, uint32_t nonce);

struct pg_udp_family {
	const char *service; /* name given when the answer parses */
	size_t (*request)(uint32_t nonce, unsigned char *buf, size_t buflen);
	bool (*answer)(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		       struct pg_wr *banner);
	bool other_port;    /* the server answers from another port of its address */
	bool no_credential; /* an answer proves anyone is served ("authRequired": false):
			       memcached has no authentication over UDP, SNMP answered
			       the default community "public" */
};

extern const struct pg_udp_family pg_udp_dns, pg_udp_mdns, pg_udp_nbstat; /* probe_udp_dns.c */
extern const struct pg_udp_family pg_udp_ntp;                             /* probe_udp_ntp.c */
extern const struct pg_udp_family pg_udp_snmp;                            /* probe_udp_snmp.c */
extern const struct pg_udp_family pg_udp_memcached, pg_udp_ssdp, pg_udp_sip,
	pg_udp_wsd;                                         /* probe_udp_text.c */
extern const struct pg_udp_family pg_udp_coap, pg_udp_tftp; /* probe_udp_iot.c */
extern const struct pg_udp_family pg_udp_ike, pg_udp_ike_natt, pg_udp_openvpn,
	pg_udp_quic; /* probe_udp_vpn.c */

#endif
