/* probe_udp.c - requests for UDP ports and names from their answers (probe_udp.h).
 * The protocol families live in probe_udp_*.c, one per protocol document. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "probe.h"
#include "probe_udp.h"
#include "probe_udp_int.h"

#define RAW_BANNER_MAX 512
#define BANNER_MAX     257 /* sanitised: 256 chars + NUL, as on TCP (probe.c) */

static const struct {
	uint16_t port;
	const struct pg_udp_family *family;
} families[] = {
	{ 53, &pg_udp_dns },     { 69, &pg_udp_tftp },       { 123, &pg_udp_ntp },
	{ 137, &pg_udp_nbstat }, { 161, &pg_udp_snmp },      { 443, &pg_udp_quic },
	{ 500, &pg_udp_ike },    { 1194, &pg_udp_openvpn },  { 1900, &pg_udp_ssdp },
	{ 3702, &pg_udp_wsd },   { 4500, &pg_udp_ike_natt }, { 5060, &pg_udp_sip },
	{ 5353, &pg_udp_mdns },  { 5683, &pg_udp_coap },     { 11211, &pg_udp_memcached },
};

static const struct pg_udp_family *family_of(uint16_t port)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].port == port)
			return families[i].family;
	return NULL;
}

size_t pg_udp_request(uint16_t port, uint32_t nonce, unsigned char *buf, size_t buflen,
		      const char **service)
{
	const struct pg_udp_family *f = family_of(port);
	size_t n = f ? f->request(nonce, buf, buflen) : 0;

	*service = n ? f->service : NULL;
	return n;
}

const char *pg_udp_service(uint16_t port)
{
	const struct pg_udp_family *f = family_of(port);

	return f ? f->service : NULL;
}

bool pg_udp_answers_from_other_port(uint16_t port)
{
	const struct pg_udp_family *f = family_of(port);

	return f && f->other_port;
}

json_t *pg_udp_answer(uint16_t port, const unsigned char *req, size_t reqlen,
		      const unsigned char *ans, size_t n)
{
	const struct pg_udp_family *f = family_of(port);
	unsigned char raw[RAW_BANNER_MAX];
	char svc[64], banner[BANNER_MAX];
	struct pg_wr w;
	json_t *out;

	pg_wr_init(&w, raw, sizeof(raw));
	if (!f || !req || !ans || !f->answer(req, reqlen, ans, n, &w))
		return json_pack("{s:s}", "service",
				 pg_service_by_port_udp(port, svc, sizeof(svc)));
	out = json_pack("{s:s}", "service", f->service);
	if (w.len && pg_banner_sanitize(raw, w.len, banner, sizeof(banner)))
		json_object_set_new(out, "banner", json_string(banner));
	if (f->no_credential)
		json_object_set_new(out, "authRequired", json_false());
	return out;
}
