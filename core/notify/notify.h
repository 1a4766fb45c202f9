/* notify.h - the notify stage: actionable findings through notifier plugins.
 *
 * pg_notify_report() first delivers what waits in the outbox from earlier
 * runs, then builds this run's events (one per report or per finding, as
 * each plugin declares), stores each in the outbox and delivers it with
 * full-jitter exponential backoff honouring the plugin's retry-after. Event
 * shapes are in docs/plugin-guide.md. The stage reads its own `notify:` and
 * `outbox:` sections and each notifier's `route:` (pg_notify_stage) and
 * reaches the host only through plugin_instance.h and plugin_isolate.h. */
#ifndef PG_NOTIFY_H
#define PG_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "manifest/manifest.h"
#include "plugin/plugin_host.h"

/* The `notify:` and `outbox:` sections (notify_settings.c). */
struct pg_notify_settings {
	bool on[PG_ACTION_COUNT]; /* notify.on, by enum pg_action */
	unsigned retries, backoff_ms, backoff_max_ms;
	char *evidence_url;        /* owned: notify.evidenceUrl expanded, may be NULL */
	unsigned outbox_max_age_h; /* entries older than this are dropped (0: never) */
	unsigned outbox_budget_ms; /* per run and instance, for entries of earlier runs */
	unsigned outbox_backoff_ms, outbox_backoff_max_ms; /* across runs, per entry */
	/* state, not a setting (pg_notify_report): the outbox of earlier runs was
	 * delivered once on this host (serve runs many checks on one) */
	bool pending_flushed;
};

/* The stage as the host builds it (notify_settings.c): its sections and the
 * `route:` key of notifier instances (pg_plugin_stage_data is the instance's
 * struct pg_route, NULL without one). */
extern const struct pg_plugin_stage pg_notify_stage;
/* h's notify settings (the defaults when h was built without the stage). */
const struct pg_notify_settings *pg_notify_settings(const struct pg_plugin_host *h);

/* Deliver notifications for the report (notify.c); returns how many wait in the outbox.
 * *lost (when not NULL): how many could not be stored and were not delivered, gone. */
int pg_notify_report(struct pg_plugin_host *h, const json_t *report, int *lost);

/* Deliver waiting outbox entries. include_failed: also those a plugin
 * rejected permanently (operator's `outbox flush`). Returns entries left. */
int pg_notify_flush_outbox(struct pg_plugin_host *h, bool include_failed);
/* `portgate outbox flush`: which entries (none set: the living of every instance). */
struct pg_flush_opts {
	bool include_failed;  /* also those a plugin rejected permanently (--all) */
	bool dead;            /* the dead letters, and only them (--dead) */
	const char *instance; /* only this instance's (--instance; NULL: all) */
};
struct pg_notify_tally;
/* Deliver what f chooses; adds the outcomes to *t (deliver.h). Returns
 * the entries f chooses that still wait (--dead: still dead). */
int pg_notify_flush(struct pg_plugin_host *h, const struct pg_flush_opts *f,
		    struct pg_notify_tally *t);

/* Idempotency key: first 32 hex of sha256("v1\0" instance "\0" run "\0" fps...). */
void pg_notify_key(const char *instance, const char *run_id, const char *const *fps, size_t n,
		   char out[33]);

/* portgate plugin-test (notify_test.c): each notifier on one event as a run
 * calls it; a new object keyed by instance: {plugin, result (ok|fail|retry|
 * timeout|crash), error, retryAfterMs, sent: [{method, url, body, status}]}. */
json_t *pg_notify_test(struct pg_plugin_host *h, const json_t *event);

#endif
