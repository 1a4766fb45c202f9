/* netlib.c - time budget, clocks, asset context, severities (see netlib.h);
 * the memo is memo.c, the gate gate.c. */
#include "netlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void nl_rfc3339(int64_t unix_s, char out[32])
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long nl_time_left(const struct nl_env *e, long fallback_ms)
{
	long left = fallback_ms;

#if NL_ABI_1_1
	if (PG_HOST_HAS(e->host, time_left_ms) && e->host->time_left_ms)
		left = pg_clock_budget_ms(e->host->time_left_ms(e->ctx));
#else
	(void)e;
#endif
	return left > 0 ? left : 0;
}

long nl_budget(const struct nl_env *e, long want_ms, long fallback_ms)
{
	long left = nl_time_left(e, fallback_ms);

	return want_ms < left ? want_ms : left;
}

const json_t *nl_asset_context(const json_t *finding)
{
	const json_t *c = json_object_get(finding, "assetContext");

	return json_is_object(c) ? c : NULL;
}

const char *const nl_severity_names[] = { "info", "low", "medium", "high", "critical", NULL };

int nl_valid_severity(const char *v)
{
	for (size_t i = 0; v && nl_severity_names[i]; i++)
		if (!strcmp(v, nl_severity_names[i]))
			return 1;
	return 0;
}
