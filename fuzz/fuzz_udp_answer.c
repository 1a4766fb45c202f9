/* fuzz_udp_answer.c - the UDP answer parsers (core/probe/probe_udp*.c): byte 0 picks
 * the port (so the family), the rest is the answer, in an exact-size heap block so
 * ASan sees a one-byte overread. The request is the one portgate sends with nonce
 * FUZZ_NONCE, so seeds that are real answers to it pass the id checks and reach the
 * record parsers. Evidence must name a service and keep the banner printable. */
#include "config.h"

#include <jansson.h>

#include "probe/probe_udp.h"
#include "fuzz_common.h"

#define FUZZ_NONCE 0x1234abcdu /* test_probe_udp's NONCE: its answers are the seeds */

static const uint16_t ports[] = { 53,   69,   123,  137,  161,  443,   500, 1194,
				  1900, 3702, 4500, 5060, 5353, 5683, 11211, 9 };

static void check_evidence(json_t *ev)
{
	const char *b;

	if (!ev || !json_string_value(json_object_get(ev, "service")))
		abort();
	b = json_string_value(json_object_get(ev, "banner"));
	for (; b && *b; b++)
		if ((unsigned char)*b < 0x20 || (unsigned char)*b >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char req[PG_UDP_REQUEST_MAX], *ans;
	const char *svc;
	uint16_t port;
	size_t reqlen;
	json_t *ev;

	if (size < 1)
		return 0;
	port = ports[data[0] % (sizeof(ports) / sizeof(ports[0]))];
	data++, size--;
	reqlen = pg_udp_request(port, FUZZ_NONCE, req, sizeof(req), &svc);
	ans = malloc(size ? size : 1);
	memcpy(ans, data, size);
	ev = pg_udp_answer(port, req, reqlen, ans, size);
	check_evidence(ev);
	json_decref(ev);
	free(ans);
	return 0;
}
