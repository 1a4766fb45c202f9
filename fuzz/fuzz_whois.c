/* fuzz_whois.c - the WHOIS answer parser (plugins/whois/whois_parse.c and
 * whois_date.c) on arbitrary server bytes: whois_record_parse on an exact-size block
 * (not NUL-terminated, as the plugin passes it), then the invariants the
 * plugin relies on; whois_sanitized_json must always give valid JSON text; and
 * every line as a date. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/whois/whois_parse.h" /* the harness builds without -I for plugins */

static void check_result(const struct whois_record *r)
{
	json_t *v;
	size_t i;

	if (!json_is_array(r->nameservers) || !json_is_array(r->status))
		abort();
	if (json_array_size(r->nameservers) > 32 || json_array_size(r->status) > 32)
		abort();
	json_array_foreach(r->nameservers, i, v) {
		const char *s = json_string_value(v);
		size_t n = s ? strlen(s) : 0;
		/* lowercase, no trailing dot, never empty */
		if (!n || s[n - 1] == '.')
			abort();
		for (size_t k = 0; k < n; k++)
			if (s[k] >= 'A' && s[k] <= 'Z')
				abort();
	}
	if (r->referral && (!*r->referral || strlen(r->referral) > 255))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whois_record r;
	char *copy = malloc(size ? size : 1), line[128];
	json_t *s;

	memcpy(copy, data, size);
	whois_record_init(&r);
	whois_record_parse(copy, size, &r);
	check_result(&r);
	whois_record_clear(&r);
	s = whois_sanitized_json(copy, size, size);
	if (!s || strlen(json_string_value(s)) != json_string_length(s))
		abort(); /* no NUL survives */
	json_decref(s);
	/* the first line (capped) as a date: a value or -1, never a crash */
	size_t n = 0;
	while (n < size && n < sizeof(line) - 1 && copy[n] != '\n' && copy[n] != '\0')
		n++;
	memcpy(line, copy, n);
	line[n] = '\0';
	(void)whois_date_parse(line);
	free(copy);
	return 0;
}
