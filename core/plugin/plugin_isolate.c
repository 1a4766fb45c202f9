/* plugin_isolate.c - portgate's side of isolated plugin calls: a fixed pool
 * of worker processes per instance, forked on demand, each serving one call
 * at a time over a socketpair (plugin_wire.c framing, plugin_worker.c the
 * other end). A worker past its deadline is killed; one that died is
 * described by its wait status and replaced at the next call. */
#include "config.h"
#include "plugin_isolate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin_int.h"
#include "util/log.h"

/* How long a worker whose socket broke may take to finish dying before it is
 * killed, and how long one asked to stop may take for its destroy(). */
#define REAP_WAIT_MS 500
#define STOP_WAIT_MS 1000

struct worker {
	pid_t pid; /* 0: not running */
	int fd;    /* our end of the socketpair, -1 when not running */
	bool busy; /* a thread is using it */
};

struct pg_workers {
	pthread_mutex_t lock;
	pthread_cond_t freed; /* a worker was released */
	struct worker *w;     /* fixed size: a forked child reads it without locks */
	size_t n;
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

bool pg_isolate_enabled(void)
{
	const char *v = getenv("PORTGATE_PLUGIN_ISOLATION");

	return !(v && !strcmp(v, "inline"));
}

/* A parallel plugin's instance gets its kind's worker count (a stage's
 * setting, enrich.concurrency); any other one worker. */
static size_t pool_size(const struct pg_plugin_ctx *c)
{
	unsigned n = c->host->defaults[c->mod->desc.kind].workers;

	if (c->mod->desc.thread_model == PG_THREAD_PARALLEL && n > 1)
		return n;
	return 1;
}

/* On the monotonic clock (common/clock.h): a wall-clock step must not stretch
 * or cut a wait for a free worker. */
static void freed_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
}

static struct pg_workers *pool_of(struct pg_plugin_ctx *c)
{
	struct pg_workers *p;

	pthread_mutex_lock(&c->host->lock);
	p = c->workers;
	if (!p) {
		p = pg_xcalloc(1, sizeof(*p));
		pthread_mutex_init(&p->lock, NULL);
		freed_cond_init(&p->freed);
		p->n = pool_size(c);
		p->w = pg_xcalloc(p->n, sizeof(*p->w));
		for (size_t i = 0; i < p->n; i++)
			p->w[i].fd = -1;
		c->workers = p;
	}
	pthread_mutex_unlock(&c->host->lock);
	return p;
}

void pg_isolate_note_fds(struct pg_plugin_host *h)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t cap = 0;
	long fd;
	char *end;

	free(h->keep_fds);
	h->keep_fds = NULL;
	h->nkeep_fds = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd <= 2 || fd == dirfd(d))
			continue;
		pg_grow(&h->keep_fds, &cap, h->nkeep_fds + 1, sizeof(*h->keep_fds));
		h->keep_fds[h->nkeep_fds++] = (int)fd;
	}
	closedir(d);
	if (h->nkeep_fds > 1) /* qsort(NULL, 0, ...) is undefined (UBSan) */
		qsort(h->keep_fds, h->nkeep_fds, sizeof(*h->keep_fds), cmp_int);
}

/* Close [from, to] (to may be ~0u): close_range, else one by one up to a bound. */
static void close_span(unsigned from, unsigned to)
{
	if (from > to || close_range(from, to, 0) == 0)
		return;
	for (unsigned fd = from; fd <= to && fd < 65536; fd++)
		close((int)fd);
}

/* In a new worker: keep stdio, the noted fds and our socket; close the rest
 * (other workers' sockets, so each of them sees end-of-file when portgate
 * closes its end; locks and files portgate opened since). */
static void close_unkept(const struct pg_plugin_host *h, int sock)
{
	unsigned next = 3;

	for (size_t i = 0; i <= h->nkeep_fds; i++) {
		unsigned keep = i < h->nkeep_fds ? (unsigned)h->keep_fds[i] : ~0u;
		if (keep < next)
			continue;
		if ((unsigned)sock >= next && (unsigned)sock < keep) {
			close_span(next, (unsigned)sock - 1);
			next = (unsigned)sock + 1;
		}
		if (keep == ~0u) {
			close_span(next, ~0u);
			break;
		}
		close_span(next, keep - 1);
		next = keep + 1;
	}
}

static int spawn(struct pg_plugin_ctx *c, struct worker *w)
{
	int sv[2];
	pid_t pid, self = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	fflush(stdout); /* nothing buffered is written twice */
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close_unkept(c->host, sv[1]);
		pg_worker_main(c, sv[1], self);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	w->pid = pid;
	w->fd = sv[0];
	return 0;
}

static void worker_forget(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->pid = 0;
}

/* An idle worker that died meanwhile (killed from outside) is replaced quietly. */
static void check_idle(struct worker *w)
{
	int st;

	if (w->pid > 0 && waitpid(w->pid, &st, WNOHANG) == w->pid)
		worker_forget(w);
}

void pg_isolate_prepare(struct pg_plugin_ctx *c, unsigned n)
{
	struct pg_workers *p;

	if (!pg_isolate_enabled() || c->start_err) /* no worker for what never started */
		return;
	p = pool_of(c);
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n && i < n; i++) {
		check_idle(&p->w[i]);
		if (!p->w[i].busy && p->w[i].pid == 0 && spawn(c, &p->w[i]) != 0)
			pg_warn("[%s] cannot start a worker process: %s", c->name, strerror(errno));
	}
	pthread_mutex_unlock(&p->lock);
}

static void abs_time(struct timespec *ts, uint64_t deadline_ms)
{
	uint64_t now = pg_clock_now_ms(), ms = deadline_ms > now ? deadline_ms - now : 0;

	pg_clock_timespec_in(ms, ts);
}

/* A free worker (running ones first), marked busy; NULL at the deadline. */
static struct worker *acquire(struct pg_workers *p, uint64_t deadline_ms)
{
	struct worker *w = NULL;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	while (!w) {
		for (size_t i = 0; i < p->n && !w; i++)
			if (!p->w[i].busy && p->w[i].pid > 0)
				w = &p->w[i];
		for (size_t i = 0; i < p->n && !w; i++)
			if (!p->w[i].busy)
				w = &p->w[i];
		if (w || pg_clock_now_ms() >= deadline_ms)
			break;
		abs_time(&ts, deadline_ms);
		pthread_cond_timedwait(&p->freed, &p->lock, &ts);
	}
	if (w) {
		w->busy = true;
		check_idle(w);
	}
	pthread_mutex_unlock(&p->lock);
	return w;
}

static void release(struct pg_workers *p, struct worker *w)
{
	pthread_mutex_lock(&p->lock);
	w->busy = false;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* The worker's socket broke: wait briefly for it to finish dying and say how. */
static void describe_death(struct pg_plugin_ctx *c, struct worker *w, char *err, size_t errlen)
{
	uint64_t until = pg_clock_now_ms() + REAP_WAIT_MS;
	struct timespec nap = { 0, 5 * 1000000L };
	char sbuf[32];
	int st = 0;
	pid_t r;

	while ((r = waitpid(w->pid, &st, WNOHANG)) == 0 && pg_clock_now_ms() < until)
		nanosleep(&nap, NULL);
	if (r == 0) { /* alive but not talking: it broke the protocol */
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &st, 0);
		snprintf(err, errlen, "plugin %s broke the worker protocol", c->mod->desc.name);
	} else if (r > 0 && WIFSIGNALED(st)) {
		snprintf(err, errlen, "plugin %s crashed (%s)", c->mod->desc.name,
			 pg_signal_name(WTERMSIG(st), sbuf, sizeof(sbuf)));
	} else if (r > 0 && WIFEXITED(st)) {
		snprintf(err, errlen, "plugin %s exited with status %d during a call",
			 c->mod->desc.name, WEXITSTATUS(st));
	} else {
		snprintf(err, errlen, "plugin %s: worker process lost", c->mod->desc.name);
	}
	worker_forget(w);
}

static void kill_worker(struct worker *w)
{
	kill(w->pid, SIGKILL);
	waitpid(w->pid, NULL, 0);
	worker_forget(w);
}

/* One request/response with worker w before deadline_ms. */
static int exchange(struct pg_isolated_call *call, struct worker *w, json_t *req,
		    uint64_t deadline_ms, json_t **resp)
{
	struct pg_plugin_ctx *c = call->c;
	int rc;

	if (w->pid == 0 && spawn(c, w) != 0) {
		snprintf(call->err, sizeof(call->err), "cannot start a worker process: %s",
			 strerror(errno));
		return PG_ISOLATE_CRASH;
	}
	json_object_set_new(req, "deadlineMs", json_integer((json_int_t)deadline_ms));
	rc = pg_wire_send(w->fd, req, deadline_ms);
	if (rc == 0)
		rc = pg_wire_recv(w->fd, deadline_ms, resp);
	if (rc == PG_WIRE_TIMEOUT) {
		kill_worker(w);
		snprintf(call->err, sizeof(call->err), "timed out after %u ms", call->timeout_ms);
		pg_warn("[%s] call timed out after %u ms; worker killed", c->name,
			call->timeout_ms);
		return PG_ISOLATE_TIMEOUT;
	}
	if (rc == PG_WIRE_BAD) { /* one bad answer fails this call; the worker goes on */
		snprintf(call->err, sizeof(call->err),
			 "plugin %s sent a result that is not valid JSON in UTF-8 (a NUL or a "
			 "byte that is not UTF-8 in a string); this call failed",
			 c->mod->desc.name);
		pg_warn("[%s] %s", c->name, call->err);
		return PG_PLUGIN_FAIL;
	}
	if (rc != 0) {
		describe_death(c, w, call->err, sizeof(call->err));
		pg_warn("[%s] %s", c->name, call->err);
		return PG_ISOLATE_CRASH;
	}
	return 0;
}

/* Send req to a worker of call->c; on 0 *resp is the worker's answer, and
 * what the plugin sent over host->http went into call->sent. */
static int isolated_call(struct pg_isolated_call *call, json_t *req, json_t **resp)
{
	struct pg_workers *p = pool_of(call->c);
	uint64_t deadline = pg_clock_now_ms() + call->timeout_ms;
	struct worker *w = acquire(p, deadline);
	int rc;

	*resp = NULL;
	if (!w) {
		snprintf(call->err, sizeof(call->err), "timed out after %u ms (no free worker)",
			 call->timeout_ms);
		return PG_ISOLATE_TIMEOUT;
	}
	json_object_set_new(req, "trace", json_boolean(call->sent != NULL));
	json_object_set_new(req, "skipCache", json_boolean(call->skip_cache));
	rc = exchange(call, w, req, deadline, resp);
	release(p, w);
	if (rc == 0 && call->sent && json_is_array(json_object_get(*resp, "sent")))
		json_array_extend(call->sent, json_object_get(*resp, "sent"));
	return rc;
}

/* The plugin's rc and error text from a worker's answer. */
static int answer_rc(const json_t *resp, struct pg_isolated_call *call, const char *fallback)
{
	int rc = (int)json_integer_value(json_object_get(resp, "rc"));
	const char *e = json_string_value(json_object_get(resp, "err"));

	if (rc != PG_PLUGIN_OK && rc != PG_PLUGIN_RETRY)
		rc = PG_PLUGIN_FAIL;
	pg_strlcpy(call->err, e && *e ? e : (rc == PG_PLUGIN_OK ? "" : fallback),
		   sizeof(call->err));
	return rc;
}

/* Inline: the plugin's callback in this process, its call state around it. */
static int inline_enrich(struct pg_isolated_call *call)
{
	const struct pg_plugin_ctx *c = call->c;
	struct pg_call state;
	int rc;

	call->out = json_object();
	call->added = json_array();
	pg_call_begin(&state, call->timeout_ms);
	state.sent = call->sent;
	state.skip_cache = call->skip_cache;
	rc = c->mod->desc.enrich(c->state, call->finding, call->out, call->added);
	pg_call_end();
	if (rc != PG_PLUGIN_OK)
		rc = PG_PLUGIN_FAIL;
	pg_strlcpy(call->err, state.err[0] ? state.err : (rc ? "enricher failed" : ""),
		   sizeof(call->err));
	return rc;
}

static int enrich_in_worker(struct pg_isolated_call *call)
{
	json_t *req = json_pack("{s:s, s:O}", "op", "enrich", "finding", call->finding), *resp;
	int rc = isolated_call(call, req, &resp);

	json_decref(req);
	if (rc != 0)
		return rc;
	rc = answer_rc(resp, call, "enricher failed");
	if (rc == PG_PLUGIN_RETRY) /* not meaningful for enrich */
		rc = PG_PLUGIN_FAIL;
	call->out = json_incref(json_object_get(resp, "out"));
	call->added = json_incref(json_object_get(resp, "added"));
	if (!json_is_object(call->out) || !json_is_array(call->added)) {
		json_decref(call->out);
		json_decref(call->added);
		call->out = json_object();
		call->added = json_array();
	}
	json_decref(resp);
	return rc;
}

/* One call: in a worker process, or inline when isolation is off; either way
 * inside the plugin's serialize bracket. */
static int run_call(struct pg_isolated_call *call, int (*in_worker)(struct pg_isolated_call *),
		    int (*in_process)(struct pg_isolated_call *))
{
	uint64_t t0;
	int rc;

	call->out = call->added = NULL;
	call->retry_after_ms = -1;
	call->err[0] = '\0';
	if (!call->timeout_ms)
		call->timeout_ms = call->c->timeout_ms;
	if (call->c->start_err) { /* create() crashed or hung: nothing to call */
		snprintf(call->err, sizeof(call->err), "plugin %s: %s", call->c->mod->desc.name,
			 call->c->start_err);
		pg_plugin_stats_note(call->c, PG_ISOLATE_CRASH, 0);
		return PG_ISOLATE_CRASH;
	}
	pg_plugin_call_enter(call->c);
	t0 = pg_clock_now_ms(); /* the call's own time, not the wait for its turn */
	rc = pg_isolate_enabled() ? in_worker(call) : in_process(call);
	t0 = pg_clock_now_ms() - t0;
	pg_plugin_call_leave(call->c);
	pg_plugin_stats_note(call->c, rc, t0);
	return rc;
}

int pg_isolate_enrich(struct pg_isolated_call *call)
{
	int rc = run_call(call, enrich_in_worker, inline_enrich);

	if (rc != PG_PLUGIN_OK) {
		json_decref(call->out);
		json_decref(call->added);
		call->out = call->added = NULL;
	}
	return rc;
}

static int inline_notify(struct pg_isolated_call *call)
{
	const struct pg_plugin_ctx *c = call->c;
	struct pg_call state;
	int rc;

	pg_call_begin(&state, call->timeout_ms);
	state.sent = call->sent;
	rc = c->mod->desc.notify(c->state, call->event, call->key, &call->retry_after_ms);
	pg_call_end();
	if (rc != PG_PLUGIN_OK && rc != PG_PLUGIN_RETRY)
		rc = PG_PLUGIN_FAIL;
	pg_strlcpy(call->err, state.err[0] ? state.err : (rc ? "notifier failed" : ""),
		   sizeof(call->err));
	return rc;
}

static int notify_in_worker(struct pg_isolated_call *call)
{
	json_t *req = json_pack("{s:s, s:O, s:s}", "op", "notify", "event", call->event, "key",
				call->key ? call->key : ""),
	       *resp;
	int rc = isolated_call(call, req, &resp);

	json_decref(req);
	if (rc != 0)
		return rc;
	rc = answer_rc(resp, call, "notifier failed");
	call->retry_after_ms = (long)json_integer_value(json_object_get(resp, "retryAfterMs"));
	json_decref(resp);
	return rc;
}

int pg_isolate_notify(struct pg_isolated_call *call)
{
	return run_call(call, notify_in_worker, inline_notify);
}

uint64_t pg_isolate_backstop_ms(unsigned timeout_ms, unsigned inline_grace_ms)
{
	return pg_clock_now_ms() + timeout_ms +
	       (pg_isolate_enabled() ? PG_ISOLATED_GRACE_MS : inline_grace_ms);
}

const char *pg_isolate_rc_name(int rc)
{
	switch (rc) {
	case PG_PLUGIN_OK: return "ok";
	case PG_PLUGIN_RETRY: return "retry";
	case PG_ISOLATE_TIMEOUT: return "timeout";
	case PG_ISOLATE_CRASH: return "crash";
	default: return "fail";
	}
}

void pg_isolate_stop(struct pg_plugin_ctx *c)
{
	struct pg_workers *p = c->workers;
	struct timespec nap = { 0, 5 * 1000000L };
	uint64_t until = pg_clock_now_ms() + STOP_WAIT_MS;
	size_t running = 0;

	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->w[i].fd >= 0) { /* end of file: the worker runs destroy() and exits */
			close(p->w[i].fd);
			p->w[i].fd = -1;
		}
	for (size_t i = 0; i < p->n; i++)
		running += p->w[i].pid > 0;
	while (running && pg_clock_now_ms() < until) {
		for (size_t i = 0; i < p->n; i++)
			if (p->w[i].pid > 0 && waitpid(p->w[i].pid, NULL, WNOHANG) == p->w[i].pid) {
				p->w[i].pid = 0;
				running--;
			}
		if (running)
			nanosleep(&nap, NULL);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->w[i].pid > 0)
			kill_worker(&p->w[i]);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
	free(p->w);
	free(p);
	c->workers = NULL;
}
