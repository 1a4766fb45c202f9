/* test_cmdb.c - a CMDB-like enricher built on another's result (ABI 1.3):
 * configured `after: [dns]`, it reads finding.enrichment.dns and answers
 * from a small inventory keyed by address ("127.0.0.1=team-a,..."), as a
 * CMDB keyed by IP would. Its options use every type of the typed table, so
 * the host's checks of them are tested through a real plugin. */
#include <stdlib.h>
#include <string.h>

#include <portgate/plugin.h>

struct st {
	const char *inventory;
	long long tier, max_age_ms;
	const char *mode;
};

static const char *const modes[] = { "dns", "echo", NULL };

static const struct pg_option_spec opts[] = {
	PG_OPTION("inventory", PG_OPT_STRING, "", 0, "ADDRESS=OWNER,... the CMDB knows"),
	PG_OPTION_RANGE("tier", PG_OPT_INT, "2", 0, "service tier reported", 1, 5),
	PG_OPTION_ENUM("mode", "dns", 0, "dns: look owners up by the dns enrichment's A; echo",
		       modes),
	PG_OPTION_RANGE("maxAge", PG_OPT_DURATION, "1h", 0, "how old an answer may be", 1000,
			86400000),
	PG_OPTION("apiUrl", PG_OPT_URL, NULL, 0, "the CMDB's base URL (not called)"),
	PG_OPTION("tokenEnv", PG_OPT_SECRET_ENV, NULL, 0, "variable holding the CMDB token"),
	PG_OPTION_END,
};

static int c_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct st *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->inventory = host->opt_string(ctx, "inventory");
	s->tier = host->opt_int(ctx, "tier");
	s->max_age_ms = host->opt_int(ctx, "maxAge");
	s->mode = host->opt_string(ctx, "mode");
	*state = s;
	return PG_PLUGIN_OK;
}

static void c_destroy(void *state)
{
	free(state);
}

/* The owner of ip in "a=x,b=y", or NULL. */
static json_t *owner_of(const char *inv, const char *ip)
{
	size_t n = strlen(ip);

	for (const char *p = inv; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, ip, n) && p[n] == '=') {
			const char *v = p + n + 1;
			return json_stringn(v, strcspn(v, ","));
		}
	}
	return NULL;
}

static int c_enrich(void *state, const json_t *finding, json_t *out, json_t *added)
{
	struct st *s = state;
	const json_t *e = json_object_get(finding, "enrichment");
	const json_t *a = json_object_get(json_object_get(e, "dns"), "A");
	json_t *owner = json_array_size(a)
				? owner_of(s->inventory, json_string_value(json_array_get(a, 0)))
				: NULL;
	const char *k;
	json_t *v, *seen = json_array();

	(void)added;
	json_object_foreach((json_t *)e, k, v) json_array_append_new(seen, json_string(k));
	json_object_set_new(out, "enrichmentSeen", seen);
	json_object_set_new(out, "owner", owner ? owner : json_null());
	json_object_set_new(out, "dnsA", a ? json_deep_copy(a) : json_null());
	json_object_set_new(out, "tier", json_integer(s->tier));
	json_object_set_new(out, "maxAgeMs", json_integer(s->max_age_ms));
	json_object_set_new(out, "mode", json_string(s->mode));
	return PG_PLUGIN_OK;
}

static struct pg_plugin desc = {
	.kind = PG_PLUGIN_ENRICHER,
	.name = "testcmdb",
	.version = "0.0.1",
	.description = "CMDB-like test enricher reading the dns enrichment",
	.option_table = opts,
	.thread_model = PG_THREAD_PARALLEL,
	.create = c_create,
	.destroy = c_destroy,
	.enrich = c_enrich,
};

PORTGATE_PLUGIN(desc)
