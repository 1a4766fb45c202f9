/* fuzz_probe_text.c - the probe's parsers of untrusted network bytes:
 * pg_banner_sanitize, pg_probe_classify and pg_http_parse. Output buffers are
 * exact-size heap blocks so ASan sees a one-byte overrun. */
#include "config.h"

#include "probe/probe.h"
#include "util/util.h"
#include "fuzz_common.h"

/* Output of the sanitiser: NUL-terminated within outlen, its length returned,
 * printable ASCII only (so it is safe for terminals and JSON). */
static void check_sanitized(const char *out, size_t outlen, size_t ret)
{
	if (outlen == 0)
		return;
	if (ret >= outlen || strlen(out) != ret)
		abort();
	for (size_t i = 0; i < ret; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const portnames[] = { NULL, "ftp", "smtp", "http", "" };
	size_t outlen, ret;
	unsigned char *in;
	char *out, *line, *server;
	int status = -1;

	if (size < 1)
		return 0;
	/* First byte: output size (0-255) for the sanitiser; the rest is the
	 * payload, copied to an exact-size block so reads past n are caught. */
	outlen = data[0];
	data++, size--;
	in = malloc(size ? size : 1);
	memcpy(in, data, size);

	out = malloc(outlen ? outlen : 1);
	ret = pg_banner_sanitize(in, size, out, outlen);
	check_sanitized(out, outlen, ret);
	free(out);

	for (size_t i = 0; i < PG_ARRAY_LEN(portnames); i++)
		(void)pg_probe_classify(in, size, portnames[i]);

	line = malloc(outlen ? outlen : 1);
	server = malloc(outlen / 2 + 1);
	if (pg_http_parse(in, size, &status, line, outlen, server, outlen / 2 + 1)) {
		if (status < 0 || status > 999)
			abort();
		/* linelen 0: nothing may be written, not even the NUL */
		if (outlen)
			check_sanitized(line, outlen, strlen(line));
		check_sanitized(server, outlen / 2 + 1, strlen(server));
	}
	free(line);
	free(server);
	free(in);
	return 0;
}
