/* probe_udp_text.c - the text protocols on UDP: memcached (11211), SSDP (1900), SIP
 * (5060) and WS-Discovery (3702). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe.h"
#include "probe_udp_int.h"

#define MC_FRAME_LEN  8 /* memcached protocol.txt "UDP protocol": the frame header */
#define UUID_TEXT_LEN 36
#define WSD_TYPES_MAX 160

/* memcached's protocol.txt ("UDP protocol"): an 8-byte frame header (request id,
 * sequence number 0, 1 datagram, reserved 0), then the text command "stats". Read-only,
 * and the command reflection attacks use: its answer (about 1.5 KB in several
 * datagrams for 15 bytes) is what measures the amplification, and it names the
 * version ("STAT version 1.6.18"). */
static size_t mc_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	struct pg_wr w;

	pg_wr_init(&w, buf, buflen);
	pg_wr16(&w, nonce & 0xffffu);
	pg_wr16(&w, 0);
	pg_wr16(&w, 1);
	pg_wr16(&w, 0);
	pg_wr_str(&w, "stats\r\n");
	return pg_wr_end(&w);
}

/* The reply frame echoes the request id; the text is "STAT <name> <value>\r\n" lines,
 * "STAT version <version>" among the first (the first datagram holds it). */
static bool mc_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		      struct pg_wr *banner)
{
	static const char key[] = "STAT version ";
	size_t off, l;

	if (n < MC_FRAME_LEN || reqlen < MC_FRAME_LEN || memcmp(ans, req, 2) != 0 ||
	    !pg_probe_starts(ans + MC_FRAME_LEN, n - MC_FRAME_LEN, "STAT "))
		return false;
	for (off = MC_FRAME_LEN; off < n;) { /* each turn moves past a line or a line end */
		l = pg_probe_line_len(ans + off, n - off);
		if (pg_probe_starts(ans + off, l, key)) {
			pg_wr_text(banner, ans + off, l);
			break;
		}
		off += l;
		while (off < n && (ans[off] == '\r' || ans[off] == '\n'))
			off++;
	}
	return true;
}

const struct pg_udp_family pg_udp_memcached = { "memcached", mc_request, mc_answer, false, true };

/* UPnP Device Architecture 2.0, 1.3.2: a search for all devices and services. The
 * multicast form (HOST 239.255.255.250:1900, MX) sent by unicast, as control points
 * and scanners do: the request cannot know the target's own address, and devices
 * answer it on their unicast address too. Read-only by definition (discovery). */
static size_t ssdp_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	struct pg_wr w;

	(void)nonce; /* SSDP has no transaction id */
	pg_wr_init(&w, buf, buflen);
	pg_wr_str(&w, "M-SEARCH * HTTP/1.1\r\n"
		      "HOST: 239.255.255.250:1900\r\n"
		      "MAN: \"ssdp:discover\"\r\n"
		      "MX: 1\r\n"
		      "ST: ssdp:all\r\n"
		      "\r\n");
	return pg_wr_end(&w);
}

static void header_to_banner(const unsigned char *b, size_t n, const char *name,
			     struct pg_wr *banner)
{
	size_t vl;
	const unsigned char *v = pg_udp_header(b, n, name, &vl);

	if (v)
		pg_wr_text(banner, v, vl);
}

/* UDA 1.3.3: "HTTP/1.1 200 OK" with ST and USN; SERVER names OS, UPnP and product. */
static bool ssdp_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
			struct pg_wr *banner)
{
	size_t vl;

	(void)req;
	(void)reqlen;
	if (!pg_probe_starts(ans, n, "HTTP/1.1 200") || !pg_udp_header(ans, n, "USN", &vl))
		return false;
	header_to_banner(ans, n, "SERVER", banner);
	return true;
}

const struct pg_udp_family pg_udp_ssdp = { "ssdp", ssdp_request, ssdp_answer, false, false };

/* RFC 3261 11 (OPTIONS) with the mandatory headers of 8.1.1. Max-Forwards 0 makes a
 * proxy answer for itself instead of forwarding (16.3), so nothing leaves the target;
 * rport (RFC 3581) makes the answer come back to our source port; the branch and the
 * Call-ID carry the nonce. */
static size_t sip_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	struct pg_wr w;
	char text[512];
	int l = snprintf(text, sizeof(text),
			 "OPTIONS sip:portgate.invalid SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP portgate.invalid;branch=z9hG4bK%08x;rport\r\n"
			 "Max-Forwards: 0\r\n"
			 "From: <sip:probe@portgate.invalid>;tag=%08x\r\n"
			 "To: <sip:portgate.invalid>\r\n"
			 "Call-ID: %08x@portgate.invalid\r\n"
			 "CSeq: 1 OPTIONS\r\n"
			 "Accept: application/sdp\r\n"
			 "Content-Length: 0\r\n"
			 "\r\n",
			 nonce, nonce ^ 0x5a5a5a5au, nonce);

	pg_wr_init(&w, buf, buflen);
	if (l < 0 || (size_t)l >= sizeof(text))
		return 0;
	pg_wr_mem(&w, text, (size_t)l);
	return pg_wr_end(&w);
}

/* RFC 3261 8.2.6 / 20.8: a response echoes our Call-ID (compact form "i"). */
static bool sip_callid_matches(const unsigned char *req, size_t reqlen, const unsigned char *ans,
			       size_t n)
{
	size_t ql, al;
	const unsigned char *q = pg_udp_header(req, reqlen, "Call-ID", &ql);
	const unsigned char *a = pg_udp_header(ans, n, "Call-ID", &al);

	if (!a)
		a = pg_udp_header(ans, n, "i", &al);
	return q && a && ql == al && memcmp(q, a, ql) == 0;
}

/* Server (20.35) names a server, User-Agent (20.41) a user agent that answered. */
static bool sip_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		       struct pg_wr *banner)
{
	size_t vl;

	if (!pg_probe_starts(ans, n, "SIP/2.0 ") || !sip_callid_matches(req, reqlen, ans, n))
		return false;
	if (pg_udp_header(ans, n, "Server", &vl))
		header_to_banner(ans, n, "Server", banner);
	else
		header_to_banner(ans, n, "User-Agent", banner);
	return true;
}

const struct pg_udp_family pg_udp_sip = { "sip", sip_request, sip_answer, false, false };

/* A uuid (RFC 9562 text form) derived from the nonce, for wsa:MessageID. */
static void wsd_uuid(uint32_t nonce, char *out, size_t len)
{
	unsigned char r[12];

	pg_udp_fill(r, sizeof(r), nonce);
	snprintf(out, len, "%08x-%02x%02x-4%01x%02x-8%01x%02x-%02x%02x%02x%02x%02x%02x", nonce,
		 r[0], r[1], r[2] & 0xfu, r[3], r[4] & 0xfu, r[5], r[6], r[7], r[8], r[9], r[10],
		 r[11]);
}

/* WS-Discovery (OASIS, the 2005/04 version ONVIF cameras and Windows devices speak) 5.2:
 * a Probe with no Types or Scopes matches every target service; SOAP 1.2 envelope,
 * WS-Addressing 2004/08 headers. The MessageID comes back as RelatesTo. */
static size_t wsd_request(uint32_t nonce, unsigned char *buf, size_t buflen)
{
	char uuid[UUID_TEXT_LEN + 1], text[900];
	struct pg_wr w;
	int l;

	wsd_uuid(nonce, uuid, sizeof(uuid));
	l = snprintf(
		text, sizeof(text),
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
		"<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "
		"xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
		"xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"
		"<soap:Header>"
		"<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
		"<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>"
		"<wsa:MessageID>urn:uuid:%s</wsa:MessageID>"
		"</soap:Header>"
		"<soap:Body><wsd:Probe/></soap:Body>"
		"</soap:Envelope>",
		uuid);
	pg_wr_init(&w, buf, buflen);
	if (l < 0 || (size_t)l >= sizeof(text))
		return 0;
	pg_wr_mem(&w, text, (size_t)l);
	return pg_wr_end(&w);
}

/* Text of the first element whose local name is tag (any namespace prefix). */
static const unsigned char *xml_text(const unsigned char *b, size_t n, const char *tag, size_t *len)
{
	size_t tl = strlen(tag);

	for (size_t i = 0; i < n; i++) {
		size_t j = i + 1, e;

		if (b[i] != '<' || j >= n || b[j] == '/')
			continue;
		while (j < n && b[j] != '>' && b[j] != ' ' && b[j] != ':')
			j++;
		if (j < n && b[j] == ':')
			j++;
		else
			j = i + 1;
		if (j + tl >= n || memcmp(b + j, tag, tl) != 0 || b[j + tl] != '>')
			continue;
		for (e = j + tl + 1; e < n && b[e] != '<'; e++)
			;
		*len = e - (j + tl + 1);
		return b + j + tl + 1;
	}
	return NULL;
}

/* 5.3 ProbeMatches: RelatesTo our MessageID; the Types matched (e.g.
 * dn:NetworkVideoTransmitter) are the banner. */
static bool wsd_answer(const unsigned char *req, size_t reqlen, const unsigned char *ans, size_t n,
		       struct pg_wr *banner)
{
	size_t il, rl, tl;
	const unsigned char *id = xml_text(req, reqlen, "MessageID", &il);
	const unsigned char *rel = xml_text(ans, n, "RelatesTo", &rl);
	const unsigned char *types;

	if (!id || !rel || il != rl || memcmp(id, rel, il) != 0 ||
	    !memmem(ans, n, "ProbeMatch", 10))
		return false;
	types = xml_text(ans, n, "Types", &tl);
	if (types)
		pg_wr_text(banner, types, tl < WSD_TYPES_MAX ? tl : WSD_TYPES_MAX);
	return true;
}

const struct pg_udp_family pg_udp_wsd = { "ws-discovery", wsd_request, wsd_answer, false, false };
