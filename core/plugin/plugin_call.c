/* plugin_call.c - the state of the plugin call a thread is in (so
 * host->error() and the helpers' deadlines know it), the busy count and the
 * serialize bracket around calls, host->error()'s work. Shared by the host's
 * files. */
#include "config.h"
#include "plugin_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"
#include "util/redact.h"

static _Thread_local struct pg_call *current_call;

void pg_call_begin(struct pg_call *c, unsigned timeout_ms)
{
	c->err[0] = '\0';
	c->sent = NULL;
	c->skip_cache = false;
	c->deadline_ms = timeout_ms ? pg_clock_now_ms() + timeout_ms : 0;
	current_call = c;
}

void pg_call_end(void)
{
	current_call = NULL;
}

struct pg_call *pg_call_current(void)
{
	return current_call;
}

void pg_plugin_busy_add(struct pg_plugin_ctx *c, int delta)
{
	pthread_mutex_lock(&c->host->lock);
	c->busy += delta;
	pthread_mutex_unlock(&c->host->lock);
}

void pg_plugin_call_enter(struct pg_plugin_ctx *c)
{
	if (c->mod->desc.thread_model != PG_THREAD_PARALLEL)
		pthread_mutex_lock(&c->mod->serialize);
}

void pg_plugin_call_leave(struct pg_plugin_ctx *c)
{
	if (c->mod->desc.thread_model != PG_THREAD_PARALLEL)
		pthread_mutex_unlock(&c->mod->serialize);
}

/* Text a plugin reports often quotes a receiver, and a receiver may echo the
 * credentials it got: the instance's secrets (and their base64 and Basic
 * forms) are taken out before the text goes anywhere. Cut after redacting, so
 * a cut cannot leave the start of a secret. */
void pg_call_redact(const struct pg_plugin_ctx *ctx, const char *text, char *out, size_t len)
{
	const char *secrets[16];
	size_t n = 0;
	char *r;

	for (size_t k = 0; ctx && k < ctx->nopts && n < PG_ARRAY_LEN(secrets); k++)
		if (ctx->opts[k].secret)
			secrets[n++] = ctx->opts[k].secret;
	r = pg_redact_new(text, secrets, n);
	pg_strlcpy(out, r, len);
	free(r);
}

void pg_call_error(const struct pg_plugin_ctx *ctx, const char *fmt, va_list ap)
{
	struct pg_call *c = current_call;
	char full[4096], buf[512];

	vsnprintf(full, sizeof(full), fmt, ap);
	pg_call_redact(ctx, full, buf, sizeof(buf));
	/* it goes into JSON (evidence, outbox, the worker's answer): a server's
	 * bytes, or a cut inside a character, must not make it unstorable */
	pg_utf8_fix(buf);
	if (c)
		pg_strlcpy(c->err, buf, sizeof(c->err));
	pg_log(PG_LOG_DEBUG, "[%s] error: %s", ctx ? ctx->name : "plugin", buf);
}
