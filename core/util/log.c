/* log.c - stderr diagnostics with levels; URL redaction for secrets. */
#include "config.h"
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum pg_log_level pg_log_threshold = PG_LOG_WARN;

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void pg_vlog(enum pg_log_level lvl, const char *tag, const char *fmt, va_list ap)
{
	char msg[2048];

	if (lvl > pg_log_threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pg_defang(msg);
	/* One lock so lines from enrichment threads never interleave. */
	pthread_mutex_lock(&log_lock);
	if (tag) {
		char t[128];

		snprintf(t, sizeof(t), "%s", tag); /* a plugin's name is text from a file too */
		pg_defang(t);
		fprintf(stderr, "portgate: %s: [%s] %s\n", level_names[lvl], t, msg);
	} else {
		fprintf(stderr, "portgate: %s: %s\n", level_names[lvl], msg);
	}
	pthread_mutex_unlock(&log_lock);
}

void pg_log(enum pg_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pg_vlog(lvl, NULL, fmt, ap);
	va_end(ap);
}

char *pg_redact_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#"), *at = NULL;

	/* userinfo ends at the last '@' of the authority ("u:p@ss@host") */
	for (const char *c = host; c < end; c++)
		if (*c == '@')
			at = c;
	if (at)
		host = at + 1;
	/* Tokens live in userinfo, the path (Slack, Discord...) and the query:
	 * only scheme, host and port survive. */
	return pg_xasprintf("%.*s%s%.*s%s", scheme ? (int)(scheme + 3 - url) : 0, url,
			    at ? "***@" : "", (int)(end - host), host,
			    *end && strcmp(end, "/") ? "/***" : "");
}
