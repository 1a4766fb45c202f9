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

static size_t pool_size(const struct pg_plugin_ctx *c)
{
	if (c->mod->desc.kind == PG_PLUGIN_ENRICHER &&
	    c->mod->desc.thread_model == PG_THREAD_PARALLEL && c->host->enrich_concurrency > 1)
		return c->host->enrich_concurrency;
	return 1;
}

static struct pg_workers *pool_of(struct pg_plugin_ctx *c)
{
	struct pg_workers *p;

	pthread_mutex_lock(&c->host->lock);
	p = c->workers;
	if (!p) {
		p = pg_xcalloc(1, sizeof(*p));
		pthread_mutex_init(&p->lock, NULL);
		pthread_cond_init(&p->freed, NULL);
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
	pid_t pid;

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
		pg_worker_main(c, sv[1]);
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

	if (!pg_isolate_enabled())
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

	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
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

static const char *signal_name(int sig, char *buf, size_t len)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGSEGV, "SIGSEGV" }, { SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" },
		{ SIGFPE, "SIGFPE" },   { SIGILL, "SIGILL" },   { SIGKILL, "SIGKILL" },
		{ SIGTERM, "SIGTERM" }, { SIGALRM, "SIGALRM" }, { SIGPIPE, "SIGPIPE" },
	};
	for (size_t i = 0; i < PG_ARRAY_LEN(names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(buf, len, "signal %d", sig);
	return buf;
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
			 signal_name(WTERMSIG(st), sbuf, sizeof(sbuf)));
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
static int exchange(struct pg_plugin_ctx *c, struct worker *w, json_t *req, uint64_t deadline_ms,
		    unsigned timeout_ms, json_t **resp, char *err, size_t errlen)
{
	int rc;

	if (w->pid == 0 && spawn(c, w) != 0) {
		snprintf(err, errlen, "cannot start a worker process: %s", strerror(errno));
		return PG_ISOLATE_CRASH;
	}
	json_object_set_new(req, "deadlineMs", json_integer((json_int_t)deadline_ms));
	rc = pg_wire_send(w->fd, req, deadline_ms);
	if (rc == 0)
		rc = pg_wire_recv(w->fd, deadline_ms, resp);
	if (rc == PG_WIRE_TIMEOUT) {
		kill_worker(w);
		snprintf(err, errlen, "timed out after %u ms", timeout_ms);
		pg_warn("[%s] call timed out after %u ms; worker killed", c->name, timeout_ms);
		return PG_ISOLATE_TIMEOUT;
	}
	if (rc != 0) {
		describe_death(c, w, err, errlen);
		pg_warn("[%s] %s", c->name, err);
		return PG_ISOLATE_CRASH;
	}
	return 0;
}

/* Send req to a worker of c; on 0 *resp is the worker's answer. */
static int isolated_call(struct pg_plugin_ctx *c, json_t *req, unsigned timeout_ms, json_t **resp,
			 char *err, size_t errlen)
{
	struct pg_workers *p = pool_of(c);
	uint64_t deadline = pg_clock_now_ms() + timeout_ms;
	struct worker *w = acquire(p, deadline);
	int rc;

	*resp = NULL;
	if (!w) {
		snprintf(err, errlen, "timed out after %u ms (no free worker)", timeout_ms);
		return PG_ISOLATE_TIMEOUT;
	}
	rc = exchange(c, w, req, deadline, timeout_ms, resp, err, errlen);
	release(p, w);
	return rc;
}

/* The plugin's rc and error text from a worker's answer. */
static int answer_rc(const json_t *resp, char *err, size_t errlen, const char *fallback)
{
	int rc = (int)json_integer_value(json_object_get(resp, "rc"));
	const char *e = json_string_value(json_object_get(resp, "err"));

	if (rc != PG_PLUGIN_OK && rc != PG_PLUGIN_RETRY)
		rc = PG_PLUGIN_FAIL;
	pg_strlcpy(err, e && *e ? e : (rc == PG_PLUGIN_OK ? "" : fallback), errlen);
	return rc;
}

static int inline_enrich(struct pg_plugin_ctx *c, const json_t *finding, unsigned timeout_ms,
			 json_t **out, json_t **added, json_t *sent, char *err, size_t errlen)
{
	struct pg_call call;
	int rc;

	*out = json_object();
	*added = json_array();
	pg_call_begin(&call, timeout_ms);
	call.sent = sent;
	rc = c->mod->desc.enrich(c->state, finding, *out, *added);
	pg_call_end();
	if (rc != PG_PLUGIN_OK)
		rc = PG_PLUGIN_FAIL;
	pg_strlcpy(err, call.err[0] ? call.err : (rc ? "enricher failed" : ""), errlen);
	return rc;
}

/* The worker's record of what the plugin sent, appended to sent (may be NULL). */
static void take_sent(const json_t *resp, json_t *sent)
{
	if (sent && json_is_array(json_object_get(resp, "sent")))
		json_array_extend(sent, json_object_get(resp, "sent"));
}

static int enrich_in_worker(struct pg_plugin_ctx *c, const json_t *finding, unsigned timeout_ms,
			    json_t **out, json_t **added, json_t *sent, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s, s:O, s:b}", "op", "enrich", "finding", finding, "trace",
				sent != NULL),
	       *resp;
	int rc = isolated_call(c, req, timeout_ms, &resp, err, errlen);

	json_decref(req);
	if (rc != 0)
		return rc;
	take_sent(resp, sent);
	rc = answer_rc(resp, err, errlen, "enricher failed");
	if (rc == PG_PLUGIN_RETRY) /* not meaningful for enrich */
		rc = PG_PLUGIN_FAIL;
	*out = json_incref(json_object_get(resp, "out"));
	*added = json_incref(json_object_get(resp, "added"));
	if (!json_is_object(*out) || !json_is_array(*added)) {
		json_decref(*out);
		json_decref(*added);
		*out = json_object();
		*added = json_array();
	}
	json_decref(resp);
	return rc;
}

int pg_isolate_enrich(struct pg_plugin_ctx *c, const json_t *finding, unsigned timeout_ms,
		      json_t **out, json_t **added, char *err, size_t errlen)
{
	return pg_isolate_enrich_traced(c, finding, timeout_ms, out, added, NULL, err, errlen);
}

int pg_isolate_enrich_traced(struct pg_plugin_ctx *c, const json_t *finding, unsigned timeout_ms,
			     json_t **out, json_t **added, json_t *sent, char *err, size_t errlen)
{
	int rc;

	*out = *added = NULL;
	if (!timeout_ms)
		timeout_ms = c->timeout_ms;
	pg_plugin_call_enter(c);
	if (pg_isolate_enabled())
		rc = enrich_in_worker(c, finding, timeout_ms, out, added, sent, err, errlen);
	else
		rc = inline_enrich(c, finding, timeout_ms, out, added, sent, err, errlen);
	pg_plugin_call_leave(c);
	if (rc != PG_PLUGIN_OK) {
		json_decref(*out);
		json_decref(*added);
		*out = *added = NULL;
	}
	return rc;
}

static int notify_in_worker(struct pg_plugin_ctx *c, const json_t *event, const char *key,
			    unsigned timeout_ms, long *retry_after_ms, json_t *sent, char *err,
			    size_t errlen)
{
	json_t *req = json_pack("{s:s, s:O, s:s, s:b}", "op", "notify", "event", event, "key",
				key ? key : "", "trace", sent != NULL),
	       *resp;
	int rc = isolated_call(c, req, timeout_ms, &resp, err, errlen);

	json_decref(req);
	if (rc != 0)
		return rc;
	take_sent(resp, sent);
	rc = answer_rc(resp, err, errlen, "notifier failed");
	*retry_after_ms = (long)json_integer_value(json_object_get(resp, "retryAfterMs"));
	json_decref(resp);
	return rc;
}

int pg_isolate_notify(struct pg_plugin_ctx *c, const json_t *event, const char *key,
		      unsigned timeout_ms, long *retry_after_ms, char *err, size_t errlen)
{
	return pg_isolate_notify_traced(c, event, key, timeout_ms, retry_after_ms, NULL, err,
					errlen);
}

int pg_isolate_notify_traced(struct pg_plugin_ctx *c, const json_t *event, const char *key,
			     unsigned timeout_ms, long *retry_after_ms, json_t *sent, char *err,
			     size_t errlen)
{
	struct pg_call call;
	int rc;

	*retry_after_ms = -1;
	if (!timeout_ms)
		timeout_ms = c->timeout_ms;
	pg_plugin_call_enter(c);
	if (pg_isolate_enabled()) {
		rc = notify_in_worker(c, event, key, timeout_ms, retry_after_ms, sent, err, errlen);
	} else {
		pg_call_begin(&call, timeout_ms);
		call.sent = sent;
		rc = c->mod->desc.notify(c->state, event, key, retry_after_ms);
		pg_call_end();
		if (rc != PG_PLUGIN_OK && rc != PG_PLUGIN_RETRY)
			rc = PG_PLUGIN_FAIL;
		pg_strlcpy(err, call.err[0] ? call.err : (rc ? "notifier failed" : ""), errlen);
	}
	pg_plugin_call_leave(c);
	return rc;
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
