/* resolve_addr.c - IP literals and struct pg_addr: parsed without DNS, with
 * an IPv6 zone ("fe80::1%eth0") when one is given. */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include "resolve_int.h"
#include "util/addr.h"
#include "util/util.h"

static void fill_text(struct pg_addr *a)
{
	if (!pg_sockaddr_text((const struct sockaddr *)&a->ss, a->text, sizeof(a->text)))
		a->text[0] = '\0';
}

void pg_addr_from_v4(struct pg_addr *a, const void *raw4)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->sslen = sizeof(*sin);
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, raw4, 4);
	fill_text(a);
}

void pg_addr_from_v6(struct pg_addr *a, const void *raw16, uint32_t scope)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->sslen = sizeof(*sin6);
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, raw16, 16);
	sin6->sin6_scope_id = scope;
	fill_text(a);
}

/* Zone of "fe80::1%eth0" or "fe80::1%2": interface name or number. */
static bool parse_zone(const char *zone, uint32_t *scope)
{
	unsigned long v;

	if (!*zone)
		return false;
	*scope = if_nametoindex(zone);
	if (*scope)
		return true;
	if (!pg_parse_ulong(zone, UINT32_MAX, &v))
		return false;
	*scope = (uint32_t)v;
	return true;
}

static bool parse_v6(const char *s, struct pg_addr *a)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	unsigned char raw[16];
	size_t len = strlen(s);
	uint32_t scope = 0;
	char *pct;

	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']' || len - 2 >= sizeof(buf))
			return false;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
	} else if (!pg_strlcpy(buf, s, sizeof(buf))) {
		return false;
	}
	pct = strchr(buf, '%');
	if (pct) {
		*pct = '\0';
		if (!parse_zone(pct + 1, &scope))
			return false;
	}
	if (inet_pton(AF_INET6, buf, raw) != 1)
		return false;
	pg_addr_from_v6(a, raw, scope);
	return true;
}

bool pg_addr_parse_literal(const char *s, uint16_t port, struct pg_addr *a)
{
	unsigned char raw4[4];

	memset(a, 0, sizeof(*a));
	if (!s || !*s)
		return false;
	/* inet_pton, not inet_aton: "10.1" or "1" are names, not addresses. */
	if (inet_pton(AF_INET, s, raw4) == 1)
		pg_addr_from_v4(a, raw4);
	else if (!parse_v6(s, a))
		return false;
	pg_addr_set_port(a, port);
	return true;
}

void pg_addr_set_port(struct pg_addr *a, uint16_t port)
{
	if (a->family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}
