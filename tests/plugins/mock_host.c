/* mock_host.c - fake host function table for plugin unit tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mock_host.h"

#define MAX_KV 32
#define MAX_DNS 32

struct pg_plugin_ctx {
	struct mock_host *m;
};

struct mock_host {
	struct pg_plugin_ctx ctx;
	char *instance;
	char *keys[MAX_KV], *vals[MAX_KV];
	size_t nkv;
	long status, retry_after;
	char *reply_body;
	int http_calls, dns_calls;
	char *url, *method, *body;
	char *headers[32];
	size_t nheaders;
	struct { char *name, *type, *value; } dns[MAX_DNS];
	size_t ndns;
	char logs[8192];
	char error[512];
	char *env_secret[MAX_KV];
};

static char *dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct mock_host *mock_host_new(const char *instance, const char *const *kv)
{
	struct mock_host *m = calloc(1, sizeof(*m));

	m->ctx.m = m;
	m->instance = dupstr(instance);
	for (size_t i = 0; kv && kv[i] && m->nkv < MAX_KV; i++) {
		const char *eq = strchr(kv[i], '=');
		if (!eq)
			continue;
		m->keys[m->nkv] = strndup(kv[i], (size_t)(eq - kv[i]));
		m->vals[m->nkv++] = dupstr(eq + 1);
	}
	m->status = 200;
	m->retry_after = -1;
	return m;
}

static void clear_request(struct mock_host *m)
{
	free(m->url);
	free(m->method);
	free(m->body);
	for (size_t i = 0; i < m->nheaders; i++)
		free(m->headers[i]);
	m->url = m->method = m->body = NULL;
	m->nheaders = 0;
}

void mock_host_free(struct mock_host *m)
{
	if (!m)
		return;
	clear_request(m);
	for (size_t i = 0; i < m->nkv; i++) {
		free(m->keys[i]);
		free(m->vals[i]);
	}
	for (size_t i = 0; i < m->ndns; i++) {
		free(m->dns[i].name);
		free(m->dns[i].type);
		free(m->dns[i].value);
	}
	free(m->reply_body);
	free(m->instance);
	free(m);
}

struct pg_plugin_ctx *mock_host_ctx(struct mock_host *m)
{
	return &m->ctx;
}

static const char *kv_get(const struct mock_host *m, const char *name)
{
	for (size_t i = 0; i < m->nkv; i++)
		if (!strcmp(m->keys[i], name))
			return m->vals[i];
	return NULL;
}

static void append(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t used = strlen(buf);

	if (used + 1 >= size)
		return;
	vsnprintf(buf + used, size - used, fmt, ap);
	used = strlen(buf);
	if (used + 1 < size) {
		buf[used] = '\n';
		buf[used + 1] = '\0';
	}
}

static void m_log(struct pg_plugin_ctx *ctx, enum pg_log_lvl lvl, const char *fmt, ...)
{
	va_list ap;

	(void)lvl;
	va_start(ap, fmt);
	append(ctx->m->logs, sizeof(ctx->m->logs), fmt, ap);
	va_end(ap);
}

static void m_error(struct pg_plugin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->m->error, sizeof(ctx->m->error), fmt, ap);
	va_end(ap);
}

static const char *m_opt_string(struct pg_plugin_ctx *ctx, const char *name)
{
	return kv_get(ctx->m, name);
}

static int64_t m_opt_int(struct pg_plugin_ctx *ctx, const char *name)
{
	const char *v = kv_get(ctx->m, name);
	return v ? strtoll(v, NULL, 10) : 0;
}

static int m_opt_bool(struct pg_plugin_ctx *ctx, const char *name)
{
	const char *v = kv_get(ctx->m, name);
	return v && !strcmp(v, "true");
}

static const char *m_secret(struct pg_plugin_ctx *ctx, const char *name)
{
	const char *var = kv_get(ctx->m, name);
	return var ? getenv(var) : NULL;
}

static const char *m_instance(struct pg_plugin_ctx *ctx)
{
	return ctx->m->instance;
}

static int m_http(struct pg_plugin_ctx *ctx, const struct pg_http_request *req,
		  struct pg_http_response *resp)
{
	struct mock_host *m = ctx->m;

	clear_request(m);
	m->http_calls++;
	m->url = dupstr(req->url);
	m->method = dupstr(req->method ? req->method : (req->body ? "POST" : "GET"));
	m->body = req->body ? strndup(req->body, req->body_len) : NULL;
	for (size_t i = 0; req->headers && req->headers[i] && m->nheaders < 32; i++)
		m->headers[m->nheaders++] = dupstr(req->headers[i]);
	memset(resp, 0, sizeof(*resp));
	resp->status = m->status;
	resp->retry_after_ms = m->retry_after;
	resp->body = dupstr(m->reply_body ? m->reply_body : "");
	resp->body_len = strlen(resp->body);
	if (m->status == 0) {
		snprintf(resp->error, sizeof(resp->error), "mock: connection refused");
		return -1;
	}
	return 0;
}

static void m_http_clear(struct pg_http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

static int m_dns(struct pg_plugin_ctx *ctx, const char *name, const char *type, json_t **answers)
{
	struct mock_host *m = ctx->m;

	m->dns_calls++;
	*answers = json_array();
	for (size_t i = 0; i < m->ndns; i++)
		if (!strcmp(m->dns[i].name, name) && !strcmp(m->dns[i].type, type))
			json_array_append_new(*answers, json_string(m->dns[i].value));
	return 0;
}

static json_t *m_cache_get(struct pg_plugin_ctx *ctx, const char *key, unsigned max_age)
{
	(void)ctx; (void)key; (void)max_age;
	return NULL;
}

static int m_cache_put(struct pg_plugin_ctx *ctx, const char *key, const json_t *v)
{
	(void)ctx; (void)key; (void)v;
	return 0;
}

static void m_hmac(const void *key, size_t klen, const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)klen, data, len, md, &mdlen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const struct pg_host_api api = {
	.struct_size = sizeof(struct pg_host_api),
	.abi_major = PG_PLUGIN_ABI_MAJOR,
	.abi_minor = PG_PLUGIN_ABI_MINOR,
	.log = m_log,
	.error = m_error,
	.opt_string = m_opt_string,
	.opt_int = m_opt_int,
	.opt_bool = m_opt_bool,
	.secret = m_secret,
	.instance_name = m_instance,
	.http = m_http,
	.http_response_clear = m_http_clear,
	.dns = m_dns,
	.cache_get = m_cache_get,
	.cache_put = m_cache_put,
	.hmac_sha256_hex = m_hmac,
};

const struct pg_host_api *mock_host_api(void)
{
	return &api;
}

void mock_host_http_reply(struct mock_host *m, long status, const char *body, long retry_after_ms)
{
	free(m->reply_body);
	m->reply_body = dupstr(body);
	m->status = status;
	m->retry_after = retry_after_ms;
}

int mock_host_http_calls(const struct mock_host *m) { return m->http_calls; }
const char *mock_host_last_url(const struct mock_host *m) { return m->url; }
const char *mock_host_last_method(const struct mock_host *m) { return m->method; }
const char *mock_host_last_body(const struct mock_host *m) { return m->body; }
int mock_host_dns_calls(const struct mock_host *m) { return m->dns_calls; }
const char *mock_host_logs(const struct mock_host *m) { return m->logs; }
const char *mock_host_error(const struct mock_host *m) { return m->error; }

const char *mock_host_last_header(const struct mock_host *m, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < m->nheaders; i++)
		if (!strncasecmp(m->headers[i], name, len) && m->headers[i][len] == ':')
			return m->headers[i] + len + 1 + (m->headers[i][len + 1] == ' ');
	return NULL;
}

void mock_host_dns_answer(struct mock_host *m, const char *name, const char *type,
			  const char *value)
{
	if (m->ndns >= MAX_DNS)
		return;
	m->dns[m->ndns].name = dupstr(name);
	m->dns[m->ndns].type = dupstr(type);
	m->dns[m->ndns++].value = dupstr(value);
}
