/* plugin_api.c - the function table lent to plugins (struct pg_host_api).
 * Each entry is thread-safe: enrichers call them from worker threads. */
#include "config.h"
#include "plugin_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util/log.h"

static void log_tagged(enum pg_log_level l, const char *tag, const char *fmt, ...) PG_PRINTF(3, 4);
static void log_tagged(enum pg_log_level l, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pg_vlog(l, tag, fmt, ap);
	va_end(ap);
}

static void api_log(struct pg_plugin_ctx *ctx, enum pg_log_lvl lvl, const char *fmt, ...)
{
	va_list ap;
	enum pg_log_level l = lvl <= PG_PLOG_DEBUG ? (enum pg_log_level)lvl : PG_LOG_DEBUG;
	char full[4096], shown[4096];

	va_start(ap, fmt);
	vsnprintf(full, sizeof(full), fmt, ap);
	va_end(ap);
	pg_call_redact(ctx, full, shown, sizeof(shown));
	log_tagged(l, ctx ? ctx->name : "plugin", "%s", shown);
}

static void api_error(struct pg_plugin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pg_call_error(ctx, fmt, ap);
	va_end(ap);
}

static const char *api_opt_string(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = pg_plugin_find_opt(ctx, name);
	return v && v->opt->type != PG_OPT_SECRET_ENV ? v->text : NULL;
}

static int64_t api_opt_int(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = pg_plugin_find_opt(ctx, name);
	return v && (v->opt->type == PG_OPT_INT || v->opt->type == PG_OPT_DURATION) ? v->num : 0;
}

static int api_opt_bool(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = pg_plugin_find_opt(ctx, name);
	return v && v->opt->type == PG_OPT_BOOL ? (int)v->num : 0;
}

static const char *api_secret(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = pg_plugin_find_opt(ctx, name);
	return v && v->opt->type == PG_OPT_SECRET_ENV ? v->secret : NULL;
}

static const char *api_instance_name(struct pg_plugin_ctx *ctx)
{
	return ctx->name;
}

/* Bytes of struct pg_http_response the plugin's build has: a 1.0-1.2 plugin's
 * struct ends before size, and writing it would overrun the plugin's stack. */
static size_t response_bytes(const struct pg_plugin_ctx *ctx)
{
	if (ctx->mod->desc.abi_minor >= 3)
		return sizeof(struct pg_http_response);
	return offsetof(struct pg_http_response, size);
}

static int api_http(struct pg_plugin_ctx *ctx, const struct pg_http_request *req,
		    struct pg_http_response *out)
{
	struct pg_http_response full, *resp = &full;
	struct pg_call *call = pg_call_current();
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : 10000;
	uint64_t now = pg_clock_now_ms();
	struct pg_http_env env;
	char *shown;
	int rc;

	/* Never outlive the call's deadline: the host stops waiting then anyway. */
	if (call && call->deadline_ms) {
		long left = call->deadline_ms > now ? (long)(call->deadline_ms - now) : 1;
		if (left < timeout)
			timeout = left;
	}
	env = (struct pg_http_env){ .ca_file = ctx->host->ca_file,
				    .dns_server = ctx->host->dns_server,
				    .dns_timeout_ms = ctx->host->dns_timeout_ms };
	rc = pg_http_perform(req, &env, timeout, resp);
	full.size = sizeof(full);
	memcpy(out, &full, response_bytes(ctx));
	shown = req->log_url ? pg_xstrdup(req->log_url) : pg_redact_url(req->url ? req->url : "");
	pg_log(PG_LOG_DEBUG, "[%s] %s %s -> %ld%s%s", ctx->name,
	       req->method ? req->method : (req->body ? "POST" : "GET"), shown, resp->status,
	       rc ? ": " : "", rc ? resp->error : "");
	if (call && call->sent) /* plugin-test shows what was sent (the URL as logs show it) */
		json_array_append_new(
			call->sent,
			json_pack("{s:s, s:s, s:s%, s:I}", "method",
				  req->method ? req->method : (req->body ? "POST" : "GET"), "url",
				  shown, "body", req->body ? (const char *)req->body : "",
				  req->body ? req->body_len : 0, "status",
				  (json_int_t)resp->status));
	free(shown);
	return rc;
}

static long api_time_left_ms(struct pg_plugin_ctx *ctx)
{
	struct pg_call *call = pg_call_current();
	uint64_t now = pg_clock_now_ms();

	if (!call || !call->deadline_ms)
		return ctx ? (long)ctx->timeout_ms : 0;
	return call->deadline_ms > now ? (long)(call->deadline_ms - now) : 0;
}

static const char *api_ca_file(struct pg_plugin_ctx *ctx)
{
	return ctx ? ctx->host->ca_file : NULL;
}

static const char *api_dns_server(struct pg_plugin_ctx *ctx)
{
	return ctx ? ctx->host->dns_server : NULL;
}

static void api_hmac(const void *key, size_t key_len, const void *data, size_t len, char out[65])
{
	pg_hmac_sha256_hex(key, key_len, data, len, out);
}

const struct pg_host_api pg_host_api_v1 = {
	.struct_size = sizeof(struct pg_host_api),
	.abi_major = PG_PLUGIN_ABI_MAJOR,
	.abi_minor = PG_PLUGIN_ABI_MINOR,
	.log = api_log,
	.error = api_error,
	.opt_string = api_opt_string,
	.opt_int = api_opt_int,
	.opt_bool = api_opt_bool,
	.secret = api_secret,
	.instance_name = api_instance_name,
	.http = api_http,
	.http_response_clear = pg_http_response_clear,
	.dns = pg_host_dns,
	.cache_get = pg_host_cache_get,
	.cache_put = pg_host_cache_put,
	.hmac_sha256_hex = api_hmac,
	.time_left_ms = api_time_left_ms,
	.ca_file = api_ca_file,
	.dns_server = api_dns_server,
};
