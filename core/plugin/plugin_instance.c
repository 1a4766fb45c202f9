/* plugin_instance.c - plugin instances: the options a plugin declares, typed
 * and checked against the config, and an instance's life (create, free). */
#include "config.h"
#include "plugin_int.h"
#include "plugin_isolate.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define HOST_KEYS "plugin, cacheTtlSeconds, timeoutMs"

/* ---- option values ---------------------------------------------------- */

static bool valid_env_name(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* ---- instances -------------------------------------------------------- */

/* Accept a scalar of the option's type (plugin_options.c checks it); record text. */
static bool set_option(struct pg_plugin_ctx *c, struct pg_optval *v, const struct pg_node *n,
		       const char *file, struct pg_diag *diag)
{
	const char *s = NULL;
	char why[256];
	bool b;

	v->line = n->line; /* given, even when refused: not "required" as well */
	if (n->kind != PG_NODE_SCALAR || !pg_node_str(n, &s)) {
		pg_diag_add(diag, file, n->line, "%s.%s: expected %s, got %s", c->name,
			    v->opt->name, pg_option_type_name(v->opt->type),
			    pg_node_kind_name(n->kind));
		return false;
	}
	if ((v->opt->type == PG_OPT_INT && n->quoted) ||
	    (v->opt->type == PG_OPT_BOOL && (n->quoted || !pg_node_bool(n, &b)))) {
		pg_diag_add(diag, file, n->line, "%s.%s: expected %s, got '%s'", c->name,
			    v->opt->name, pg_option_type_name(v->opt->type), s);
		return false;
	}
	if (v->opt->type == PG_OPT_SECRET_ENV && !valid_env_name(s)) {
		pg_diag_add(diag, file, n->line,
			    "%s.%s: expected the name of an environment variable "
			    "holding the secret (not the secret itself)",
			    c->name, v->opt->name);
		return false;
	}
	if (v->opt->type == PG_OPT_BOOL)
		v->num = b;
	else if (!pg_option_check_value(v->opt, s, &v->num, why, sizeof(why))) {
		pg_diag_add(diag, file, n->line, "%s.%s: %s", c->name, v->opt->name, why);
		return false;
	}
	v->text = pg_xstrdup(s);
	v->set = true;
	return true;
}

static bool host_key(struct pg_plugin_ctx *c, const char *key, const struct pg_node *n,
		     const char *file, struct pg_diag *diag)
{
	unsigned long v;

	if (!strcmp(key, "plugin"))
		return true;
	if (c->stage && c->stage->instance_key &&
	    c->stage->instance_key(c->name, key, n, &c->stage_data, file, diag))
		return true;
	if (!strcmp(key, "events") && c->mod->desc.kind == PG_PLUGIN_NOTIFIER) {
		const char *m = NULL;
		/* per instance, so one plugin can send a summary and per-finding items */
		if (pg_node_str(n, &m) && !strcmp(m, "per-report"))
			c->notify_mode = PG_NOTIFY_PER_REPORT;
		else if (m && !strcmp(m, "per-finding"))
			c->notify_mode = PG_NOTIFY_PER_FINDING;
		else
			pg_diag_add(diag, file, n->line,
				    "%s.events: expected per-report or "
				    "per-finding",
				    c->name);
		return true;
	}
	if (!strcmp(key, "cacheTtlSeconds") || !strcmp(key, "timeoutMs")) {
		bool timeout = key[0] == 't';
		/* a 0 ms timeout would abandon every call at once */
		if (!pg_node_uint(n, 86400UL * 365, &v) || (timeout && v == 0)) {
			pg_diag_add(diag, file, n->line, "%s.%s: expected a %s integer", c->name,
				    key, timeout ? "positive" : "non-negative");
			return true;
		}
		if (!timeout)
			c->cache_ttl_s = (unsigned)v;
		else
			c->timeout_ms = (unsigned)v;
		return true;
	}
	return false;
}

static void unknown_key(struct pg_plugin_ctx *c, const struct pg_node *k, const char *file,
			struct pg_diag *diag)
{
	const char *stage_keys = c->stage ? c->stage->keys_help : NULL;
	char known[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < c->nopts && used < sizeof(known); i++) {
		int w = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
				 c->opts[i].opt->name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	pg_diag_add(diag, file, k->line,
		    "%s: unknown option '%s' for plugin %s (known: %s%s" HOST_KEYS "%s%s)", c->name,
		    k->scalar, c->mod->desc.name, known[0] ? known : "none", known[0] ? ", " : "; ",
		    stage_keys ? ", " : "", stage_keys ? stage_keys : "");
}

/* Options the config left out: required ones are an error, others take their default. */
static void apply_defaults(struct pg_plugin_ctx *c, const char *file, int line,
			   struct pg_diag *diag)
{
	struct pg_optval *v;

	for (size_t i = 0; i < c->nopts; i++) {
		v = &c->opts[i];
		if (v->set || v->line) /* set, or given and refused (one error per problem) */
			continue;
		if (v->opt->required) {
			pg_diag_add(diag, file, line, "%s: option '%s' is required (%s)", c->name,
				    v->opt->name, v->opt->help ? v->opt->help : "no help");
			continue;
		}
		if (v->opt->def) { /* checked at load (plugin_options.c) */
			char why[256];
			v->text = pg_xstrdup(v->opt->def);
			pg_option_check_value(v->opt, v->text, &v->num, why, sizeof(why));
		}
	}
}

/* Secrets are read once, at start: the config holds only the variable's name.
 * For a required secret of the 1.3 typed table the host also says when the
 * named variable is unset or empty, at its line (validate, which creates
 * nothing, needs none); an optional one is NULL then (webhook signs "when
 * set"). */
static void read_secrets(struct pg_plugin_ctx *c, const char *file, struct pg_diag *diag)
{
	struct pg_optval *v;
	const char *val;

	for (size_t i = 0; i < c->nopts; i++) {
		v = &c->opts[i];
		if (v->opt->type != PG_OPT_SECRET_ENV || !v->text)
			continue;
		val = getenv(v->text);
		if (val && (*val || !c->mod->desc.option_table))
			v->secret = pg_xstrdup(val);
		else if (c->mod->desc.option_table && v->opt->required && !c->host->no_secrets)
			pg_diag_add(diag, file, v->line, "%s.%s: environment variable %s is %s",
				    c->name, v->opt->name, v->text, val ? "empty" : "not set");
	}
}

static bool apply_config(struct pg_plugin_ctx *c, const struct pg_node *conf, const char *file,
			 int line, struct pg_diag *diag)
{
	size_t before = diag->n;
	struct pg_optval *v;

	for (size_t i = 0; conf && i < conf->n; i++) {
		const char *key = conf->keys[i]->scalar;
		if (host_key(c, key, conf->items[i], file, diag))
			continue;
		v = pg_plugin_find_opt(c, key);
		if (!v)
			unknown_key(c, conf->keys[i], file, diag);
		else
			set_option(c, v, conf->items[i], file, diag);
	}
	apply_defaults(c, file, line, diag);
	read_secrets(c, file, diag);
	return diag->n == before;
}

/* In the probe child: create() on this copy, its rc and error text back. */
static json_t *probe_create(void *arg)
{
	struct pg_plugin_ctx *c = arg;
	struct pg_call call;
	json_t *answer;
	int rc;

	pg_call_begin(&call, c->timeout_ms);
	rc = c->mod->desc.create(c, &pg_host_api_v1, &c->state);
	pg_call_end();
	answer = json_pack("{s:i}", "rc", rc);
	json_object_set_new(answer, "err", json_string(call.err[0] ? call.err : ""));
	return answer;
}

/* create() first in a probe child, under the instance's timeout: false when
 * it crashed or hung there (c->start_err says how; the instance stays, and
 * its calls fail), or when it refused (an error in diag, as in-process). */
static bool create_probed(struct pg_plugin_ctx *c, const char *file, int line, struct pg_diag *diag)
{
	char err[256];
	json_t *answer;
	const char *why;
	int rc = pg_probe(probe_create, c, c->timeout_ms, &answer, err, sizeof(err));

	if (rc != 0) {
		c->start_err = pg_xasprintf("create() %s", err);
		pg_warn("[%s] plugin %s: %s; this instance is left out of the run", c->name,
			c->mod->desc.name, c->start_err);
		return false;
	}
	rc = (int)json_integer_value(json_object_get(answer, "rc"));
	why = json_string_value(json_object_get(answer, "err"));
	if (rc != PG_PLUGIN_OK)
		pg_diag_add(diag, file, line, "%s: plugin %s failed to start: %s", c->name,
			    c->mod->desc.name, why && *why ? why : "no reason given");
	json_decref(answer);
	return rc == PG_PLUGIN_OK;
}

static bool create_instance(struct pg_plugin_ctx *c, const char *file, int line,
			    struct pg_diag *diag)
{
	struct pg_call call;
	int rc;

	if (!c->mod->desc.create) { /* optional: the state stays NULL */
		c->created = true;
		return true;
	}
	if (c->host->no_create) /* validate --config, check --dry-run: options checked */
		return true;
	/* A crash or hang in create() must cost this instance, not the run: try it
	 * in a child first (inline mode, for gdb, runs it here only). */
	if (pg_isolate_enabled() && !create_probed(c, file, line, diag))
		return c->start_err != NULL;
	pg_call_begin(&call, 0);
	rc = c->mod->desc.create(c, &pg_host_api_v1, &c->state);
	pg_call_end();
	if (rc != PG_PLUGIN_OK) {
		pg_diag_add(diag, file, line, "%s: plugin %s failed to start: %s", c->name,
			    c->mod->desc.name, call.err[0] ? call.err : "no reason given");
		return false;
	}
	c->created = true;
	return true;
}

struct pg_plugin_ctx *pg_plugin_instance_new(struct pg_plugin_host *h, const char *inst,
					     struct pg_module *m, const struct pg_node *conf,
					     const char *file, struct pg_diag *diag)
{
	struct pg_plugin_ctx *c = pg_xcalloc(1, sizeof(*c));
	int line = conf ? conf->line : 0;

	c->name = pg_xstrdup(inst);
	c->mod = m;
	c->host = h;
	c->cache_ttl_s = m->desc.cache_ttl_s;
	c->notify_mode = m->desc.notify_mode;
	c->stage = h->stages[m->desc.kind];
	/* else the kind's default: enrich.timeoutMs; a notification may take longer */
	c->timeout_ms = m->desc.timeout_ms ? m->desc.timeout_ms
					   : h->defaults[m->desc.kind].timeout_ms;
	c->nopts = m->nopts;
	c->opts = pg_xcalloc(c->nopts, sizeof(*c->opts));
	for (size_t i = 0; i < c->nopts; i++)
		c->opts[i].opt = &m->opts[i];
	if (!apply_config(c, conf, file, line, diag) || !create_instance(c, file, line, diag)) {
		pg_plugin_instance_free(c);
		return NULL;
	}
	return c;
}

/* Calls that never returned keep their instance and module alive: freeing
 * them under a running thread would crash. They stay reachable from here. */
static struct pg_plugin_ctx **abandoned;
static size_t nabandoned, capabandoned;

void pg_plugin_instance_free(struct pg_plugin_ctx *c)
{
	int busy;

	if (!c)
		return;
	pthread_mutex_lock(&c->host->lock);
	busy = c->busy;
	pthread_mutex_unlock(&c->host->lock);
	if (busy > 0) {
		c->mod->pinned = true;
		pg_grow(&abandoned, &capabandoned, nabandoned + 1, sizeof(*abandoned));
		abandoned[nabandoned++] = c;
		pg_warn("[%s] a call is still running; instance left alive", c->name);
		return;
	}
	pg_isolate_stop(c); /* each worker destroys its own copy of the state */
	if (c->created && c->mod->desc.destroy)
		c->mod->desc.destroy(c->state);
	for (size_t i = 0; i < c->nopts; i++) {
		free(c->opts[i].text);
		if (c->opts[i].secret) /* wipe: secrets do not linger in freed memory */
			memset(c->opts[i].secret, 0, strlen(c->opts[i].secret));
		free(c->opts[i].secret);
	}
	free(c->opts);
	free(c->start_err);
	pg_plugin_stats_free(c);
	if (c->stage_data && c->stage && c->stage->data_free)
		c->stage->data_free(c->stage_data);
	free(c->name);
	free(c);
}
