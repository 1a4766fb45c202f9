/* notify.c - notifier dispatch: this run's events, stored in the outbox
 * first, then handed with the backlog to deliver.c. */
#include "config.h"
#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "notify_route.h"
#include "outbox.h"
#include "plugin/plugin_instance.h"
#include "util/log.h"

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

/* The entries of earlier runs, as items (appended to *items), oldest first;
 * skip: ids of this run's own items (already queued); f (NULL: a run's
 * backlog) chooses the instance and the dead or the living. */
static void add_backlog(struct pg_plugin_host *h, struct pg_deliver_item **items, size_t *n,
			size_t *cap, size_t nskip, const struct pg_flush_opts *f)
{
	size_t ne;
	struct pg_outbox_entry *e = pg_outbox_load(pg_plugin_host_state_dir(h), &ne);

	for (size_t i = 0; i < ne; i++) {
		const char *id = json_string_value(json_object_get(e[i].doc, "id"));
		const char *inst = json_string_value(json_object_get(e[i].doc, "instance"));
		struct pg_plugin_ctx *c = pg_plugin_named(h, PG_PLUGIN_NOTIFIER, inst);
		bool dup = false;

		for (size_t k = 0; id && k < nskip && !dup; k++)
			dup = !strcmp((*items)[k].id, id);
		if (!id || dup || pg_outbox_is_dead(e[i].doc) != (f && f->dead))
			continue;
		if (f && f->instance && (!inst || strcmp(inst, f->instance)))
			continue; /* another instance's: not this flush's business */
		if (!c) {
			pg_warn("outbox: %s waits for notifier '%s', which is not configured", id,
				inst ? inst : "?");
			continue;
		}
		pg_grow(items, cap, *n + 1, sizeof(**items));
		(*items)[(*n)++] = (struct pg_deliver_item){ .c = c,
							     .id = pg_xstrdup(id),
							     .stored = true };
	}
	pg_outbox_entries_free(e, ne);
}

/* Entries still waiting of those f chose (the dead ones for --dead). */
static int count_left(const char *sd, const struct pg_flush_opts *f)
{
	size_t n, left = 0;
	struct pg_outbox_entry *e = pg_outbox_load(sd, &n);

	for (size_t i = 0; i < n; i++) {
		const char *inst = json_string_value(json_object_get(e[i].doc, "instance"));
		left += pg_outbox_is_dead(e[i].doc) == f->dead &&
			(!f->instance || (inst && !strcmp(inst, f->instance)));
	}
	pg_outbox_entries_free(e, n);
	return (int)left;
}

int pg_notify_flush(struct pg_plugin_host *h, const struct pg_flush_opts *f,
		    struct pg_notify_tally *t)
{
	struct pg_deliver_opts o = { .operator= true,
				     .include_failed = f->include_failed,
				     .dead = f->dead };
	struct pg_deliver_item *items = NULL;
	size_t n = 0, cap = 0;

	add_backlog(h, &items, &n, &cap, 0, f);
	pg_deliver(h, items, n, &o, t);
	free(items);
	if (t->elsewhere)
		pg_warn("outbox: %d entr%s being delivered by another process", t->elsewhere,
			t->elsewhere == 1 ? "y was" : "ies were");
	return count_left(pg_plugin_host_state_dir(h), f);
}

int pg_notify_flush_outbox(struct pg_plugin_host *h, bool include_failed)
{
	struct pg_flush_opts f = { .include_failed = include_failed };
	struct pg_notify_tally t = { 0 };

	return pg_notify_flush(h, &f, &t);
}

/* ---- events ----------------------------------------------------------- */

static const char *run_id_of(const json_t *report)
{
	const char *id = json_string_value(json_object_get(json_object_get(report, "run"), "id"));
	return id ? id : "run";
}

/* A per-report event's findings, each a shallow copy carrying its own
 * idempotencyKey (ABI 1.3): the key a per-finding event of the same
 * (instance, fingerprint, run) has, so a receiver that files one ticket per
 * finding can dedupe items of a summary across retries and redeliveries.
 * Copies: the finding objects are shared by every instance's selection. */
static json_t *keyed_findings_new(const struct pg_plugin_ctx *c, const char *run_id,
				  const json_t *findings)
{
	json_t *out = json_array(), *f, *copy;
	char key[33];
	size_t i;

	json_array_foreach(findings, i, f)
	{
		const char *fp = json_string_value(json_object_get(f, "fingerprint"));
		const char *fps[1] = { fp ? fp : "" };
		pg_notify_key(pg_plugin_name(c), run_id, fps, 1, key);
		copy = json_copy(f);
		json_object_set_new(copy, "idempotencyKey", json_string(key));
		json_array_append_new(out, copy);
	}
	return out;
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
	pg_notify_key(pg_plugin_name(c), run_id_of(report), fps, count, key);
	free(fps);
	/* the shape is docs/schema/event-v1.schema.json; eventSchema names it */
	if (pg_plugin_notify_mode(c) == PG_NOTIFY_PER_FINDING)
		event = json_pack("{s:s, s:i, s:s, s:O*, s:O}", "type", "portgate.finding",
				  "eventSchema", PG_EVENT_SCHEMA, "idempotencyKey", key, "run", run,
				  "finding", json_array_get(findings, from));
	else
		event = json_pack("{s:s, s:i, s:s, s:O*, s:o}", "type", "portgate.report",
				  "eventSchema", PG_EVENT_SCHEMA, "idempotencyKey", key, "run", run,
				  "findings", keyed_findings_new(c, run_id_of(report), findings));
	doc = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:o}", "id", key, "instance",
			pg_plugin_name(c), "plugin", pg_plugin_module_name(c), "createdAt",
			(json_int_t)pg_wall_ms(), "attempts", 0, "status", "pending", "event",
			event);
	return doc;
}

/* This run's notifications, each stored in the outbox before any network
 * call of the run (a SIGKILL from here on loses nothing). */
static void add_own(struct pg_plugin_host *h, const json_t *report, const json_t *all,
		    struct pg_deliver_item **items, size_t *n, size_t *cap)
{
	const char *sd = pg_plugin_host_state_dir(h);
	const bool *on = pg_notify_settings(h)->on;

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_NOTIFIER); i++) {
		struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_NOTIFIER, i);
		bool per_finding = pg_plugin_notify_mode(c) == PG_NOTIFY_PER_FINDING;
		json_t *findings = pg_route_select_new(pg_plugin_stage_data(c), on, all);
		size_t nf = json_array_size(findings);

		for (size_t k = 0; nf && k < (per_finding ? nf : 1); k++) {
			json_t *doc = entry_new(c, report, findings, k, per_finding ? 1 : nf);
			const char *id = json_string_value(json_object_get(doc, "id"));
			int rc = sd ? pg_outbox_write(sd, doc) : 0;
			bool stored = sd && rc == 0;

			if (sd && !stored)
				pg_error("outbox: cannot store %s under %s: %s; delivering without "
					 "a "
					 "safety net",
					 id, sd, strerror(-rc));
			pg_grow(items, cap, *n + 1, sizeof(**items));
			(*items)[(*n)++] = (struct pg_deliver_item){ .c = c,
								     .id = pg_xstrdup(id),
								     .doc = doc,
								     .stored = stored,
								     .own = true };
		}
		json_decref(findings);
	}
}

static void summarise(const struct pg_notify_tally *t, int waiting)
{
	if (waiting <= 0)
		return;
	pg_warn("notify: %d delivered, %d wait in the outbox (%d tried and failed, %d timed out, "
		"%d not tried: not due, backlog budget spent or receiver down; %d in another "
		"process's hands) ('portgate outbox list')",
		t->delivered, waiting, t->kept, t->timed_out, t->deferred, t->elsewhere);
}

int pg_notify_report(struct pg_plugin_host *h, const json_t *report, int *lost)
{
	struct pg_deliver_opts o = { 0 };
	struct pg_notify_tally t = { 0 };
	struct pg_deliver_item *items = NULL;
	size_t n = 0, cap = 0, nown;
	struct pg_notify_settings *s;
	json_t *all;
	int waiting;

	if (lost)
		*lost = 0;
	if (!h || pg_plugin_count(h, PG_PLUGIN_NOTIFIER) == 0)
		return 0;
	s = pg_plugin_host_stage(h, PG_PLUGIN_NOTIFIER); /* NULL: built without the stage */
	/* each finding with its asset context and message; each instance its route */
	all = pg_route_candidates_new(report, pg_notify_settings(h)->evidence_url);
	add_own(h, report, all, &items, &n, &cap);
	json_decref(all);
	nown = n;
	/* Then what earlier runs left, behind this run's own in each lane. */
	if (!s || !s->pending_flushed) {
		if (s)
			s->pending_flushed = true;
		add_backlog(h, &items, &n, &cap, nown, NULL);
	}
	pg_deliver(h, items, n, &o, &t);
	free(items);
	waiting = (int)pg_outbox_count(pg_plugin_host_state_dir(h));
	summarise(&t, waiting);
	if (t.lost)
		pg_error("notify: %d notification%s lost: could not be stored and not delivered",
			 t.lost, t.lost == 1 ? "" : "s");
	if (lost)
		*lost = t.lost;
	return waiting;
}
