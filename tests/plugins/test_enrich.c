/* test_enrich.c - enricher for host tests: ok, error, slow, adds findings.
 * Built twice: testenrich (parallel) and testserial (-DTEST_SERIAL). Each call
 * appends a line to countFile (if set) and reports how many calls of this
 * plugin were in flight when it started. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <portgate/plugin.h>

#ifdef TEST_SERIAL
#define NAME  "testserial"
#define MODEL PG_THREAD_SERIALIZE
#elif defined(TEST_ASSET_SCOPE)
#define NAME  "testasset"
#define MODEL PG_THREAD_PARALLEL
#else
#define NAME  "testenrich"
#define MODEL PG_THREAD_PARALLEL
#endif

static atomic_int in_flight;

struct st {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *mode, *count_file, *add_rule, *add_severity, *url, *dns_name, *dns_type,
		*env_name;
	int add_asset_level;
	long sleep_ms;
};

static const struct pg_plugin_option opts[] = {
	{ "mode", PG_OPT_STRING, "ok", 0,
	  "ok | error | slow | add | context | http | dns | env | echo" },
	{ "url", PG_OPT_STRING, NULL, 0, "mode=http: GET this, report the response headers" },
	{ "dnsName", PG_OPT_STRING, NULL, 0, "mode=dns: look this name up" },
	{ "dnsType", PG_OPT_STRING, "A", 0, "mode=dns: record type" },
	{ "sleepMs", PG_OPT_INT, "0", 0, "sleep this long in every call" },
	{ "countFile", PG_OPT_STRING, NULL, 0, "append one line per call here" },
	{ "addRule", PG_OPT_STRING, "test-added", 0, "rule id of the finding mode=add adds" },
	{ "addSeverity", PG_OPT_STRING, "low", 0, "severity of the finding mode=add adds" },
	{ "addAssetLevel", PG_OPT_BOOL, "false", 0, "mode=add: an asset-level finding" },
	{ "failCreate", PG_OPT_BOOL, "false", 0, "make create() fail" },
	{ "tokenEnv", PG_OPT_SECRET_ENV, NULL, 0, "a secret (read by no mode)" },
	{ "envName", PG_OPT_STRING, NULL, 0, "mode=env: report getenv() of this variable" },
	{ NULL, 0, NULL, 0, NULL },
};

static int t_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct st *s;

	if (host->opt_bool(ctx, "failCreate")) {
		host->error(ctx, "asked to fail");
		return PG_PLUGIN_FAIL;
	}
	s = calloc(1, sizeof(*s));
	s->ctx = ctx;
	s->host = host;
	s->mode = host->opt_string(ctx, "mode");
	s->count_file = host->opt_string(ctx, "countFile");
	s->add_rule = host->opt_string(ctx, "addRule");
	s->add_severity = host->opt_string(ctx, "addSeverity");
	s->add_asset_level = host->opt_bool(ctx, "addAssetLevel");
	s->sleep_ms = (long)host->opt_int(ctx, "sleepMs");
	s->url = host->opt_string(ctx, "url");
	s->dns_name = host->opt_string(ctx, "dnsName");
	s->dns_type = host->opt_string(ctx, "dnsType");
	s->env_name = host->opt_string(ctx, "envName");
	*state = s;
	return PG_PLUGIN_OK;
}

static void t_destroy(void *state)
{
	free(state);
}

static void count_call(const struct st *s, const char *target)
{
	char line[256];
	int fd, n;

	if (!s->count_file)
		return;
	fd = open(s->count_file, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", s->host->instance_name(s->ctx), target);
	if (write(fd, line, (size_t)n) < 0)
		perror("count");
	close(fd);
}

/* mode=context: what the asset context says (ABI 1.1). */
static void read_context(const json_t *finding, json_t *out)
{
	const json_t *c = json_object_get(finding, "assetContext");
	static const char *const keys[] = { "name", "domain", "owner", "line", "manifest" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(c, keys[i]))
			json_object_set(out, keys[i], json_object_get(c, keys[i]));
}

/* mode=http: the status and response headers of a GET (ABI 1.1). */
static int do_http(struct st *s, json_t *out)
{
	struct pg_http_request req = { .struct_size = sizeof(req), .url = s->url };
	struct pg_http_response resp = { 0 };
	json_t *headers = NULL;

	req.response_headers = &headers;
	if (s->host->http(s->ctx, &req, &resp) != 0) {
		s->host->error(s->ctx, "http: %s", resp.error);
		s->host->http_response_clear(&resp);
		return PG_PLUGIN_FAIL;
	}
	json_object_set_new(out, "status", json_integer(resp.status));
	json_object_set_new(out, "headers", headers ? headers : json_null());
	/* 1.3: the host says how much of the struct it knows */
	json_object_set_new(out, "responseSize", json_integer((json_int_t)resp.size));
	s->host->http_response_clear(&resp);
	return PG_PLUGIN_OK;
}

/* mode=dns: the answers of one lookup. */
static int do_dns(struct st *s, json_t *out)
{
	json_t *answers = NULL;

	if (s->host->dns(s->ctx, s->dns_name, s->dns_type, &answers) != 0)
		return PG_PLUGIN_FAIL;
	json_object_set_new(out, "answers", answers);
	if (PG_HOST_HAS(s->host, time_left_ms))
		json_object_set_new(out, "timeLeftPositive",
				    json_boolean(s->host->time_left_ms(s->ctx) > 0));
	return PG_PLUGIN_OK;
}

static int t_enrich(void *state, const json_t *finding, json_t *out, json_t *added)
{
	struct st *s = state;
	const char *target = json_string_value(json_object_get(finding, "target"));
	int now = atomic_fetch_add(&in_flight, 1) + 1;
	struct timespec ts = { s->sleep_ms / 1000, (s->sleep_ms % 1000) * 1000000L };
	int rc = PG_PLUGIN_OK;

	struct timespec t0, t1;

	count_call(s, target ? target : "-");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(s->mode, "slow") || s->sleep_ms)
		nanosleep(&ts, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	json_object_set_new(out, "seen", json_string(target ? target : ""));
	json_object_set_new(out, "inFlight", json_integer(now));
	/* the call's span on the machine-wide monotonic clock: calls in different worker
	 * processes can be compared (did they overlap?) without any timing assumption */
	json_object_set_new(out, "spanUs",
			    json_pack("[I, I]", (json_int_t)(t0.tv_sec * 1000000LL + t0.tv_nsec / 1000),
				      (json_int_t)(t1.tv_sec * 1000000LL + t1.tv_nsec / 1000)));
	if (!strcmp(s->mode, "error")) {
		s->host->error(s->ctx, "lookup failed for %s", target ? target : "-");
		rc = PG_PLUGIN_FAIL;
	} else if (!strcmp(s->mode, "context")) {
		read_context(finding, out);
	} else if (!strcmp(s->mode, "http")) {
		rc = do_http(s, out);
	} else if (!strcmp(s->mode, "dns")) {
		rc = do_dns(s, out);
	} else if (!strcmp(s->mode, "echo")) { /* the whole input, to compare runs */
		json_object_set_new(out, "input", json_deep_copy(finding));
	} else if (!strcmp(s->mode, "env")) { /* what a plugin could read besides its options */
		const char *v = s->env_name ? getenv(s->env_name) : NULL;
		json_object_set_new(out, "env", v ? json_string(v) : json_null());
	} else if (!strcmp(s->mode, "add")) {
		json_t *nf = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "rule", s->add_rule,
				       "severity", s->add_severity, "defaultAction", "warn",
				       "reason", "added by test", "evidence", "from", NAME);
		if (s->add_asset_level)
			json_object_set_new(nf, "assetLevel", json_true());
		json_array_append_new(added, nf);
	}
	atomic_fetch_sub(&in_flight, 1);
	return rc;
}

/* The rule mode=add adds by default (ABI 1.4); an addRule of another id is
 * undeclared, which the host keeps with a warning. */
static const struct pg_rule_spec rules[] = {
	PG_RULE_SPEC("test-added", "warn", "low", "The test enricher's added finding (mode=add)"),
	PG_RULE_SPEC_END,
};

static struct pg_plugin desc = {
	.rule_table = rules,
	.kind = PG_PLUGIN_ENRICHER,
	.name = NAME,
	.version = "0.0.1",
	.description = "test enricher",
	.options = opts,
	.thread_model = MODEL,
	.create = t_create,
	.destroy = t_destroy,
	.enrich = t_enrich,
	.cache_ttl_s = 600,
#ifdef TEST_ASSET_SCOPE
	.enrich_scope = PG_SCOPE_ASSET,
#endif
};

PORTGATE_PLUGIN(desc)
