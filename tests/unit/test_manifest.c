/* test_manifest.c - manifest loading: YAML/JSON equivalence, defaults,
 * candidates, every error class with its line, scale (10,000 assets). */
#include "config.h"

#include <arpa/inet.h>
#include "pg_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "manifest/manifest.h"
#include "util/util.h"

static void setup(void)
{
	pg_check_tmpdir_make("manifest");
}

static void teardown(void)
{
	pg_check_tmpdir_remove();
}

/* Path of a fixture (caller frees). */
static char *fixture(const char *name)
{
	const char *src = getenv("PG_SRCDIR");

	if (!src || !*src)
		src = PG_TEST_SRCDIR;
	return pg_xasprintf("%s/tests/fixtures/manifests/%s", src, name);
}

static struct pg_manifest *load_ok(const char *path)
{
	struct pg_diag d = { 0 };
	struct pg_manifest *m = pg_manifest_load(path, &d);

	ck_assert_msg(m != NULL, "%s: %s", path, d.n ? d.msgs[0] : "?");
	ck_assert_uint_eq(d.n, 0);
	return m;
}

/* Index of the message that is exactly "path:line: want..." (prefix match
 * on the location, substring match on the text), or -1. */
static int find_msg(const struct pg_diag *d, const char *path, int line, const char *want)
{
	char prefix[512];
	size_t i;

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	for (i = 0; i < d->n; i++)
		if (!strncmp(d->msgs[i], prefix, strlen(prefix)) && strstr(d->msgs[i], want))
			return (int)i;
	return -1;
}

static void dump_diag(const struct pg_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  diag[%zu] %s\n", i, d->msgs[i]);
}

/* Load path; expect failure with a message at line containing want. */
static void expect_error(const char *path, int line, const char *want)
{
	struct pg_diag d = { 0 };
	struct pg_manifest *m = pg_manifest_load(path, &d);

	ck_assert_msg(m == NULL, "%s loaded but should fail", path);
	if (find_msg(&d, path, line, want) < 0) {
		dump_diag(&d);
		ck_abort_msg("%s: no message at line %d containing '%s'", path, line, want);
	}
	pg_diag_clear(&d);
}

static void expect_fixture_error(const char *name, int line, const char *want)
{
	char *path = fixture(name);

	expect_error(path, line, want);
	free(path);
}

static void expect_text_error(const char *text, int line, const char *want)
{
	char *path = write_tmp("t.yaml", text);

	expect_error(path, line, want);
	free(path);
}

static void assert_ports(const struct pg_portlist *pl, const char *spec)
{
	struct pg_portlist want;
	char err[128];
	size_t i;

	ck_assert_msg(pg_ports_parse(spec, &want, err, sizeof(err)), "%s", err);
	ck_assert_msg(pl->n == want.n, "have %zu ports, want %zu (%s)", pl->n, want.n, spec);
	ck_assert_uint_eq(pl->nr, want.nr);
	for (i = 0; i < want.nr; i++) {
		ck_assert_uint_eq(pl->r[i].lo, want.r[i].lo);
		ck_assert_uint_eq(pl->r[i].hi, want.r[i].hi);
	}
	ck_assert_msg(pl->udp.n == want.udp.n, "have %zu UDP ports, want %zu (%s)", pl->udp.n,
		      want.udp.n, spec);
	ck_assert_uint_eq(pl->udp.nr, want.udp.nr);
	for (i = 0; i < want.udp.nr; i++) {
		ck_assert_uint_eq(pl->udp.r[i].lo, want.udp.r[i].lo);
		ck_assert_uint_eq(pl->udp.r[i].hi, want.udp.r[i].hi);
	}
	pg_ports_clear(&want);
}

static void assert_strv_eq(char **a, char **b)
{
	size_t i;

	ck_assert_int_eq(a == NULL, b == NULL);
	for (i = 0; a && a[i]; i++) {
		ck_assert_ptr_nonnull(b[i]);
		ck_assert_str_eq(a[i], b[i]);
	}
	ck_assert(!a || b[i] == NULL);
}

static void assert_overrides_eq(const struct pg_overrides *a, const struct pg_overrides *b)
{
	size_t i;

	ck_assert_uint_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		ck_assert_str_eq(a->v[i].rule, b->v[i].rule);
		ck_assert_int_eq(a->v[i].action, b->v[i].action);
	}
}

static void assert_asset_eq(const struct pg_asset *a, const struct pg_asset *b)
{
	size_t i;

	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->target, b->target);
	ck_assert_uint_eq(a->approved.n, b->approved.n);
	ck_assert_uint_eq(a->candidates.n, b->candidates.n);
	ck_assert_uint_eq(a->tls_ports.n, b->tls_ports.n);
	ck_assert_uint_eq(a->candidates.nr, b->candidates.nr);
	for (i = 0; i < a->candidates.nr; i++)
		ck_assert(!memcmp(&a->candidates.r[i], &b->candidates.r[i],
				  sizeof(a->candidates.r[i])));
	ck_assert_int_eq(a->environment == NULL, b->environment == NULL);
	if (a->environment)
		ck_assert_str_eq(a->environment, b->environment);
	ck_assert_uint_eq(a->nnetworks, b->nnetworks);
	for (i = 0; i < a->nnetworks; i++)
		ck_assert(!memcmp(&a->networks[i], &b->networks[i], sizeof(a->networks[i])));
	ck_assert_uint_eq(a->nasns, b->nasns);
	for (i = 0; i < a->nasns; i++)
		ck_assert_uint_eq(a->asns[i], b->asns[i]);
	assert_strv_eq(a->exp_a, b->exp_a);
	assert_strv_eq(a->exp_aaaa, b->exp_aaaa);
	assert_strv_eq(a->exp_cname, b->exp_cname);
	assert_overrides_eq(&a->overrides, &b->overrides);
	ck_assert_msg(json_equal(a->fields, b->fields), "fields of %s differ", a->name);
}

START_TEST(yaml_equals_json)
{
	char *yp = fixture("good.yaml"), *jp = fixture("good.json");
	struct pg_manifest *y = load_ok(yp), *j = load_ok(jp);
	size_t i;

	ck_assert_uint_eq(y->nassets, 3);
	ck_assert_uint_eq(y->nassets, j->nassets);
	for (i = 0; i < y->nassets; i++)
		assert_asset_eq(&y->assets[i], &j->assets[i]);
	ck_assert_int_eq(y->mode, j->mode);
	assert_overrides_eq(&y->rules, &j->rules);
	ck_assert_uint_eq(y->nenvs, j->nenvs);
	ck_assert_str_eq(y->envs[0].env, j->envs[0].env);
	assert_overrides_eq(&y->envs[0].rules, &j->envs[0].rules);
	/* Lines are each file's own. */
	ck_assert_int_eq(y->assets[0].line, 17);
	ck_assert_int_eq(j->assets[0].line, 16);
	ck_assert_str_eq(y->path, yp);
	pg_manifest_free(y);
	pg_manifest_free(j);
	free(yp);
	free(jp);
}
END_TEST

START_TEST(good_values)
{
	char *path = fixture("good.yaml");
	struct pg_manifest *m = load_ok(path);
	const struct pg_asset *app = &m->assets[0], *ip4 = &m->assets[1], *ip6 = &m->assets[2];
	uint8_t addr[16];
	char *dump;

	ck_assert_int_eq(m->mode, PG_MODE_ENFORCE);
	ck_assert_uint_eq(m->rules.n, 1);
	ck_assert_str_eq(m->rules.v[0].rule, "port-approved-closed");
	ck_assert_int_eq(m->rules.v[0].action, PG_ACTION_PASS);
	ck_assert_str_eq(m->envs[0].env, "staging");
	ck_assert_str_eq(m->envs[0].rules.v[0].rule, "port-unapproved-open");
	ck_assert_int_eq(m->envs[0].rules.v[0].action, PG_ACTION_WARN);

	ck_assert_str_eq(app->name, "app");
	ck_assert_str_eq(app->target, "app.example.com");
	ck_assert_int_eq(app->line, 17);
	assert_ports(&app->approved, "80,443");
	assert_ports(&app->candidates, "22,80,443,8000-8002"); /* defaults.ports + approved */
	assert_ports(&app->tls_ports, "443");
	ck_assert_str_eq(app->environment, "production");
	ck_assert_uint_eq(app->nnetworks, 2);
	ck_assert_uint_eq(app->nasns, 1);
	ck_assert_uint_eq(app->asns[0], 64500);
	inet_pton(AF_INET, "203.0.113.77", addr);
	ck_assert(pg_cidr_contains(&app->networks[0], AF_INET, addr));
	inet_pton(AF_INET6, "2001:db8:ffff::1", addr);
	ck_assert(pg_cidr_contains(&app->networks[1], AF_INET6, addr));
	ck_assert_str_eq(app->exp_a[0], "203.0.113.10");
	ck_assert_ptr_null(app->exp_a[1]);
	ck_assert_str_eq(app->exp_aaaa[0], "2001:db8::10");    /* canonical form */
	ck_assert_str_eq(app->exp_cname[0], "lb.example.net"); /* lowercase, no dot */
	ck_assert_uint_eq(app->overrides.n, 1);
	ck_assert_int_eq(app->overrides.v[0].action, PG_ACTION_FAIL);
	/* Evidence fields: every manifest field, with defaults applied. */
	ck_assert_str_eq(json_string_value(json_object_get(app->fields, "owner")), "platform-team");
	ck_assert_str_eq(json_string_value(json_object_get(app->fields, "domainOwner")),
			 "web-team");
	ck_assert_str_eq(json_string_value(json_object_get(app->fields, "businessUnit")), "retail");
	ck_assert_str_eq(json_string_value(json_object_get(app->fields, "renewalOwner")),
			 "certs@example.com");
	ck_assert_str_eq(json_string_value(json_object_get(app->fields, "domain")), "example.com");
	ck_assert_uint_eq(json_array_size(json_object_get(app->fields, "tags")), 2);
	dump = json_dumps(json_object_get(app->fields, "ports"), JSON_COMPACT);
	ck_assert_str_eq(dump, "[22,80,443,\"8000-8002\"]");
	free(dump);
	dump = json_dumps(json_object_get(app->fields, "expectedNetwork"), JSON_COMPACT);
	ck_assert_str_eq(dump, "[\"203.0.113.0/24\",\"AS64500\",\"2001:db8::/32\"]");
	free(dump);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(app->fields, "policy"),
							   "port-approved-filtered")),
			 "fail");

	ck_assert_str_eq(ip4->name, "192.0.2.7"); /* name defaults to target */
	ck_assert_str_eq(ip4->environment, "staging");
	assert_ports(&ip4->approved, "22,8080,8081");
	assert_ports(&ip4->candidates, "22,80,443,8000-8002,8080-8081");
	ck_assert_str_eq(json_string_value(json_object_get(ip4->fields, "owner")), "ops");
	ck_assert_ptr_null(ip4->exp_a);

	ck_assert_str_eq(ip6->target, "2001:db8::7");
	assert_ports(&ip6->candidates, "443"); /* ports: [] plus approved */
	/* escalation: null drops the default. */
	ck_assert_ptr_null(json_object_get(ip6->fields, "escalation"));
	ck_assert_ptr_nonnull(json_object_get(app->fields, "escalation"));
	pg_manifest_free(m);
	free(path);
}
END_TEST

START_TEST(defaults_merge)
{
	char *path = fixture("defaults.yaml");
	struct pg_manifest *m = load_ok(path);
	const struct pg_asset *inh = &m->assets[0], *ovr = &m->assets[1], *clr = &m->assets[2],
			      *own = &m->assets[3];
	struct pg_portlist builtin;
	json_t *tags;

	pg_ports_from_array(&builtin, pg_default_candidate_ports, pg_default_candidate_ports_n);
	ck_assert_uint_eq(m->nassets, 4);
	ck_assert_int_eq(m->mode, PG_MODE_UNSET);
	assert_ports(&inh->approved, "443");
	assert_ports(&inh->candidates, "443,8443");
	assert_ports(&inh->tls_ports, "443,8443");
	ck_assert_str_eq(inh->overrides.v[0].rule, "port-approved-filtered");
	ck_assert_str_eq(json_string_value(json_object_get(inh->fields, "owner")), "team-a");

	/* Asset values replace defaults: lists and maps too, no merging. */
	assert_ports(&ovr->approved, "80");
	assert_ports(&ovr->candidates, "80,443,8443");
	ck_assert_str_eq(json_string_value(json_object_get(ovr->fields, "owner")), "team-b");
	tags = json_object_get(ovr->fields, "tags");
	ck_assert_uint_eq(json_array_size(tags), 1);
	ck_assert_str_eq(json_string_value(json_array_get(tags, 0)), "own");
	ck_assert_uint_eq(ovr->overrides.n, 1);
	ck_assert_str_eq(ovr->overrides.v[0].rule, "port-approved-closed");

	/* null clears a default: no ports -> the built-in list (+ approved). */
	ck_assert_uint_eq(clr->candidates.n, builtin.n + (pg_ports_has(&builtin, 443) ? 0 : 1));
	ck_assert(pg_ports_has(&clr->candidates, 3389));
	ck_assert(pg_ports_has(&clr->candidates, 443));
	ck_assert_ptr_null(json_object_get(clr->fields, "owner"));
	ck_assert_ptr_null(json_object_get(clr->fields, "ports"));

	assert_ports(&own->candidates, "22,443");
	ck_assert_uint_eq(own->tls_ports.n, 0);
	pg_ports_clear(&builtin);
	pg_manifest_free(m);
	free(path);
}
END_TEST

START_TEST(builtin_candidates)
{
	char *path = write_tmp("b.yaml", "assets:\n  - target: a.example.com\n"
					 "    approvedPorts: [80, 44444]\n");
	struct pg_manifest *m = load_ok(path);
	const struct pg_asset *a = &m->assets[0];
	size_t i;

	ck_assert(pg_ports_has(&a->candidates, 44444));
	for (i = 0; i < pg_default_candidate_ports_n; i++)
		ck_assert(pg_ports_has(&a->candidates, pg_default_candidate_ports[i]));
	ck_assert_uint_eq(a->candidates.n, pg_default_candidate_ports_n + 1);
	ck_assert_uint_eq(a->tls_ports.n, 0); /* probe layer applies well-known defaults */
	ck_assert_ptr_null(json_object_get(a->fields, "ports"));
	pg_manifest_free(m);
	free(path);
}
END_TEST

/* UDP items in every ports field and in defaults: candidates hold the approved ports of both
 * protocols, the evidence fields write UDP ports as the manifest does, bad spellings name
 * their line. */
START_TEST(udp_ports)
{
	char *path = write_tmp("u.yaml",
			       "defaults:\n"
			       "  ports: [22, \"53/udp\"]\n"
			       "assets:\n"
			       "  - target: a.example.com\n"
			       "    approvedPorts: [53, \"53/udp\", \"1000-1010/udp\", 1001]\n"
			       "  - target: b.example.com\n"
			       "    ports: []\n"
			       "    approvedPorts: \"161/udp\"\n"
			       "  - target: c.example.com\n"
			       "    ports: null\n"
			       "    approvedPorts: [\"123/udp\"]\n");
	struct pg_manifest *m = load_ok(path);
	char *j;

	assert_ports(&m->assets[0].approved, "53,1001,53/udp,1000-1010/udp");
	assert_ports(&m->assets[0].candidates, "22,53,1001,53/udp,1000-1010/udp");
	j = json_dumps(json_object_get(m->assets[0].fields, "approvedPorts"), JSON_COMPACT);
	ck_assert_str_eq(j, "[53,1001,\"53/udp\",\"1000-1010/udp\"]");
	free(j);
	j = json_dumps(json_object_get(m->assets[0].fields, "ports"), JSON_COMPACT);
	ck_assert_str_eq(j, "[22,\"53/udp\"]");
	free(j);
	/* ports: [] scans exactly the approved ports: one UDP port, no TCP */
	assert_ports(&m->assets[1].candidates, "161/udp");
	ck_assert_uint_eq(m->assets[1].candidates.n, 0);
	/* the built-in TCP list, plus the approved UDP port */
	ck_assert(pg_ports_has_udp(&m->assets[2].candidates, 123));
	ck_assert(!pg_ports_has(&m->assets[2].candidates, 123));
	ck_assert_uint_eq(m->assets[2].candidates.n, pg_default_candidate_ports_n);
	ck_assert_uint_eq(m->assets[2].candidates.udp.n, 1);
	pg_manifest_free(m);
	free(path);

	expect_text_error("assets:\n  - target: a.example.com\n    approvedPorts:\n"
			  "      - 53\n      - \"53/sctp\"\n",
			  5,
			  "assets[0].approvedPorts: '53/sctp': protocol 'sctp' is not tcp or udp");
	expect_text_error("defaults:\n  ports: \"80,/udp\"\nassets:\n  - target: a.example.com\n",
			  2, "defaults.ports: missing port number before '/udp'");
	expect_text_error("assets:\n  - target: a.example.com\n    ports: [\"70000/udp\"]\n", 3,
			  "port 70000 is outside 1-65535");
	expect_text_error("assets:\n  - target: a.example.com\n    tlsPorts: [443, \"443/udp\"]\n",
			  3, "assets[0].tlsPorts: TLS is checked on TCP ports only");
}
END_TEST

/* errors.yaml marks each expected error with its line. */
static const struct {
	int line;
	const char *msg;
} fixture_errors[] = {
	{ 3, "unknown field 'assests' (did you mean 'assets'?)" },
	{ 5, "defaults: 'target' cannot have a default" },
	{ 6, "defaults: unknown field 'tlsport' (did you mean 'tlsPorts'?)" },
	{ 8, "policy.mode: invalid mode 'audit' (use enforce or monitor)" },
	{ 10, "policy.rules: 'Port_Open' is not a rule id" },
	{ 11,
	  "policy.rules.port-approved-closed: invalid action 'block' (use pass, warn or fail)" },
	{ 14, "assets[0].approvedPorts: port 70000 is outside 1-65535" },
	{ 15, "assets[1]: missing required field 'target'" },
	{ 16, "assets[2]: duplicate asset 'a.example.com' (target a.example.com), first defined at "
	      "line 13" },
	{ 17,
	  "assets[3].target: 'bad_host!.example' is not a valid host name, IPv4 or IPv6 address" },
	{ 18, "assets[3].owner: expected a string, got a list" },
	{ 20, "assets[4].expectedNetwork: '10.0.0.0/33' is not a CIDR" },
	{ 20, "assets[4].expectedNetwork: 'AS-1' is not a CIDR" },
	{ 21, "assets[4].tags: expected a string or a list of strings, got a map" },
	{ 22, "assets[4].ports: range 10-5 is reversed" },
	{ 25, "assets[5].expectedRecords.A: '2001:db8::1' is not an IPv4 address" },
	{ 26, "assets[5].expectedRecords: unknown field 'MX'" },
	{ 28, "assets[5].policy.tls-certificate-invalid: expected pass, warn or fail, got a list" },
	{ 30, "assets[6].approvedPorts: 'true' is not a port number" },
	{ 30, "assets[6].approvedPorts: port 0 is outside 1-65535" },
	{ 31,
	  "assets[6].expectedNetwork: '10.1.2.3/8' has host bits set (did you mean 10.0.0.0/8?)" },
};

START_TEST(every_error_reported)
{
	char *path = fixture("errors.yaml");
	struct pg_diag d = { 0 };
	size_t i;

	ck_assert_ptr_null(pg_manifest_load(path, &d));
	for (i = 0; i < PG_ARRAY_LEN(fixture_errors); i++) {
		if (find_msg(&d, path, fixture_errors[i].line, fixture_errors[i].msg) < 0) {
			dump_diag(&d);
			ck_abort_msg("missing line %d: %s", fixture_errors[i].line,
				     fixture_errors[i].msg);
		}
	}
	/* Nothing else: one message per marked problem. */
	if (d.n != PG_ARRAY_LEN(fixture_errors))
		dump_diag(&d);
	ck_assert_uint_eq(d.n, PG_ARRAY_LEN(fixture_errors));
	pg_diag_clear(&d);
	free(path);
}
END_TEST

START_TEST(file_level_errors)
{
	char *missing = pg_xasprintf("%s/nope.yaml", tmpdir);

	expect_fixture_error("syntax.yaml", 4, "syntax error: did not find expected ',' or ']'");
	expect_fixture_error("syntax.json", 3, "JSON syntax error");
	expect_fixture_error("dupkey.json", 4, "JSON syntax error: duplicate object key");
	expect_fixture_error("dupkey.yaml", 4, "duplicate key 'owner' (first at line 3)");
	expect_fixture_error("anchors.yaml", 2, "YAML anchors are not allowed");
	expect_fixture_error("merge.yaml", 2, "YAML merge keys (<<) are not allowed");
	expect_fixture_error("empty.yaml", 0, "the manifest is empty");
	expect_fixture_error("empty.json", 0, "the manifest is empty");
	expect_fixture_error("noassets.yaml", 2, "assets: the list is empty");
	expect_fixture_error("version2.yaml", 1, "version: unsupported version 2");
	expect_fixture_error("rootlist.yaml", 1, "expected a map with 'assets'");
	expect_error(missing, 0, "cannot read: No such file or directory");
	free(missing);
}
END_TEST

START_TEST(more_errors)
{
	expect_text_error("version: '1'\nassets:\n  - target: a\n", 1,
			  "version: expected the number 1, got a string");
	expect_text_error("policy: {mode: enforce}\n", 1, "missing required field 'assets'");
	expect_text_error("assets: {target: a}\n", 1,
			  "assets: expected a list of assets, got a map");
	expect_text_error("assets:\n", 1, "assets: the list is empty");
	expect_text_error("assets:\n  - a.example.com\n", 2,
			  "assets[0]: expected a map with at least 'target', got a string");
	expect_text_error(
		"assets:\n  - target: a\n    approved_ports: [1]\n", 3,
		"assets[0]: unknown field 'approved_ports' (did you mean 'approvedPorts'?)");
	expect_text_error("assets:\n  - target: a\n    zzzzzz: 1\n", 3, "unknown field 'zzzzzz'");
	expect_text_error("assets:\n  - target: a\n    approvedPorts: {a: 1}\n", 3,
			  "expected a list of ports or a \"80,443\" string, got a map");
	expect_text_error("assets:\n  - target: a\n    approvedPorts:\n      - [80]\n", 4,
			  "expected a port or a \"8000-8010\" range, got a list");
	expect_text_error("assets:\n  - target: a\n    ports: \"80,,443\"\n", 3, "empty item");
	expect_text_error("assets:\n  - target: [a]\n", 2,
			  "assets[0].target: expected a string, got a list");
	expect_text_error("assets:\n  - target: \"\"\n", 2, "assets[0].target: must not be empty");
	expect_text_error("assets:\n  - target: a\n    owner: true\n", 3,
			  "assets[0].owner: expected a string, got a boolean");
	expect_text_error("assets:\n  - target: a\n    domain: not_a_domain\n", 3,
			  "'not_a_domain' is not a valid domain name");
	expect_text_error("assets:\n  - target: a\n    expectedRecords: [1.2.3.4]\n", 3,
			  "expected a map with A, AAAA and/or CNAME, got a list");
	expect_text_error("assets:\n  - target: a\n    expectedRecords:\n      CNAME: -bad-\n", 4,
			  "'-bad-' is not a valid host name");
	expect_text_error("assets:\n  - target: a\n    expectedRecords:\n      AAAA: 1.2.3.4\n", 4,
			  "is not an IPv6 address");
	expect_text_error("assets:\n  - target: a\n    expectedNetwork: [AS0]\n", 3,
			  "'AS0' is not a CIDR");
	expect_text_error("assets:\n  - target: a\n    expectedNetwork: [AS4294967296]\n", 3,
			  "is not a CIDR");
	expect_text_error("assets:\n  - target: a\n    policy: fail\n", 3,
			  "assets[0].policy: expected a map of rule: pass|warn|fail, got a string");
	expect_text_error("assets:\n  - target: a\n    policy:\n      -bad: fail\n", 4,
			  "is not a rule id");
	expect_text_error("assets:\n  - target: a\n    policy:\n      bad--id: fail\n", 4,
			  "is not a rule id");
	expect_text_error("assets:\n  - target: a\n    policy:\n      ok-id: FAIL\n", 4,
			  "invalid action 'FAIL'");
	expect_text_error("policy:\n  enviroments: {}\nassets:\n  - target: a\n", 2,
			  "policy: unknown field 'enviroments' (did you mean 'environments'?)");
	expect_text_error("policy:\n  environments:\n    prod: warn\nassets:\n  - target: a\n", 3,
			  "policy.environments.prod: expected a map of rule");
	expect_text_error("policy:\n  mode: [enforce]\nassets:\n  - target: a\n", 2,
			  "policy.mode: expected enforce or monitor, got a list");
	expect_text_error("defaults: [1]\nassets:\n  - target: a\n", 1,
			  "defaults: expected a map of asset fields, got a list");
	expect_text_error("defaults:\n  name: x\nassets:\n  - target: a\n", 2,
			  "defaults: 'name' cannot have a default");
	/* Same target, no names: duplicate; case-insensitive host. */
	expect_text_error(
		"assets:\n  - target: A.example.com\n  - target: b\n  - target: a.example.COM\n"
		"    name: A.example.com\n",
		4, "assets[2]: duplicate asset 'A.example.com'");
	/* One address however written (IPv6 zero compression), names left to default. */
	expect_text_error("assets:\n  - target: \"::1\"\n  - target: \"0:0::1\"\n", 3,
			  "assets[1]: duplicate asset '0:0::1'");
	/* The same name as DNS compares it (case, one trailing dot), each left to default to
	 * its target: one asset written twice; an explicit other name is another asset. */
	expect_text_error(
		"assets:\n  - target: App.X.Test\n  - target: other\n    name: app.x.test\n"
		"  - target: app.x.test.\n",
		5,
		"assets[2]: duplicate asset 'app.x.test.' (target app.x.test.), first "
		"defined at line 2");
}
END_TEST

START_TEST(defaults_error_reported_once)
{
	struct pg_diag d = { 0 };
	char *path = write_tmp("d.yaml", "defaults:\n  approvedPorts: [99999]\nassets:\n"
					 "  - target: a\n  - target: b\n  - target: c\n");

	ck_assert_ptr_null(pg_manifest_load(path, &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_ge(find_msg(&d, path, 2, "defaults.approvedPorts: port 99999 is outside"), 0);
	pg_diag_clear(&d);
	free(path);
}
END_TEST

START_TEST(same_target_different_names)
{
	char *path = write_tmp("n.yaml", "assets:\n  - target: a.example.com\n    name: web\n"
					 "  - target: a.example.com\n    name: mail\n"
					 "  - target: a.example.com\n");
	struct pg_manifest *m = load_ok(path);

	ck_assert_uint_eq(m->nassets, 3);
	ck_assert_str_eq(m->assets[2].name, "a.example.com");
	pg_manifest_free(m);
	free(path);
}
END_TEST

static const struct {
	const char *target;
	bool ok;
} targets[] = {
	{ "example.com", true },
	{ "a", true },
	{ "xn--bcher-kva.example", true },
	{ "a-b.c-d.example.", true },
	{ "10.0.0.1", true },
	{ "\"::1\"", true },
	{ "\"2001:db8::1\"", true },
	{ "\"fe80::1%eth0\"", false },
	{ "1.2.3.999", false },
	{ "10.0.0", false },
	{ "-a.example.com", false },
	{ "a-.example.com", false },
	{ "a..example.com", false },
	{ "a_b.example.com", false },
	{ "\"a.example.com:443\"", false },
	{ "\"https://a.example.com\"", false },
	{ "\"[::1]\"", false },
	{ "\"a b\"", false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", false }, /* 64 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", true },   /* 63 */
	{ "b\xc3\xbc"
	  "cher.example",
	  true }, /* IDN: stored in ACE form */
	{ "\"bad_host!\"", false },
	{ "10.0.0.300", false },
	{ "\"b\xc3\xbc"
	  "cher_x.example\"",
	  false },
};

START_TEST(target_validation)
{
	char text[256];
	char *path;
	struct pg_diag d = { 0 };
	struct pg_manifest *m;

	snprintf(text, sizeof(text), "assets:\n  - target: %s\n", targets[_i].target);
	path = write_tmp("t.yaml", text);
	m = pg_manifest_load(path, &d);
	ck_assert_msg((m != NULL) == targets[_i].ok, "target %s: %s", targets[_i].target,
		      d.n ? d.msgs[0] : "accepted");
	if (!targets[_i].ok)
		ck_assert_int_ge(find_msg(&d, path, 2, "is not a valid host name, IPv4 or IPv6"),
				 0);
	pg_manifest_free(m);
	pg_diag_clear(&d);
	free(path);
}
END_TEST

/* Internationalised names become ACE; `domain` must be registrable (libpsl). */
START_TEST(idn_and_registrable_domain)
{
	char *path = write_tmp("t.yaml", "assets:\n  - target: www.b\xc3\xbc"
					 "cher.example\n"
					 "    domain: B\xc3\xbc"
					 "CHER.example\n");
	struct pg_manifest *m = load_ok(path);

	ck_assert_str_eq(m->assets[0].target, "www.xn--bcher-kva.example");
	ck_assert_str_eq(json_string_value(json_object_get(m->assets[0].fields, "domain")),
			 "xn--bcher-kva.example");
	pg_manifest_free(m);
	free(path);
	expect_text_error("assets:\n  - target: a\n    domain: co.uk\n", 3,
			  "assets[0].domain: 'co.uk' is a public suffix, not a registrable domain");
	expect_text_error("assets:\n  - target: a\n    domain: www.example.co.uk\n", 3,
			  "'www.example.co.uk' is a subdomain, not a registrable domain (use "
			  "'example.co.uk')");
	expect_text_error("assets:\n  - target: a\n    domain: com\n", 3, "is a public suffix");
	expect_text_error("assets:\n  - target: a\n    domain: \"bad_host!\"\n", 3,
			  "'bad_host!' is not a valid domain name");
}
END_TEST

START_TEST(error_cap)
{
	struct pg_diag d = { 0 };
	size_t cap = 130 * 64, n = 0, i;
	char *text = pg_xmalloc(cap), *path;

	n += (size_t)snprintf(text, cap, "assets:\n");
	for (i = 0; i < 120; i++)
		n += (size_t)snprintf(text + n, cap - n,
				      "  - target: h%zu\n    approvedPorts: [0]\n", i);
	path = write_tmp("cap.yaml", text);
	ck_assert_ptr_null(pg_manifest_load(path, &d));
	ck_assert_uint_eq(d.n, 51);
	ck_assert_int_ge(find_msg(&d, path, 3, "assets[0].approvedPorts: port 0"), 0);
	ck_assert_int_eq(find_msg(&d, path, 0, "... and 70 more errors"), 50);
	pg_diag_clear(&d);
	free(path);
	free(text);
}
END_TEST

/* Write a manifest of n assets as YAML or JSON; dup_at (1-based) repeats the
 * first asset at that position when non-zero. */
static char *write_big(const char *name, size_t n, bool json, size_t dup_at)
{
	size_t cap = n * 160 + 64, len = 0, i;
	char *text = pg_xmalloc(cap), *path;

	len += (size_t)snprintf(text, cap, json ? "{\"assets\": [\n" : "assets:\n");
	for (i = 0; i < n; i++) {
		size_t id = (dup_at && i + 1 == dup_at) ? 0 : i;

		if (json)
			len += (size_t)snprintf(
				text + len, cap - len,
				"%s{\"target\": \"h%zu.example.com\", \"approvedPorts\": "
				"[443, %zu], \"owner\": \"team%zu\"}\n",
				i ? "," : "", id, 1000 + id % 60000, id % 7);
		else
			len += (size_t)snprintf(
				text + len, cap - len,
				"  - target: h%zu.example.com\n    approvedPorts: [443, %zu]\n"
				"    owner: team%zu\n",
				id, 1000 + id % 60000, id % 7);
	}
	if (json)
		snprintf(text + len, cap - len, "]}\n");
	path = write_tmp(name, text);
	free(text);
	return path;
}

static void load_big(const char *name, bool json)
{
	char *path = write_big(name, 10000, json, 0);
	uint64_t t0 = pg_clock_now_ms(), ms;
	struct pg_manifest *m = load_ok(path);
	const struct pg_asset *a;

	ms = pg_clock_now_ms() - t0;
	fprintf(stderr, "10,000-asset %s manifest loaded in %llu ms\n", json ? "JSON" : "YAML",
		(unsigned long long)ms);
	ck_assert_uint_eq(m->nassets, 10000);
	a = &m->assets[9876];
	ck_assert_str_eq(a->target, "h9876.example.com");
	ck_assert(pg_ports_has(&a->approved, 10876));
	ck_assert(pg_ports_has(&a->candidates, 10876));
	ck_assert(pg_ports_has(&a->candidates, 3389));
	ck_assert_str_eq(json_string_value(json_object_get(a->fields, "owner")), "team6");
	if (!json)
		ck_assert_int_eq(a->line, 2 + 9876 * 3);
	/* the time is bench/manifest.sh's to measure (a loaded `make check` stretches it) */
	pg_manifest_free(m);
	free(path);
}

START_TEST(big_yaml)
{
	load_big("big.yaml", false);
}
END_TEST

START_TEST(big_json)
{
	load_big("big.json", true);
}
END_TEST

START_TEST(big_duplicate)
{
	char *path = write_big("dup.yaml", 10000, false, 9999);

	/* Asset 9999 (index 9998) repeats asset 0, which starts at line 2. */
	expect_error(path, 2 + 9998 * 3, "assets[9998]: duplicate asset 'h0.example.com'");
	expect_error(path, 2 + 9998 * 3, "first defined at line 2 (assets[0])");
	free(path);
}
END_TEST

START_TEST(cidr)
{
	struct pg_cidr c;
	uint8_t a[16];

	ck_assert(pg_cidr_parse("10.1.2.3/8", &c)); /* host bits are zeroed */
	ck_assert_int_eq(c.family, AF_INET);
	ck_assert_uint_eq(c.prefix, 8);
	ck_assert_uint_eq(c.addr[0], 10);
	ck_assert_uint_eq(c.addr[1], 0);
	inet_pton(AF_INET, "10.255.0.1", a);
	ck_assert(pg_cidr_contains(&c, AF_INET, a));
	inet_pton(AF_INET, "11.0.0.1", a);
	ck_assert(!pg_cidr_contains(&c, AF_INET, a));
	ck_assert(!pg_cidr_contains(&c, AF_INET6, a));

	ck_assert(pg_cidr_parse("192.168.1.128/25", &c));
	inet_pton(AF_INET, "192.168.1.200", a);
	ck_assert(pg_cidr_contains(&c, AF_INET, a));
	inet_pton(AF_INET, "192.168.1.127", a);
	ck_assert(!pg_cidr_contains(&c, AF_INET, a));

	ck_assert(pg_cidr_parse("0.0.0.0/0", &c));
	ck_assert(pg_cidr_contains(&c, AF_INET, a));
	ck_assert(pg_cidr_parse("203.0.113.9", &c));
	ck_assert_uint_eq(c.prefix, 32);
	inet_pton(AF_INET, "203.0.113.9", a);
	ck_assert(pg_cidr_contains(&c, AF_INET, a));
	inet_pton(AF_INET, "203.0.113.8", a);
	ck_assert(!pg_cidr_contains(&c, AF_INET, a));

	ck_assert(pg_cidr_parse("2001:db8::/33", &c));
	ck_assert_int_eq(c.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8:7fff::1", a);
	ck_assert(pg_cidr_contains(&c, AF_INET6, a));
	inet_pton(AF_INET6, "2001:db8:8000::1", a);
	ck_assert(!pg_cidr_contains(&c, AF_INET6, a));
	ck_assert(pg_cidr_parse("::1/128", &c));

	ck_assert(!pg_cidr_parse("10.0.0.0/33", &c));
	ck_assert(!pg_cidr_parse("2001:db8::/129", &c));
	ck_assert(!pg_cidr_parse("10.0.0.0/", &c));
	ck_assert(!pg_cidr_parse("10.0.0.0/-1", &c));
	ck_assert(!pg_cidr_parse("10.0.0.0/8x", &c));
	ck_assert(!pg_cidr_parse("/8", &c));
	ck_assert(!pg_cidr_parse("", &c));
	ck_assert(!pg_cidr_parse("example.com/8", &c));
}
END_TEST

START_TEST(actions)
{
	enum pg_action a;

	ck_assert(pg_action_parse("pass", &a) && a == PG_ACTION_PASS);
	ck_assert(pg_action_parse("warn", &a) && a == PG_ACTION_WARN);
	ck_assert(pg_action_parse("fail", &a) && a == PG_ACTION_FAIL);
	ck_assert(!pg_action_parse("Fail", &a));
	ck_assert(!pg_action_parse("", &a));
	ck_assert(!pg_action_parse(NULL, &a));
	ck_assert_str_eq(pg_action_name(PG_ACTION_PASS), "pass");
	ck_assert_str_eq(pg_action_name(PG_ACTION_WARN), "warn");
	ck_assert_str_eq(pg_action_name(PG_ACTION_FAIL), "fail");
}
END_TEST

/* Regression (hand-made large input, fuzz/README.md): a port list was
 * merged item by item, O(n^2): four lists of all 65,535 single ports took about 7 s. */
START_TEST(long_port_list_fast)
{
	size_t cap = 4 * 65535 * 7 + 256, n = 0, i;
	char *text = pg_xmalloc(cap), *path;
	struct pg_manifest *m;
	uint64_t t0, ms;
	int a;

	n += (size_t)snprintf(text, cap, "assets:\n");
	for (a = 0; a < 4; a++) {
		n += (size_t)snprintf(text + n, cap - n, "  - target: h%d.example\n    ports: [",
				      a);
		for (i = 65535; i >= 1; i--) /* descending: the merge's worst case */
			n += (size_t)snprintf(text + n, cap - n, "%zu%s", i, i > 1 ? "," : "]\n");
	}
	path = write_tmp("longports.yaml", text);
	t0 = pg_clock_now_ms();
	m = load_ok(path);
	ms = pg_clock_now_ms() - t0;
	ck_assert_uint_eq(m->nassets, 4);
	assert_ports(&m->assets[3].candidates, "1-65535");
	fprintf(stderr, "4 x 65535 ports loaded in %llu ms (timed by bench/manifest.sh)\n",
		(unsigned long long)ms);
	pg_manifest_free(m);
	free(path);
	free(text);
}
END_TEST

/* A list is parsed in one go; when that fails every bad item is still named
 * with its own line, and good items around it do not hide it. */
START_TEST(port_list_item_errors)
{
	struct pg_diag d = { 0 };
	char *path = write_tmp("items.yaml", "assets:\n"
					     "  - target: a.example\n"
					     "    ports:\n"
					     "      - 80\n"
					     "      - 70000\n"
					     "      - \"443,8443\"\n"
					     "      - [1]\n"
					     "      - 5-\n"
					     "      - 22\n");

	ck_assert_ptr_null(pg_manifest_load(path, &d));
	ck_assert_int_ge(find_msg(&d, path, 5, "assets[0].ports: port 70000 is outside 1-65535"),
			 0);
	ck_assert_int_ge(find_msg(&d, path, 7, "assets[0].ports: expected a port"), 0);
	ck_assert_int_ge(find_msg(&d, path, 8, "'5-' is not a port range"), 0);
	if (d.n != 3)
		dump_diag(&d);
	ck_assert_uint_eq(d.n, 3);
	pg_diag_clear(&d);
	free(path);

	/* An item holding a comma list, and an empty list, stay valid. */
	path = write_tmp("items2.yaml", "assets:\n"
					"  - target: a.example\n"
					"    approvedPorts: [\"443, 80\", 8000-8002]\n"
					"    tlsPorts: []\n");
	{
		struct pg_manifest *m = load_ok(path);

		assert_ports(&m->assets[0].approved, "80,443,8000-8002");
		ck_assert_uint_eq(m->assets[0].tls_ports.n, 0);
		pg_manifest_free(m);
	}
	free(path);
}
END_TEST

/* Regression (hand-made large input, fuzz/README.md): "did you mean"
 * hints cost an edit distance per known field and were computed for every unknown key,
 * even past the error cap; the messages shown are unchanged. */
START_TEST(unknown_keys_past_cap)
{
	struct pg_diag d = { 0 };
	size_t cap = 200000 * 24 + 64, n = 0, i;
	char *text = pg_xmalloc(cap), *path;

	n += (size_t)snprintf(text, cap, "assets:\n  - target: a.example\n    ownr: x\n");
	for (i = 0; i < 200000; i++)
		n += (size_t)snprintf(text + n, cap - n, "    k%zuxyzab: 1\n", i);
	path = write_tmp("unknown.yaml", text);
	ck_assert_ptr_null(pg_manifest_load(path, &d));
	ck_assert_uint_eq(d.n, 51);
	ck_assert_int_ge(find_msg(&d, path, 3, "unknown field 'ownr' (did you mean 'owner'?)"), 0);
	ck_assert_int_eq(find_msg(&d, path, 0, "... and 199951 more errors"), 50);
	pg_diag_clear(&d);
	free(path);
	free(text);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, yaml_equals_json);
	tcase_add_test(tc, good_values);
	tcase_add_test(tc, defaults_merge);
	tcase_add_test(tc, builtin_candidates);
	tcase_add_test(tc, udp_ports);
	tcase_add_test(tc, every_error_reported);
	tcase_add_test(tc, file_level_errors);
	tcase_add_test(tc, more_errors);
	tcase_add_test(tc, defaults_error_reported_once);
	tcase_add_test(tc, same_target_different_names);
	tcase_add_loop_test(tc, target_validation, 0, (int)PG_ARRAY_LEN(targets));
	tcase_add_test(tc, error_cap);
	tcase_add_test(tc, idn_and_registrable_domain);
	tcase_add_test(tc, big_yaml);
	tcase_add_test(tc, big_json);
	tcase_add_test(tc, big_duplicate);
	tcase_add_test(tc, cidr);
	tcase_add_test(tc, actions);
	tcase_add_test(tc, long_port_list_fast);
	tcase_add_test(tc, port_list_item_errors);
	tcase_add_test(tc, unknown_keys_past_cap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_check_run(manifest_suite());
}
