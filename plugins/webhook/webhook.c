/* webhook.c - notifier: POST each event as JSON to a URL.
 *
 * Signed like GitHub (X-Hub-Signature-256: sha256=HMAC(secret, body)) when
 * secretEnv names a set variable; the idempotency key goes in both
 * Idempotency-Key and X-Portgate-Delivery so the receiver can drop a
 * redelivery. The URL may carry a token: only its redacted form is logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portgate/plugin.h>

struct webhook {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *url;    /* borrowed from the host (option) */
	const char *secret; /* borrowed, may be NULL */
};

static const struct pg_plugin_option webhook_options[] = {
	{ "url", PG_OPT_STRING, NULL, 1, "receiver URL (http or https); may carry a token, never logged" },
	{ "secretEnv", PG_OPT_SECRET_ENV, NULL, 0,
	  "environment variable holding the HMAC-SHA256 signing secret" },
	{ NULL, 0, NULL, 0, NULL },
};

static int webhook_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct webhook *w;
	const char *url = host->opt_string(ctx, "url");

	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
		host->error(ctx, "url must start with http:// or https://");
		return PG_PLUGIN_FAIL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return PG_PLUGIN_FAIL;
	w->ctx = ctx;
	w->host = host;
	w->url = url;
	w->secret = host->secret(ctx, "secretEnv");
	if (!w->secret)
		host->log(ctx, PG_PLOG_DEBUG, "no secretEnv: deliveries are not signed");
	*state = w;
	return PG_PLUGIN_OK;
}

static void webhook_destroy(void *state)
{
	free(state);
}

/* 2xx delivered; 408, 429 and 5xx (and no answer) are worth retrying; other 4xx are not. */
static int classify(const struct webhook *w, const struct pg_http_response *r, int rc,
		    long *retry_after_ms)
{
	if (rc != 0) {
		w->host->error(w->ctx, "no response: %s", r->error);
		return PG_PLUGIN_RETRY;
	}
	if (r->status >= 200 && r->status < 300)
		return PG_PLUGIN_OK;
	w->host->error(w->ctx, "receiver answered HTTP %ld", r->status);
	if (r->status == 408 || r->status == 429 || r->status >= 500) {
		*retry_after_ms = r->retry_after_ms;
		return PG_PLUGIN_RETRY;
	}
	return PG_PLUGIN_FAIL;
}

static int webhook_notify(void *state, const json_t *event, const char *key, long *retry_after_ms)
{
	struct webhook *w = state;
	char *body = json_dumps(event, JSON_COMPACT | JSON_SORT_KEYS);
	char sig[65], h_sig[96], h_key[128], h_dlv[128], h_evt[96];
	const char *headers[7];
	size_t nh = 0;
	struct pg_http_request req = { .struct_size = sizeof(req) };
	struct pg_http_response resp;
	const char *type = json_string_value(json_object_get(event, "type"));
	int rc;

	if (!body) {
		w->host->error(w->ctx, "cannot serialise the event");
		return PG_PLUGIN_FAIL;
	}
	headers[nh++] = "Content-Type: application/json";
	snprintf(h_key, sizeof(h_key), "Idempotency-Key: %s", key);
	snprintf(h_dlv, sizeof(h_dlv), "X-Portgate-Delivery: %s", key);
	snprintf(h_evt, sizeof(h_evt), "X-Portgate-Event: %s", type ? type : "unknown");
	headers[nh++] = h_key;
	headers[nh++] = h_dlv;
	headers[nh++] = h_evt;
	if (w->secret) {
		w->host->hmac_sha256_hex(w->secret, strlen(w->secret), body, strlen(body), sig);
		snprintf(h_sig, sizeof(h_sig), "X-Hub-Signature-256: sha256=%s", sig);
		headers[nh++] = h_sig;
	}
	headers[nh] = NULL;
	req.method = "POST";
	req.url = w->url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = 0; /* the host's per-call deadline (instance timeoutMs) bounds it */
	rc = w->host->http(w->ctx, &req, &resp);
	rc = classify(w, &resp, rc, retry_after_ms);
	w->host->http_response_clear(&resp);
	free(body);
	return rc;
}

static struct pg_plugin webhook_plugin = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "webhook",
	.version = "1.0.0",
	.description = "POST actionable findings as signed JSON to an HTTP endpoint",
	.options = webhook_options,
	.thread_model = PG_THREAD_PARALLEL,
	.timeout_ms = 10000, /* one delivery attempt; `timeoutMs` in the instance overrides it */
	.create = webhook_create,
	.destroy = webhook_destroy,
	.notify = webhook_notify,
	.notify_mode = PG_NOTIFY_PER_REPORT,
};

PORTGATE_PLUGIN(webhook_plugin)
