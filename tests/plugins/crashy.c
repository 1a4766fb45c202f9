/* crashy.c - a plugin that misbehaves on purpose, as enricher (crashy) and as
 * notifier (crashynotify, -DAS_NOTIFIER): option how = segv (a real NULL
 * write), abort, exit (exit(3) inside the call), hang (sleeps for a minute),
 * nul (the first call in a worker process answers a string holding a NUL, which is not
 * JSON; later calls in the same process answer { "call": N }), or ok. The host must
 * lose that call only. Option createHow does the same
 * inside create() (the host must lose that instance only). -DCRASH_CONSTRUCTOR
 * (crashyctor) faults in a library constructor, while being loaded. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portgate/plugin.h>

struct st {
	const char *how;
};

static const struct pg_plugin_option opts[] = {
	{ "how", PG_OPT_STRING, "segv", 0, "segv | abort | exit | hang | nul | ok" },
	{ "createHow", PG_OPT_STRING, "ok", 0, "the same, in create()" },
	{ NULL, 0, NULL, 0, NULL },
};

/* A real invalid write: UBSan's null check would turn it into its own
 * report and exit(1) in a sanitizer build, so it is off here. */
__attribute__((no_sanitize("undefined"))) static void write_null(void)
{
	volatile int *volatile p = NULL;
	*p = 1;
}

static void misbehave(const char *how)
{
	if (!strcmp(how, "segv")) {
		write_null();
	} else if (!strcmp(how, "abort")) {
		abort();
	} else if (!strcmp(how, "exit")) {
		exit(3);
	} else if (!strcmp(how, "hang")) {
		struct timespec ts = { 60, 0 };
		nanosleep(&ts, NULL);
	}
}

static int c_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct st *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->how = host->opt_string(ctx, "how");
	misbehave(host->opt_string(ctx, "createHow"));
	*state = s;
	return PG_PLUGIN_OK;
}

static void c_destroy(void *state)
{
	free(state);
}

/* Calls this process served: a worker that was replaced starts again at 1. */
static int calls;

static int c_enrich(void *state, const json_t *finding, json_t *out, json_t *added)
{
	const struct st *s = state;

	(void)finding;
	(void)added;
	if (!strcmp(s->how, "nul")) {
		json_object_set_new(out, "call", json_integer(++calls));
		if (calls == 1)
			json_object_set_new(out, "text", json_stringn("a\0b", 3));
		return PG_PLUGIN_OK;
	}
	misbehave(s->how);
	json_object_set_new(out, "survived", json_true());
	return PG_PLUGIN_OK;
}

static int c_notify(void *state, const json_t *event, const char *key, long *retry_after)
{
	(void)event;
	(void)key;
	(void)retry_after;
	misbehave(((const struct st *)state)->how);
	return PG_PLUGIN_OK;
}

#ifdef CRASH_CONSTRUCTOR
/* Runs when the library is loaded, before portgate sees a descriptor. */
__attribute__((constructor)) static void fault_on_load(void)
{
	write_null();
}
#endif

static struct pg_plugin desc = {
#ifdef AS_NOTIFIER
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "crashynotify",
#elif defined(CRASH_CONSTRUCTOR)
	.kind = PG_PLUGIN_ENRICHER,
	.name = "crashyctor",
#else
	.kind = PG_PLUGIN_ENRICHER,
	.name = "crashy",
#endif
	.enrich = c_enrich, /* the host calls the one its kind says */
	.notify = c_notify,
	.version = "0.0.1",
	.description = "misbehaving test plugin",
	.options = opts,
	.create = c_create,
	.destroy = c_destroy,
};

PORTGATE_PLUGIN(desc)
