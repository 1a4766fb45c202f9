/* log.c - stderr diagnostics with levels; URL redaction for secrets. */
#include "config.h"
#include "log.h"

#include <ctype.h>
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

/* The length of "scheme://" (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )),
 * 0 when url does not start with one: "://" inside a query is no scheme. */
static size_t scheme_len(const char *url)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789+-.");

	return n && isalpha((unsigned char)url[0]) && !strncmp(url + n, "://", 3) ? n + 3 : 0;
}

/* Split by hand on purpose, not through common/url.h: a URL whose password
 * holds '/', '#' or '@' is read by libcurl (as RFC 3986 says) with part of the
 * password as the host ("https://u:PW@PW#x@h/" -> host "PW"), which a log would
 * then print; here any such ambiguity prints the scheme alone. */
char *pg_redact_url(const char *url)
{
	size_t sl = scheme_len(url);
	const char *host = url + sl, *at = strrchr(host, '@');
	const char *end = host + strcspn(host, "/?#");

	/* An '@' behind a '/', '?' or '#' is either in a password holding that
	 * delimiter raw or in the path or query: both are secret, and nothing tells
	 * which, so nothing but the scheme is printed. */
	if (at && at > end)
		return pg_xasprintf("%.*s***", (int)sl, url);
	/* userinfo ends at the last '@' of the authority ("u:p@ss@host") */
	if (at)
		host = at + 1;
	/* Tokens live in userinfo, the path (Slack, Discord...) and the query:
	 * only scheme, host and port survive. */
	return pg_xasprintf("%.*s%s%.*s%s", (int)sl, url, at ? "***@" : "", (int)(end - host), host,
			    *end && strcmp(end, "/") ? "/***" : "");
}
