/* test_policy.c - decision matrix, overrides, monitor mode, fingerprints, verdicts. */
#include "config.h"

#include <arpa/inet.h>
#include "pg_check.h"
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "policy/policy.h"

struct fixture {
	struct pg_asset asset;
	struct pg_resolution res;
	struct pg_scan_target scan;
	struct pg_port_result results[8]; /* TCP ports, then UDP ports (scan.h) */
	uint16_t ports[4], udp_ports[4];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->asset.name = "app";
	f->asset.target = "app.test";
	f->asset.line = 7;
	pg_ports_add(&f->asset.approved, 80);
	pg_ports_add(&f->asset.approved, 443);
	f->res.ok = true;
	f->res.naddrs = 1;
	f->res.addrs = pg_xcalloc(1, sizeof(struct pg_addr));
	ck_assert(pg_addr_parse_literal("127.0.0.1", 0, &f->res.addrs[0]));
	f->scan.addr = f->res.addrs[0];
	f->scan.results = f->results;
}

static void fixture_clear(struct fixture *f)
{
	pg_ports_clear(&f->asset.approved);
	pg_ports_clear(&f->asset.tls_ports);
	free(f->res.addrs);
	for (size_t i = 0; i < pg_scan_nresults(&f->scan); i++)
		json_decref(f->results[i].probe);
}

static void add_port(struct fixture *f, uint16_t port, enum pg_port_state st)
{
	struct pg_port_result *r = &f->results[f->scan.nports];

	r->port = port;
	r->state = st;
	r->reason = st == PG_PORT_OPEN ? "syn-ack" : "no-response";
	f->ports[f->scan.nports++] = port;
	f->scan.ports = f->ports;
}

/* A UDP result, after every TCP one (add the TCP ports first). */
static struct pg_port_result *add_udp_port(struct fixture *f, uint16_t port, enum pg_port_state st)
{
	struct pg_port_result *r = &f->results[pg_scan_nresults(&f->scan)];

	r->port = port;
	r->proto = PG_PROTO_UDP;
	r->state = st;
	r->reason = st == PG_PORT_OPEN     ? "udp-response"
		    : st == PG_PORT_CLOSED ? "port-unreach"
					   : "no-response";
	f->udp_ports[f->scan.nudp_ports++] = port;
	f->scan.udp_ports = f->udp_ports;
	return r;
}

/* The probe of an open UDP port: service and the bytes of request and answer. */
static void udp_probe(struct pg_port_result *r, const char *service, int sent, int received)
{
	r->probe = json_pack("{s:s, s:{s:i, s:i, s:i}}", "service", service, "udp", "sent", sent,
			     "received", received, "datagrams", 1);
}

/* No policy block: every finding takes its rule's default action. */
static const struct pg_manifest m0;

static json_t *evaluate_under(const struct pg_manifest *m, struct fixture *f, bool *unchecked)
{
	struct pg_asset_outcome o = { &f->asset, &f->res, &f->scan, 1 };
	return pg_policy_evaluate(m, &o, unchecked);
}

static json_t *evaluate(struct fixture *f, bool *unchecked)
{
	return evaluate_under(&m0, f, unchecked);
}

/* A string member of the i-th finding (NULL when absent). */
static const char *str_of(json_t *findings, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(findings, i), key));
}

static const char *rule_of(json_t *findings, size_t i)
{
	return str_of(findings, i, "rule");
}

/* The one finding of findings, which must be of rule. */
static json_t *sole_finding(json_t *findings, const char *rule)
{
	ck_assert_uint_eq(json_array_size(findings), 1);
	ck_assert_str_eq(rule_of(findings, 0), rule);
	return json_array_get(findings, 0);
}

START_TEST(approved_open_passes)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_OPEN);
	add_port(&f, 443, PG_PORT_OPEN);
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 0);
	ck_assert(!u);
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(unapproved_open_fails)
{
	struct fixture f;
	bool u;
	json_t *fs, *x;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_OPEN);
	add_port(&f, 8080, PG_PORT_OPEN);
	fs = evaluate(&f, &u);
	x = sole_finding(fs, "port-unapproved-open");
	ck_assert_int_eq(json_integer_value(json_object_get(x, "port")), 8080);
	ck_assert_str_eq(json_string_value(json_object_get(x, "defaultAction")), "fail");
	ck_assert_str_eq(json_string_value(json_object_get(x, "ip")), "127.0.0.1");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(approved_filtered_and_closed_warn)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_FILTERED);
	add_port(&f, 443, PG_PORT_CLOSED);
	add_port(&f, 22, PG_PORT_FILTERED); /* unapproved and filtered: nothing to say */
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 2);
	ck_assert_str_eq(rule_of(fs, 0), "port-approved-filtered");
	ck_assert_str_eq(rule_of(fs, 1), "port-approved-closed");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(invalid_certificate_fails_with_reasons)
{
	struct fixture f;
	bool u;
	json_t *fs;
	const char *reason;

	fixture_init(&f);
	add_port(&f, 443, PG_PORT_OPEN);
	f.results[0].probe = json_pack("{s:s, s:{s:b, s:[s, s]}}", "service", "https",
				       "certificate", "valid", 0, "reasons", "expired",
				       "hostname-mismatch");
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "tls-certificate-invalid");
	reason = str_of(fs, 0, "reason");
	ck_assert_ptr_nonnull(strstr(reason, "expired, hostname-mismatch"));
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(tls_port_speaking_plaintext)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	pg_ports_add(&f.asset.tls_ports, 443);
	add_port(&f, 443, PG_PORT_OPEN);
	f.results[0].probe = json_pack("{s:s, s:b, s:b}", "service", "http", "tlsExpected", 1,
				       "speaksTls", 0);
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "tls-not-offered");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(tls_without_certificate_fails)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	add_port(&f, 443, PG_PORT_OPEN);
	f.results[0].probe = json_pack("{s:s, s:b, s:b}", "service", "https", "tlsExpected", 1,
				       "speaksTls", 1);
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "tls-certificate-invalid");
	ck_assert_ptr_nonnull(strstr(str_of(fs, 0, "reason"), "no-certificate"));
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

/* authRequired false on an approved port: service-unauthenticated, warn by default, fail on a
 * production asset; authRequired true or absent (MongoDB hello) makes no finding. */
START_TEST(unauthenticated_store_by_environment)
{
	static const char *const envs[][2] = { { NULL, "warn" },
					       { "staging", "warn" },
					       { "production", "fail" },
					       { "Production", "fail" } };
	struct fixture f;
	bool u;
	json_t *fs, *x;

	for (size_t i = 0; i < PG_ARRAY_LEN(envs); i++) {
		fixture_init(&f);
		f.asset.environment = (char *)envs[i][0];
		pg_ports_add(&f.asset.approved, 27017);
		add_port(&f, 80, PG_PORT_OPEN);
		add_port(&f, 443, PG_PORT_OPEN);
		add_port(&f, 27017, PG_PORT_OPEN);
		f.results[0].probe = json_pack("{s:s, s:b}", "service", "redis", "authRequired", 0);
		f.results[1].probe = json_pack("{s:s, s:b}", "service", "redis", "authRequired", 1);
		f.results[2].probe = json_pack("{s:s}", "service", "mongodb");
		fs = evaluate(&f, &u);
		ck_assert_uint_eq(json_array_size(fs), 1);
		x = json_array_get(fs, 0);
		ck_assert_str_eq(rule_of(fs, 0), "service-unauthenticated");
		ck_assert_str_eq(json_string_value(json_object_get(x, "severity")), "high");
		ck_assert_str_eq(json_string_value(json_object_get(x, "defaultAction")),
				 envs[i][1]);
		ck_assert_str_eq(json_string_value(json_object_get(x, "action")), envs[i][1]);
		ck_assert_str_eq(json_string_value(json_object_get(x, "reason")),
				 "port 80/tcp: redis answers without authentication");
		json_decref(fs);
		fixture_clear(&f);
	}
}
END_TEST

/* A UDP answer that proves anyone is served (SNMP with community public) is
 * service-unauthenticated too, named with its protocol. */
START_TEST(unauthenticated_udp_service)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	f.asset.environment = (char *)"production";
	pg_ports_add_udp(&f.asset.approved, 161);
	add_udp_port(&f, 161, PG_PORT_OPEN)->probe = json_pack("{s:s, s:b}", "service", "snmp",
							       "authRequired", 0);
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "service-unauthenticated");
	ck_assert_str_eq(str_of(fs, 0, "reason"),
			 "port 161/udp: snmp answers without authentication");
	ck_assert_str_eq(str_of(fs, 0, "action"), "fail");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(unresolved_is_could_not_check)
{
	struct fixture f;
	bool u;
	json_t *fs;
	struct pg_asset_outcome o;

	fixture_init(&f);
	f.res.ok = false;
	f.res.error = "NXDOMAIN (name does not exist)";
	o = (struct pg_asset_outcome){ &f.asset, &f.res, NULL, 0 };
	fs = pg_policy_evaluate(&m0, &o, &u);
	ck_assert(u);
	ck_assert_str_eq(rule_of(fs, 0), "dns-unresolved");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(scan_error_is_could_not_check)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_ERROR);
	f.results[0].reason = "net-unreachable";
	fs = evaluate(&f, &u);
	ck_assert(u);
	ck_assert_str_eq(rule_of(fs, 0), "scan-error");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(network_outside_cidr)
{
	struct fixture f;
	bool u;
	json_t *fs;
	struct pg_cidr nets[1];

	fixture_init(&f);
	ck_assert(pg_cidr_parse("10.0.0.0/8", &nets[0]));
	f.asset.networks = nets;
	f.asset.nnetworks = 1;
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "network-unexpected");
	json_decref(fs);
	ck_assert(pg_cidr_parse("127.0.0.0/8", &nets[0]));
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 0);
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

/* A report with one asset whose findings come from evaluate(). */
static json_t *report_for(json_t *findings, bool unchecked)
{
	/* callers evaluate first: argument evaluation order is unspecified */
	json_t *asset = json_pack("{s:s, s:s, s:b, s:o}", "name", "app", "target", "app.test",
				  "couldNotCheck", unchecked, "findings", findings);
	return json_pack("{s:{}, s:[o]}", "run", "assets", asset);
}

static int finalize(struct pg_manifest *m, struct pg_asset *a, enum pg_mode mode, json_t *rep)
{
	const struct pg_asset *list[1] = { a };
	return pg_policy_finalize(m, list, mode, rep);
}

START_TEST(overrides_environment_and_asset)
{
	struct fixture f;
	struct pg_manifest m = { 0 };
	struct pg_rule_override glob = { "port-approved-filtered", PG_ACTION_PASS };
	struct pg_rule_override prod = { "port-approved-filtered", PG_ACTION_FAIL };
	struct pg_rule_override mine = { "port-approved-filtered", PG_ACTION_WARN };
	__typeof__(*m.envs) env = { "production", { &prod, 1 } };
	bool u;
	json_t *rep, *fs;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_FILTERED);
	m.rules = (struct pg_overrides){ &glob, 1 };
	m.envs = &env;
	m.nenvs = 1;
	/* global says pass: the finding is dropped, verdict pass */
	fs = evaluate_under(&m, &f, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_PASS);
	ck_assert_uint_eq(json_array_size(json_object_get(
				  json_array_get(json_object_get(rep, "assets"), 0), "findings")),
			  0);
	json_decref(rep);
	/* production environment says fail */
	f.asset.environment = "production";
	fs = evaluate_under(&m, &f, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_POLICY);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "run"), "verdict")),
			 "fail");
	/* monitor mode reports the failure but does not fail */
	json_decref(rep);
	fs = evaluate_under(&m, &f, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_MONITOR, rep), PG_EXIT_PASS);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "run"), "verdict")),
			 "fail");
	json_decref(rep);
	/* the asset's own policy wins over its environment */
	f.asset.overrides = (struct pg_overrides){ &mine, 1 };
	fs = evaluate_under(&m, &f, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_PASS);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "run"), "verdict")),
			 "warn");
	json_decref(rep);
	fixture_clear(&f);
}
END_TEST

START_TEST(unchecked_exit_3_unless_failed)
{
	struct fixture f;
	struct pg_manifest m = { 0 };
	bool u;
	json_t *rep, *fs;
	struct pg_asset_outcome o;

	fixture_init(&f);
	f.res.ok = false;
	o = (struct pg_asset_outcome){ &f.asset, &f.res, NULL, 0 };
	fs = pg_policy_evaluate(&m, &o, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_UNCHECKED);
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(rep, "run"), "summary"), "couldNotCheck")),
		1);
	json_decref(rep);
	/* monitor mode still says it could not check */
	fs = pg_policy_evaluate(&m, &o, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_MONITOR, rep), PG_EXIT_UNCHECKED);
	json_decref(rep);
	fixture_clear(&f);
}
END_TEST

START_TEST(plugin_findings_get_actions_and_fingerprints)
{
	struct fixture f;
	struct pg_manifest m = { 0 };
	struct pg_rule_override hdr = { "headers-missing-hsts", PG_ACTION_FAIL };
	json_t *rep, *fs = json_array(), *x;

	fixture_init(&f);
	json_array_append_new(fs, json_pack("{s:s, s:s, s:s}", "rule", "headers-missing-hsts",
					    "defaultAction", "warn", "source", "headers"));
	json_array_append_new(fs, json_pack("{s:s}", "rule", "cmdb-unknown-asset"));
	rep = report_for(fs, false);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_PASS);
	x = json_object_get(json_array_get(json_object_get(rep, "assets"), 0), "findings");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(x, 0), "action")),
			 "warn");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(x, 1), "action")),
			 "warn");
	ck_assert_uint_eq(
		strlen(json_string_value(json_object_get(json_array_get(x, 0), "fingerprint"))),
		16);
	json_decref(rep);
	m.rules = (struct pg_overrides){ &hdr, 1 };
	fs = json_array();
	json_array_append_new(fs, json_pack("{s:s, s:s}", "rule", "headers-missing-hsts",
					    "defaultAction", "warn"));
	rep = report_for(fs, false);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_POLICY);
	json_decref(rep);
	fixture_clear(&f);
}
END_TEST

START_TEST(every_address_counts)
{
	struct fixture f;
	bool u;
	json_t *fs;
	struct pg_cidr nets[1];
	struct pg_scan_target two[2];
	struct pg_port_result second[1] = {
		{ .port = 8080, .state = PG_PORT_OPEN, .reason = "syn-ack" }
	};
	uint16_t p8080 = 8080;
	struct pg_asset_outcome o;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_OPEN);
	f.res.addrs = pg_xrealloc(f.res.addrs, 2 * sizeof(struct pg_addr));
	ck_assert(pg_addr_parse_literal("192.0.2.7", 0, &f.res.addrs[1]));
	f.res.naddrs = 2;
	ck_assert(pg_cidr_parse("127.0.0.0/8", &nets[0]));
	f.asset.networks = nets;
	f.asset.nnetworks = 1;
	/* by default the out-of-scope address is skipped before the scan: one scan is
	 * complete, and the finding says the address was not connected to */
	o = (struct pg_asset_outcome){ &f.asset, &f.res, &f.scan, 1 };
	ck_assert(pg_policy_skip_addr(&f.asset, &f.res, &f.res.addrs[1]));
	ck_assert(!pg_policy_skip_addr(&f.asset, &f.res, &f.res.addrs[0]));
	fs = pg_policy_evaluate(&m0, &o, &u);
	ck_assert(!u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "network-unexpected");
	ck_assert(json_is_false(
		json_object_get(json_object_get(json_array_get(fs, 0), "evidence"), "scanned")));
	json_decref(fs);
	/* scanUnexpected: the second address should have been scanned: the asset is not
	 * fully checked, and the second address is still held against expectedNetwork */
	f.asset.scan_unexpected = 1;
	ck_assert(!pg_policy_skip_addr(&f.asset, &f.res, &f.res.addrs[1]));
	fs = pg_policy_evaluate(&m0, &o, &u);
	ck_assert(u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "network-unexpected");
	ck_assert_str_eq(str_of(fs, 0, "ip"), "192.0.2.7");
	json_decref(fs);
	/* both scanned: an unapproved port on the second address fails */
	two[0] = f.scan;
	two[1] = (struct pg_scan_target){
		.addr = f.res.addrs[1], .ports = &p8080, .nports = 1, .results = second
	};
	f.asset.nnetworks = 0;
	o = (struct pg_asset_outcome){ &f.asset, &f.res, two, 2 };
	fs = pg_policy_evaluate(&m0, &o, &u);
	ck_assert(!u);
	ck_assert_uint_eq(json_array_size(fs), 1);
	ck_assert_str_eq(rule_of(fs, 0), "port-unapproved-open");
	ck_assert_str_eq(str_of(fs, 0, "ip"), "192.0.2.7");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

START_TEST(monitor_still_reports_unchecked_on_a_failed_asset)
{
	struct fixture f;
	struct pg_manifest m = { 0 };
	bool u;
	json_t *rep, *fs;

	fixture_init(&f);
	add_port(&f, 8080, PG_PORT_OPEN); /* fail */
	add_port(&f, 80, PG_PORT_ERROR);  /* not checked */
	fs = evaluate_under(&m, &f, &u);
	ck_assert(u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_MONITOR, rep), PG_EXIT_UNCHECKED);
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(rep, "run"), "summary"), "couldNotCheck")),
		1);
	json_decref(rep);
	fs = evaluate_under(&m, &f, &u);
	rep = report_for(fs, u);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_POLICY);
	json_decref(rep);
	fixture_clear(&f);
}
END_TEST

START_TEST(passed_findings_are_counted_across_passes)
{
	struct fixture f;
	struct pg_manifest m = { 0 };
	struct pg_rule_override quiet = { "port-approved-closed", PG_ACTION_PASS };
	bool u;
	json_t *rep, *fs;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_CLOSED);
	m.rules = (struct pg_overrides){ &quiet, 1 };
	fs = evaluate_under(&m, &f, &u);
	rep = report_for(fs, u);
	finalize(&m, &f.asset, PG_MODE_ENFORCE, rep);
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_PASS);
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(json_object_get(rep, "run"), "summary"),
					"findings"),
			"pass")),
		1);
	json_decref(rep);
	fixture_clear(&f);
}
END_TEST

/* evaluate decides the core findings (so enrich can select by action);
 * finalize, once, decides only what was added after them and drops passes. */
START_TEST(evaluate_decides_finalize_decides_the_added)
{
	struct fixture f;
	struct pg_manifest m = { 0 };
	struct pg_rule_override rules[2] = { { "port-approved-closed", PG_ACTION_PASS },
					     { "headers-content-security-policy",
					       PG_ACTION_FAIL } };
	json_t *rep, *fs, *x, *asset;
	bool u;
	char fp[17];

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_CLOSED);
	add_port(&f, 443, PG_PORT_FILTERED);
	m.rules = (struct pg_overrides){ rules, 2 };
	fs = evaluate_under(&m, &f, &u);
	ck_assert_uint_eq(json_array_size(fs), 2);
	x = json_array_get(fs, 0); /* overridden to pass, kept until finalize */
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "pass");
	ck_assert(!pg_policy_reported(x));
	pg_fingerprint("port-approved-closed", "app.test", "127.0.0.1", 80, fp);
	ck_assert_str_eq(json_string_value(json_object_get(x, "fingerprint")), fp);
	x = json_array_get(fs, 1);
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "warn");
	ck_assert(pg_policy_reported(x));
	/* what an enricher adds has no action until finalize decides it */
	x = json_pack("{s:s, s:s, s:s}", "rule", "headers-content-security-policy", "defaultAction",
		      "warn", "source", "headers");
	ck_assert(pg_policy_reported(x));
	json_array_append_new(fs, x);
	rep = report_for(fs, u);
	/* a decided finding stays decided: finalize does not decide it again */
	rules[0].action = PG_ACTION_FAIL;
	ck_assert_int_eq(finalize(&m, &f.asset, PG_MODE_ENFORCE, rep), PG_EXIT_POLICY);
	asset = json_array_get(json_object_get(rep, "assets"), 0);
	x = json_object_get(asset, "findings");
	ck_assert_uint_eq(json_array_size(x), 2);
	ck_assert_str_eq(rule_of(x, 0), "port-approved-filtered");
	ck_assert_str_eq(rule_of(x, 1), "headers-content-security-policy");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(x, 1), "action")),
			 "fail");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(x, 1), "asset")), "app");
	pg_policy_finding_fingerprint(json_array_get(x, 1), "app.test", fp);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(x, 1), "fingerprint")),
			 fp);
	ck_assert_int_eq(json_integer_value(json_object_get(asset, "passedFindings")), 1);
	json_decref(rep);
	fixture_clear(&f);
}
END_TEST

START_TEST(fingerprint_is_stable_and_distinct)
{
	char a[17], b[17], c[17], d[17];

	pg_fingerprint("port-unapproved-open", "app.test", "127.0.0.1", 8080, a);
	pg_fingerprint("port-unapproved-open", "app.test", "127.0.0.1", 8080, b);
	pg_fingerprint("port-unapproved-open", "app.test", "127.0.0.1", 8081, c);
	pg_fingerprint("port-approved-closed", "app.test", "127.0.0.1", 8080, d);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_uint_eq(strlen(a), 16);
	/* pinned value: the fingerprint is a contract with ticket systems
	 * (python3: sha256(b"v1\0port-unapproved-open\0app.test\0" b"127.0.0.1\0tcp/8080")[:16]) */
	ck_assert_str_eq(a, "1cc86136517b7ee8");
}
END_TEST

/* UDP ports are approved by protocol: 53/tcp approved does not approve 53/udp. */
START_TEST(udp_unapproved_open_fails)
{
	struct fixture f;
	bool u;
	json_t *fs, *x;
	char fp[17];

	fixture_init(&f);
	pg_ports_add(&f.asset.approved, 53);
	pg_ports_add_udp(&f.asset.approved, 123);
	add_port(&f, 53, PG_PORT_OPEN);
	udp_probe(add_udp_port(&f, 53, PG_PORT_OPEN), "domain", 40, 60);
	udp_probe(add_udp_port(&f, 123, PG_PORT_OPEN), "ntp", 48, 48);
	fs = evaluate(&f, &u);
	x = sole_finding(fs, "port-unapproved-open");
	ck_assert_int_eq(json_integer_value(json_object_get(x, "port")), 53);
	ck_assert_str_eq(json_string_value(json_object_get(x, "protocol")), "udp");
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "fail");
	ck_assert_str_eq(json_string_value(json_object_get(x, "reason")),
			 "port 53/udp is open but not in approvedPorts (domain)");
	/* the fingerprint hashes "udp/53": not the one of 53/tcp */
	pg_fingerprint_proto("port-unapproved-open", "app.test", "127.0.0.1", PG_PROTO_UDP, 53, fp);
	ck_assert_str_eq(json_string_value(json_object_get(x, "fingerprint")), fp);
	pg_fingerprint("port-unapproved-open", "app.test", "127.0.0.1", 53, fp);
	ck_assert_str_ne(json_string_value(json_object_get(x, "fingerprint")), fp);
	ck_assert(!u);
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

/* nmap's open|filtered (no answer) on an approved UDP port warns like a filtered TCP
 * port; ICMP port unreachable on an approved one is port-approved-closed. */
START_TEST(udp_approved_silent_or_closed_warns)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	pg_ports_add_udp(&f.asset.approved, 53);
	pg_ports_add_udp(&f.asset.approved, 161);
	add_port(&f, 80, PG_PORT_OPEN);
	add_udp_port(&f, 53, PG_PORT_FILTERED);
	add_udp_port(&f, 161, PG_PORT_CLOSED);
	add_udp_port(&f, 162, PG_PORT_FILTERED); /* not approved, silent: nothing to say */
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 2);
	ck_assert_str_eq(rule_of(fs, 0), "port-approved-filtered");
	ck_assert_str_eq(str_of(fs, 0, "reason"),
			 "approved port 53/udp does not answer (no-response)");
	ck_assert_str_eq(str_of(fs, 0, "action"), "warn");
	ck_assert_str_eq(rule_of(fs, 1), "port-approved-closed");
	ck_assert_str_eq(str_of(fs, 1, "reason"), "approved port 161/udp is closed");
	ck_assert_str_eq(str_of(fs, 1, "protocol"), "udp");
	ck_assert(!u);
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

/* TCP fingerprints are what they were before UDP (pinned in
 * fingerprint_is_stable_and_distinct); UDP ones hash "udp/PORT". */
START_TEST(udp_fingerprint)
{
	char t[17], t2[17], ud[17];

	pg_fingerprint("port-unapproved-open", "app.test", "127.0.0.1", 8080, t);
	pg_fingerprint_proto("port-unapproved-open", "app.test", "127.0.0.1", PG_PROTO_TCP, 8080,
			     t2);
	pg_fingerprint_proto("port-unapproved-open", "app.test", "127.0.0.1", PG_PROTO_UDP, 8080,
			     ud);
	ck_assert_str_eq(t, t2);
	ck_assert_str_eq(t, "1cc86136517b7ee8");
	/* python3: sha256(b"v1\0port-unapproved-open\0app.test\0" b"127.0.0.1\0udp/8080")[:16] */
	ck_assert_str_eq(ud, "0d15a144c516fd5f");
}
END_TEST

/* udp-amplifier: the answer/request byte ratio against PG_UDP_AMPLIFIER_FACTOR, both sides. */
START_TEST(udp_amplifier_threshold)
{
	double factor = 0;

	ck_assert(pg_udp_amplifies(40, 80, &factor)); /* exactly 2.0 */
	ck_assert(factor == 2.0);
	ck_assert(!pg_udp_amplifies(40, 79, &factor)); /* 1.975 */
	ck_assert(pg_udp_amplifies(50, 190, &factor)); /* NetBIOS's 3.8 */
	ck_assert(!pg_udp_amplifies(48, 48, &factor)); /* an echo */
	ck_assert(!pg_udp_amplifies(0, 500, &factor)); /* empty request: no factor */
	ck_assert(!pg_udp_amplifies(40, 0, &factor));
	ck_assert(PG_UDP_AMPLIFIER_FACTOR == 2.0);
}
END_TEST

static json_t *finding_of(json_t *findings, const char *rule)
{
	size_t i;
	json_t *x;

	json_array_foreach(findings, i, x) if (!strcmp(rule_of(findings, i), rule)) return x;
	return NULL;
}

START_TEST(udp_amplifier_finding)
{
	struct fixture f;
	bool u;
	json_t *fs, *x, *ev;

	fixture_init(&f);
	pg_ports_add_udp(&f.asset.approved, 137);
	pg_ports_add_udp(&f.asset.approved, 53);
	pg_ports_add_udp(&f.asset.approved, 11211);
	add_port(&f, 443, PG_PORT_OPEN);
	udp_probe(add_udp_port(&f, 137, PG_PORT_OPEN), "netbios-ns", 50, 190);
	udp_probe(add_udp_port(&f, 53, PG_PORT_OPEN), "domain", 40, 79);        /* just under */
	udp_probe(add_udp_port(&f, 11211, PG_PORT_OPEN), "memcached", 0, 1400); /* no request */
	fs = evaluate(&f, &u);
	/* approved, so only the amplifier; below the threshold and without a request: none */
	ck_assert_uint_eq(json_array_size(fs), 1);
	x = finding_of(fs, "udp-amplifier");
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(json_integer_value(json_object_get(x, "port")), 137);
	ck_assert_str_eq(json_string_value(json_object_get(x, "protocol")), "udp");
	ck_assert_str_eq(json_string_value(json_object_get(x, "severity")), "high");
	ck_assert(json_real_value(json_object_get(x, "amplificationFactor")) == 3.8);
	ev = json_object_get(x, "evidence");
	ck_assert(json_real_value(json_object_get(ev, "amplificationFactor")) == 3.8);
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "bytesSent")), 50);
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "bytesReceived")), 190);
	ck_assert_str_eq(json_string_value(json_object_get(x, "reason")),
			 "port 137/udp answers 190 bytes to a 50-byte request (amplification "
			 "factor 3.8) (netbios-ns)");
	/* not production: warn */
	ck_assert_str_eq(json_string_value(json_object_get(x, "defaultAction")), "warn");
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "warn");
	json_decref(fs);

	/* production: fail */
	f.asset.environment = "Production";
	fs = evaluate(&f, &u);
	x = finding_of(fs, "udp-amplifier");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(json_string_value(json_object_get(x, "defaultAction")), "fail");
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "fail");
	json_decref(fs);
	f.asset.environment = NULL;
	fixture_clear(&f);
}
END_TEST

/* The override mechanism applies to the per-environment default: an asset's own policy
 * turns the production failure into a warning. */
START_TEST(udp_amplifier_override)
{
	struct fixture f;
	bool u;
	json_t *fs, *x;
	struct pg_rule_override ov = { "udp-amplifier", PG_ACTION_WARN };

	fixture_init(&f);
	f.asset.environment = "production";
	f.asset.overrides.v = &ov;
	f.asset.overrides.n = 1;
	add_port(&f, 443, PG_PORT_OPEN);
	udp_probe(add_udp_port(&f, 1900, PG_PORT_OPEN), "ssdp", 100, 3080);
	fs = evaluate(&f, &u);
	x = finding_of(fs, "udp-amplifier");
	ck_assert_ptr_nonnull(x);
	ck_assert(json_real_value(json_object_get(x, "amplificationFactor")) == 30.8);
	ck_assert_str_eq(json_string_value(json_object_get(x, "defaultAction")), "fail");
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "warn");
	/* and 1900/udp is not approved */
	ck_assert_ptr_nonnull(finding_of(fs, "port-unapproved-open"));
	f.asset.overrides.v = NULL;
	f.asset.overrides.n = 0;
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

/* policy.exceptions: port "53/udp" accepts the UDP finding only; port 53 the TCP one only. */
START_TEST(udp_exception_by_protocol)
{
	struct fixture f;
	struct pg_exception ex = { .line = 3,
				   .rule = "port-unapproved-open",
				   .port = 53,
				   .udp = true,
				   .reason = "resolver",
				   .owner = "dns-team",
				   .expires = "2999-01-01" };
	struct pg_manifest m = { .exceptions = &ex, .nexceptions = 1 };
	bool u;
	json_t *fs;

	fixture_init(&f);
	add_port(&f, 53, PG_PORT_OPEN);
	add_udp_port(&f, 53, PG_PORT_OPEN);
	fs = evaluate_under(&m, &f, &u);
	ck_assert_uint_eq(json_array_size(fs), 2);
	ck_assert_str_eq(str_of(fs, 0, "action"), "fail"); /* 53/tcp: not excepted */
	ck_assert_ptr_null(json_object_get(json_array_get(fs, 0), "exception"));
	ck_assert_str_eq(str_of(fs, 1, "action"), "pass");
	ck_assert_ptr_nonnull(json_object_get(json_array_get(fs, 1), "exception"));
	json_decref(fs);
	ex.udp = false; /* a bare number is TCP */
	fs = evaluate_under(&m, &f, &u);
	ck_assert_str_eq(str_of(fs, 0, "action"), "pass");
	ck_assert_str_eq(str_of(fs, 1, "action"), "fail");
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

/* A TCP port is never an amplifier, whatever its probe says. */
START_TEST(tcp_is_no_amplifier)
{
	struct fixture f;
	bool u;
	json_t *fs;

	fixture_init(&f);
	add_port(&f, 80, PG_PORT_OPEN);
	f.results[0].probe = json_pack("{s:{s:i, s:i}}", "udp", "sent", 1, "received", 1000);
	fs = evaluate(&f, &u);
	ck_assert_uint_eq(json_array_size(fs), 0);
	json_decref(fs);
	fixture_clear(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, approved_open_passes);
	tcase_add_test(tc, unapproved_open_fails);
	tcase_add_test(tc, approved_filtered_and_closed_warn);
	tcase_add_test(tc, invalid_certificate_fails_with_reasons);
	tcase_add_test(tc, tls_port_speaking_plaintext);
	tcase_add_test(tc, tls_without_certificate_fails);
	tcase_add_test(tc, unauthenticated_store_by_environment);
	tcase_add_test(tc, unauthenticated_udp_service);
	tcase_add_test(tc, unresolved_is_could_not_check);
	tcase_add_test(tc, scan_error_is_could_not_check);
	tcase_add_test(tc, network_outside_cidr);
	tcase_add_test(tc, overrides_environment_and_asset);
	tcase_add_test(tc, unchecked_exit_3_unless_failed);
	tcase_add_test(tc, plugin_findings_get_actions_and_fingerprints);
	tcase_add_test(tc, every_address_counts);
	tcase_add_test(tc, monitor_still_reports_unchecked_on_a_failed_asset);
	tcase_add_test(tc, passed_findings_are_counted_across_passes);
	tcase_add_test(tc, evaluate_decides_finalize_decides_the_added);
	tcase_add_test(tc, fingerprint_is_stable_and_distinct);
	tcase_add_test(tc, udp_unapproved_open_fails);
	tcase_add_test(tc, udp_approved_silent_or_closed_warns);
	tcase_add_test(tc, udp_fingerprint);
	tcase_add_test(tc, udp_amplifier_threshold);
	tcase_add_test(tc, udp_amplifier_finding);
	tcase_add_test(tc, udp_amplifier_override);
	tcase_add_test(tc, tcp_is_no_amplifier);
	tcase_add_test(tc, udp_exception_by_protocol);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
