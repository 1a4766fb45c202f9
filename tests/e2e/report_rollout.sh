#!/bin/sh
# report_rollout: policy.enforce (the rest warns), exceptions with reason, owner and
# expiry (active: pass, recorded; expired: fail, saying since when), bad entries with
# file:line, and monitor mode's exit codes exactly as documented.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
SCHEMAS=$(cd "$PG_SRCDIR/tests/fixtures/schemas" && pwd)
pg_on_exit dns_stop
dns_start
pg_listen web "http@127.0.0.1:0" "silent@127.0.0.1:0"
web=$(pg_port web 1); admin=$(pg_port web 2)
cd "$PG_TMP"
manifest() { # POLICY-LINES...
	{
		echo "version: 1"
		echo "policy:"
		for l in "$@"; do echo "  $l"; done
		echo "assets:"
		echo "  - name: app"
		echo "    target: 127.0.0.1"
		echo "    approvedPorts: [$web]"
		echo "    ports: [$web, $admin]"
	} >m.yaml
}
run() { "$PG_BIN" check -m m.yaml --no-probe -q -o ev.json "$@"; }
finding() { pg_json ev.json '[(f["rule"], f["action"], f.get("enforced", True)) for f in d["assets"][0]["findings"]]'; }

manifest "enforce: [tls-certificate-invalid]"
pg_expect_exit 0 "a rule outside enforce only warns" run
pg_assert_eq "recorded as not enforced" "$(finding)" '[["port-unapproved-open", "warn", false]]'
manifest "enforce: [port-unapproved-open, tls-certificate-invalid]"
pg_expect_exit 1 "an enforced rule fails" run
pg_assert_eq "enforced" "$(finding)" '[["port-unapproved-open", "fail", true]]'

manifest "exceptions:" "  - rule: port-unapproved-open" "    asset: app" "    port: $admin" \
	"    reason: vendor migration, OPS-123" "    owner: team-web" "    expires: 2999-12-31"
pg_expect_exit 0 "an active exception passes the finding" run --format sarif --output ev.sarif
pg_assert_eq "kept in the evidence with the exception" \
	"$(pg_json ev.json '[(f["action"], f["exception"]) for f in d["assets"][0]["findings"]]')" \
	'[["pass", {"reason": "vendor migration, OPS-123", "owner": "team-web", "expires": "2999-12-31", "line": 4, "active": true}]]'
pg_assert_eq "counted as excepted" "$(pg_json ev.json 'd["run"]["summary"]["findings"]')" \
	'{"fail": 0, "warn": 0, "pass": 0, "excepted": 1}'
pg_assert_eq "asset passes" "$(pg_json ev.json 'd["assets"][0]["verdict"]')" "pass"
pg_assert_eq "SARIF: a suppressed note" \
	"$(pg_json ev.sarif '[(r["level"], r["suppressions"]) for r in d["runs"][0]["results"]]')" \
	'[["note", [{"kind": "external", "status": "accepted", "justification": "vendor migration, OPS-123"}]]]'
pg_expect_exit 0 "that SARIF is still valid" python3 -c '
import json, sys, jsonschema
jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
	"$SCHEMAS/sarif-schema-2.1.0.json" ev.sarif

manifest "exceptions:" "  - rule: port-unapproved-open" "    target: 127.0.0.1" \
	"    reason: vendor migration" "    owner: team-web" "    expires: 2020-01-31"
pg_expect_exit 1 "an expired exception fails" run
pg_assert_eq "and says since when" "$(pg_json ev.json 'd["assets"][0]["findings"][0]["reason"]')" \
	"port $admin/tcp is open but not in approvedPorts (exception expired on 2020-01-31; it was: vendor migration, owner team-web)"
pg_assert_eq "recorded inactive" "$(pg_json ev.json 'd["assets"][0]["findings"][0]["exception"]["active"]')" "false"
manifest "enforce: []" "exceptions:" "  - rule: port-unapproved-open" \
	"    reason: r" "    owner: o" "    expires: 2020-01-31"
pg_expect_exit 1 "an expired exception fails even where the rule is not enforced" run

manifest "exceptions:" "  - rule: port-unapproved-open" "    reason: r" "    expires: 2026-02-30"
pg_expect_exit 2 "a bad exception is a manifest error" run
pg_assert_grep "bad date named with file:line" "m.yaml:6: policy.exceptions\[0\].expires: expected a date YYYY-MM-DD, got '2026-02-30'" "$PG_TMP/err"
pg_assert_grep "missing owner named" "m.yaml:4: policy.exceptions\[0\]: owner is required" "$PG_TMP/err"
manifest "enforce: [Port_Open]"
pg_expect_exit 2 "a bad rule id in enforce" run
pg_assert_grep "named" "policy.enforce: 'Port_Open' is not a rule id" "$PG_TMP/err"

# monitor mode, exactly as documented: 0 unless something could not be checked (3)
manifest "mode: monitor"
pg_expect_exit 0 "monitor: a failure exits 0" run
cat >>m.yaml <<YAML
  - name: gone
    target: gone.example.test
    ports: [$web]
YAML
pg_expect_exit 3 "monitor: an unresolvable target still exits 3" run --dns-server "$DNS_SERVER"
pg_assert_eq "verdict fail, exit 3 recorded" "$(pg_json ev.json '[d["run"]["verdict"], d["run"]["exitCode"]]')" '["fail", 3]'
pg_done
