/* outbox.h - durable notification outbox: one JSON file per notification.
 *
 * <stateDir>/outbox/<idempotency-key>.json is written atomically before the
 * first delivery attempt and removed only after the receiver accepted it, so
 * a crash (even SIGKILL mid-delivery) loses nothing; the idempotency key lets
 * the receiver drop the duplicate a crash after acceptance can cause.
 * Whoever delivers, rewrites or removes an entry holds its claim first
 * (pg_outbox_claim), so concurrent runs and flushes on one state dir never
 * deliver one entry twice nor rewrite one another already removed.
 * File: {"id", "instance", "plugin", "createdAt", "attempts", "status"
 * ("pending" | "failed" | "dead"), "lastError", "rounds", "nextAttemptAt",
 * "crashes", "event"}: rounds = runs whose delivery failed, nextAttemptAt =
 * wall ms before which runs leave it alone (backoff across runs), crashes =
 * calls that crashed the plugin's worker. An entry whose delivery crashed the
 * plugin PG_OUTBOX_DEAD_CRASHES times is "dead" (the dead-letter list): no run
 * or flush tries it again until `outbox flush --dead`. */
#ifndef PG_OUTBOX_H
#define PG_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct pg_outbox_entry {
	char *path;  /* owned */
	json_t *doc; /* owned */
};

/* Write (create or replace) the entry for doc's "id". 0 or -errno. */
int pg_outbox_write(const char *state_dir, const json_t *doc);
/* Remove after a successful delivery. 0 or -errno. */
int pg_outbox_remove(const char *state_dir, const char *id);
/* All entries, oldest first (owned array; free with pg_outbox_entries_free).
 * Unreadable files are reported and skipped. */
struct pg_outbox_entry *pg_outbox_load(const char *state_dir, size_t *n);
void pg_outbox_entries_free(struct pg_outbox_entry *e, size_t n);
/* Claim entry id for this process: an fd >= 0 to pass to pg_outbox_release,
 * -EAGAIN when another holds it, another -errno on error. A claim outlives
 * no process: the kernel drops it when its holder dies. */
int pg_outbox_claim(const char *state_dir, const char *id);
/* Release a claim; gone: the entry was removed (its lock file goes too). */
void pg_outbox_release(const char *state_dir, const char *id, int fd, bool gone);
/* The entry as now on disk (new reference), NULL when gone or unreadable. */
json_t *pg_outbox_read(const char *state_dir, const char *id);
/* Crashes of the plugin that make an entry dead: a notification that kills
 * its notifier every time would otherwise be retried until outbox.maxAgeHours. */
#define PG_OUTBOX_DEAD_CRASHES 3
#define PG_OUTBOX_DEAD         "dead"
/* doc's status is dead. */
bool pg_outbox_is_dead(const json_t *doc);
/* Count of entries waiting (status pending or failed; not the dead ones). */
size_t pg_outbox_count(const char *state_dir);

#endif
