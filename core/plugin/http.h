/* http.h - the one libcurl helper the host lends to plugins (host->http).
 *
 * Restricted to http/https, no redirects, bounded response size, proxy taken
 * from the environment (libcurl's http_proxy/https_proxy/no_proxy), the
 * configured CA file, and Retry-After parsed for the retry logic
 * (common/http_status.h). Response
 * headers are collected when the request asks (ABI 1.1 response_headers,
 * read only when the request's struct_size has the field), and internal
 * addresses are refused at connect time when it asks (ABI 1.2
 * refuse_internal, the plugins' rule too: common/netaddr.h). */
#ifndef PG_HTTP_H
#define PG_HTTP_H

#include <portgate/plugin.h>

#define PG_HTTP_MAX_BODY (1024 * 1024)

/* Call once before any thread (curl_global_init is not thread-safe). */
void pg_http_global_init(void);

struct curl_slist;

/* Where a request trusts and resolves: ca_file (NULL: the system store), dns_server
 * (the configured resolver, NULL: the system's). */
struct pg_http_env {
	const char *ca_file;
	const char *dns_server;
	int dns_timeout_ms;
};

/* timeout_ms already clamped by caller. env may be NULL (system store and resolver). */
int pg_http_perform(const struct pg_http_request *req, const struct pg_http_env *env,
		    long timeout_ms, struct pg_http_response *resp);

/* With a DNS server, *pins: the CURLOPT_RESOLVE entry for url's host (new, curl_slist_free_all)
 * looked up through it (A and AAAA, one try of timeout_ms each); NULL when url names an
 * address, a proxy resolves it, or server is NULL. -1 with err when the lookup failed or
 * found no address. */
int pg_http_pin(const char *url, const char *server, int timeout_ms, struct curl_slist **pins,
		char *err, size_t errlen);
void pg_http_response_clear(struct pg_http_response *resp);

#endif
