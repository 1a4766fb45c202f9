/* domain.h - which registered domain a finding is about (dns and whois
 * enrichers): the manifest's `domain` from assetContext, else the target's
 * registrable domain from the Public Suffix List (libpsl), in ACE form
 * (libidn2). Links libpsl and libidn2. */
#ifndef PG_NETLIB_DOMAIN_H
#define PG_NETLIB_DOMAIN_H

#include <stddef.h>

#include <jansson.h>

/* name in lowercase ACE form without a trailing dot into out; -1 when it is
 * not a valid domain name (IDNA2008/UTS#46). */
int nl_to_ace(const char *name, char *out, size_t outlen);

/* o[key] = the Unicode form (U-labels) of the ACE name when it holds an IDN
 * label (xn--), so evidence shows both forms; nothing otherwise. */
void nl_set_unicode(json_t *o, const char *key, const char *ace);

/* Registered domain of the finding into out: 1 from the manifest's domain,
 * 2 from the target through the PSL, 0 none (IP target, a public suffix),
 * -1 invalid name. */
int nl_finding_domain(const json_t *finding, char *out, size_t outlen);

#endif
