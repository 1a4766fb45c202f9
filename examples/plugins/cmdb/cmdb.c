/* cmdb.c - example out-of-tree enricher: look the finding's target up in an
 * internal CMDB and add its owner, service and tier.
 *
 *   GET {url}/assets/{target}   Authorization: Bearer <token from tokenEnv>
 *   200 {"owner": ..., "service": ..., "tier": ...}   404: not in the CMDB
 *
 * When the dns enricher's result is in the finding (an instance that runs
 * after it: `after: [dns]`, ABI 1.3), the CMDB is asked for the canonical
 * name, the end of the target's CNAME chain, and the answer says so
 * ("name", "via": "dns"); without it, for the target as written.
 *
 * Build (needs only the installed header and jansson):
 *   cc -shared -fPIC -o cmdb.so cmdb.c $(pkg-config --cflags --libs portgate jansson)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portgate/plugin.h>

struct cmdb {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *url;   /* borrowed option */
	const char *token; /* borrowed secret: never logged */
	const char *dns;   /* borrowed option: the dns enricher's instance name */
};

static const struct pg_plugin_option cmdb_options[] = {
	{ "url", PG_OPT_STRING, NULL, 1,
	  "CMDB base URL; assets are read from {url}/assets/{target}" },
	{ "tokenEnv", PG_OPT_SECRET_ENV, NULL, 1, "environment variable holding the bearer token" },
	{ "dnsInstance", PG_OPT_STRING, "dns", 0,
	  "instance of the dns enricher whose CNAME to use" },
	{ NULL, 0, NULL, 0, NULL },
};

static int cmdb_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct cmdb *c;

	if (!host->secret(ctx, "tokenEnv")) {
		host->error(ctx, "the variable named by tokenEnv is not set");
		return PG_PLUGIN_FAIL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return PG_PLUGIN_FAIL;
	c->ctx = ctx;
	c->host = host;
	c->url = host->opt_string(ctx, "url");
	c->token = host->secret(ctx, "tokenEnv");
	c->dns = host->opt_string(ctx, "dnsInstance");
	*state = c;
	return PG_PLUGIN_OK;
}

static void cmdb_destroy(void *state)
{
	free(state);
}

/* Percent-encode everything but unreserved characters (and ':' of IPv6). */
static void encode(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < size; in++) {
		unsigned char ch = (unsigned char)*in;
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == ':') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

static void copy_fields(const json_t *rec, json_t *out)
{
	static const char *const fields[] = { "owner", "service", "tier" };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(rec, fields[i]);
		if (json_is_string(v))
			json_object_set(out, fields[i], v);
	}
}

/* The name to ask the CMDB for: the end of the CNAME chain the dns enricher
 * found (noted in out), else the finding's target. */
static const char *lookup_name(const struct cmdb *c, const json_t *finding, json_t *out)
{
	const json_t *dns = json_object_get(json_object_get(finding, "enrichment"), c->dns);
	const json_t *chain = json_object_get(dns, "CNAME");
	const char *name = json_string_value(json_array_get(chain, json_array_size(chain) - 1));

	if (!name)
		return json_string_value(json_object_get(finding, "target"));
	json_object_set_new(out, "name", json_string(name));
	json_object_set_new(out, "via", json_string("dns"));
	return name;
}

static int cmdb_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct cmdb *c = state;
	const char *target = lookup_name(c, finding, out);
	char enc[512], url[1024], auth[512];
	const char *headers[3];
	struct pg_http_request req = { .struct_size = sizeof(req) };
	struct pg_http_response resp;
	json_t *rec;
	int rc = PG_PLUGIN_FAIL;

	(void)new_findings;
	if (!target) {
		c->host->error(c->ctx, "finding has no target");
		return PG_PLUGIN_FAIL;
	}
	encode(target, enc, sizeof(enc));
	snprintf(url, sizeof(url), "%s/assets/%s", c->url, enc);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
	headers[0] = auth;
	headers[1] = "Accept: application/json";
	headers[2] = NULL;
	req.url = url;
	req.headers = headers;
	req.timeout_ms = 0; /* bounded by the host's per-call deadline (instance timeoutMs) */
	if (c->host->http(c->ctx, &req, &resp) != 0) {
		c->host->error(c->ctx, "CMDB unreachable: %s", resp.error);
	} else if (resp.status == 404) {
		json_object_set_new(out, "found", json_false());
		rc = PG_PLUGIN_OK;
	} else if (resp.status != 200) {
		c->host->error(c->ctx, "CMDB answered HTTP %ld", resp.status);
	} else if (!(rec = json_loads(resp.body, 0, NULL)) || !json_is_object(rec)) {
		json_decref(rec);
		c->host->error(c->ctx, "CMDB answer is not a JSON object");
	} else {
		json_object_set_new(out, "found", json_true());
		copy_fields(rec, out);
		json_decref(rec);
		rc = PG_PLUGIN_OK;
	}
	c->host->http_response_clear(&resp);
	return rc;
}

static struct pg_plugin cmdb_plugin = {
	.kind = PG_PLUGIN_ENRICHER,
	.name = "cmdb",
	.version = "1.0.0",
	.description = "owner, service and tier of the target from an internal CMDB",
	.options = cmdb_options,
	.thread_model = PG_THREAD_PARALLEL,
	.create = cmdb_create,
	.destroy = cmdb_destroy,
	.enrich = cmdb_enrich,
	.enrich_scope = PG_SCOPE_TARGET,
	.cache_ttl_s = 3600,
};

PORTGATE_PLUGIN(cmdb_plugin)
