/* dns.c - enricher: A/AAAA/CNAME/NS/MX records of the finding's target,
 * through the host's resolver (the one the config points at). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <portgate/plugin.h>

static const char *const all_types[] = { "A", "AAAA", "CNAME", "NS", "MX" };
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

struct dns_state {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	int want[NTYPES];
};

static const struct pg_plugin_option dns_options[] = {
	{ "types", PG_OPT_STRING, "A,AAAA,CNAME,NS,MX", 0,
	  "comma-separated record types to look up (A, AAAA, CNAME, NS, MX)" },
	{ NULL, 0, NULL, 0, NULL },
};

static int parse_types(struct dns_state *s, const char *list)
{
	char buf[128];
	char *save = NULL, *tok;
	size_t len = strlen(list);

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, list, len + 1);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		size_t i = 0;
		while (i < NTYPES && strcmp(tok, all_types[i]))
			i++;
		if (i == NTYPES)
			return -1;
		s->want[i] = 1;
	}
	return 0;
}

static int dns_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct dns_state *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->ctx = ctx;
	s->host = host;
	if (parse_types(s, host->opt_string(ctx, "types")) != 0) {
		host->error(ctx, "types: expected a comma-separated list of A, AAAA, CNAME, NS, MX");
		free(s);
		return PG_PLUGIN_FAIL;
	}
	*state = s;
	return PG_PLUGIN_OK;
}

static void dns_destroy(void *state)
{
	free(state);
}

static int is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int dns_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct dns_state *s = state;
	const char *target = json_string_value(json_object_get(finding, "target"));
	size_t ok = 0, asked = 0;
	json_t *answers;

	(void)new_findings;
	if (!target || !*target) {
		s->host->error(s->ctx, "finding has no target");
		return PG_PLUGIN_FAIL;
	}
	if (is_ip_literal(target)) {
		json_object_set_new(out, "skipped", json_string("target is an IP address"));
		return PG_PLUGIN_OK;
	}
	json_object_set_new(out, "name", json_string(target));
	for (size_t i = 0; i < NTYPES; i++) {
		if (!s->want[i])
			continue;
		asked++;
		if (s->host->dns(s->ctx, target, all_types[i], &answers) == 0) {
			json_object_set_new(out, all_types[i], answers);
			ok++;
		}
	}
	/* All lookups failing is an error (the host->error of the last one says why). */
	return ok == 0 && asked > 0 ? PG_PLUGIN_FAIL : PG_PLUGIN_OK;
}

static struct pg_plugin dns_plugin = {
	.kind = PG_PLUGIN_ENRICHER,
	.name = "dns",
	.version = "1.0.0",
	.description = "DNS records (A, AAAA, CNAME, NS, MX) of the finding's target",
	.options = dns_options,
	.thread_model = PG_THREAD_PARALLEL,
	.create = dns_create,
	.destroy = dns_destroy,
	.enrich = dns_enrich,
	.enrich_scope = PG_SCOPE_TARGET,
	.cache_ttl_s = 3600,
	.timeout_ms = 5000,
};

PORTGATE_PLUGIN(dns_plugin)
