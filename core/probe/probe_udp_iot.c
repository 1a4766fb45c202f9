/* probe_udp_iot.c - CoAP (5683) and TFTP (69). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "probe_udp_int.h"

#define COAP_VERSION    1
#define COAP_CON        0
#define COAP_ACK        2
#define COAP_GET        0x01
#define COAP_CONTENT    0x45 /* 2.05 */
#define COAP_TOKEN_LEN  4
#define COAP_URI_PATH   11
#define COAP_PAYLOAD    0xff
#define COAP_EXT8       13 /* option delta/length nibble: one more byte, + 13 */
#define COAP_EXT16      14 /* two more bytes, + 269 */
#define COAP_EXT16_BASE 269
#define COAP_LINKS_MAX  3 /* link-format entries kept in a banner */
#define TFTP_RRQ        1
#define TFTP_DATA       3
#define TFTP_ERROR      5

/* RFC 7252 3 (header, token) and 3.1 (options): a confirmable GET of
 * /.well-known/core, the resource discovery entry point of RFC 6690 4. Message ID and
 * token from the nonce; the piggybacked ACK echoes both. */
static size_t coap_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	unsigned char token[COAP_TOKEN_LEN];
	struct pg_wr w;

	pg_udp_fill(token, sizeof(token), nonce);
	pg_wr_init(&w, buf, buflen);
	pg_wr8(&w, COAP_VERSION << 6 | COAP_CON << 4 | COAP_TOKEN_LEN);
	pg_wr8(&w, COAP_GET);
	pg_wr16(&w, nonce & 0xffffu);
	pg_wr_mem(&w, token, sizeof(token));
	pg_wr8(&w, COAP_URI_PATH << 4 | 11); /* delta 11, ".well-known" */
	pg_wr_str(&w, ".well-known");
	pg_wr8(&w, 0 << 4 | 4); /* Uri-Path again: delta 0, "core" */
	pg_wr_str(&w, "core");
	return pg_wr_end(&w);
}

/* Value of an option delta or length nibble with its extension bytes (3.1). */
static size_t coap_ext(struct pg_rd *r, unsigned nib)
{
	if (nib == COAP_EXT8)
		return COAP_EXT8 + pg_rd8(r);
	if (nib == COAP_EXT16)
		return COAP_EXT16_BASE + pg_rd16(r);
	return nib;
}

/* Skip the options; r is left at the payload (after 0xff) or at the end. */
static bool coap_skip_options(struct pg_rd *r)
{
	while (r->off < r->n) {
		unsigned b = pg_rd8(r);

		if (b == COAP_PAYLOAD)
			return true;
		if ((b >> 4) == 15 || (b & 0xfu) == 15)
			return false; /* reserved nibbles: a format error (3.1) */
		coap_ext(r, b >> 4);
		pg_rd_mem(r, coap_ext(r, b & 0xfu));
		if (r->bad)
			return false;
	}
	return true;
}

/* The first link-format entries (RFC 6690 2: links separated by commas). */
static void coap_links(const unsigned char *p, size_t n, struct pg_wr *banner)
{
	size_t end = 0;
	int links = 0;

	while (end < n && links < COAP_LINKS_MAX)
		if (p[end++] == ',')
			links++;
	pg_wr_text(banner, p, end && p[end - 1] == ',' ? end - 1 : end);
}

/* A piggybacked ACK (5.2.1) or a separate response with our token (5.2.2). */
static bool coap_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	struct pg_rd r;
	unsigned b0, code, mid;
	const unsigned char *tok;

	pg_rd_init(&r, ans, n);
	b0 = pg_rd8(&r);
	code = pg_rd8(&r);
	mid = pg_rd16(&r);
	tok = pg_rd_mem(&r, b0 & 0xfu);
	if (r.bad || reqlen < 4 + COAP_TOKEN_LEN || b0 >> 6 != COAP_VERSION ||
	    (b0 & 0xfu) != COAP_TOKEN_LEN || memcmp(tok, req + 4, COAP_TOKEN_LEN) != 0 ||
	    code >> 5 < 2 || code >> 5 > 5)
		return false;
	if (((b0 >> 4) & 3) == COAP_ACK && mid != ((unsigned)req[2] << 8 | req[3]))
		return false;
	if (code == COAP_CONTENT && coap_skip_options(&r))
		coap_links(ans + r.off, n - r.off, banner);
	return true;
}

const struct pg_udp_family pg_udp_coap = { "coap", coap_request, coap_answer, false, false };

/* RFC 1350 5: a read request (RRQ) in octet mode for a file named after the nonce, so
 * it does not exist: the server answers ERROR 1 "File not found" and reads nothing.
 * The answer comes from a new port of the server (the TID, RFC 1350 4): a socket
 * connected to port 69 does not see it. */
static size_t tftp_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	char name[40];
	struct pg_wr w;

	snprintf(name, sizeof(name), "portgate-probe-%08x", nonce);
	pg_wr_init(&w, buf, buflen);
	pg_wr16(&w, TFTP_RRQ);
	pg_wr_mem(&w, name, strlen(name) + 1);
	pg_wr_mem(&w, "octet", sizeof("octet"));
	return pg_wr_end(&w);
}

/* ERROR (opcode 5): code and message, the banner; DATA block 1 means the file exists. */
static bool tftp_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	struct pg_rd r;
	unsigned op, code;
	char head[32];
	size_t l = 0;

	(void)req;
	(void)reqlen;
	pg_rd_init(&r, ans, n);
	op = pg_rd16(&r);
	code = pg_rd16(&r);
	if (r.bad || (op == TFTP_DATA && code == 1))
		return !r.bad;
	if (op != TFTP_ERROR || n < 5 || ans[n - 1] != 0)
		return false; /* RFC 1350 5: ErrMsg ends with a zero byte */
	while (4 + l < n - 1 && ans[4 + l])
		l++;
	snprintf(head, sizeof(head), "error %u: ", code);
	pg_wr_text(banner, head, strlen(head));
	pg_wr_text(banner, ans + 4, l);
	return true;
}

/* RFC 1350 4: the server answers from a new port (its TID), never from 69. */
const struct pg_udp_family pg_udp_tftp = { "tftp", tftp_request, tftp_answer, true, false };
