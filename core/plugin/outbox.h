/* outbox.h - durable notification outbox: one JSON file per notification.
 *
 * <stateDir>/outbox/<idempotency-key>.json is written atomically before the
 * first delivery attempt and removed only after the receiver accepted it, so
 * a crash (even SIGKILL mid-delivery) loses nothing; the idempotency key lets
 * the receiver drop the duplicate a crash after acceptance can cause.
 * File: {"id", "instance", "plugin", "createdAt", "attempts", "status"
 * ("pending" | "failed"), "lastError", "event"}. */
#ifndef PG_OUTBOX_H
#define PG_OUTBOX_H

#include <jansson.h>
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
/* Count of entries with status pending or failed. */
size_t pg_outbox_count(const char *state_dir);

#endif
