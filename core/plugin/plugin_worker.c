/* plugin_worker.c - the worker process side of an isolated instance: serve
 * enrich/notify requests from portgate until it closes the socket, then run
 * destroy() on this copy of the state. Never returns. */
#include "config.h"
#include "plugin_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A hung call ends the worker by itself this long after its deadline, even
 * when portgate is gone (SIGKILL) and cannot kill it. */
#define WATCHDOG_GRACE_S 2

/* Other instances' secrets have no business in this process: their copies are
 * wiped, and the variables they came from leave this process's environment
 * (each instance's own secret was copied at start; serve's API keys too), or
 * getenv() would hand every worker every token. */
static void scrub_secrets(struct pg_plugin_host *h, const struct pg_plugin_ctx *self)
{
	struct pg_plugin_ctx **lists[2] = { h->enrichers, h->notifiers };
	size_t counts[2] = { h->nenrichers, h->nnotifiers };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && i < counts[l]; i++) {
			struct pg_plugin_ctx *c = lists[l][i];
			for (size_t k = 0; c && k < c->nopts; k++) {
				struct pg_optval *v = &c->opts[k];
				if (v->opt->type == PG_OPT_SECRET_ENV && v->text)
					unsetenv(v->text);
				if (c != self && v->secret)
					memset(v->secret, 0, strlen(v->secret));
			}
		}
	unsetenv("PORTGATE_API_KEYS");
}

static void arm_watchdog(uint64_t deadline_ms)
{
	uint64_t now = pg_clock_now_ms(), left = deadline_ms > now ? deadline_ms - now : 0;

	alarm((unsigned)(left / 1000) + WATCHDOG_GRACE_S);
}

static json_t *serve(struct pg_plugin_ctx *c, const json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	json_int_t deadline = json_integer_value(json_object_get(req, "deadlineMs"));
	const struct pg_plugin *d = &c->mod->desc;
	json_t *out = NULL, *added = NULL, *resp, *errv;
	long retry_after = -1;
	struct pg_call call;
	int rc = PG_PLUGIN_FAIL;

	pg_call_begin(&call, 0);
	call.deadline_ms = deadline > 0 ? (uint64_t)deadline : 0;
	if (json_is_true(json_object_get(req, "trace")))
		call.sent = json_array();
	arm_watchdog(call.deadline_ms);
	if (op && !strcmp(op, "enrich") && d->enrich) {
		out = json_object();
		added = json_array();
		rc = d->enrich(c->state, json_object_get(req, "finding"), out, added);
	} else if (op && !strcmp(op, "notify") && d->notify) {
		rc = d->notify(c->state, json_object_get(req, "event"),
			       json_string_value(json_object_get(req, "key")), &retry_after);
	} else {
		pg_strlcpy(call.err, "unknown request", sizeof(call.err));
	}
	alarm(0);
	pg_call_end();
	resp = json_pack("{s:i, s:I}", "rc", rc, "retryAfterMs", (json_int_t)retry_after);
	errv = json_string(call.err);
	json_object_set_new(resp, "err", errv ? errv : json_string("(error text not UTF-8)"));
	if (out)
		json_object_set_new(resp, "out", out);
	if (added)
		json_object_set_new(resp, "added", added);
	if (call.sent)
		json_object_set_new(resp, "sent", call.sent);
	return resp;
}

_Noreturn void pg_worker_main(struct pg_plugin_ctx *c, int fd)
{
	json_t *req, *resp;
	int w;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, SIG_DFL);
	scrub_secrets(c->host, c);
	for (;;) {
		if (pg_wire_recv(fd, 0, &req) != 0)
			break; /* portgate closed the socket: the run is over */
		resp = serve(c, req);
		json_decref(req);
		w = pg_wire_send(fd, resp, 0);
		json_decref(resp);
		if (w != 0)
			break;
	}
	if (c->created && c->mod->desc.destroy)
		c->mod->desc.destroy(c->state);
	_exit(0);
}
