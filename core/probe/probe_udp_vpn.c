/* probe_udp_vpn.c - IKEv2 (500, 4500), OpenVPN (1194) and QUIC (443): the handshake
 * openers of tunnels and transports, each answered before any authentication. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "probe_udp_int.h"

#define IKE_HDR_LEN               28
#define IKE_OFF_VERSION           17 /* RFC 7296 3.1: MjVer in the high nibble */
#define IKE_OFF_FLAGS             19
#define IKE_GEN_HDR               4 /* generic payload header (3.2) */
#define IKE_PROP_HDR              8 /* proposal substructure header, SPI size 0 (3.3.1) */
#define IKE_XFORM_LEN             8 /* transform without attributes (3.3.2) */
#define IKE_ATTR_LEN              4 /* one TV attribute (3.3.5) */
#define IKE_PROP_LEN              (IKE_PROP_HDR + 4 * IKE_XFORM_LEN + IKE_ATTR_LEN)
#define IKE_KE_HDR                4 /* DH group number, reserved (3.4) */
#define IKE_SPI_LEN               8
#define IKE_SA                    33 /* RFC 7296 3.2 payload types */
#define IKE_KE                    34
#define IKE_NONCE                 40
#define IKE_VERSION_2             0x20
#define IKE_SA_INIT               34
#define IKE_F_INITIATOR           0x08
#define IKE_F_RESPONSE            0x20
#define IKE_PROTO_IKE             1
#define IKE_LAST                  0
#define IKE_MORE_XFORMS           3
#define IKE_ENCR                  1 /* transform types (3.3.2) */
#define IKE_PRF                   2
#define IKE_INTEG                 3
#define IKE_DH                    4
#define ENCR_AES_CBC              12
#define PRF_HMAC_SHA2_256         5
#define AUTH_HMAC_SHA2_256_128    12
#define DH_MODP_2048              14
#define ATTR_KEY_LENGTH           0x800e /* TV format bit + Key Length (3.3.5) */
#define AES_KEY_BITS              128
#define MODP_2048_LEN             256
#define IKE_NONCE_LEN             32
#define NON_ESP_MARKER            4 /* RFC 3948 2.2: four zero bytes on port 4500 */
#define OVPN_HARD_RESET_CLIENT_V2 7
#define OVPN_HARD_RESET_SERVER_V2 8
#define OVPN_OPCODE_SHIFT         3
#define OVPN_SID_LEN              8
#define QUIC_LONG                 0x80
#define QUIC_FIXED                0x40
#define QUIC_CID_LEN              8
#define QUIC_MIN_DATAGRAM         1200        /* RFC 9000 14.1 */
#define QUIC_GREASE               0x1a2a3a4au /* RFC 9000 15: reserved 0x?a?a?a?a */
#define QUIC_V1                   0x00000001u
#define QUIC_V2                   0x6b3343cfu /* RFC 9369 */
#define QUIC_DRAFT                0xff000000u
#define QUIC_VERSIONS_MAX         8

/* One transform substructure (RFC 7296 3.3.2). */
static void ike_transform(struct pg_wr *w, unsigned last, unsigned type, unsigned id, bool keylen)
{
	pg_wr8(w, last);
	pg_wr8(w, 0);
	pg_wr16(w, IKE_XFORM_LEN + (keylen ? IKE_ATTR_LEN : 0));
	pg_wr8(w, type);
	pg_wr8(w, 0);
	pg_wr16(w, id);
	if (keylen) {
		pg_wr16(w, ATTR_KEY_LENGTH);
		pg_wr16(w, AES_KEY_BITS);
	}
}

/* SA payload: one IKE proposal of the algorithms RFC 8247 2-4 says to implement
 * (AES-CBC-128, HMAC-SHA2-256 PRF and integrity, 2048-bit MODP group 14). */
static void ike_sa(struct pg_wr *w)
{
	pg_wr8(w, IKE_KE);
	pg_wr8(w, 0);
	pg_wr16(w, IKE_GEN_HDR + IKE_PROP_LEN);
	pg_wr8(w, IKE_LAST); /* the last (only) proposal */
	pg_wr8(w, 0);
	pg_wr16(w, IKE_PROP_LEN);
	pg_wr8(w, 1); /* proposal number */
	pg_wr8(w, IKE_PROTO_IKE);
	pg_wr8(w, 0); /* SPI size: 0 in IKE_SA_INIT */
	pg_wr8(w, 4);
	ike_transform(w, IKE_MORE_XFORMS, IKE_ENCR, ENCR_AES_CBC, true);
	ike_transform(w, IKE_MORE_XFORMS, IKE_PRF, PRF_HMAC_SHA2_256, false);
	ike_transform(w, IKE_MORE_XFORMS, IKE_INTEG, AUTH_HMAC_SHA2_256_128, false);
	ike_transform(w, IKE_LAST, IKE_DH, DH_MODP_2048, false);
}

/* KE (3.4) and Ni (3.9) payloads. The KE value is nonce-derived bytes below the
 * group's prime (its top byte cleared): a well-formed value, whose private key nobody
 * holds, so no SA can ever be completed from it. */
static void ike_ke_nonce(struct pg_wr *w, uint32_t nonce)
{
	unsigned char ke[MODP_2048_LEN], ni[IKE_NONCE_LEN];

	pg_udp_fill(ke, sizeof(ke), nonce ^ 0xa5a5a5a5u);
	ke[0] &= 0x7f;
	pg_udp_fill(ni, sizeof(ni), nonce ^ 0x3c3c3c3cu);
	pg_wr8(w, IKE_NONCE);
	pg_wr8(w, 0);
	pg_wr16(w, IKE_GEN_HDR + IKE_KE_HDR + MODP_2048_LEN);
	pg_wr16(w, DH_MODP_2048);
	pg_wr16(w, 0);
	pg_wr_mem(w, ke, sizeof(ke));
	pg_wr8(w, 0); /* no next payload */
	pg_wr8(w, 0);
	pg_wr16(w, IKE_GEN_HDR + IKE_NONCE_LEN);
	pg_wr_mem(w, ni, sizeof(ni));
}

/* RFC 7296 1.2 / 3.1: IKE_SA_INIT request: header (our SPI from the nonce, responder
 * SPI zero, version 2.0, Initiator flag, message id 0), SA, KE, Ni. */
static size_t ike_build(uint32_t nonce, unsigned char *buf, size_t buflen, bool natt)
{
	unsigned char spi[IKE_SPI_LEN];
	struct pg_wr w;
	size_t body = IKE_GEN_HDR + IKE_PROP_LEN + IKE_GEN_HDR + IKE_KE_HDR + MODP_2048_LEN +
		      IKE_GEN_HDR + IKE_NONCE_LEN;

	pg_udp_fill(spi, sizeof(spi), nonce);
	spi[0] |= 1; /* an initiator SPI is never zero */
	pg_wr_init(&w, buf, buflen);
	if (natt)
		pg_wr32(&w, 0);
	pg_wr_mem(&w, spi, sizeof(spi));
	for (int i = 0; i < IKE_SPI_LEN; i++)
		pg_wr8(&w, 0);
	pg_wr8(&w, IKE_SA);
	pg_wr8(&w, IKE_VERSION_2);
	pg_wr8(&w, IKE_SA_INIT);
	pg_wr8(&w, IKE_F_INITIATOR);
	pg_wr32(&w, 0);
	pg_wr32(&w, (uint32_t)(IKE_HDR_LEN + body));
	ike_sa(&w);
	ike_ke_nonce(&w, nonce);
	return pg_wr_end(&w);
}

static size_t ike_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	return ike_build(nonce, buf, buflen, false);
}

static size_t ike_natt_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	return ike_build(nonce, buf, buflen, true);
}

/* A response (IKE_SA_INIT answer or an error notify such as NO_PROPOSAL_CHOSEN) names
 * our initiator SPI and has the Response flag; an IKEv1-only daemon answers with
 * version 1.0 and is IKE too. */
static bool ike_check(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n)
{
	return n >= IKE_HDR_LEN && reqlen >= IKE_HDR_LEN && memcmp(ans, req, IKE_SPI_LEN) == 0 &&
	       (ans[IKE_OFF_VERSION] >> 4 == 1 ||
		(ans[IKE_OFF_VERSION] >> 4 == 2 && (ans[IKE_OFF_FLAGS] & IKE_F_RESPONSE)));
}

static bool ike_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		       struct pg_wr *banner)
{
	(void)banner;
	return ike_check(req, reqlen, ans, n);
}

static bool ike_natt_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans,
			    size_t n, struct pg_wr *banner)
{
	(void)banner;
	return reqlen > NON_ESP_MARKER && n > NON_ESP_MARKER &&
	       memcmp(ans, "\0\0\0\0", NON_ESP_MARKER) == 0 &&
	       ike_check(req + NON_ESP_MARKER, reqlen - NON_ESP_MARKER, ans + NON_ESP_MARKER,
			 n - NON_ESP_MARKER);
}

const struct pg_udp_family pg_udp_ike = { "ike", ike_request, ike_answer, false, false };
const struct pg_udp_family pg_udp_ike_natt = { "ike", ike_natt_request, ike_natt_answer, false,
					       false };

/* OpenVPN's protocol (ssl_pkt.h / the "OpenVPN wire protocol" document): opcode
 * P_CONTROL_HARD_RESET_CLIENT_V2 with key id 0, our session id, an empty ACK array and
 * message packet-id 0; no tls-auth HMAC (a server with tls-auth/tls-crypt stays silent). */
static size_t ovpn_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	unsigned char sid[OVPN_SID_LEN];
	struct pg_wr w;

	pg_udp_fill(sid, sizeof(sid), nonce);
	pg_wr_init(&w, buf, buflen);
	pg_wr8(&w, OVPN_HARD_RESET_CLIENT_V2 << OVPN_OPCODE_SHIFT);
	pg_wr_mem(&w, sid, sizeof(sid));
	pg_wr8(&w, 0);  /* ACK array length */
	pg_wr32(&w, 0); /* message packet-id */
	return pg_wr_end(&w);
}

/* P_CONTROL_HARD_RESET_SERVER_V2: server session id, an ACK array holding our packet-id
 * 0 and, after it, our session id as the remote session id. */
static bool ovpn_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	struct pg_rd r;
	unsigned acks;
	const unsigned char *remote;

	(void)banner;
	pg_rd_init(&r, ans, n);
	if (reqlen < 1 + OVPN_SID_LEN ||
	    pg_rd8(&r) >> OVPN_OPCODE_SHIFT != OVPN_HARD_RESET_SERVER_V2)
		return false;
	pg_rd_mem(&r, OVPN_SID_LEN);
	acks = pg_rd8(&r);
	pg_rd_mem(&r, 4 * (size_t)acks);
	remote = acks ? pg_rd_mem(&r, OVPN_SID_LEN) : NULL;
	return remote && memcmp(remote, req + 1, OVPN_SID_LEN) == 0;
}

const struct pg_udp_family pg_udp_openvpn = { "openvpn", ovpn_request, ovpn_answer, false, false };

/* RFC 8999 5.1 / RFC 9000 17.2: a long-header Initial-type packet with a reserved
 * version (15: 0x?a?a?a?a, never supported), random connection ids, padded to the 1200
 * bytes below which a server drops unknown versions (RFC 9000 14.1). The server's
 * answer is a Version Negotiation packet (RFC 9000 6.1); no connection is made. */
static size_t quic_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	unsigned char cid[2 * QUIC_CID_LEN];
	struct pg_wr w;

	pg_udp_fill(cid, sizeof(cid), nonce);
	pg_wr_init(&w, buf, buflen);
	pg_wr8(&w, QUIC_LONG | QUIC_FIXED);
	pg_wr32(&w, QUIC_GREASE);
	pg_wr8(&w, QUIC_CID_LEN);
	pg_wr_mem(&w, cid, QUIC_CID_LEN);
	pg_wr8(&w, QUIC_CID_LEN);
	pg_wr_mem(&w, cid + QUIC_CID_LEN, QUIC_CID_LEN);
	while (!w.over && w.len < QUIC_MIN_DATAGRAM)
		pg_wr8(&w, 0);
	return pg_wr_end(&w);
}

static void quic_version_text(uint32_t v, bool sep, struct pg_wr *banner)
{
	char t[24];

	if (v == QUIC_V1)
		snprintf(t, sizeof(t), "v1");
	else if (v == QUIC_V2)
		snprintf(t, sizeof(t), "v2");
	else if ((v & 0xffffff00u) == QUIC_DRAFT)
		snprintf(t, sizeof(t), "draft-%u", v & 0xffu);
	else
		snprintf(t, sizeof(t), "0x%08x", v);
	if (sep)
		pg_wr_text(banner, ", ", 2);
	pg_wr_text(banner, t, strlen(t));
}

/* RFC 9000 17.2.1: version 0, our SCID as its DCID and our DCID as its SCID, then the
 * supported versions (the banner, reserved versions left out). */
static bool quic_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	struct pg_rd r;
	const unsigned char *dcid, *scid;
	int kept = 0;

	pg_rd_init(&r, ans, n);
	if (reqlen < 7 + 2 * QUIC_CID_LEN || !(pg_rd8(&r) & QUIC_LONG) || pg_rd32(&r) != 0 ||
	    pg_rd8(&r) != QUIC_CID_LEN || !(dcid = pg_rd_mem(&r, QUIC_CID_LEN)) ||
	    pg_rd8(&r) != QUIC_CID_LEN || !(scid = pg_rd_mem(&r, QUIC_CID_LEN)) ||
	    memcmp(dcid, req + 7 + QUIC_CID_LEN, QUIC_CID_LEN) != 0 ||
	    memcmp(scid, req + 6, QUIC_CID_LEN) != 0)
		return false;
	pg_wr_text(banner, "versions ", 9);
	while (r.off + 4 <= r.n && kept < QUIC_VERSIONS_MAX) {
		uint32_t v = pg_rd32(&r);

		if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au)
			continue;
		quic_version_text(v, kept++ > 0, banner);
	}
	return true;
}

const struct pg_udp_family pg_udp_quic = { "quic", quic_request, quic_answer, false, false };
