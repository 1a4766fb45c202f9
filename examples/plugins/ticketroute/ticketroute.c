/* ticketroute.c - example out-of-tree notifier: one ticket per finding in a
 * ticket system's project. Routing is the host's: give each team's project an
 * instance with its own `route:` (owner, environment, ...) in the settings.
 *
 *   POST {url}/tickets  {"project", "title", "severity", "asset", "owner",
 *                        "fingerprint", "text"}    Idempotency-Key: <key>
 *   2xx: filed; 429 or 5xx: retried (the outbox keeps it); else rejected.
 *
 * Build: make (its Makefile came from `portgate plugin new --kind notifier`).
 * 79 lines of code (blank and comment lines apart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portgate/plugin.h>

struct tr {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *url, *project, *token; /* borrowed options; token may be NULL */
};

static const struct pg_plugin_option options[] = {
	{ "url", PG_OPT_STRING, NULL, 1, "ticket API base URL; tickets go to {url}/tickets" },
	{ "project", PG_OPT_STRING, NULL, 1, "the project this instance files into" },
	{ "tokenEnv", PG_OPT_SECRET_ENV, NULL, 0, "variable holding a bearer token (optional)" },
	{ NULL, 0, NULL, 0, NULL },
};

static int tr_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct tr *t = calloc(1, sizeof(*t));

	if (!t)
		return PG_PLUGIN_FAIL;
	*t = (struct tr){ ctx, host, host->opt_string(ctx, "url"), host->opt_string(ctx, "project"),
			  host->secret(ctx, "tokenEnv") };
	*state = t;
	return PG_PLUGIN_OK;
}

/* The ticket for one finding event; the message is the host's (title, text). */
static char *ticket(const struct tr *t, const json_t *f)
{
	const json_t *msg = json_object_get(f, "message"),
		     *ctx = json_object_get(f, "assetContext");
	json_t *o = json_pack(
		"{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "project", t->project, "title",
		json_object_get(msg, "title"), "severity", json_object_get(f, "severity"), "asset",
		json_object_get(f, "asset"), "owner", json_object_get(ctx, "owner"), "fingerprint",
		json_object_get(f, "fingerprint"), "text", json_object_get(msg, "text"));
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return body;
}

/* 2xx filed; no answer, 429 or 5xx: retry (with the receiver's Retry-After). */
static int verdict(const struct tr *t, int failed, const struct pg_http_response *r, long *ra)
{
	if (!failed && r->status >= 200 && r->status < 300)
		return PG_PLUGIN_OK;
	t->host->error(t->ctx, "ticket API: %s (HTTP %ld)", failed ? r->error : "refused",
		       r->status);
	*ra = r->retry_after_ms;
	return failed || r->status == 429 || r->status >= 500 ? PG_PLUGIN_RETRY : PG_PLUGIN_FAIL;
}

static int tr_notify(void *state, const json_t *event, const char *key, long *retry_after_ms)
{
	struct tr *t = state;
	char url[1024], idem[128], auth[512];
	const char *headers[] = { "Content-Type: application/json", idem, t->token ? auth : NULL,
				  NULL };
	struct pg_http_request req = {
		.struct_size = sizeof(req), .method = "POST", .url = url, .headers = headers
	};
	struct pg_http_response resp;
	char *body = ticket(t, json_object_get(event, "finding"));
	int rc;

	if (!body)
		return PG_PLUGIN_FAIL;
	snprintf(url, sizeof(url), "%s/tickets", t->url);
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", t->token ? t->token : "");
	req.body = body;
	req.body_len = strlen(body);
	rc = verdict(t, t->host->http(t->ctx, &req, &resp) != 0, &resp, retry_after_ms);
	t->host->http_response_clear(&resp);
	free(body);
	return rc;
}

static struct pg_plugin plugin = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "ticketroute",
	.version = "1.0.0",
	.description = "one ticket per finding in the project of the instance's route",
	.options = options,
	.create = tr_create,
	.destroy = free, /* the state is one calloc */
	.notify = tr_notify,
	.notify_mode = PG_NOTIFY_PER_FINDING,
};

PORTGATE_PLUGIN(plugin)
