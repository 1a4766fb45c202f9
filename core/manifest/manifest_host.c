/* manifest_host.c - host names as the manifest and `scan --target` take them:
 * IP literals and ASCII names as written, internationalised names in ACE
 * form (libidn2, IDNA2008 non-transitional), and the manifest's `domain`
 * checked to be a registrable domain against the Public Suffix List (libpsl),
 * so `domain: co.uk` or a subdomain is refused instead of being looked up. */
#include "config.h"
#include "manifest_int.h"

#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/psl.h"

static bool has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

char *pg_host_normalize_new(const char *s)
{
	char *ace = NULL, *out;

	if (!has_non_ascii(s))
		return pg_manifest_valid_target(s) ? pg_xstrdup(s) : NULL;
	if (idn2_to_ascii_8z(s, &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK) {
		free(ace);
		return NULL;
	}
	out = pg_manifest_valid_hostname(ace) ? pg_xstrdup(ace) : NULL;
	idn2_free(ace);
	return out;
}

const char *pg_domain_registrable_err(const char *ace, char *parent, size_t parentlen)
{
	const psl_ctx_t *psl;
	const char *reg;
	char name[256];
	size_t n = strlen(ace);

	psl = pg_psl_list();
	if (n && ace[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(name))
		return "is not a valid domain name";
	for (size_t i = 0; i < n; i++)
		name[i] = (char)((ace[i] >= 'A' && ace[i] <= 'Z') ? ace[i] + 32 : ace[i]);
	name[n] = '\0';
	reg = psl_registrable_domain(psl, name);
	if (!reg)
		return "is a public suffix, not a registrable domain";
	if (strcmp(reg, name)) {
		snprintf(parent, parentlen, "%s", reg);
		return "is a subdomain, not a registrable domain";
	}
	return NULL;
}
