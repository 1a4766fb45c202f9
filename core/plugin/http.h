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

/* ca_file may be NULL (system store). timeout_ms already clamped by caller. */
int pg_http_perform(const struct pg_http_request *req, const char *ca_file, long timeout_ms,
		    struct pg_http_response *resp);
void pg_http_response_clear(struct pg_http_response *resp);

#endif
