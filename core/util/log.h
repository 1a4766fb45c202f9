/* log.h - diagnostics on stderr. Never log secrets: pass them through
 * pg_redact_url() (or do not pass them at all). */
#ifndef PG_LOG_H
#define PG_LOG_H

#include "util.h"

enum pg_log_level { PG_LOG_ERROR, PG_LOG_WARN, PG_LOG_INFO, PG_LOG_DEBUG };

extern enum pg_log_level pg_log_threshold; /* default PG_LOG_WARN; -v raises it */

void pg_log(enum pg_log_level lvl, const char *fmt, ...) PG_PRINTF(2, 3);
void pg_vlog(enum pg_log_level lvl, const char *tag, const char *fmt, va_list ap);
#define pg_error(...) pg_log(PG_LOG_ERROR, __VA_ARGS__)
#define pg_warn(...)  pg_log(PG_LOG_WARN, __VA_ARGS__)
#define pg_info(...)  pg_log(PG_LOG_INFO, __VA_ARGS__)
#define pg_debug(...) pg_log(PG_LOG_DEBUG, __VA_ARGS__)

/* Copy of url keeping only scheme, host and port: userinfo becomes "***@"
 * and any path, query or fragment one "/" followed by three stars (tokens
 * live there). An '@' behind the first '/', '?' or '#' (a password holding one
 * raw, or an '@' in the path) leaves only the scheme and "***". Caller frees. */
char *pg_redact_url(const char *url);

#endif
