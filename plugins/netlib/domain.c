/* domain.c - registered domain of a finding (see domain.h). */
#include "domain.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/psl.h"
#include "netlib.h"

int nl_to_ace(const char *name, char *out, size_t outlen)
{
	char *ace = NULL;
	size_t n;

	if (!name || !*name ||
	    idn2_to_ascii_8z(name, &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK) {
		free(ace);
		return -1;
	}
	n = strlen(ace);
	if (n && ace[n - 1] == '.')
		ace[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ace[i];
		if (!isalnum(c) && c != '-' && c != '.') {
			free(ace); /* idn2 lets '_' and others through with some flags */
			return -1;
		}
		ace[i] = (char)tolower(c);
	}
	if (n == 0 || n >= outlen) {
		free(ace);
		return -1;
	}
	memcpy(out, ace, n + 1);
	free(ace);
	return 0;
}

void nl_set_unicode(json_t *o, const char *key, const char *ace)
{
	char *u = NULL;

	if (strncasecmp(ace, "xn--", 4) && !strcasestr(ace, ".xn--"))
		return;
	if (idn2_to_unicode_8z8z(ace, &u, 0) == IDN2_OK && u && strcmp(u, ace))
		json_object_set_new(o, key, json_string(u));
	idn2_free(u);
}

static int is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

int nl_finding_domain(const json_t *finding, char *out, size_t outlen)
{
	const json_t *ctx = nl_asset_context(finding);
	const char *d = json_string_value(json_object_get(ctx, "domain"));
	const char *target = json_string_value(json_object_get(finding, "target"));
	const char *reg;
	char ace[256];

	if (d)
		return nl_to_ace(d, out, outlen) == 0 ? 1 : -1;
	if (!target || is_ip(target))
		return 0;
	if (nl_to_ace(target, ace, sizeof(ace)) != 0)
		return -1;
	reg = psl_registrable_domain(pg_psl_list(), ace);
	if (!reg || strlen(reg) >= outlen)
		return 0;
	memcpy(out, reg, strlen(reg) + 1);
	return 2;
}
