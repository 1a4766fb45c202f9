/* webhook.c - notifier: POST each event to a URL, as portgate JSON, as a
 * Slack incoming-webhook message or as a Teams Workflows adaptive card.
 *
 * Signed like GitHub (X-Hub-Signature-256: sha256=HMAC(secret, body)) when
 * secretEnv names a set variable; the idempotency key goes in both
 * Idempotency-Key and X-Portgate-Delivery so the receiver can drop a
 * redelivery. The URL may carry a token: only its redacted form is logged.
 * Retries (by the host) on no answer, 429 and 5xx; never on another 4xx. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <portgate/plugin.h>

#include "common/http_status.h"
#include "webhook_format.h"

#define MAX_HEADERS   16
#define EVENT_VERSION "1"

struct webhook {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *url;    /* borrowed from the host (option) */
	const char *secret; /* borrowed, may be NULL */
	enum webhook_format format;
	char *headers[MAX_HEADERS + 1]; /* owned "Name: value" lines: headers, authHeaderEnv */
	size_t nheaders;
};

static const char *const formats[] = { "json", "slack", "teams", NULL };

/* The host checks every value against this table (ABI 1.3) before create. */
static const struct pg_option_spec webhook_options[] = {
	PG_OPTION("url", PG_OPT_URL, NULL, 1,
		  "receiver URL (http or https); may carry a token, never logged"),
	PG_OPTION_ENUM("format", "json", 0,
		       "json (the portgate event), slack (incoming webhook, Block Kit) or teams "
		       "(Workflows, adaptive card)",
		       formats),
	PG_OPTION("secretEnv", PG_OPT_SECRET_ENV, NULL, 0,
		  "environment variable holding the HMAC-SHA256 signing secret"),
	PG_OPTION("headers", PG_OPT_STRING, NULL, 0,
		  "extra request headers, \"Name: value\" separated by ';' (no secrets: use "
		  "authHeaderEnv)"),
	PG_OPTION("authHeaderEnv", PG_OPT_SECRET_ENV, NULL, 0,
		  "environment variable holding the Authorization header value "
		  "(e.g. \"Bearer ...\")"),
	PG_OPTION_END,
};

/* Headers the plugin sets itself: a custom one of these names would clash. */
static bool reserved_header(const char *name, size_t len)
{
	static const char *const own[] = {
		"content-type",        "content-length",   "idempotency-key",
		"x-portgate-delivery", "x-portgate-event", "x-portgate-event-version",
		"x-hub-signature-256", "authorization",    "host"
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strlen(own[i]) == len && !strncasecmp(own[i], name, len))
			return true;
	return false;
}

static bool token_char(int c)
{
	return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c);
}

/* One "Name: value" item: a token name, a value without control characters. */
static int add_header(struct webhook *w, const char *item, size_t len)
{
	size_t n = 0, v;
	char *line;

	while (len && isspace((unsigned char)*item)) {
		item++;
		len--;
	}
	while (len && isspace((unsigned char)item[len - 1]))
		len--;
	if (!len)
		return 0;
	while (n < len && token_char((unsigned char)item[n]))
		n++;
	if (n == 0 || n == len || item[n] != ':' || reserved_header(item, n)) {
		w->host->error(w->ctx,
			       "headers: '%.*s' is not \"Name: value\" with a name of "
			       "its own",
			       (int)len, item);
		return -1;
	}
	for (v = n + 1; v < len; v++)
		if ((unsigned char)item[v] < 0x20 || item[v] == 0x7f) {
			w->host->error(w->ctx, "headers: control character in %.*s", (int)n, item);
			return -1;
		}
	if (w->nheaders == MAX_HEADERS) {
		w->host->error(w->ctx, "headers: more than %d", MAX_HEADERS);
		return -1;
	}
	line = malloc(len + 1);
	if (!line)
		return -1;
	memcpy(line, item, len);
	line[len] = '\0';
	w->headers[w->nheaders++] = line;
	return 0;
}

static int parse_headers(struct webhook *w, const char *spec)
{
	const char *p = spec;

	while (p && *p) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (add_header(w, p, len) != 0)
			return -1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int auth_header(struct webhook *w)
{
	const char *v = w->host->secret(w->ctx, "authHeaderEnv");
	size_t len;
	char *line;

	if (!v) /* unset (or not configured): the host cannot tell us which */
		return 0;
	if (!*v || strpbrk(v, "\r\n")) {
		w->host->error(w->ctx, "authHeaderEnv: the variable is empty or holds a newline");
		return -1;
	}
	len = strlen("Authorization: ") + strlen(v) + 1;
	line = malloc(len);
	if (!line)
		return -1;
	snprintf(line, len, "Authorization: %s", v);
	w->headers[w->nheaders++] = line;
	return 0;
}

static void webhook_destroy(void *state)
{
	struct webhook *w = state;

	if (!w)
		return;
	for (size_t i = 0; i < w->nheaders; i++) {
		memset(w->headers[i], 0, strlen(w->headers[i])); /* may hold the auth value */
		free(w->headers[i]);
	}
	free(w);
}

static int webhook_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct webhook *w;
	const char *url = host->opt_string(ctx, "url");
	int fmt = webhook_format_parse(host->opt_string(ctx, "format"));

	w = calloc(1, sizeof(*w));
	if (!w)
		return PG_PLUGIN_FAIL;
	w->ctx = ctx;
	w->host = host;
	w->url = url;
	w->format = (enum webhook_format)fmt;
	w->secret = host->secret(ctx, "secretEnv");
	if (parse_headers(w, host->opt_string(ctx, "headers")) != 0 || auth_header(w) != 0) {
		webhook_destroy(w);
		return PG_PLUGIN_FAIL;
	}
	if (!w->secret)
		host->log(ctx, PG_PLOG_DEBUG, "no secretEnv: deliveries are not signed");
	*state = w;
	return PG_PLUGIN_OK;
}

/* No answer is worth retrying; an answer by common/http_status.h's rule. */
static int classify(const struct webhook *w, const struct pg_http_response *r, int rc,
		    long *retry_after_ms)
{
	if (rc != 0) {
		w->host->error(w->ctx, "no response: %s", r->error);
		return PG_PLUGIN_RETRY;
	}
	rc = pg_http_status_outcome(r->status);
	if (rc == PG_PLUGIN_OK)
		return rc;
	w->host->error(w->ctx, "receiver answered HTTP %ld", r->status);
	if (rc == PG_PLUGIN_RETRY)
		*retry_after_ms = r->retry_after_ms;
	return rc;
}

static int webhook_notify(void *state, const json_t *event, const char *key, long *retry_after_ms)
{
	struct webhook *w = state;
	char *body = webhook_body_new(w->format, event);
	char sig[65], h_sig[96], h_key[128], h_dlv[128], h_evt[96];
	const char *headers[MAX_HEADERS + 10];
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
	headers[nh++] = "X-Portgate-Event-Version: " EVENT_VERSION;
	if (w->secret) {
		w->host->hmac_sha256_hex(w->secret, strlen(w->secret), body, strlen(body), sig);
		snprintf(h_sig, sizeof(h_sig), "X-Hub-Signature-256: sha256=%s", sig);
		headers[nh++] = h_sig;
	}
	for (size_t i = 0; i < w->nheaders; i++)
		headers[nh++] = w->headers[i];
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
	.version = "1.1.0",
	.description = "POST actionable findings as signed JSON, a Slack message or a Teams card",
	.option_table = webhook_options,
	.thread_model = PG_THREAD_PARALLEL,
	.timeout_ms = 10000, /* one delivery attempt; `timeoutMs` in the instance overrides it */
	.create = webhook_create,
	.destroy = webhook_destroy,
	.notify = webhook_notify,
	.notify_mode = PG_NOTIFY_PER_REPORT,
};

PORTGATE_PLUGIN(webhook_plugin)
