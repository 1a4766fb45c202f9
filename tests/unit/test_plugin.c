/* test_plugin.c - plugin host: loading rules, config validation, enrichment
 * scheduling (memo, cache, timeouts, thread models), notify + outbox. */
#include "config.h"

#include "pg_check.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enrich/enrich.h"
#include "plugin/http.h"
#include "common/http_status.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "plugin/plugin_host.h"
#include "plugin/plugin_instance.h"
#include "plugin/plugin_int.h" /* white box: an in-process enricher */
#include "plugin/plugin_lanes.h"
#include "run/rule_check.h"
#include "run/run_stages.h"
#include "config/settings.h"

static char gooddir[128]; /* tmpdir comes from pg_check.h */

static const char *const good_plugins[] = { "testenrich",     "testserial", "testnotify",
					    "testnotifyeach", "oldabi",     "testcmdb" };

static void setup(void)
{
	char src[512], dst[512];

	pg_check_tmpdir_make("plugin");
	snprintf(gooddir, sizeof(gooddir), "%s/good", tmpdir);
	ck_assert_int_eq(mkdir(gooddir, 0755), 0);
	for (size_t i = 0; i < PG_ARRAY_LEN(good_plugins); i++) {
		snprintf(src, sizeof(src), "%s/%s.so", PG_TEST_PLUGIN_DIR, good_plugins[i]);
		snprintf(dst, sizeof(dst), "%s/%s.so", gooddir, good_plugins[i]);
		ck_assert_int_eq(symlink(src, dst), 0);
	}
}

static void teardown(void)
{
	pg_check_tmpdir_remove();
}

static char *tmp_path(const char *name)
{
	return pg_xasprintf("%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, ch;

	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static bool diag_has(const struct pg_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], needle))
			return true;
	return false;
}

/* Config text with %s for the state directory, loaded through settings.c. */
static struct pg_config *config_from(const char *yaml_body, struct pg_diag *diag)
{
	char *path = tmp_path("portgate.yaml");
	char *state = tmp_path("state");
	char *text = pg_xasprintf("stateDir: %s\npluginDirs: [%s]\n%s", state, gooddir, yaml_body);
	struct pg_config *cfg;

	write_text(path, text);
	cfg = pg_config_load(path, diag);
	if (!cfg)
		pg_diag_print(diag, stderr);
	free(text);
	free(state);
	free(path);
	return cfg;
}

static struct pg_plugin_host *host_from(const char *yaml_body, struct pg_config **cfgp,
					struct pg_diag *diag)
{
	struct pg_config *cfg = config_from(yaml_body, diag);
	struct pg_plugin_host *h;

	ck_assert_ptr_nonnull(cfg);
	h = pg_plugin_host_new(cfg, NULL, 0, pg_run_stages, diag);
	*cfgp = cfg;
	return h;
}

static json_t *sample_report(void)
{
	json_error_t e;
	json_t *r = json_loads("{\"run\": {\"id\": \"run_test_1\", \"verdict\": \"fail\"},"
			       " \"assets\": ["
			       "  {\"name\": \"a\", \"target\": \"a.example\", \"findings\": ["
			       "    {\"rule\": \"port-unapproved-open\", \"action\": \"fail\", "
			       "\"target\": \"a.example\","
			       "     \"ip\": \"127.0.0.1\", \"port\": 8080, \"asset\": \"a\", "
			       "\"fingerprint\": \"1111\"},"
			       "    {\"rule\": \"port-unapproved-open\", \"action\": \"fail\", "
			       "\"target\": \"a.example\","
			       "     \"ip\": \"127.0.0.1\", \"port\": 9090, \"asset\": \"a\", "
			       "\"fingerprint\": \"2222\"}]},"
			       "  {\"name\": \"b\", \"target\": \"b.example\", \"findings\": ["
			       "    {\"rule\": \"port-approved-closed\", \"action\": \"warn\", "
			       "\"target\": \"b.example\","
			       "     \"ip\": \"127.0.0.2\", \"port\": 22, \"asset\": \"b\", "
			       "\"fingerprint\": \"3333\"}]}]}",
			       0, &e);
	ck_assert_msg(r != NULL, "%s", e.text);
	return r;
}

static json_t *finding_at(json_t *report, size_t asset, size_t idx)
{
	return json_array_get(
		json_object_get(json_array_get(json_object_get(report, "assets"), asset),
				"findings"),
		idx);
}

static json_t *enrichment_of(json_t *f, const char *inst)
{
	return json_object_get(json_object_get(f, "enrichment"), inst);
}

/* ---- loading ---------------------------------------------------------- */

START_TEST(test_old_descriptor_loads)
{
	struct pg_diag d = { 0 };
	char *path = pg_xasprintf("%s/oldabi.so", PG_TEST_PLUGIN_DIR);
	struct pg_plugin_host *h = pg_plugin_host_empty();
	struct pg_module *m = pg_plugin_load_file(h, path, &d);

	pg_diag_print(&d, stderr);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->desc.name, "oldabi");
	ck_assert_uint_lt(m->orig_size, sizeof(struct pg_plugin));
	ck_assert_uint_ge(m->orig_size, PG_PLUGIN_MIN_SIZE);
	/* Fields it did not have read as zero: the defaults. */
	ck_assert_uint_eq(m->desc.cache_ttl_s, 0);
	ck_assert_uint_eq(m->desc.timeout_ms, 0);
	ck_assert_int_eq(m->desc.notify_mode, PG_NOTIFY_PER_REPORT);
	/* a 1.0 plugin declares no rules, and what it emits is never "undeclared" */
	ck_assert(!m->declares_rules);
	ck_assert_ptr_null(pg_module_rule(m, 0));
	pg_plugin_host_free(h);
	pg_diag_clear(&d);
	free(path);
}
END_TEST

static void expect_refused(const char *file, const char *msg)
{
	struct pg_diag d = { 0 };
	char *path = pg_xasprintf("%s/%s", PG_TEST_PLUGIN_DIR, file);
	struct pg_plugin_host *h = pg_plugin_host_empty();

	ck_assert_ptr_null(pg_plugin_load_file(h, path, &d));
	ck_assert_msg(diag_has(&d, msg), "%s: expected '%s', got '%s'", file, msg,
		      d.n ? d.msgs[0] : "(nothing)");
	ck_assert_uint_eq(h->nmods, 0);
	pg_plugin_host_free(h);
	pg_diag_clear(&d);
	free(path);
}

START_TEST(test_refusals)
{
	expect_refused("wrongmajor.so", "plugin ABI 2.0 is not supported");
	expect_refused("nocallback.so", "notifier without its notify callback");
	expect_refused("badoption.so", "option x has type 42, unknown to this portgate");
	expect_refused("badrule.so", "plugin badrule: rule 1 'port-unapproved-open' is a core rule "
				     "(only network-unexpected may be declared)");
	expect_refused("does-not-exist.so", "cannot stat");
}
END_TEST

static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *data = pg_read_file(from, 64 << 20, &len);
	int fd;

	ck_assert_ptr_nonnull(data);
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(chmod(to, mode), 0);
	free(data);
}

START_TEST(test_writable_refused)
{
	struct pg_diag d = { 0 };
	char *src = pg_xasprintf("%s/testenrich.so", PG_TEST_PLUGIN_DIR);
	char *dir = tmp_path("w");
	char *dst = pg_xasprintf("%s/testenrich.so", dir);
	struct pg_plugin_host *h = pg_plugin_host_empty();

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	copy_file(src, dst, 0664);
	ck_assert_ptr_null(pg_plugin_load_file(h, dst, &d));
	ck_assert(diag_has(&d, "writable by group or others"));
	pg_diag_clear(&d);

	/* The file is fine now, its directory is not. */
	ck_assert_int_eq(chmod(dst, 0644), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(pg_plugin_load_dirs(h, &dir, 1, &d), -1);
	ck_assert(diag_has(&d, "refusing plugin directory"));
	pg_diag_clear(&d);

	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(pg_plugin_load_dirs(h, &dir, 1, &d), 0);
	ck_assert_uint_eq(h->nmods, 1);
	pg_plugin_host_free(h);
	free(src);
	free(dst);
	free(dir);
}
END_TEST

/* Settings load only the plugins they name: a refused file beside them is a
 * warning; naming the refused plugin is an error (issue 21 item 2). */
START_TEST(test_bad_plugin_in_dir_is_skipped)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg = config_from("", &d), *named;
	char *bad = pg_xasprintf("%s/wrongmajor.so", PG_TEST_PLUGIN_DIR);
	char *link = pg_xasprintf("%s/wrongmajor.so", gooddir);
	struct pg_plugin_host *h;

	ck_assert_int_eq(symlink(bad, link), 0);
	h = pg_plugin_host_new(cfg, NULL, 0, pg_run_stages, &d);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(d.n, 0);
	pg_plugin_host_free(h);
	named = config_from("notifiers:\n  b: {plugin: bad}\n", &d);
	ck_assert_ptr_null(pg_plugin_host_new(named, NULL, 0, pg_run_stages, &d));
	ck_assert(diag_has(&d, "no plugin named 'bad'"));
	pg_config_free(named);
	pg_diag_clear(&d);
	pg_config_free(cfg);
	free(bad);
	free(link);
}
END_TEST

/* ---- config validation ------------------------------------------------ */

static void expect_config_error(const char *yaml, const char *msg)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(yaml, &cfg, &d);

	ck_assert_msg(h == NULL, "config accepted: %s", yaml);
	ck_assert_msg(diag_has(&d, msg), "expected '%s', got '%s'", msg,
		      d.n ? d.msgs[0] : "(nothing)");
	pg_diag_clear(&d);
	pg_config_free(cfg);
}

START_TEST(test_config_errors)
{
	expect_config_error("enrichers:\n  e1:\n    plugin: testenrich\n    colour: red\n",
			    "portgate.yaml:6: e1: unknown option 'colour' for plugin testenrich");
	expect_config_error("enrichers:\n  e1:\n    plugin: testenrich\n    sleepMs: soon\n",
			    ":6: e1.sleepMs: expected int, got 'soon'");
	expect_config_error("enrichers:\n  e1:\n    plugin: testenrich\n    failCreate: 3\n",
			    "e1.failCreate: expected bool");
	expect_config_error("notifiers:\n  n1:\n    plugin: testnotify\n",
			    "n1: option 'logFile' is required");
	expect_config_error("enrichers:\n  e1:\n    plugin: nosuch\n", "no plugin named 'nosuch'");
	expect_config_error("enrichers:\n  e1:\n    plugin: testnotify\n    logFile: x\n",
			    "plugin testnotify is a notifier");
	expect_config_error("enrichers:\n  e1:\n    plugin: testenrich\n    failCreate: true\n",
			    "failed to start: asked to fail");
	expect_config_error("enrich:\n  on: [fail, maybe]\n", "'maybe' is not pass, warn or fail");
	expect_config_error("notify:\n  retrys: 3\n", "notify: unknown key 'retrys'");
	expect_config_error("outbox:\n  backlogBudgetMs: -1\n",
			    "outbox.backlogBudgetMs: expected an integer 0..3600000");
	expect_config_error("outbox:\n  backoffMs: soon\n",
			    "outbox.backoffMs: expected an integer 0..86400000");
	expect_config_error("enrichers:\n  e1:\n    mode: ok\n", "'plugin: NAME' is required");
}
END_TEST

/* A required option given a value it refuses is one error (the value's), not also "required". */
START_TEST(test_refused_required_one_error)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"notifiers:\n  n1:\n    plugin: testnotify\n    logFile: {a: 1}\n", &cfg, &d);

	ck_assert_ptr_null(h);
	ck_assert_msg(d.n == 1, "%zu errors, first '%s'", d.n, d.n ? d.msgs[0] : "-");
	ck_assert_msg(diag_has(&d, "portgate.yaml:6: n1.logFile: expected string, got a map"), "%s",
		      d.msgs[0]);
	pg_diag_clear(&d);
	pg_config_free(cfg);
}
END_TEST

/* `route:` belongs to the notify stage: the host takes it only for the stage
 * it was given, keeps what the stage parsed, and knows no such key itself. */
START_TEST(test_route_is_the_stages)
{
	const char *yaml = "notifiers:\n  n1:\n    plugin: testnotify\n    logFile: x\n"
			   "    route: { owner: [web] }\n";
	struct pg_config *cfg = NULL;
	struct pg_diag d = { 0 };
	struct pg_plugin_host *h = host_from(yaml, &cfg, &d);

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(pg_plugin_stage_data(pg_plugin_at(h, PG_PLUGIN_NOTIFIER, 0)));
	pg_plugin_host_free(h);
	ck_assert_ptr_null(pg_plugin_host_new(cfg, NULL, 0, NULL, &d)); /* no stages */
	ck_assert_msg(diag_has(&d, "n1: unknown option 'route' for plugin testnotify"), "%s",
		      d.n ? d.msgs[0] : "(nothing)");
	pg_diag_clear(&d);
	pg_config_free(cfg);
	/* enrichers have their own on:/route: (the same filter, policy_route.c) */
	expect_config_error("enrichers:\n  e1:\n    plugin: testenrich\n    route: {team: a}\n",
			    "enrichers.e1.route: unknown key 'team'");
	expect_config_error("notifiers:\n  n1:\n    plugin: testnotify\n    logFile: x\n"
			    "    colour: red\n",
			    "plugin, cacheTtlSeconds, timeoutMs, route, on)");
	expect_config_error("notifiers:\n  n1:\n    plugin: testnotify\n    logFile: x\n"
			    "    route: { team: [a] }\n",
			    "notifiers.n1.route: unknown key 'team'");
}
END_TEST

/* The lane pool frees its owner with the last reference, not main's: a
 * thread still inside an abandoned call keeps it alive. */
static atomic_int owner_frees;
static atomic_int lane_go;

static void count_owner_free(void *owner)
{
	(void)owner;
	atomic_fetch_add(&owner_frees, 1);
}

static void *late_lane(void *arg)
{
	struct pg_plugin_lanes *l = arg;
	struct timespec tick = { 0, 5 * 1000000L };

	for (int i = 0; i < 1000 && !atomic_load(&lane_go); i++)
		nanosleep(&tick, NULL);
	pg_plugin_lanes_lock(l);
	pg_plugin_lanes_unref_locked(l);
	return NULL;
}

START_TEST(test_lanes_last_reference_frees)
{
	struct pg_plugin_lanes *l = pg_plugin_lanes_new(&owner_frees, count_owner_free);
	struct timespec tick = { 0, 5 * 1000000L };

	pg_plugin_lanes_lock(l);
	ck_assert(pg_plugin_lanes_spawn(l, late_lane, l));
	ck_assert(pg_plugin_lanes_spawn(l, late_lane, l));
	ck_assert_int_eq(pg_plugin_lanes_refs(l), 3);
	pg_plugin_lanes_unref_locked(l); /* main gives up first */
	ck_assert_int_eq(atomic_load(&owner_frees), 0);
	atomic_store(&lane_go, 1);
	for (int i = 0; i < 1000 && atomic_load(&owner_frees) == 0; i++)
		nanosleep(&tick, NULL);
	ck_assert_int_eq(atomic_load(&owner_frees), 1);
}
END_TEST

START_TEST(test_config_ok_two_instances)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  one:\n    plugin: testenrich\n  two:\n    plugin: testenrich\n"
		"    mode: add\n    cacheTtlSeconds: 5\n"
		"enrich:\n  on: all\n  timeoutMs: 1234\n  concurrency: 3\n"
		"notify:\n  on: [warn, fail]\n  retries: 7\n"
		"outbox:\n  backlogBudgetMs: 0\n  backoffMs: 5\n  backoffMaxMs: 50\n",
		&cfg, &d);
	const struct pg_enrich_settings *es;
	const struct pg_notify_settings *ns;

	pg_diag_print(&d, stderr);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->nenrichers, 2);
	ck_assert_str_eq(h->enrichers[1]->name, "two");
	ck_assert_uint_eq(h->enrichers[1]->cache_ttl_s, 5);
	ck_assert_uint_eq(h->enrichers[0]->cache_ttl_s, 600); /* plugin default */
	es = pg_enrich_settings(h);
	ns = pg_notify_settings(h);
	ck_assert(es->all);
	ck_assert_uint_eq(es->timeout_ms, 1234);
	ck_assert_uint_eq(h->enrichers[0]->timeout_ms, 1234); /* the stage's default */
	ck_assert_uint_eq(es->concurrency, 3);
	ck_assert(ns->on[1] && ns->on[2] && !ns->on[0]);
	ck_assert_uint_eq(ns->retries, 7);
	ck_assert_uint_eq(ns->outbox_budget_ms, 0);
	ck_assert_uint_eq(ns->outbox_backoff_ms, 5);
	ck_assert_uint_eq(ns->outbox_backoff_max_ms, 50);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* ---- the typed option table (ABI 1.3) --------------------------------- */

/* Each type's check, with its bounds, as the host applies it to a value. */
START_TEST(test_option_types)
{
	static const char *const tiers[] = { "gold", "silver", NULL };
	const struct pg_option_spec in = PG_OPTION_RANGE("n", PG_OPT_INT, NULL, 0, "", 1, 5);
	const struct pg_option_spec any = PG_OPTION("n", PG_OPT_INT, NULL, 0, "");
	const struct pg_option_spec en = PG_OPTION_ENUM("t", NULL, 0, "", tiers);
	const struct pg_option_spec du = PG_OPTION_RANGE("d", PG_OPT_DURATION, NULL, 0, "", 1000,
							 86400000);
	const struct pg_option_spec url = PG_OPTION("u", PG_OPT_URL, NULL, 0, "");
	const struct pg_option_spec b = PG_OPTION("b", PG_OPT_BOOL, NULL, 0, "");
	char why[256];
	long long v;

	ck_assert(pg_option_check_value(&in, "1", &v, why, sizeof(why)) && v == 1);
	ck_assert(pg_option_check_value(&in, "5", &v, why, sizeof(why)) && v == 5);
	ck_assert(!pg_option_check_value(&in, "6", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "value out of range (1..5)");
	ck_assert(!pg_option_check_value(&in, "0", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&in, "3x", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "expected int, got '3x'");
	ck_assert(pg_option_check_value(&any, "-99", &v, why, sizeof(why)) && v == -99);
	ck_assert(pg_option_check_value(&en, "silver", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&en, "Gold", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "one of gold, silver, got 'Gold'");
	ck_assert(pg_option_check_value(&du, "90s", &v, why, sizeof(why)) && v == 90000);
	ck_assert(pg_option_check_value(&du, "30m", &v, why, sizeof(why)) && v == 1800000);
	ck_assert(pg_option_check_value(&du, "24h", &v, why, sizeof(why)) && v == 86400000);
	ck_assert(pg_option_check_value(&du, "1000ms", &v, why, sizeof(why)) && v == 1000);
	ck_assert(!pg_option_check_value(&du, "999ms", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "duration out of range (1s..1d)");
	ck_assert(!pg_option_check_value(&du, "2d", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&du, "90", &v, why, sizeof(why))); /* unit needed */
	ck_assert(!pg_option_check_value(&du, "1.5h", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&du, "-5s", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&du, "99999999999999999d", &v, why, sizeof(why)));
	ck_assert(pg_option_parse_duration("0", &v) && v == 0);
	ck_assert(pg_option_check_value(&url, "https://cmdb.internal:8443/api?x=1", &v, why,
					sizeof(why)));
	ck_assert(pg_option_check_value(&url, "http://127.0.0.1:9/", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&url, "ftp://cmdb.internal/", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "expected an http:// or https:// URL");
	ck_assert(!pg_option_check_value(&url, "cmdb.internal", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&url, "http://", &v, why, sizeof(why)));
	ck_assert(pg_option_check_value(&b, "yes", &v, why, sizeof(why)) && v == 1);
	ck_assert(!pg_option_check_value(&b, "maybe", &v, why, sizeof(why)));
}
END_TEST

/* ABI 1.4 PG_OPT_ENUM_LIST: every word a choice, each once, at least one; the error
 * names the bad word and the choices. */
START_TEST(test_option_enum_list)
{
	static const char *const rr[] = { "A", "AAAA", "MX", NULL };
	const struct pg_option_spec l = PG_OPTION_ENUM_LIST("types", NULL, 0, "", rr);
	char why[256];
	long long v;

	ck_assert(pg_option_check_value(&l, "A", &v, why, sizeof(why)));
	ck_assert(pg_option_check_value(&l, "A,AAAA,MX", &v, why, sizeof(why)));
	ck_assert(pg_option_check_value(&l, " MX , A", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&l, "A,ZZZ", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "'ZZZ' is not one of A, AAAA, MX");
	ck_assert(!pg_option_check_value(&l, "a", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "'a' is not one of A, AAAA, MX");
	ck_assert(!pg_option_check_value(&l, "AA", &v, why, sizeof(why))); /* a prefix */
	ck_assert(!pg_option_check_value(&l, "A,MX,A", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "'A' is listed twice");
	ck_assert(pg_option_check_value(&l, "AAAA,A", &v, why, sizeof(why))); /* A in AAAA */
	ck_assert(!pg_option_check_value(&l, "", &v, why, sizeof(why)));
	ck_assert(!pg_option_check_value(&l, " , ", &v, why, sizeof(why)));
	ck_assert_str_eq(why, "an empty list: expected words separated by commas, each one of A, "
			      "AAAA, MX");
}
END_TEST

/* The same checks through a config: file:line, instance.option, why. */
START_TEST(test_option_table_config)
{
	const char *head = "enrichers:\n  c:\n    plugin: testcmdb\n";
	static const struct {
		const char *body, *msg;
	} bad[] = {
		{ "    tier: 9\n", "portgate.yaml:6: c.tier: value out of range (1..5)" },
		{ "    tier: \"2\"\n", "portgate.yaml:6: c.tier: expected int, got '2'" },
		{ "    mode: fast\n", "portgate.yaml:6: c.mode: one of dns, echo, got 'fast'" },
		{ "    maxAge: 30\n", "portgate.yaml:6: c.maxAge: expected a duration like 90s" },
		{ "    maxAge: 2d\n", "portgate.yaml:6: c.maxAge: duration out of range (1s..1d)" },
		{ "    apiUrl: ftp://x\n",
		  "portgate.yaml:6: c.apiUrl: expected an http:// or https:// URL" },
	};

	unsetenv("PG_UNIT_UNSET_VAR");
	for (size_t i = 0; i < PG_ARRAY_LEN(bad); i++) {
		char *yaml = pg_xasprintf("%s%s", head, bad[i].body);
		expect_config_error(yaml, bad[i].msg);
		free(yaml);
	}
	/* an optional secret whose variable is unset is NULL, not an error (a
	 * required one is: tests/e2e/notify_settings.sh, ticket's tokenEnv) */
	{
		struct pg_diag d = { 0 };
		struct pg_config *cfg;
		struct pg_plugin_host *h = host_from("enrichers:\n  c:\n    plugin: testcmdb\n"
						     "    tokenEnv: PG_UNIT_UNSET_VAR\n",
						     &cfg, &d);
		ck_assert_msg(h != NULL, "%s", d.n ? d.msgs[0] : "-");
		pg_plugin_host_free(h);
		pg_config_free(cfg);
	}
}
END_TEST

/* A table that breaks its own rules is refused at load, with the plugin's path. */
START_TEST(test_option_table_refused)
{
	static const char *const none[] = { NULL };
	static const struct pg_option_spec specs[][2] = {
		{ PG_OPTION_RANGE("n", PG_OPT_INT, "9", 0, "", 1, 5), PG_OPTION_END },
		{ PG_OPTION_RANGE("n", PG_OPT_INT, NULL, 0, "", 5, 1), PG_OPTION_END },
		{ PG_OPTION_ENUM("e", NULL, 0, "", none), PG_OPTION_END },
		{ PG_OPTION("d", PG_OPT_DURATION, "soon", 0, ""), PG_OPTION_END },
		{ PG_OPTION("after", PG_OPT_STRING, NULL, 0, ""), PG_OPTION_END },
		{ PG_OPTION_ENUM_LIST("l", "A,B", 0, "", none), PG_OPTION_END },
		{ PG_OPTION("x", (enum pg_option_type)99, NULL, 0, ""), PG_OPTION_END },
	};
	static const char *const want[] = { "bad default '9': value out of range (1..5)",
					    "option n has min > max",
					    "bad name or type",
					    "bad default 'soon'",
					    "option after is reserved",
					    "bad name or type",
					    "option x has type 99, unknown" };

	for (size_t i = 0; i < PG_ARRAY_LEN(specs); i++) {
		struct pg_module m = { .desc = { .name = "t",
						 .option_table = specs[i],
						 .option_spec_size = sizeof(specs[i][0]) } };
		struct pg_diag d = { 0 };
		ck_assert(!pg_plugin_options_build(&m, "t.so", &d));
		ck_assert_msg(diag_has(&d, want[i]), "%zu: %s", i, d.n ? d.msgs[0] : "-");
		free(m.opts);
		pg_diag_clear(&d);
	}
}
END_TEST

/* ABI 1.4: a rule table that breaks its rules is refused at load. */
START_TEST(test_rule_table_refused)
{
	static const struct pg_rule_spec specs[][3] = {
		{ PG_RULE_SPEC("Bad_Rule", "warn", "low", "s"), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("tls-not-offered", "warn", "low", "s"), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("x-y", "block", "low", "s"), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("x-y", NULL, "low", "s"), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("x-y", "warn", "huge", "s"), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("x-y", "warn", "low", "two\nlines"), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("x-y", "warn", "low", NULL), PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("x-y", "warn", "low", "s"), PG_RULE_SPEC("x-y", "fail", "high", "t"),
		  PG_RULE_SPEC_END },
		{ PG_RULE_SPEC("port-newly-open", "warn", "low", "s"), PG_RULE_SPEC_END },
	};
	static const char *const want[] = {
		"rule 0 '(bad id)' is not a rule id",
		"rule 0 'tls-not-offered' is a core rule (only network-unexpected may be declared)",
		"rule 0 'x-y' has no default_action pass, warn or fail",
		"rule 0 'x-y' has no default_action",
		"rule 0 'x-y' has no severity info, low, medium, high or critical",
		"rule 0 'x-y' needs a summary of one line",
		"rule 0 'x-y' needs a summary of one line",
		"rule 1 'x-y' is declared twice",
		"rule 0 'port-newly-open' is a drift rule",
	};

	for (size_t i = 0; i < PG_ARRAY_LEN(specs); i++) {
		struct pg_module m = { .desc = { .name = "t",
						 .rule_table = specs[i],
						 .rule_spec_size = sizeof(specs[i][0]) } };
		struct pg_diag d = { 0 };
		ck_assert(!pg_plugin_rules_build(&m, "t.so", &d));
		ck_assert_msg(diag_has(&d, want[i]), "%zu: %s", i, d.n ? d.msgs[0] : "-");
		free(m.rules);
		pg_diag_clear(&d);
	}
}
END_TEST

/* Two plugins declaring one rule id with other defaults: the second is refused (the
 * policy would depend on load order); declared alike it is shared; a copy of the same
 * plugin (a shadowed one from a later directory) is not another plugin. */
START_TEST(test_rule_table_unique_across_plugins)
{
	static const struct pg_rule_spec a[] = { PG_RULE_SPEC("shop-x", "warn", "low", "s"),
						 PG_RULE_SPEC_END },
					 b[] = { PG_RULE_SPEC("shop-x", "fail", "low", "s"),
						 PG_RULE_SPEC_END };
	struct pg_module m1 = {
		.desc = { .name = "one", .rule_table = a, .rule_spec_size = sizeof(a[0]) },
		.path = "one.so"
	};
	struct pg_module m2 = {
		.desc = { .name = "two", .rule_table = b, .rule_spec_size = sizeof(b[0]) },
		.path = "two.so"
	};
	struct pg_module m3 = {
		.desc = { .name = "one", .rule_table = b, .rule_spec_size = sizeof(b[0]) },
		.path = "later/one.so"
	};
	struct pg_module m4 = {
		.desc = { .name = "four", .rule_table = a, .rule_spec_size = sizeof(a[0]) },
		.path = "four.so"
	};
	struct pg_module *mods[] = { &m1 };
	struct pg_plugin_host h = { .mods = mods, .nmods = 1 };
	struct pg_diag d = { 0 };

	ck_assert(pg_plugin_rules_build(&m1, "one.so", &d));
	ck_assert(pg_plugin_rules_build(&m2, "two.so", &d));
	ck_assert(pg_plugin_rules_build(&m3, "later/one.so", &d));
	ck_assert(pg_plugin_rules_build(&m4, "four.so", &d));
	ck_assert(!pg_plugin_rules_unique(&h, &m2, &d));
	ck_assert_msg(diag_has(&d, "plugin two: rule 'shop-x' (fail, low) is declared by plugin "
				   "one (one.so) with another default"),
		      "%s", d.n ? d.msgs[0] : "-");
	ck_assert(pg_plugin_rules_unique(&h, &m3, &d)); /* the same plugin, shadowed */
	ck_assert(pg_plugin_rules_unique(&h, &m4, &d)); /* declared alike: shared */
	free(m1.rules);
	free(m2.rules);
	free(m3.rules);
	free(m4.rules);
	pg_diag_clear(&d);
}
END_TEST

/* network-unexpected may be declared; a smaller row (an older 1.x build of a
 * later row) reads as far as it goes; no table at all declares nothing. */
START_TEST(test_rule_table_kept)
{
	static const struct pg_rule_spec ok[] = {
		PG_RULE_SPEC("network-unexpected", "fail", "high", "AS not expected"),
		PG_RULE_SPEC("shop.cart-open", "pass", "info", "a dotted plugin rule"),
		PG_RULE_SPEC_END,
	};
	struct pg_module m = {
		.desc = { .name = "t", .rule_table = ok, .rule_spec_size = sizeof(ok[0]) }
	};
	struct pg_module none = { .desc = { .name = "n", .rule_spec_size = sizeof(ok[0]) } };
	struct pg_diag d = { 0 };

	ck_assert(pg_plugin_rules_build(&m, "t.so", &d));
	ck_assert(m.declares_rules);
	ck_assert_str_eq(pg_module_rule(&m, 1)->id, "shop.cart-open");
	ck_assert_str_eq(pg_module_rule(&m, 1)->severity, "info");
	ck_assert_ptr_null(pg_module_rule(&m, 2));
	ck_assert(pg_plugin_rules_build(&none, "n.so", &d));
	ck_assert(none.declares_rules);
	ck_assert_ptr_null(pg_module_rule(&none, 0));
	ck_assert_uint_eq(d.n, 0);
	free(m.rules);
}
END_TEST

/* The manifest's rule ids against core, drift and a loaded plugin's declared
 * rules: one warning per place with file:line, "did you mean" within 2 edits. */
START_TEST(test_rule_check_manifest)
{
	char *so = pg_xasprintf("%s/testenrich.so", PG_TEST_PLUGIN_DIR);
	char *mf = tmp_path("m.yaml");
	struct pg_plugin_host *h = pg_plugin_host_empty();
	struct pg_diag d = { 0 }, w = { 0 };
	struct pg_manifest *m;

	ck_assert_ptr_nonnull(pg_plugin_load_file(h, so, &d));
	write_text(mf, "version: 1\n"
		       "defaults:\n  policy: { test-adde: fail }\n"
		       "policy:\n  enforce: [port-unaproved-open, port-newly-open]\n"
		       "  rules: { test-added: fail, made-up-thing: warn }\n"
		       "assets:\n  - target: 127.0.0.1\n  - target: 127.0.0.2\n"
		       "    policy: { port-aproved-filtered: fail }\n"
		       "  - target: 127.0.0.3\n    policy: { port-aproved-filtered: warn }\n");
	ck_assert_ptr_nonnull(m = pg_manifest_load(mf, &d));
	ck_assert_uint_eq(pg_rule_check_manifest(m, h, &w), 4); /* once per id, not per asset */
	ck_assert_msg(diag_has(&w, "m.yaml:3: defaults.policy: unknown rule 'test-adde': did you "
				   "mean 'test-added'?"),
		      "%s", w.msgs[0]);
	ck_assert(diag_has(&w, "m.yaml:5: policy.enforce: unknown rule 'port-unaproved-open': "
			       "did you mean 'port-unapproved-open'?"));
	ck_assert(diag_has(&w,
			   "m.yaml:6: policy.rules: unknown rule 'made-up-thing': no core or "
			   "drift rule, and no loaded plugin declares it (plugins: testenrich)"));
	ck_assert(diag_has(&w, "m.yaml:10: assets[1].policy: unknown rule "
			       "'port-aproved-filtered': did you mean 'port-approved-filtered'?"));
	/* the same id elsewhere: one warning naming the other places */
	ck_assert(diag_has(&w, "so it has no effect) (also at line 12)"));
	ck_assert(pg_rule_known("port-newly-open", NULL)); /* drift */
	ck_assert(!pg_rule_known("test-added", NULL));
	ck_assert_ptr_null(pg_rule_suggest("port-xxxxxxx-open", h)); /* 3 edits: no hint */
	pg_manifest_free(m);
	pg_plugin_host_free(h);
	pg_diag_clear(&w);
	pg_diag_clear(&d);
	free(mf);
	free(so);
}
END_TEST

/* An exception no asset can match (its asset name, target or candidate port) is
 * reported with its line, a near asset name suggested; one that can match is not
 * (a target in another case, a UDP port). */
START_TEST(test_rule_check_exceptions)
{
	char *mf = tmp_path("x.yaml");
	struct pg_diag d = { 0 }, w = { 0 };
	struct pg_manifest *m;
	const char *x = "      reason: r\n      owner: o\n      expires: 2099-01-01\n";
	char *text = pg_xasprintf(
		"assets:\n  - name: web\n    target: App.Test\n    ports: [22, \"53/udp\"]\n"
		"policy:\n  exceptions:\n"
		"    - rule: port-unapproved-open\n      asset: wbe\n%s" /* line 7 */
		"    - rule: port-unapproved-open\n      asset: web\n      port: 2222\n%s" /* line 12 */
		"    - rule: port-unapproved-open\n      target: other.test\n%s" /* line 18 */
		"    - rule: port-unapproved-open\n      target: app.test.\n      port: 22\n%s"
		"    - rule: port-unapproved-open\n      port: \"53/udp\"\n%s",
		x, x, x, x, x);

	write_text(mf, text);
	ck_assert_ptr_nonnull(m = pg_manifest_load(mf, &d));
	ck_assert_uint_eq(pg_rule_check_manifest(m, NULL, &w), 3);
	ck_assert_msg(diag_has(&w, "x.yaml:7: policy.exceptions[0]: no asset of the manifest has "
				   "name 'wbe': as written it excepts nothing (did you mean asset "
				   "'web'?)"),
		      "%s", w.msgs[0]);
	ck_assert(diag_has(&w, "x.yaml:12: policy.exceptions[1]: no asset of the manifest has "
			       "name 'web' and candidate port 2222/tcp: as written it excepts "
			       "nothing"));
	for (size_t i = 0; i < w.n; i++) /* the name was right: no hint about it */
		ck_assert(!strstr(w.msgs[i], "port 2222") || !strstr(w.msgs[i], "did you mean"));
	ck_assert(diag_has(&w, "x.yaml:18: policy.exceptions[2]: no asset of the manifest has "
			       "target other.test"));
	pg_manifest_free(m);
	pg_diag_clear(&w);
	pg_diag_clear(&d);
	free(text);
	free(mf);
}
END_TEST

/* More than 1024 UDP ports on an asset: hours behind the ICMP rate limit, said for
 * the first three assets and counted for the rest (a defaults range: not a line per
 * asset); 1024 is no hint. */
START_TEST(test_rule_check_udp_spans)
{
	char *mf = tmp_path("u.yaml");
	struct pg_diag d = { 0 }, w = { 0 };
	struct pg_manifest *m;

	write_text(mf, "defaults:\n  ports: [\"1-2000/udp\"]\nassets:\n  - target: a\n"
		       "  - target: b\n  - target: c\n  - target: d\n  - target: e\n"
		       "  - target: f\n    ports: [\"1-1024/udp\", 22]\n");
	ck_assert_ptr_nonnull(m = pg_manifest_load(mf, &d));
	ck_assert_uint_eq(pg_rule_check_manifest(m, NULL, &w), 4);
	ck_assert_msg(diag_has(&w,
			       "u.yaml:4: assets[0] (a): 2000 UDP ports: a host answers about "
			       "one closed UDP port per second (its ICMP rate limit), so an exact "
			       "scan can take about 33 min"),
		      "%s", w.msgs[0]);
	ck_assert(diag_has(&w, "u.yaml:6: assets[2] (c): 2000 UDP ports"));
	ck_assert(diag_has(&w, "2 more assets with more than 1024 UDP ports"));
	pg_manifest_free(m);
	pg_diag_clear(&w);
	pg_diag_clear(&d);
	free(mf);
}
END_TEST

/* ---- after: ------------------------------------------------------------- */

START_TEST(test_after_errors)
{
	expect_config_error("enrichers:\n  a:\n    plugin: testenrich\n    after: [b]\n"
			    "  b:\n    plugin: testenrich\n    after: c\n"
			    "  c:\n    plugin: testenrich\n    after: [a]\n",
			    "portgate.yaml:12: enrichers.c.after: a cycle: a -> b -> c -> a");
	expect_config_error(
		"enrichers:\n  a:\n    plugin: testenrich\n    after: [dns]\n",
		"portgate.yaml:6: enrichers.a.after: 'dns' is not an enricher instance");
	expect_config_error("enrichers:\n  a:\n    plugin: testenrich\n    after: [a]\n",
			    "portgate.yaml:6: enrichers.a.after: 'a' is the instance itself");
	expect_config_error("enrichers:\n  a:\n    plugin: testenrich\n    after: [{x: 1}]\n",
			    "enrichers.a.after: expected an instance name or a list of them");
	expect_config_error("enrichers:\n  a:\n    plugin: testenrich\n    on: [fail]\n"
			    "    route: {action: warn}\n",
			    "enrichers.a: on and route.action both say which actions; keep one");
	expect_config_error("enrichers:\n  a:\n    plugin: testenrich\n    on: [later]\n",
			    "portgate.yaml:6: enrichers.a.on: 'later' is not pass, warn or fail");
}
END_TEST

/* cmdb runs after first (level 1) and sees first's result, not third's. */
START_TEST(test_after_order)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  cmdb:\n    plugin: testcmdb\n    mode: echo\n    after: [first]\n"
		"  first:\n    plugin: testenrich\n  third:\n    plugin: testenrich\n",
		&cfg, &d);
	json_t *r = sample_report(), *seen;

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	seen = json_object_get(enrichment_of(finding_at(r, 0, 0), "cmdb"), "enrichmentSeen");
	ck_assert_msg(json_array_size(seen) == 1 &&
			      !strcmp(json_string_value(json_array_get(seen, 0)), "first"),
		      "%s", json_dumps(enrichment_of(finding_at(r, 0, 0), "cmdb"), 0));
	/* the typed options' values: defaults, a duration in ms */
	ck_assert_int_eq(json_integer_value(json_object_get(
				 enrichment_of(finding_at(r, 0, 0), "cmdb"), "maxAgeMs")),
			 3600000);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* An enricher's own on:/route: replaces enrich.on for it alone. */
START_TEST(test_enrich_instance_route)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  w:\n    plugin: testenrich\n"
		"    on: [warn]\n  b:\n    plugin: testenrich\n"
		"    route: {rule: port-approved-closed, action: [warn]}\n"
		"  all:\n    plugin: testenrich\n",
		&cfg, &d);
	json_t *r = sample_report();

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	ck_assert_ptr_null(enrichment_of(finding_at(r, 0, 0), "w")); /* fail */
	ck_assert_ptr_nonnull(enrichment_of(finding_at(r, 1, 0), "w"));
	ck_assert_ptr_null(enrichment_of(finding_at(r, 0, 0), "b"));
	ck_assert_ptr_nonnull(enrichment_of(finding_at(r, 1, 0), "b"));
	ck_assert_ptr_nonnull(enrichment_of(finding_at(r, 0, 0), "all")); /* enrich.on */
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* ---- enrichment ------------------------------------------------------- */

START_TEST(test_enrich_memo_and_merge)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	char *count = tmp_path("calls");
	char *yaml = pg_xasprintf("enrichers:\n  ctx:\n    plugin: testenrich\n    countFile: %s\n",
				  count);
	struct pg_plugin_host *h = host_from(yaml, &cfg, &d);
	json_t *r = sample_report();

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(pg_enrich_report(h, r, false), 0);
	/* Two findings share a.example/127.0.0.1: one call for them, one for b. */
	ck_assert_int_eq(count_lines(count), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 enrichment_of(finding_at(r, 0, 0), "ctx"), "seen")),
			 "a.example");
	ck_assert_ptr_nonnull(enrichment_of(finding_at(r, 0, 1), "ctx"));
	ck_assert_str_eq(json_string_value(json_object_get(
				 enrichment_of(finding_at(r, 1, 0), "ctx"), "seen")),
			 "b.example");
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(yaml);
	free(count);
}
END_TEST

START_TEST(test_enrich_selection)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  ctx:\n    plugin: testenrich\nenrich:\n  on: [warn]\n", &cfg, &d);
	json_t *r = sample_report();

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, false);
	ck_assert_ptr_null(json_object_get(finding_at(r, 0, 0), "enrichment"));
	ck_assert_ptr_nonnull(enrichment_of(finding_at(r, 1, 0), "ctx"));
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* Which assets an enricher judges by itself (ABI 1.3 judges): by the manifest
 * fields and the scan's port objects, and the tag its option names. */
START_TEST(test_enrich_judges)
{
	static const struct pg_option_spec opts[] = {
		PG_OPTION("authTag", PG_OPT_STRING, "auth", 0, ""), PG_OPTION_END
	};
	struct pg_module mod = { .desc = { .option_table = opts } };
	struct pg_optval tag = { .opt = &opts[0], .text = "login" };
	struct pg_plugin_ctx c = { .mod = &mod, .opts = &tag, .nopts = 1 };
	json_t *web = json_pack("{s:[{s:i, s:s, s:s}]}", "ports", "port", 80, "state", "open",
				"service", "http");
	json_t *tls = json_pack("{s:[{s:i, s:s, s:b}]}", "ports", "port", 443, "state", "open",
				"speaksTls", 1);
	json_t *closed = json_pack("{s:[{s:i, s:s}]}", "ports", "port", 8443, "state", "closed");
	json_t *tagged = json_pack("{s:[s, s]}", "tags", "x", "login");
	json_t *plain = json_pack("{s:s, s:[s, i]}", "domain", "example.com", "expectedNetwork",
				  "10.0.0.0/8", 64500);
	json_t *listed = json_pack("{s:[i]}", "tlsPorts", 8443);

	ck_assert(!pg_enrich_judges_asset(&c, plain)); /* judges nothing: findings only */
	mod.desc.judges = PG_JUDGE_WEB_PORTS;
	mod.desc.judges_tag_option = "authTag";
	ck_assert(pg_enrich_judges_asset(&c, tagged)); /* the instance's tag, not the default */
	ck_assert(!pg_enrich_judges_asset(&c, plain));
	ck_assert(pg_enrich_judges_at(&c, tagged, web));
	ck_assert(!pg_enrich_judges_at(&c, tagged, tls));
	ck_assert(!pg_enrich_judges_at(&c, tagged, NULL));
	mod.desc.judges = PG_JUDGE_TLS_PORTS;
	mod.desc.judges_tag_option = NULL;
	ck_assert(pg_enrich_judges_asset(&c, plain));
	ck_assert(pg_enrich_judges_at(&c, plain, tls));
	ck_assert(!pg_enrich_judges_at(&c, plain, closed)); /* listed but closed */
	json_object_set_new(json_array_get(json_object_get(closed, "ports"), 0), "state",
			    json_string("open"));
	ck_assert(pg_enrich_judges_at(&c, listed, closed)); /* open and in tlsPorts */
	ck_assert(!pg_enrich_judges_at(&c, plain, closed));
	/* the same port open on UDP (QUIC, DTLS) is no TLS port: the ssl plugin connects over TCP */
	json_object_set_new(json_array_get(json_object_get(closed, "ports"), 0), "protocol",
			    json_string("udp"));
	ck_assert(!pg_enrich_judges_at(&c, listed, closed));
	mod.desc.judges = PG_JUDGE_DOMAIN;
	ck_assert(pg_enrich_judges_at(&c, plain, NULL));
	ck_assert(!pg_enrich_judges_at(&c, tagged, web));
	mod.desc.judges = PG_JUDGE_NETWORK_ASN;
	ck_assert(pg_enrich_judges_at(&c, plain, NULL)); /* 64500 is an ASN */
	json_object_set_new(plain, "expectedNetwork", json_string("AS64500"));
	ck_assert(pg_enrich_judges_at(&c, plain, NULL));
	json_object_set_new(plain, "expectedNetwork", json_pack("[s]", "192.0.2.0/24"));
	ck_assert(!pg_enrich_judges_at(&c, plain, NULL)); /* CIDRs are the core's */
	json_decref(web);
	json_decref(tls);
	json_decref(closed);
	json_decref(tagged);
	json_decref(plain);
	json_decref(listed);
}
END_TEST

START_TEST(test_enrich_error_recorded)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  broken:\n    plugin: testenrich\n    mode: error\n", &cfg, &d);
	json_t *r = sample_report(), *e;

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, false);
	e = enrichment_of(finding_at(r, 1, 0), "broken");
	ck_assert_str_eq(json_string_value(json_object_get(e, "error")),
			 "lookup failed for b.example");
	ck_assert_ptr_null(json_object_get(e, "seen")); /* output dropped on failure */
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

START_TEST(test_enrich_timeout)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  slow:\n    plugin: testenrich\n    mode: slow\n    sleepMs: 3000\n"
		"    timeoutMs: 200\n  fast:\n    plugin: testenrich\n",
		&cfg, &d);
	json_t *r = sample_report();
	uint64_t t0 = pg_clock_now_ms(), took;
	const char *err;

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	took = pg_clock_now_ms() - t0;
	/* returned before the 3000 ms call could have ended: it did not wait for it */
	ck_assert_msg(took < 3000, "waited %llu ms for a 200 ms timeout", (unsigned long long)took);
	err = json_string_value(
		json_object_get(enrichment_of(finding_at(r, 0, 0), "slow"), "error"));
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "timed out after 200 ms") || strstr(err, "skipped"), "%s", err);
	/* The other instance is unaffected. */
	ck_assert_ptr_nonnull(json_object_get(enrichment_of(finding_at(r, 0, 0), "fast"), "seen"));
	json_decref(r);
	/* The hung call still runs: freeing must not destroy its instance. */
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

START_TEST(test_enrich_added_findings)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from("enrichers:\n  adder:\n    plugin: testenrich\n    "
					     "mode: add\n    addRule: net-odd\n",
					     &cfg, &d);
	json_t *r = sample_report(), *f;

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, false);
	ck_assert_uint_eq(json_array_size(json_object_get(
				  json_array_get(json_object_get(r, "assets"), 0), "findings")),
			  3);
	f = finding_at(r, 0, 2);
	ck_assert_str_eq(json_string_value(json_object_get(f, "rule")), "net-odd");
	ck_assert_str_eq(json_string_value(json_object_get(f, "source")), "adder");
	ck_assert_str_eq(json_string_value(json_object_get(f, "defaultAction")), "warn");
	ck_assert_str_eq(json_string_value(json_object_get(f, "target")), "a.example");
	ck_assert_ptr_null(json_object_get(f, "action"));
	ck_assert_ptr_null(json_object_get(f, "fingerprint"));
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

static int enrich_run_count(const char *yaml, bool skip_cache, const char *count)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(yaml, &cfg, &d);
	json_t *r = sample_report();

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, skip_cache);
	ck_assert_ptr_nonnull(enrichment_of(finding_at(r, 0, 0), "c"));
	ck_assert_ptr_null(json_object_get(enrichment_of(finding_at(r, 0, 0), "c"), "error"));
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	return count_lines(count);
}

START_TEST(test_enrich_cache_across_runs)
{
	char *count = tmp_path("calls");
	char *yaml = pg_xasprintf("enrichers:\n  c:\n    plugin: testenrich\n    countFile: %s\n",
				  count);

	ck_assert_int_eq(enrich_run_count(yaml, false, count), 2);
	ck_assert_int_eq(enrich_run_count(yaml, false, count), 2); /* from the cache */
	ck_assert_int_eq(enrich_run_count(yaml, true, count), 4);  /* skipCache */
	free(yaml);
	yaml = pg_xasprintf("enrichers:\n  c:\n    plugin: testenrich\n    countFile: %s\n"
			    "    cacheTtlSeconds: 0\n",
			    count);
	ck_assert_int_eq(enrich_run_count(yaml, false, count), 6); /* caching off */
	free(yaml);
	free(count);
}
END_TEST

static json_t *report_with_targets(int n)
{
	json_t *findings = json_array();

	char target[32];

	for (int i = 0; i < n; i++) {
		snprintf(target, sizeof(target), "t%d", i);
		json_array_append_new(findings, json_pack("{s:s, s:s, s:s, s:s, s:i}", "rule", "x",
							  "action", "fail", "target", target, "ip",
							  "127.0.0.1", "port", 80));
	}
	return json_pack("{s:{s:s}, s:[{s:s, s:o}]}", "run", "id", "r", "assets", "name", "a",
			 "findings", findings);
}

static int max_in_flight(json_t *r, const char *inst)
{
	json_t *f;
	size_t i;
	int max = 0;

	json_array_foreach(
		json_object_get(json_array_get(json_object_get(r, "assets"), 0), "findings"), i, f)
	{
		int v = (int)json_integer_value(
			json_object_get(enrichment_of(f, inst), "inFlight"));
		max = v > max ? v : max;
	}
	return max;
}

START_TEST(test_thread_models)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  par:\n    plugin: testenrich\n    sleepMs: 150\n"
		"  ser:\n    plugin: testserial\n    sleepMs: 30\nenrich:\n  concurrency: 4\n",
		&cfg, &d);
	json_t *r = report_with_targets(6);

	/* in-flight counts live in the plugin's memory: one process for all calls */
	setenv("PORTGATE_PLUGIN_ISOLATION", "inline", 1);
	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	ck_assert_int_eq(max_in_flight(r, "ser"), 1);
	ck_assert_int_gt(max_in_flight(r, "par"), 1);
	ck_assert_int_le(max_in_flight(r, "par"), 4); /* the pool is bounded */
	unsetenv("PORTGATE_PLUGIN_ISOLATION");
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* The most calls of inst whose spans (testenrich's spanUs, machine-wide monotonic
 * clock) cover one moment: the start of one of them. */
static int max_overlap(json_t *r, const char *inst, size_t n)
{
	json_int_t a[16], b[16];
	int max = 0;

	ck_assert_uint_le(n, 16);
	for (size_t i = 0; i < n; i++) {
		json_t *sp = json_object_get(enrichment_of(finding_at(r, 0, i), inst), "spanUs");

		ck_assert_msg(json_array_size(sp) == 2, "call %zu has no span", i);
		a[i] = json_integer_value(json_array_get(sp, 0));
		b[i] = json_integer_value(json_array_get(sp, 1));
	}
	for (size_t i = 0; i < n; i++) {
		int k = 0;

		for (size_t j = 0; j < n; j++)
			k += a[j] <= a[i] && a[i] < b[j];
		max = k > max ? k : max;
	}
	return max;
}

/* Isolated, a parallel plugin's calls still overlap (one worker process per
 * concurrent call), at most as many at once as the pool has workers. Each call
 * counts in flight in its own process, so the overlap is read off the calls' spans
 * on the machine-wide monotonic clock, not off the run's duration. */
START_TEST(test_isolated_parallel)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from(
		"enrichers:\n  par:\n    plugin: testenrich\n    sleepMs: 300\n"
		"enrich:\n  concurrency: 4\n",
		&cfg, &d);
	json_t *r = report_with_targets(6);

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	for (size_t i = 0; i < 6; i++)
		ck_assert_ptr_nonnull(
			json_object_get(enrichment_of(finding_at(r, 0, i), "par"), "seen"));
	ck_assert_int_gt(max_overlap(r, "par", 6), 1);
	ck_assert_int_le(max_overlap(r, "par", 6), 4);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* A serialized plugin gets one call at a time; calls waiting their turn do
 * not spend their timeout waiting (8 x 200 ms in sequence, 1500 ms each: the
 * last would time out if its wait counted; the margin is for a loaded machine). */
START_TEST(test_serial_no_false_timeouts)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h = host_from("enrichers:\n  ser:\n    plugin: testserial\n    "
					     "sleepMs: 200\n    timeoutMs: 1500\n"
					     "enrich:\n  concurrency: 8\n",
					     &cfg, &d);
	json_t *r = report_with_targets(8), *f;
	uint64_t t0 = pg_clock_now_ms(), took;
	size_t i;

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	took = pg_clock_now_ms() - t0;
	json_array_foreach(
		json_object_get(json_array_get(json_object_get(r, "assets"), 0), "findings"), i, f)
	{
		json_t *e = enrichment_of(f, "ser");
		ck_assert_msg(json_object_get(e, "seen") != NULL, "target %zu: %s", i,
			      json_string_value(json_object_get(e, "error")));
	}
	ck_assert_int_eq(max_in_flight(r, "ser"), 1);
	ck_assert_msg(took >= 1500, "8 serialized 200 ms calls took only %llu ms",
		      (unsigned long long)took);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
}
END_TEST

/* A hung call of a serialized plugin blocks all its instances: they are
 * skipped at once with a clear error instead of each timing out in turn. */
START_TEST(test_serial_hang_skips_siblings)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	char *count = tmp_path("calls");
	char *yaml = pg_xasprintf(
		"enrichers:\n  hang:\n    plugin: testserial\n    sleepMs: 600\n    timeoutMs: "
		"200\n"
		"    countFile: %s\n  other:\n    plugin: testserial\n    timeoutMs: 200\n"
		"    countFile: %s\nenrich:\n  concurrency: 8\n",
		count, count);
	struct pg_plugin_host *h = host_from(yaml, &cfg, &d);
	json_t *r = report_with_targets(4), *f;
	int timed_out = 0;
	size_t i;

	ck_assert_ptr_nonnull(h);
	pg_enrich_report(h, r, true);
	/* one timeout, every sibling skipped at once (the messages below), not 4 in turn */
	json_array_foreach(
		json_object_get(json_array_get(json_object_get(r, "assets"), 0), "findings"), i, f)
	{
		const char *he = json_string_value(
			json_object_get(enrichment_of(f, "hang"), "error"));
		const char *oe = json_string_value(
			json_object_get(enrichment_of(f, "other"), "error"));
		ck_assert_ptr_nonnull(he);
		ck_assert_ptr_nonnull(oe);
		timed_out += strstr(he, "timed out after 200 ms") != NULL;
		ck_assert_msg(
			strstr(he, "timed out after 200 ms") ||
				strstr(he, "skipped: plugin testserial runs one call at a time"),
			"%s", he);
		ck_assert_msg(strstr(oe, "skipped: plugin testserial runs one call at a time"),
			      "%s", oe);
	}
	ck_assert_int_eq(timed_out, 1);
	ck_assert_int_eq(count_lines(count), 1); /* nothing else was called */
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(yaml);
	free(count);
}
END_TEST

/* An in-process enricher that outlives its timeout, then uses the host. */
static atomic_int late_put_rc = -2; /* -2: the call has not got there yet */

static int late_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	(void)host;
	*state = ctx;
	return PG_PLUGIN_OK;
}

static int late_enrich(void *state, const json_t *finding, json_t *out, json_t *added)
{
	struct timespec ts = { 0, 600 * 1000000L };
	json_t *v = json_pack("{s:s}", "k", "v");

	(void)finding;
	(void)out;
	(void)added;
	nanosleep(&ts, NULL);
	atomic_store(&late_put_rc, pg_host_api_v1.cache_put(state, "late", v));
	json_decref(v);
	return PG_PLUGIN_OK;
}

static struct pg_plugin_host *late_host(void)
{
	struct pg_plugin_host *h = pg_plugin_host_empty();
	struct pg_module *m = pg_xcalloc(1, sizeof(*m));
	struct pg_diag d = { 0 };
	struct pg_plugin_ctx *c;

	m->path = pg_xstrdup("in-process");
	m->desc.kind = PG_PLUGIN_ENRICHER;
	m->desc.name = "late";
	m->desc.thread_model = PG_THREAD_PARALLEL;
	m->desc.create = late_create;
	m->desc.enrich = late_enrich;
	pthread_mutex_init(&m->serialize, NULL);
	h->state_dir = tmp_path("state");
	h->mods = pg_xcalloc(1, sizeof(*h->mods));
	h->mods[h->nmods++] = m;
	h->capmods = 1;
	c = pg_plugin_instance_new(h, "late", m, NULL, "test", &d);
	ck_assert_ptr_nonnull(c);
	c->timeout_ms = 200;
	h->enrichers = pg_xcalloc(1, sizeof(*h->enrichers));
	h->enrichers[h->nenrichers++] = c;
	return h;
}

static int files_in(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!dh)
		return 0;
	while ((de = readdir(dh)))
		n += de->d_name[0] != '.';
	closedir(dh);
	return n;
}

/* Freeing the host (as cli_check.c does) while a timed-out call still runs:
 * the call must still find its host (cache_put, the busy count) afterwards. */
START_TEST(test_host_free_during_call)
{
	struct pg_plugin_host *h = late_host();
	json_t *r = report_with_targets(1);
	char *cache_dir = tmp_path("state/cache/late");
	const char *err;
	struct timespec tick = { 0, 20 * 1000000L };

	/* in-process only: an isolated call is killed at its deadline */
	setenv("PORTGATE_PLUGIN_ISOLATION", "inline", 1);
	pg_enrich_report(h, r, true);
	err = json_string_value(
		json_object_get(enrichment_of(finding_at(r, 0, 0), "late"), "error"));
	ck_assert_msg(err && strstr(err, "timed out after 200 ms"), "%s", err ? err : "(none)");
	ck_assert_int_eq(atomic_load(&late_put_rc), -2); /* still sleeping */
	json_decref(r);
	pg_plugin_host_free(h);
	for (int i = 0; i < 150 && atomic_load(&late_put_rc) == -2; i++)
		nanosleep(&tick, NULL);
	ck_assert_int_eq(atomic_load(&late_put_rc), 0);
	nanosleep(&tick, NULL); /* let the worker leave (busy count, run) */
	nanosleep(&tick, NULL);
	ck_assert_int_eq(files_in(cache_dir), 1);
	free(cache_dir);
	unsetenv("PORTGATE_PLUGIN_ISOLATION");
}
END_TEST

/* ---- notify + outbox -------------------------------------------------- */

static struct pg_plugin_host *notify_host(const char *opts, const char *notify_section,
					  struct pg_config **cfg, char **log)
{
	struct pg_diag d = { 0 };
	char *yaml;
	struct pg_plugin_host *h;

	*log = tmp_path("notify.log");
	yaml = pg_xasprintf("notifiers:\n  hook:\n    plugin: testnotify\n    logFile: %s\n%s"
			    "notify:\n  backoffMs: 1\n%s",
			    *log, opts, notify_section);
	h = host_from(yaml, cfg, &d);
	pg_diag_print(&d, stderr);
	ck_assert_ptr_nonnull(h);
	free(yaml);
	return h;
}

START_TEST(test_notify_retries_then_ok)
{
	struct pg_config *cfg;
	char *log;
	struct pg_plugin_host *h = notify_host("    failTimes: 2\n", "  retries: 3\n", &cfg, &log);
	json_t *r = sample_report();

	ck_assert_int_eq(pg_notify_report(h, r, NULL), 0);
	ck_assert_int_eq(count_lines(log), 3);
	ck_assert_uint_eq(pg_outbox_count(cfg->state_dir), 0);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(log);
}
END_TEST

START_TEST(test_notify_outbox_then_flush_once)
{
	struct pg_config *cfg;
	char *log, line1[128] = "", line2[128] = "";
	struct pg_plugin_host *h = notify_host("    failTimes: 100\n", "  retries: 1\n", &cfg,
					       &log);
	json_t *r = sample_report();
	struct pg_outbox_entry *e;
	size_t n;
	FILE *f;

	ck_assert_int_eq(pg_notify_report(h, r, NULL), 1);
	ck_assert_int_eq(count_lines(log), 2); /* first try + 1 retry */
	e = pg_outbox_load(cfg->state_dir, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e[0].doc, "status")), "pending");
	ck_assert_int_eq(json_integer_value(json_object_get(e[0].doc, "attempts")), 2);
	/* Only the fail findings by default. */
	ck_assert_uint_eq(
		json_array_size(json_object_get(json_object_get(e[0].doc, "event"), "findings")),
		2);
	pg_outbox_entries_free(e, n);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(log);

	/* Receiver healthy again: delivered once, with the same key, then gone. */
	h = notify_host("", "  retries: 1\n", &cfg, &log);
	ck_assert_int_eq(pg_notify_flush_outbox(h, false), 0);
	ck_assert_int_eq(pg_notify_flush_outbox(h, false), 0);
	ck_assert_int_eq(count_lines(log), 3);
	f = fopen(log, "r");
	ck_assert(fgets(line1, sizeof(line1), f) != NULL);
	ck_assert(fgets(line2, sizeof(line2), f) != NULL);
	ck_assert(fgets(line2, sizeof(line2), f) != NULL);
	fclose(f);
	ck_assert_str_eq(line1, line2);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(log);
}
END_TEST

START_TEST(test_notify_rejected_kept_as_failed)
{
	struct pg_config *cfg;
	char *log;
	struct pg_plugin_host *h = notify_host("    mode: reject\n", "", &cfg, &log);
	json_t *r = sample_report();
	struct pg_outbox_entry *e;
	size_t n;

	ck_assert_int_eq(pg_notify_report(h, r, NULL), 1);
	ck_assert_int_eq(count_lines(log), 1); /* FAIL is not retried */
	e = pg_outbox_load(cfg->state_dir, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e[0].doc, "status")), "failed");
	ck_assert_str_eq(json_string_value(json_object_get(e[0].doc, "lastError")),
			 "rejected by test");
	pg_outbox_entries_free(e, n);
	/* Automatic flushing leaves rejected ones alone; an operator's --all retries them. */
	ck_assert_int_eq(pg_notify_flush_outbox(h, false), 1);
	ck_assert_int_eq(count_lines(log), 1);
	ck_assert_int_eq(pg_notify_flush_outbox(h, true), 1);
	ck_assert_int_eq(count_lines(log), 2);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(log);
}
END_TEST

START_TEST(test_notify_retry_after_honoured)
{
	struct pg_config *cfg;
	char *log;
	struct pg_plugin_host *h = notify_host("    failTimes: 1\n    retryAfterMs: 400\n",
					       "  retries: 2\n  backoffMaxMs: 1\n", &cfg, &log);
	json_t *r = sample_report();
	uint64_t t0 = pg_clock_now_ms();

	ck_assert_int_eq(pg_notify_report(h, r, NULL), 0);
	ck_assert_uint_ge(pg_clock_now_ms() - t0, 400);
	ck_assert_int_eq(count_lines(log), 2);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(log);
}
END_TEST

START_TEST(test_notify_per_finding)
{
	struct pg_diag d = { 0 };
	struct pg_config *cfg;
	char *log = tmp_path("each.log");
	char *yaml = pg_xasprintf(
		"notifiers:\n  each:\n    plugin: testnotifyeach\n    logFile: %s\n"
		"notify:\n  on: [warn, fail]\n",
		log);
	struct pg_plugin_host *h = host_from(yaml, &cfg, &d);
	json_t *r = sample_report();
	char a[128], b[128], c[128];
	FILE *f;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(pg_notify_report(h, r, NULL), 0);
	ck_assert_int_eq(count_lines(log), 3);
	f = fopen(log, "r");
	ck_assert(fgets(a, sizeof(a), f) && fgets(b, sizeof(b), f) && fgets(c, sizeof(c), f));
	fclose(f);
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(b, c);
	ck_assert(strstr(a, "portgate.finding") != NULL);
	json_decref(r);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(yaml);
	free(log);
}
END_TEST

START_TEST(test_outbox_max_age)
{
	struct pg_config *cfg;
	char *log;
	struct pg_plugin_host *h = notify_host("", "outbox:\n  maxAgeHours: 1\n", &cfg, &log);
	json_t *old = json_pack("{s:s, s:s, s:I, s:i, s:s, s:{s:s}}", "id", "0123abcd", "instance",
				"hook", "createdAt", (json_int_t)(pg_wall_ms() - 2 * 3600 * 1000),
				"attempts", 1, "status", "pending", "event", "type",
				"portgate.report");
	json_t *fresh = json_pack("{s:s, s:s, s:I, s:i, s:s, s:{s:s}}", "id", "4567abcd",
				  "instance", "hook", "createdAt", (json_int_t)pg_wall_ms(),
				  "attempts", 1, "status", "pending", "event", "type",
				  "portgate.report");

	ck_assert_int_eq(pg_outbox_write(cfg->state_dir, old), 0);
	ck_assert_int_eq(pg_outbox_write(cfg->state_dir, fresh), 0);
	ck_assert_uint_eq(pg_outbox_count(cfg->state_dir), 2);
	ck_assert_int_eq(pg_notify_flush_outbox(h, false), 0);
	ck_assert_int_eq(count_lines(log), 1); /* only the fresh one was delivered */
	json_decref(old);
	json_decref(fresh);
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	free(log);
}
END_TEST

START_TEST(test_notify_key_stable)
{
	const char *fps[] = { "aa", "bb" };
	char k1[33], k2[33], k3[33];

	pg_notify_key("hook", "run1", fps, 2, k1);
	pg_notify_key("hook", "run1", fps, 2, k2);
	pg_notify_key("hook2", "run1", fps, 2, k3);
	ck_assert_str_eq(k1, k2);
	ck_assert_str_ne(k1, k3);
	ck_assert_uint_eq(strlen(k1), 32);
}
END_TEST

START_TEST(test_hmac_and_retry_after)
{
	char out[65];
	const char *body = "Hello, World!", *key = "It's a Secret to Everybody";

	pg_hmac_sha256_hex(key, strlen(key), body, strlen(body), out);
	ck_assert_str_eq(out, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
	ck_assert_int_eq(pg_http_retry_after_ms(" 7 "), 7000);
	ck_assert_int_eq(pg_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), 0);
	ck_assert_int_eq(pg_http_retry_after_ms("soon"), -1);
}
END_TEST

static Suite *plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *t = tcase_create("host");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, test_old_descriptor_loads);
	tcase_add_test(t, test_refusals);
	tcase_add_test(t, test_writable_refused);
	tcase_add_test(t, test_bad_plugin_in_dir_is_skipped);
	tcase_add_test(t, test_config_errors);
	tcase_add_test(t, test_refused_required_one_error);
	tcase_add_test(t, test_option_types);
	tcase_add_test(t, test_option_enum_list);
	tcase_add_test(t, test_option_table_config);
	tcase_add_test(t, test_option_table_refused);
	tcase_add_test(t, test_rule_table_refused);
	tcase_add_test(t, test_rule_table_unique_across_plugins);
	tcase_add_test(t, test_rule_table_kept);
	tcase_add_test(t, test_rule_check_manifest);
	tcase_add_test(t, test_rule_check_exceptions);
	tcase_add_test(t, test_rule_check_udp_spans);
	tcase_add_test(t, test_after_errors);
	tcase_add_test(t, test_after_order);
	tcase_add_test(t, test_enrich_instance_route);
	tcase_add_test(t, test_config_ok_two_instances);
	tcase_add_test(t, test_route_is_the_stages);
	tcase_add_test(t, test_lanes_last_reference_frees);
	tcase_add_test(t, test_enrich_memo_and_merge);
	tcase_add_test(t, test_enrich_selection);
	tcase_add_test(t, test_enrich_judges);
	tcase_add_test(t, test_enrich_error_recorded);
	tcase_add_test(t, test_enrich_timeout);
	tcase_add_test(t, test_enrich_added_findings);
	tcase_add_test(t, test_enrich_cache_across_runs);
	tcase_add_test(t, test_thread_models);
	tcase_add_test(t, test_isolated_parallel);
	tcase_add_test(t, test_serial_no_false_timeouts);
	tcase_add_test(t, test_serial_hang_skips_siblings);
	tcase_add_test(t, test_host_free_during_call);
	tcase_add_test(t, test_notify_retries_then_ok);
	tcase_add_test(t, test_notify_outbox_then_flush_once);
	tcase_add_test(t, test_notify_rejected_kept_as_failed);
	tcase_add_test(t, test_notify_retry_after_honoured);
	tcase_add_test(t, test_notify_per_finding);
	tcase_add_test(t, test_outbox_max_age);
	tcase_add_test(t, test_notify_key_stable);
	tcase_add_test(t, test_hmac_and_retry_after);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return pg_check_run(plugin_suite());
}
