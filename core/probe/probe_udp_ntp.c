/* probe_udp_ntp.c - NTP (123): an RFC 5905 client request, the server's mode-4 reply. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "probe_udp_int.h"

#define NTP_LEN         48 /* RFC 5905 7.3: the header without extensions */
#define NTP_VERSION     4
#define NTP_MODE_CLIENT 3
#define NTP_MODE_SERVER 4
#define NTP_ORIGIN      24 /* offset of the origin timestamp */
#define NTP_TRANSMIT    40 /* offset of the transmit timestamp */
#define NTP_TS_LEN      8
#define NTP_STRATUM_MAX 15 /* 16 and up: unsynchronised (RFC 5905 7.3) */

/* RFC 5905 7.3 / 8: LI 0, VN 4, mode 3 and every field zero but the transmit
 * timestamp, which the server copies into the origin timestamp of its reply (the
 * check of 8: "bogus" unless origin == our transmit). It holds the nonce rather than
 * the clock, as chrony's clients do (data leak protection); never all zero, which
 * RFC 5905 treats as invalid. */
static size_t ntp_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	unsigned char ts[NTP_TS_LEN];
	struct pg_wr w;

	pg_udp_fill(ts, sizeof(ts), nonce);
	ts[0] |= 0x80; /* an era-0 second count after 1968: never zero */
	pg_wr_init(&w, buf, buflen);
	pg_wr8(&w, NTP_VERSION << 3 | NTP_MODE_CLIENT);
	for (size_t i = 1; i < NTP_TRANSMIT; i++)
		pg_wr8(&w, 0);
	pg_wr_mem(&w, ts, sizeof(ts));
	return pg_wr_end(&w);
}

/* Reference ID as text (RFC 5905 7.3): stratum 0 (kiss code) and 1 (source) are four
 * ASCII characters, higher strata an IPv4 address (or an IPv6 address hash). */
static void refid_text(const unsigned char *id, unsigned stratum, char *out, size_t len)
{
	if (stratum <= 1) {
		size_t l = 0;

		while (l < 4 && id[l])
			l++;
		snprintf(out, len, "%.*s", (int)l, (const char *)id);
	} else {
		snprintf(out, len, "%u.%u.%u.%u", id[0], id[1], id[2], id[3]);
	}
}

static bool ntp_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		       struct pg_wr *banner)
{
	char refid[24], text[96];
	unsigned vn, stratum;

	if (n < NTP_LEN || reqlen < NTP_LEN || (ans[0] & 7) != NTP_MODE_SERVER ||
	    memcmp(ans + NTP_ORIGIN, req + NTP_TRANSMIT, NTP_TS_LEN) != 0)
		return false;
	vn = ans[0] >> 3 & 7;
	stratum = ans[1];
	refid_text(ans + 12, stratum, refid, sizeof(refid));
	if (stratum == 0)
		snprintf(text, sizeof(text), "NTPv%u, kiss code %s", vn, refid);
	else if (stratum > NTP_STRATUM_MAX)
		snprintf(text, sizeof(text), "NTPv%u, unsynchronised", vn);
	else
		snprintf(text, sizeof(text), "NTPv%u, stratum %u, refid %s", vn, stratum, refid);
	pg_wr_text(banner, text, strlen(text));
	return true;
}

const struct pg_udp_family pg_udp_ntp = { "ntp", ntp_request, ntp_answer, false, false };
