/* notify_settings.c - the notify stage's sections of portgate.yaml
 * (`notify:` {on, retries, backoffMs, backoffMaxMs, evidenceUrl} and
 * `outbox:` {maxAgeHours, backlogBudgetMs, backoffMs, backoffMaxMs}), the
 * notifier instances' `route:` key, and the stage as the plugin host builds it. */
#include "config.h"
#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "notify_route.h"
#include "plugin/plugin_instance.h"

static const struct pg_notify_settings defaults = {
	.on = { [PG_ACTION_FAIL] = true },
	.retries = 3,
	.backoff_ms = 500,
	.backoff_max_ms = 30000,
	.outbox_max_age_h = 24 * 7,
	.outbox_budget_ms = 30000,
	.outbox_backoff_ms = 60000,
	.outbox_backoff_max_ms = 6 * 3600 * 1000,
};

/* notify.evidenceUrl: a template expanded once from the environment; a
 * variable unset here (a local run) leaves the messages without a link. */
static void read_evidence_url(struct pg_notify_settings *s, const struct pg_node *n,
			      const char *file, struct pg_diag *diag)
{
	const char *v;

	if (!n)
		return;
	if (n->kind != PG_NODE_SCALAR || !pg_node_str(n, &v) ||
	    (strncmp(v, "https://", 8) && strncmp(v, "http://", 7) && strncmp(v, "${", 2))) {
		pg_diag_add(diag, file, n->line,
			    "notify.evidenceUrl: expected an http(s) URL template such as "
			    "\"${CI_JOB_URL}/artifacts/browse\"");
		return;
	}
	free(s->evidence_url);
	s->evidence_url = pg_message_url_new(v);
	if (!s->evidence_url && strstr(v, "${") && !strstr(v, "}"))
		pg_diag_add(diag, file, n->line, "notify.evidenceUrl: unterminated ${");
}

static void read_notify(struct pg_notify_settings *s, const struct pg_node *sec, const char *file,
			struct pg_diag *diag)
{
	static const char *const keys[] = { "on",           "retries",     "backoffMs",
					    "backoffMaxMs", "evidenceUrl", NULL };
	const struct pg_node *n;

	pg_plugin_section_keys(sec, keys, "notify", file, diag);
	if ((n = pg_node_get(sec, "on")))
		pg_plugin_section_actions(n, s->on, NULL, "notify", file, diag);
	pg_plugin_section_uint(sec, "retries", 0, 20, &s->retries, "notify", file, diag);
	pg_plugin_section_uint(sec, "backoffMs", 0, 600000, &s->backoff_ms, "notify", file, diag);
	pg_plugin_section_uint(sec, "backoffMaxMs", 0, 3600000, &s->backoff_max_ms, "notify", file,
			       diag);
	read_evidence_url(s, pg_node_get(sec, "evidenceUrl"), file, diag);
}

static void read_outbox(struct pg_notify_settings *s, const struct pg_node *sec, const char *file,
			struct pg_diag *diag)
{
	static const char *const keys[] = { "maxAgeHours", "backlogBudgetMs", "backoffMs",
					    "backoffMaxMs", NULL };

	pg_plugin_section_keys(sec, keys, "outbox", file, diag);
	pg_plugin_section_uint(sec, "maxAgeHours", 0, 24 * 365, &s->outbox_max_age_h, "outbox",
			       file, diag);
	pg_plugin_section_uint(sec, "backlogBudgetMs", 0, 3600000, &s->outbox_budget_ms, "outbox",
			       file, diag);
	pg_plugin_section_uint(sec, "backoffMs", 0, 86400000, &s->outbox_backoff_ms, "outbox", file,
			       diag);
	pg_plugin_section_uint(sec, "backoffMaxMs", 0, 7 * 86400000u, &s->outbox_backoff_max_ms,
			       "outbox", file, diag);
}

static void *settings_new(const struct pg_config *cfg, const char *file,
			  struct pg_plugin_defaults *def, struct pg_diag *diag)
{
	struct pg_notify_settings *s = pg_xcalloc(1, sizeof(*s));

	(void)def; /* a notifier's defaults are the host's */
	*s = defaults;
	if (pg_plugin_section_is_map(cfg->notify, "notify", file, diag) && cfg->notify)
		read_notify(s, cfg->notify, file, diag);
	if (pg_plugin_section_is_map(cfg->outbox, "outbox", file, diag) && cfg->outbox)
		read_outbox(s, cfg->outbox, file, diag);
	return s;
}

static void settings_free(void *arg)
{
	struct pg_notify_settings *s = arg;

	free(s->evidence_url);
	free(s);
}

static bool instance_key(const char *inst, const char *key, const struct pg_node *n, void **data,
			 const char *file, struct pg_diag *diag)
{
	struct pg_route *r = *data;

	if (!strcmp(key, "route"))
		pg_route_parse(&r, n, "notifiers", inst, file, diag);
	else if (!strcmp(key, "on"))
		pg_route_parse_on(&r, n, "notifiers", inst, file, diag);
	else
		return false;
	*data = r;
	return true;
}

static void route_free(void *data)
{
	pg_route_free(data);
}

const struct pg_plugin_stage pg_notify_stage = {
	.kind = PG_PLUGIN_NOTIFIER,
	.settings_new = settings_new,
	.settings_free = settings_free,
	.instance_key = instance_key,
	.data_free = route_free,
	.keys_help = "route, on",
};

const struct pg_notify_settings *pg_notify_settings(const struct pg_plugin_host *h)
{
	const struct pg_notify_settings *s = pg_plugin_host_stage(h, PG_PLUGIN_NOTIFIER);

	return s ? s : &defaults;
}
