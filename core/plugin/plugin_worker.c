/* plugin_worker.c - the worker process side of an isolated instance: serve
 * enrich/notify requests from portgate until it closes the socket, then run
 * destroy() on this copy of the state. Never returns. */
#include "config.h"
#include "plugin_int.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A hung call ends the worker by itself this long after its deadline, even
 * when portgate is gone (SIGKILL) and cannot kill it. */
#define WATCHDOG_GRACE_S 2

/* Remove NAME from the environment and wipe its value where it is stored:
 * unsetenv() alone leaves the bytes of the initial environment in place, and
 * /proc/<pid>/environ shows those bytes to anyone who may read it. */
static void wipe_env(const char *name)
{
	char *v = getenv(name);

	if (v)
		memset(v, 0, strlen(v));
	unsetenv(name);
}

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
					wipe_env(v->text);
				if (c != self && v->secret)
					memset(v->secret, 0, strlen(v->secret));
			}
		}
	wipe_env("PORTGATE_API_KEYS");
}

/* Wait for the parent's pidfd to become readable (the parent has exited),
 * then end this worker with whatever call it is in. */
static void *watch_parent(void *arg)
{
	struct pollfd p = { .fd = (int)(intptr_t)arg, .events = POLLIN };

	while (poll(&p, 1, -1) < 0)
		;
	_exit(3);
}

/* A worker never outlives portgate: a SIGKILLed run cannot close its socket or
 * kill its workers, and a worker left alive would go on delivering what a later
 * run or `outbox flush` delivers again. A thread of ours waits on a pidfd of
 * the parent process (not PR_SET_PDEATHSIG, which fires when the forking
 * *thread* ends, and lanes are threads that end with each run). */
static void die_with_parent(pid_t parent)
{
	pthread_t th;
	int fd = (int)syscall(SYS_pidfd_open, parent, 0);

	if (fd < 0 || getppid() != parent) /* already gone, or no pidfd: end now */
		_exit(3);
	if (pthread_create(&th, NULL, watch_parent, (void *)(intptr_t)fd) != 0)
		_exit(3);
	pthread_detach(th);
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
	call.skip_cache = json_is_true(json_object_get(req, "skipCache"));
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

_Noreturn void pg_worker_main(struct pg_plugin_ctx *c, int fd, pid_t parent)
{
	json_t *req, *resp;
	int w;

	die_with_parent(parent);
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
