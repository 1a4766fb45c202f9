/* http_status.c - see http_status.h (the status rule; Retry-After is
 * http_date.c, which needs libcurl). */
#include "common/http_status.h"

#include <portgate/plugin.h>

int pg_http_status_outcome(long status)
{
	if (status >= 200 && status < 300)
		return PG_PLUGIN_OK;
	if (status == 429 || (status >= 500 && status < 600))
		return PG_PLUGIN_RETRY;
	return PG_PLUGIN_FAIL;
}
