/* notify.h - deliver actionable findings through notifier plugins.
 *
 * pg_notify_report() (declared in plugin_host.h) first delivers what waits in
 * the outbox from earlier runs, then builds this run's events (one per
 * report or per finding, as each plugin declares), stores each in the outbox
 * and delivers it with full-jitter exponential backoff honouring the
 * plugin's retry-after. Event shapes are in docs/plugin-guide.md. */
#ifndef PG_NOTIFY_H
#define PG_NOTIFY_H

#include <stdbool.h>

#include "plugin/plugin_host.h"

/* Deliver waiting outbox entries. include_failed: also those a plugin
 * rejected permanently (operator's `outbox flush`). Returns entries left. */
int pg_notify_flush_outbox(struct pg_plugin_host *h, bool include_failed);

/* Idempotency key: first 32 hex of sha256("v1\0" instance "\0" run "\0" fps...). */
void pg_notify_key(const char *instance, const char *run_id, const char *const *fps, size_t n,
		   char out[33]);

#endif
