/* old_abi.c - a plugin built against the ABI 1.0 header: its descriptor
 * stops at notify (the 1.0 minimum) and its HTTP request struct at log_url.
 * The host must copy only this many descriptor bytes (ASan would catch a read
 * past it) and zero the rest, must never read a 1.1 field (response_headers)
 * from the smaller request, and a 1.1 host must still hand the finding over
 * as before. Its response struct ends before 1.3's size field: the host must
 * not write past it (a canary right behind it says). */
#include <stddef.h>
#include <stdlib.h>

#include <portgate/plugin.h>

struct old_descriptor { /* the 1.0 minimum prefix of struct pg_plugin */
	size_t struct_size;
	unsigned abi_major, abi_minor;
	enum pg_plugin_kind kind;
	const char *name, *version, *description;
	const struct pg_plugin_option *options;
	enum pg_thread_model thread_model;
	int (*create)(struct pg_plugin_ctx *, const struct pg_host_api *, void **);
	void (*destroy)(void *);
	int (*enrich)(void *, const json_t *, json_t *, json_t *);
	int (*notify)(void *, const json_t *, const char *, long *);
};

struct old_http_request { /* struct pg_http_request as of ABI 1.0 */
	size_t struct_size;
	const char *method;
	const char *url;
	const char *const *headers;
	const void *body;
	size_t body_len;
	long timeout_ms;
	int insecure;
	const char *log_url;
};

struct old_http_response { /* struct pg_http_response before ABI 1.3 */
	long status;
	char *body;
	size_t body_len;
	long retry_after_ms;
	char error[256];
};

#define CANARY ((size_t)0x5a5a5a5a5a5a5a5aULL)

struct old_state {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *url;
};

static const struct pg_plugin_option old_opts[] = {
	{ "url", PG_OPT_STRING, NULL, 0, "GET this with a 1.0-sized request" },
	{ NULL, 0, NULL, 0, NULL },
};

static int old_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct old_state *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->ctx = ctx;
	s->host = host;
	s->url = host->opt_string(ctx, "url");
	*state = s;
	return PG_PLUGIN_OK;
}

static void old_destroy(void *state)
{
	free(state);
}

/* Heap-allocated at exactly the 1.0 size, so ASan catches a host reading past it. */
static long old_get(struct old_state *s, int *intact)
{
	struct old_http_request *req = calloc(1, sizeof(*req));
	struct {
		struct old_http_response resp;
		size_t canary; /* where 1.3's size would be */
	} r = { .canary = CANARY };
	struct pg_http_response *resp = (struct pg_http_response *)&r.resp;
	long status = -1;

	if (!req)
		return -1;
	req->struct_size = sizeof(*req);
	req->url = s->url;
	if (s->host->http(s->ctx, (const struct pg_http_request *)req, resp) == 0)
		status = r.resp.status;
	*intact = r.canary == CANARY;
	s->host->http_response_clear(resp);
	free(req);
	return status;
}

static int old_enrich(void *state, const json_t *finding, json_t *out, json_t *added)
{
	struct old_state *s = state;

	(void)added;
	json_object_set_new(out, "old", json_true());
	if (s && json_is_string(json_object_get(finding, "target")))
		json_object_set(out, "target", json_object_get(finding, "target"));
	if (s && s->url) {
		int intact = 0;
		json_object_set_new(out, "status", json_integer(old_get(s, &intact)));
		json_object_set_new(out, "responseIntact", json_boolean(intact));
	}
	return PG_PLUGIN_OK;
}

/* Exactly the old size: ASan's global redzone follows, so a host that read
 * sizeof(struct pg_plugin) bytes from it would be caught. */
static struct old_descriptor desc = {
	.struct_size = sizeof(struct old_descriptor),
	.abi_major = 1,
	.abi_minor = 0,
	.kind = PG_PLUGIN_ENRICHER,
	.name = "oldabi",
	.version = "0.9",
	.description = "plugin with an older, smaller descriptor",
	.options = old_opts,
	.create = old_create,
	.destroy = old_destroy,
	.enrich = old_enrich,
};

PG_PLUGIN_EXPORT const struct pg_plugin *portgate_plugin_entry(void);
const struct pg_plugin *portgate_plugin_entry(void)
{
	return (const struct pg_plugin *)&desc;
}
