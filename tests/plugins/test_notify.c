/* test_notify.c - notifier for host tests: records each call's idempotency key
 * in logFile, answers RETRY for the first failTimes calls (with retryAfterMs),
 * or FAIL when mode=reject. Per-finding when built with -DPER_FINDING. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <portgate/plugin.h>

#ifdef PER_FINDING
#define NAME "testnotifyeach"
#define MODE PG_NOTIFY_PER_FINDING
#else
#define NAME "testnotify"
#define MODE PG_NOTIFY_PER_REPORT
#endif

struct st {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *log_file, *mode, *event_dir;
	long fail_times, retry_after, calls, sleep_ms;
};

static const struct pg_plugin_option opts[] = {
	{ "logFile", PG_OPT_STRING, NULL, 1, "append 'key type nfindings' per call" },
	{ "failTimes", PG_OPT_INT, "0", 0, "answer RETRY this many times first" },
	{ "retryAfterMs", PG_OPT_INT, "-1", 0, "retry-after to ask for on RETRY" },
	{ "mode", PG_OPT_STRING, "ok", 0, "ok | reject" },
	{ "eventDir", PG_OPT_STRING, NULL, 0, "write each event to DIR/<key>.json" },
	{ "sleepMs", PG_OPT_INT, "0", 0, "sleep this long in each call (a hung notifier)" },
	{ NULL, 0, NULL, 0, NULL },
};

static int t_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct st *s = calloc(1, sizeof(*s));

	s->ctx = ctx;
	s->host = host;
	s->log_file = host->opt_string(ctx, "logFile");
	s->mode = host->opt_string(ctx, "mode");
	s->event_dir = host->opt_string(ctx, "eventDir");
	s->fail_times = (long)host->opt_int(ctx, "failTimes");
	s->sleep_ms = (long)host->opt_int(ctx, "sleepMs");
	s->retry_after = (long)host->opt_int(ctx, "retryAfterMs");
	*state = s;
	return PG_PLUGIN_OK;
}

static void t_destroy(void *state)
{
	free(state);
}

/* The event as received, for tests that check its content (and its schema). */
static void save_event(const struct st *s, const json_t *event, const char *key)
{
	char path[4096];

	if (!s->event_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.json", s->event_dir, key);
	if (json_dump_file(event, path, JSON_INDENT(1) | JSON_SORT_KEYS) != 0)
		perror("eventDir");
}

static int t_notify(void *state, const json_t *event, const char *key, long *retry_after)
{
	struct st *s = state;
	const json_t *f = json_object_get(event, "findings");
	char line[256];
	int fd, n;

	n = snprintf(line, sizeof(line), "%s %s %zu\n", key,
		     json_string_value(json_object_get(event, "type")),
		     json_is_array(f) ? json_array_size(f) : (size_t)1);
	fd = open(s->log_file, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			perror("log");
		close(fd);
	}
	save_event(s, event, key);
	if (s->sleep_ms > 0) {
		struct timespec ts = { s->sleep_ms / 1000, (s->sleep_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	if (!strcmp(s->mode, "reject")) {
		s->host->error(s->ctx, "rejected by test");
		return PG_PLUGIN_FAIL;
	}
	if (s->calls++ < s->fail_times) {
		s->host->error(s->ctx, "temporary failure %ld", s->calls);
		*retry_after = s->retry_after;
		return PG_PLUGIN_RETRY;
	}
	return PG_PLUGIN_OK;
}

static struct pg_plugin desc = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = NAME,
	.version = "0.0.1",
	.description = "test notifier",
	.options = opts,
	.create = t_create,
	.destroy = t_destroy,
	.notify = t_notify,
	.notify_mode = MODE,
};

PORTGATE_PLUGIN(desc)
