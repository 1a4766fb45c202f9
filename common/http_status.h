/* http_status.h - what an HTTP answer means for a notifier's delivery, one
 * rule for the webhook, ticket and siem (HEC) plugins; and the Retry-After
 * header the host's HTTP helper reads for the retry logic (docs/notify.md). */
#ifndef PG_COMMON_HTTP_STATUS_H
#define PG_COMMON_HTTP_STATUS_H

/* PG_PLUGIN_OK for 2xx; PG_PLUGIN_RETRY for 429 and 5xx (the receiver is
 * busy or broken, later may work); PG_PLUGIN_FAIL for anything else (another
 * 4xx: the same request would be refused again). */
int pg_http_status_outcome(long status);

/* A Retry-After value (delta seconds up to a week, or an HTTP date through
 * curl_getdate) as ms from now: 0 for a date in the past, -1 if unparsable.
 * Compiled only where libcurl is linked (http_date.c). */
long pg_http_retry_after_ms(const char *value);

#endif
