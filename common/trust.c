/* trust.c - see trust.h. */
#include "common/trust.h"

struct pg_trust pg_trust_get(const struct pg_host_api *host, struct pg_plugin_ctx *ctx,
			     const char *opt)
{
	struct pg_trust t = { host->opt_string(ctx, opt), NULL };

	if (PG_HOST_HAS(host, ca_file) && host->ca_file)
		t.global = host->ca_file(ctx);
	return t;
}

const char *pg_trust_curl_file(const struct pg_trust *t)
{
	return t->own ? t->own : t->global;
}
