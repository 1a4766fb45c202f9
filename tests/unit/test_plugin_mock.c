/* test_plugin_mock.c - the built plugins, each driven alone through the mock
 * host (tests/plugins/mock_host.c): no portgate core involved. */
#include "config.h"

#include "pg_check.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

struct loaded {
	void *dl;
	const struct pg_plugin *desc;
	void *state;
};

static struct loaded load(const char *name, struct mock_host *m)
{
	char path[512];
	struct loaded l = { 0 };
	pg_plugin_entry_fn entry;
	void *sym;

	snprintf(path, sizeof(path), "%s/%s.so", PG_BUILT_PLUGIN_DIR, name);
	l.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(l.dl != NULL, "%s", dlerror());
	sym = dlsym(l.dl, PG_PLUGIN_ENTRY_SYMBOL);
	ck_assert_ptr_nonnull(sym);
	memcpy(&entry, &sym, sizeof(entry));
	l.desc = entry();
	ck_assert_int_eq(l.desc->abi_major, PG_PLUGIN_ABI_MAJOR);
	ck_assert_uint_eq(l.desc->struct_size, sizeof(struct pg_plugin));
	if (m)
		ck_assert_int_eq(l.desc->create(mock_host_ctx(m), mock_host_api(), &l.state),
				 PG_PLUGIN_OK);
	return l;
}

static void unload(struct loaded *l)
{
	if (l->state)
		l->desc->destroy(l->state);
	dlclose(l->dl);
}

static json_t *event(void)
{
	return json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "type", "portgate.report", "idempotencyKey",
			 "k1", "findings", "rule", "port-unapproved-open", "target", "a.example");
}

START_TEST(test_webhook_signs_and_keys)
{
	const char *kv[] = { "url=https://hooks.example/x?token=SUPERSECRET", "secretEnv=PG_T_SECRET",
			     NULL };
	struct mock_host *m = mock_host_new("hook", kv);
	struct loaded l;
	json_t *ev = event();
	long ra = -1;
	char expect[65];
	const char *secret = "It's a Secret to Everybody";

	setenv("PG_T_SECRET", secret, 1);
	l = load("webhook", m);
	ck_assert_int_eq(l.desc->notify(l.state, ev, "abc123", &ra), PG_PLUGIN_OK);
	ck_assert_int_eq(mock_host_http_calls(m), 1);
	ck_assert_str_eq(mock_host_last_method(m), "POST");
	ck_assert_str_eq(mock_host_last_header(m, "Idempotency-Key"), "abc123");
	ck_assert_str_eq(mock_host_last_header(m, "Content-Type"), "application/json");
	mock_host_api()->hmac_sha256_hex(secret, strlen(secret), mock_host_last_body(m),
					 strlen(mock_host_last_body(m)), expect);
	ck_assert_ptr_nonnull(mock_host_last_header(m, "X-Hub-Signature-256"));
	ck_assert(!strncmp(mock_host_last_header(m, "X-Hub-Signature-256"), "sha256=", 7));
	ck_assert_str_eq(mock_host_last_header(m, "X-Hub-Signature-256") + 7, expect);
	/* The body is the event itself. */
	json_t *sent = json_loads(mock_host_last_body(m), 0, NULL);
	ck_assert(json_equal(sent, ev));
	json_decref(sent);
	ck_assert(strstr(mock_host_logs(m), "SUPERSECRET") == NULL);
	json_decref(ev);
	unload(&l);
	mock_host_free(m);
}
END_TEST

START_TEST(test_webhook_status_mapping)
{
	const char *kv[] = { "url=http://127.0.0.1:1/hook", NULL };
	struct mock_host *m = mock_host_new("hook", kv);
	struct loaded l = load("webhook", m);
	json_t *ev = event();
	long ra;

	unsetenv("PG_T_SECRET");
	mock_host_http_reply(m, 503, "busy", 2000);
	ra = -1;
	ck_assert_int_eq(l.desc->notify(l.state, ev, "k", &ra), PG_PLUGIN_RETRY);
	ck_assert_int_eq(ra, 2000);
	ck_assert(strstr(mock_host_error(m), "503") != NULL);
	ck_assert_ptr_null(mock_host_last_header(m, "X-Hub-Signature-256"));
	mock_host_http_reply(m, 429, "", -1);
	ck_assert_int_eq(l.desc->notify(l.state, ev, "k", &ra), PG_PLUGIN_RETRY);
	mock_host_http_reply(m, 400, "bad", -1);
	ck_assert_int_eq(l.desc->notify(l.state, ev, "k", &ra), PG_PLUGIN_FAIL);
	mock_host_http_reply(m, 0, NULL, -1);
	ck_assert_int_eq(l.desc->notify(l.state, ev, "k", &ra), PG_PLUGIN_RETRY);
	mock_host_http_reply(m, 204, "", -1);
	ck_assert_int_eq(l.desc->notify(l.state, ev, "k", &ra), PG_PLUGIN_OK);
	json_decref(ev);
	unload(&l);
	mock_host_free(m);
}
END_TEST

/* Since ABI 1.3 the host, not the plugin, refuses a bad url (the typed table:
 * tests/unit/test_plugin.c and tests/e2e/plugin_describe.sh): the plugin
 * declares it a required PG_OPT_URL and the format an enum. */
START_TEST(test_webhook_rejects_bad_url)
{
	struct loaded l = load("webhook", NULL);
	const struct pg_option_spec *o = l.desc->option_table;
	size_t i = 0;

	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(l.desc->option_spec_size, sizeof(*o));
	while (o[i].name && strcmp(o[i].name, "url"))
		i++;
	ck_assert_int_eq(o[i].type, PG_OPT_URL);
	ck_assert(o[i].required);
	while (o[i].name && strcmp(o[i].name, "format"))
		i++;
	ck_assert_int_eq(o[i].type, PG_OPT_ENUM);
	ck_assert_int_eq(pg_option_choice(o[i].choices, "teams"), 2);
	unload(&l);
}
END_TEST

START_TEST(test_dns_enricher)
{
	const char *kv[] = { "types=A,MX", NULL };
	struct mock_host *m = mock_host_new("dns", kv);
	struct loaded l;
	json_t *f = json_pack("{s:s}", "target", "a.example"), *out = json_object(),
	       *added = json_array();

	mock_host_dns_answer(m, "a.example", "A", "192.0.2.1");
	mock_host_dns_answer(m, "a.example", "MX", "10 mx.a.example");
	mock_host_dns_answer(m, "a.example", "NS", "ns.a.example");
	l = load("dns", m);
	ck_assert_int_eq(l.desc->enrich(l.state, f, out, added), PG_PLUGIN_OK);
	ck_assert_int_eq(mock_host_dns_calls(m), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(out, "A"), 0)), "192.0.2.1");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(out, "MX"), 0)),
			 "10 mx.a.example");
	ck_assert_ptr_null(json_object_get(out, "NS")); /* not asked */
	ck_assert_uint_eq(json_array_size(added), 0);
	json_decref(f);
	json_decref(out);
	/* An IP literal target needs no lookups. */
	f = json_pack("{s:s}", "target", "192.0.2.7");
	out = json_object();
	ck_assert_int_eq(l.desc->enrich(l.state, f, out, added), PG_PLUGIN_OK);
	ck_assert_int_eq(mock_host_dns_calls(m), 2);
	ck_assert_ptr_nonnull(json_object_get(out, "skipped"));
	json_decref(f);
	json_decref(out);
	json_decref(added);
	unload(&l);
	mock_host_free(m);
}
END_TEST

START_TEST(test_dns_bad_types)
{
	const char *kv[] = { "types=A,SRV", NULL };
	struct mock_host *m = mock_host_new("dns", kv);
	struct loaded l = load("dns", NULL);
	void *st = NULL;

	ck_assert_int_eq(l.desc->create(mock_host_ctx(m), mock_host_api(), &st), PG_PLUGIN_FAIL);
	unload(&l);
	mock_host_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-mock");
	TCase *t = tcase_create("plugins");

	tcase_add_test(t, test_webhook_signs_and_keys);
	tcase_add_test(t, test_webhook_status_mapping);
	tcase_add_test(t, test_webhook_rejects_bad_url);
	tcase_add_test(t, test_dns_enricher);
	tcase_add_test(t, test_dns_bad_types);
	suite_add_tcase(s, t);
	return pg_check_run(s);
}
