/* mock_host.h - a fake portgate host so one plugin can be unit-tested alone:
 * options from "name=value" strings, canned HTTP and DNS answers, captured
 * requests, logs and errors. Single-threaded. */
#ifndef PG_MOCK_HOST_H
#define PG_MOCK_HOST_H

#include <portgate/plugin.h>

struct mock_host;

/* kv: NULL-terminated "name=value" list (a secret-env option's value names the env var). */
struct mock_host *mock_host_new(const char *instance, const char *const *kv);
void mock_host_free(struct mock_host *m);
const struct pg_host_api *mock_host_api(void);
struct pg_plugin_ctx *mock_host_ctx(struct mock_host *m);

/* Canned HTTP reply (status 0 = transport error). */
void mock_host_http_reply(struct mock_host *m, long status, const char *body, long retry_after_ms);
int mock_host_http_calls(const struct mock_host *m);
const char *mock_host_last_url(const struct mock_host *m);
const char *mock_host_last_method(const struct mock_host *m);
const char *mock_host_last_body(const struct mock_host *m);
/* Value of a header of the last request, NULL if absent. */
const char *mock_host_last_header(const struct mock_host *m, const char *name);

/* Canned DNS answer for (name, type); -1 rc for unlisted names when strict. */
void mock_host_dns_answer(struct mock_host *m, const char *name, const char *type,
			  const char *value);
int mock_host_dns_calls(const struct mock_host *m);

const char *mock_host_logs(const struct mock_host *m);  /* all log lines */
const char *mock_host_error(const struct mock_host *m); /* last host->error text */

#endif
