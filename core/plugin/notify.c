/* notify.c - notifier dispatch: events, outbox, retries with full jitter. */
#include "config.h"
#include "notify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/log.h"
#include "outbox.h"
#include "plugin_int.h"

/* A retry-after longer than this ends the attempts of this run: the outbox
 * keeps the notification for the next one instead of blocking a CI job. */
#define MAX_WAIT_MS (5 * 60 * 1000)

void pg_notify_key(const char *instance, const char *run_id, const char *const *fps, size_t n,
		   char out[33])
{
	char *buf = pg_xasprintf("v1%c%s%c%s", '\0', instance, '\0', run_id);
	size_t len = strlen("v1") + 1 + strlen(instance) + 1 + strlen(run_id);
	char hex[65];

	for (size_t i = 0; i < n; i++) {
		size_t fl = strlen(fps[i]);
		buf = pg_xrealloc(buf, len + 1 + fl + 1);
		buf[len] = '\0';
		memcpy(buf + len + 1, fps[i], fl + 1);
		len += 1 + fl;
	}
	pg_sha256_hex(buf, len, hex);
	free(buf);
	memcpy(out, hex, 32);
	out[32] = '\0';
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Full jitter: random(0, min(cap, base * 2^attempt)). */
static uint64_t backoff_ms(const struct pg_plugin_host *h, unsigned attempt)
{
	uint64_t ceil = h->notify_backoff_ms, r = 0;

	for (unsigned i = 0; i < attempt && ceil < h->notify_backoff_max_ms; i++)
		ceil *= 2;
	if (ceil > h->notify_backoff_max_ms)
		ceil = h->notify_backoff_max_ms;
	if (ceil == 0)
		return 0;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = pg_now_ms() * 2654435761u;
	return r % (ceil + 1);
}

static struct pg_plugin_ctx *find_notifier(struct pg_plugin_host *h, const char *name)
{
	for (size_t i = 0; name && i < h->nnotifiers; i++)
		if (!strcmp(h->notifiers[i]->name, name))
			return h->notifiers[i];
	return NULL;
}

static int call_notify(struct pg_plugin_ctx *c, const json_t *event, const char *key,
		       long *retry_after, char *err, size_t errlen)
{
	struct pg_call call;
	int rc;

	*retry_after = -1;
	pg_plugin_busy_add(c, 1);
	pg_plugin_call_enter(c);
	pg_call_begin(&call, c->timeout_ms);
	rc = c->mod->desc.notify(c->state, event, key, retry_after);
	pg_call_end();
	pg_plugin_call_leave(c);
	pg_plugin_busy_add(c, -1);
	if (rc != PG_PLUGIN_OK && rc != PG_PLUGIN_RETRY)
		rc = PG_PLUGIN_FAIL;
	pg_strlcpy(err, call.err[0] ? call.err : (rc == PG_PLUGIN_OK ? "" : "notifier failed"),
		   errlen);
	return rc;
}

/* Try up to retries+1 times. Returns the last rc; err holds the last error. */
static int deliver(struct pg_plugin_host *h, struct pg_plugin_ctx *c, json_t *doc, char *err,
		   size_t errlen)
{
	const json_t *event = json_object_get(doc, "event");
	const char *key = json_string_value(json_object_get(doc, "id"));
	json_int_t attempts = json_integer_value(json_object_get(doc, "attempts"));
	long retry_after;
	int rc = PG_PLUGIN_FAIL;

	for (unsigned a = 0; a <= h->notify_retries; a++) {
		uint64_t wait;

		json_object_set_new(doc, "attempts", json_integer(++attempts));
		rc = call_notify(c, event, key, &retry_after, err, errlen);
		if (rc != PG_PLUGIN_RETRY || a == h->notify_retries)
			break;
		wait = retry_after >= 0 ? (uint64_t)retry_after : backoff_ms(h, a);
		if (wait > MAX_WAIT_MS) {
			pg_info("[%s] receiver asks to wait %llu ms: keeping it for later", c->name,
				(unsigned long long)wait);
			break;
		}
		pg_info("[%s] delivery failed (%s); retry %u in %llu ms", c->name, err, a + 1,
			(unsigned long long)wait);
		sleep_ms(wait);
	}
	return rc;
}

/* Deliver one stored entry; remove it on success, record the outcome otherwise. */
static bool deliver_entry(struct pg_plugin_host *h, struct pg_plugin_ctx *c, json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	char err[512];
	int rc = deliver(h, c, doc, err, sizeof(err));

	if (rc == PG_PLUGIN_OK) {
		if (h->state_dir && pg_outbox_remove(h->state_dir, id) != 0)
			pg_warn("outbox: delivered %s but could not remove it", id);
		pg_info("[%s] delivered %s", c->name, id);
		return true;
	}
	json_object_set_new(doc, "status", json_string(rc == PG_PLUGIN_FAIL ? "failed" : "pending"));
	json_object_set_new(doc, "lastError", json_string(err));
	pg_warn("[%s] notification %s not delivered (%s): %s", c->name, id,
		rc == PG_PLUGIN_FAIL ? "rejected" : "kept in the outbox", err);
	if (h->state_dir && pg_outbox_write(h->state_dir, doc) != 0)
		pg_error("outbox: cannot update %s", id);
	return false;
}

static bool too_old(const struct pg_plugin_host *h, const json_t *doc)
{
	json_int_t created = json_integer_value(json_object_get(doc, "createdAt"));

	return h->outbox_max_age_h &&
	       pg_wall_ms() > (uint64_t)created + (uint64_t)h->outbox_max_age_h * 3600 * 1000;
}

int pg_notify_flush_outbox(struct pg_plugin_host *h, bool include_failed)
{
	size_t n;
	struct pg_outbox_entry *e = pg_outbox_load(h->state_dir, &n);

	for (size_t i = 0; i < n; i++) {
		json_t *doc = e[i].doc;
		const char *id = json_string_value(json_object_get(doc, "id"));
		const char *st = json_string_value(json_object_get(doc, "status"));
		const char *inst = json_string_value(json_object_get(doc, "instance"));
		struct pg_plugin_ctx *c = find_notifier(h, inst);

		if (too_old(h, doc)) {
			pg_warn("outbox: dropping %s for %s: older than %u hours", id, inst,
				h->outbox_max_age_h);
			pg_outbox_remove(h->state_dir, id);
			continue;
		}
		if (st && !strcmp(st, "failed") && !include_failed)
			continue;
		if (!c) {
			pg_warn("outbox: %s waits for notifier '%s', which is not configured", id,
				inst ? inst : "?");
			continue;
		}
		deliver_entry(h, c, doc);
	}
	pg_outbox_entries_free(e, n);
	return (int)pg_outbox_count(h->state_dir);
}

/* ---- events ----------------------------------------------------------- */

static const char *run_id_of(const json_t *report)
{
	const char *id = json_string_value(json_object_get(json_object_get(report, "run"), "id"));
	return id ? id : "run";
}

static json_t *entry_new(struct pg_plugin_ctx *c, const json_t *report, json_t *findings,
			 size_t from, size_t count)
{
	const char **fps = pg_xcalloc(count + 1, sizeof(*fps));
	json_t *event, *doc, *run = json_object_get(report, "run");
	char key[33];

	for (size_t i = 0; i < count; i++) {
		const char *fp = json_string_value(
			json_object_get(json_array_get(findings, from + i), "fingerprint"));
		fps[i] = fp ? fp : "";
	}
	pg_notify_key(c->name, run_id_of(report), fps, count, key);
	free(fps);
	if (c->mod->desc.notify_mode == PG_NOTIFY_PER_FINDING)
		event = json_pack("{s:s, s:s, s:O*, s:O}", "type", "portgate.finding",
				  "idempotencyKey", key, "run", run, "finding",
				  json_array_get(findings, from));
	else
		event = json_pack("{s:s, s:s, s:O*, s:O}", "type", "portgate.report",
				  "idempotencyKey", key, "run", run, "findings", findings);
	doc = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:o}", "id", key, "instance", c->name,
			"plugin", c->mod->desc.name, "createdAt", (json_int_t)pg_wall_ms(),
			"attempts", 0, "status", "pending", "event", event);
	return doc;
}

static void notify_one(struct pg_plugin_host *h, struct pg_plugin_ctx *c, json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id"));

	/* Durable before the first attempt: a crash from here on loses nothing. */
	if (h->state_dir && pg_outbox_write(h->state_dir, doc) != 0)
		pg_error("outbox: cannot store %s under %s; delivering without a safety net", id,
			 h->state_dir);
	deliver_entry(h, c, doc);
}

int pg_notify_report(struct pg_plugin_host *h, const json_t *report)
{
	json_t *all;

	if (!h || h->nnotifiers == 0)
		return 0;
	if (!h->pending_flushed) {
		h->pending_flushed = true;
		pg_notify_flush_outbox(h, false);
	}
	/* each finding with its asset context and message; each instance its route */
	all = pg_route_candidates_new(report, h->evidence_url);
	for (size_t i = 0; i < h->nnotifiers; i++) {
		struct pg_plugin_ctx *c = h->notifiers[i];
		bool per_finding = c->mod->desc.notify_mode == PG_NOTIFY_PER_FINDING;
		json_t *findings = pg_route_select_new(c->route, h->notify_on, all);
		size_t n = json_array_size(findings);

		for (size_t k = 0; n && k < (per_finding ? n : 1); k++) {
			json_t *doc = entry_new(c, report, findings, k, per_finding ? 1 : n);
			notify_one(h, c, doc);
			json_decref(doc);
		}
		json_decref(findings);
	}
	json_decref(all);
	return (int)pg_outbox_count(h->state_dir);
}
