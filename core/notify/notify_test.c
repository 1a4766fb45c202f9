/* notify_test.c - `portgate plugin-test notify`: every configured notifier on
 * one canned event, exactly as a run calls it (worker processes, deadlines),
 * reporting per instance what the plugin returned and what it sent over
 * host->http. */
#include "config.h"
#include "notify.h"

#include "plugin/plugin_instance.h"
#include "plugin/plugin_isolate.h"

json_t *pg_notify_test(struct pg_plugin_host *h, const json_t *event)
{
	const char *key = json_string_value(json_object_get(event, "idempotencyKey"));
	json_t *res = json_object();

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_NOTIFIER); i++) {
		struct pg_plugin_ctx *c = pg_plugin_at(h, PG_PLUGIN_NOTIFIER, i);
		struct pg_isolated_call call = { .c = c,
						 .event = event,
						 .key = key ? key : "plugin-test",
						 .sent = json_array() };
		int rc = pg_isolate_notify(&call);

		json_object_set_new(res, pg_plugin_name(c),
				    json_pack("{s:s, s:s, s:s, s:I, s:o}", "plugin",
					      pg_plugin_module_name(c), "result",
					      pg_isolate_rc_name(rc), "error", call.err,
					      "retryAfterMs", (json_int_t)call.retry_after_ms,
					      "sent", call.sent));
	}
	return res;
}
