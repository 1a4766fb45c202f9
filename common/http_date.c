/* http_date.c - Retry-After (see http_status.h): libcurl parses the HTTP
 * date forms (RFC 9110 5.6.7, with the obsolete ones) so nothing here does. */
#include "common/http_status.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

/* A longer wish is a broken or hostile receiver: delivery backs off on its own. */
#define RETRY_AFTER_MAX_S (86400L * 7)

/* Delta seconds: digits only (RFC 9110 10.2.3); -1 if not that. */
static long delta_seconds(const char *v, size_t len)
{
	long s = 0;

	if (len == 0 || len > 7)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		s = s * 10 + (v[i] - '0');
	}
	return s <= RETRY_AFTER_MAX_S ? s : -1;
}

long pg_http_retry_after_ms(const char *value)
{
	char buf[128];
	size_t len;
	long secs;
	time_t when, now;

	while (isspace((unsigned char)*value))
		value++;
	len = strlen(value);
	while (len && isspace((unsigned char)value[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	if (isdigit((unsigned char)value[0]))
		return (secs = delta_seconds(value, len)) < 0 ? -1 : secs * 1000;
	memcpy(buf, value, len);
	buf[len] = '\0';
	when = curl_getdate(buf, NULL);
	if (when < 0)
		return -1;
	now = time(NULL);
	return when > now ? (long)(when - now) * 1000 : 0;
}
