/* plugin_dns.c - host->dns: one query through the resolver's public lookup
 * (core/resolve), bounded by the call's deadline, answers as a JSON array;
 * plugin-test sees each query in its "sent" list. */
#include "config.h"
#include "plugin_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "resolve/resolve.h"

/* One try that fits in what is left of the call's deadline: c-ares doubles
 * the timeout on every retry, so several tries could overrun it. When the
 * deadline is the nearer end, c-ares's own timer is set a little past it, so
 * the deadline (not a race between the two) ends the lookup and the error
 * says so ("no answer before the call's deadline"). */
#define DEADLINE_FIRST_MS 100

static int dns_timeout_ms(const struct pg_plugin_ctx *ctx, uint64_t deadline_ms)
{
	uint64_t now = pg_clock_now_ms();
	int timeout = ctx->host->dns_timeout_ms;

	if (deadline_ms) {
		uint64_t left = deadline_ms > now ? deadline_ms - now : 1;
		if (left < (uint64_t)timeout)
			timeout = (int)left + DEADLINE_FIRST_MS;
	}
	return timeout;
}

/* host->error() for this call (plugin_call.c; plugin_api.c lends it to plugins). */
static void dns_error(const struct pg_plugin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pg_call_error(ctx, fmt, ap);
	va_end(ap);
}

static long call_left_ms(const struct pg_call *call)
{
	uint64_t now = pg_clock_now_ms();

	return call->deadline_ms > now ? (long)(call->deadline_ms - now) : 0;
}

/* plugin-test lists every host call: a query as {method "DNS", name, type,
 * answers} or {..., error}, beside the HTTP requests. */
static void trace_dns(const struct pg_call *call, const char *name, const char *rrtype,
		      const json_t *answers, const char *err)
{
	if (!call || !call->sent)
		return;
	json_array_append_new(call->sent,
			      json_pack("{s:s, s:s?, s:s?, s:O*, s:s*}", "method", "DNS", "name",
					name, "type", rrtype, "answers", answers, "error", err));
}

int pg_host_dns(struct pg_plugin_ctx *ctx, const char *name, const char *rrtype, json_t **answers)
{
	struct pg_call *call = pg_call_current();
	/* stop before the call's own deadline (the common rule, common/clock.h) so
	 * the plugin can still return its error instead of being abandoned */
	uint64_t deadline = call && call->deadline_ms ? pg_clock_deadline_ms(call_left_ms(call))
						      : 0;
	struct pg_lookup q = { .server = ctx->host->dns_server,
			       .name = name,
			       .rrtype = rrtype,
			       .deadline_ms = deadline };
	struct pg_rr_list l;
	char err[256];

	*answers = NULL;
	if (!name) {
		dns_error(ctx, "dns: no name given");
		return -1;
	}
	q.timeout_ms = dns_timeout_ms(ctx, deadline);
	if (pg_resolve_lookup(&q, &l, err, sizeof(err)) != 0) {
		dns_error(ctx, "dns %s %s: %s", rrtype ? rrtype : "(null)", name, err);
		trace_dns(call, name, rrtype, NULL, err);
		return -1;
	}
	*answers = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(*answers, json_string(l.v[i]));
	pg_rr_list_clear(&l);
	trace_dns(call, name, rrtype, *answers, NULL);
	return 0;
}
