/* http_pin.c - the host HTTP helper's names through the configured resolver: with
 * dns.server (or --dns-server) set, libcurl would still ask the system resolver, so
 * the URL's host is looked up through the configured one and pinned (CURLOPT_RESOLVE).
 * Every name portgate looks up goes to one resolver (issue 22: an RDAP redirect's host
 * resolved elsewhere than the manifest's names). */
#include "config.h"
#include "http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/url.h"
#include "resolve/resolve.h"
#include "util/util.h"

/* libcurl's proxy variables (lower case first, as curl reads them). */
static bool proxied(const char *scheme)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_proxy", scheme);
	if (getenv(name) || getenv("all_proxy") || getenv("ALL_PROXY"))
		return true;
	snprintf(name, sizeof(name), "%s_PROXY", !strcmp(scheme, "https") ? "HTTPS" : "HTTP");
	/* curl ignores HTTP_PROXY (CGI's "httpoxy"); HTTPS_PROXY counts */
	return strcmp(scheme, "http") && getenv(name);
}

/* The URL's parts (the port its scheme's default when it names none); false when it
 * has no name to look up (an address literal). */
static bool url_name(const char *url, struct pg_url_parts *u)
{
	unsigned char b[16];

	if (!pg_url_split(url, u))
		return false;
	if (!u->port[0])
		snprintf(u->port, sizeof(u->port), "%s", strcmp(u->scheme, "https") ? "80" : "443");
	return inet_pton(AF_INET, u->host, b) != 1 && inet_pton(AF_INET6, u->host, b) != 1;
}

/* "ADDR,ADDR" of name's A and AAAA answers appended to list; -1 on a resolver error. */
static int lookup(const char *server, const char *name, int timeout_ms, char *list, size_t len,
		  char *err, size_t errlen)
{
	static const char *const types[] = { "A", "AAAA" };
	size_t used = strlen(list);

	for (size_t t = 0; t < PG_ARRAY_LEN(types); t++) {
		struct pg_lookup q = {
			.server = server, .name = name, .rrtype = types[t], .timeout_ms = timeout_ms
		};
		struct pg_rr_list l;

		if (pg_resolve_lookup(&q, &l, err, errlen) != 0)
			return -1;
		for (size_t i = 0; i < l.n && used + strlen(l.v[i]) + 4 < len; i++)
			used += (size_t)snprintf(list + used, len - used,
						 strchr(l.v[i], ':') ? "%s[%s]" : "%s%s",
						 used ? "," : "", l.v[i]);
		pg_rr_list_clear(&l);
	}
	return 0;
}

int pg_http_pin(const char *url, const char *server, int timeout_ms, struct curl_slist **pins,
		char *err, size_t errlen)
{
	char addrs[512] = "", entry[800];
	struct pg_url_parts u;
	struct curl_slist *tmp;

	*pins = NULL;
	if (!server || !url_name(url, &u) || proxied(u.scheme))
		return 0;
	if (lookup(server, u.host, timeout_ms, addrs, sizeof(addrs), err, errlen) != 0)
		return -1;
	if (!addrs[0]) {
		snprintf(err, errlen,
			 "could not resolve host %s (no address from the DNS server %s)", u.host,
			 server);
		return -1;
	}
	snprintf(entry, sizeof(entry), "%s:%s:%s", u.host, u.port, addrs);
	tmp = curl_slist_append(NULL, entry);
	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*pins = tmp;
	return 0;
}
