/* probe_udp.c - requests for UDP ports and names from their answers (probe_udp.h).
 * First cut: an empty datagram everywhere, the service named by the port. */
#include "config.h"

#include "probe.h"
#include "probe_udp.h"

size_t pg_udp_request(uint16_t port, uint32_t nonce, unsigned char *buf, size_t buflen,
		      const char **service)
{
	(void)port;
	(void)nonce;
	(void)buf;
	(void)buflen;
	*service = NULL;
	return 0;
}

json_t *pg_udp_answer(uint16_t port, const unsigned char *req, size_t reqlen,
		      const unsigned char *ans, size_t n)
{
	char svc[64];

	(void)req;
	(void)reqlen;
	(void)ans;
	(void)n;
	return json_pack("{s:s}", "service", pg_service_by_port(port, svc, sizeof(svc)));
}
