#!/bin/sh
# check_scope: scope is decided before the scan. An address outside expectedNetwork, or reached
# through records expectedRecords rules out, gets its finding and is never connected to (a trap
# listener on 127.0.0.2 records every connection and must stay empty), unless scanUnexpected asks
# for both.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
pg_on_exit dns_stop

pg_listen trap "trap@127.0.0.2:0"
port=$(pg_port trap 1)
pg_listen web "http@127.0.0.1:$port"
trapfile="$PG_TMP/trap.ports.trap"

# trap_count WANT: connections the trap saw so far. Its accept loop runs in a thread, so a
# connection is written a moment after the handshake: wait (bounded) until WANT are there,
# then a moment more, so that one too many is seen as well.
trap_seen() { if [ -f "$trapfile" ]; then wc -l <"$trapfile" | tr -d ' '; else echo 0; fi; }
trap_count() {
	i=0
	while [ "$(trap_seen)" -lt "$1" ] && [ $i -lt 250 ]; do i=$((i + 1)); sleep 0.02; done
	sleep 0.3
	trap_seen
}
check() { # MANIFEST EVIDENCE
	"$PG_BIN" check -m "$1" --out "$2" --no-probe --dns-server "$DNS_SERVER"
}
dns_start --host-record=two.example.test,127.0.0.1 --host-record=two.example.test,127.0.0.2 \
	--cname=alias.example.test,two.example.test

cat >"$PG_TMP/net.yaml" <<YAML
assets:
  - name: literal
    target: 127.0.0.2
    approvedPorts: [$port]
    expectedNetwork: ["127.0.0.1/32"]
YAML
pg_expect_exit 1 "an address outside expectedNetwork fails" check "$PG_TMP/net.yaml" "$PG_TMP/ev1.json"
pg_assert_eq "the trap saw no connection" "$(trap_count 0)" 0
pg_assert_eq "network-unexpected says it was not scanned" \
	"$(pg_json "$PG_TMP/ev1.json" '[(f["rule"], f["ip"], f["evidence"]["scanned"]) for f in d["assets"][0]["findings"]]')" \
	'[["network-unexpected", "127.0.0.2", false]]'
pg_assert_eq "no scan object, and the skip is a decision, not could-not-check" \
	"$(pg_json "$PG_TMP/ev1.json" '["scan" in d["assets"][0], d["assets"][0]["couldNotCheck"], d["assets"][0]["verdict"]]')" \
	'[false, false, "fail"]'
pg_assert_grep "the reason says it was not connected to" "not connected to" "$PG_TMP/out"

# the asset asks for both: finding and scan
sed 's|^    expectedNetwork|    scanUnexpected: true\n    expectedNetwork|' "$PG_TMP/net.yaml" >"$PG_TMP/both.yaml"
pg_expect_exit 1 "scanUnexpected: true still fails" check "$PG_TMP/both.yaml" "$PG_TMP/ev2.json"
pg_assert_eq "the trap saw the scan" "$(trap_count 1)" 1
pg_assert_eq "finding says scanned, port is open" \
	"$(pg_json "$PG_TMP/ev2.json" '[d["assets"][0]["findings"][0]["evidence"]["scanned"], d["assets"][0]["scan"]["summary"]["open"]]')" \
	'[true, 1]'

# the same from the policy block; the asset can turn it back off
{ echo "policy:"; echo "  scanUnexpected: true"; cat "$PG_TMP/net.yaml"; } >"$PG_TMP/pol.yaml"
pg_expect_exit 1 "policy.scanUnexpected: true" check "$PG_TMP/pol.yaml" "$PG_TMP/ev3.json"
pg_assert_eq "the trap saw the policy-driven scan" "$(trap_count 2)" 2
sed 's|^    expectedNetwork|    scanUnexpected: false\n    expectedNetwork|' "$PG_TMP/pol.yaml" >"$PG_TMP/off.yaml"
pg_expect_exit 1 "the asset overrides policy.scanUnexpected" check "$PG_TMP/off.yaml" "$PG_TMP/ev4.json"
pg_assert_eq "no new connection" "$(trap_count 2)" 2

# expectedRecords rules out the second A record: the first is scanned, the second is not
cat >"$PG_TMP/rec.yaml" <<YAML
assets:
  - name: records
    target: two.example.test
    approvedPorts: [$port]
    expectedRecords: { A: [127.0.0.1] }
YAML
pg_expect_exit 1 "an unexpected A record fails" check "$PG_TMP/rec.yaml" "$PG_TMP/ev5.json"
pg_assert_eq "no connection to the unexpected address" "$(trap_count 2)" 2
pg_assert_eq "dns-unexpected-record names the skipped address" \
	"$(pg_json "$PG_TMP/ev5.json" '[(f["rule"], f["evidence"]["unexpected"], f["evidence"]["notScanned"]) for f in d["assets"][0]["findings"]]')" \
	'[["dns-unexpected-record", ["127.0.0.2"], ["127.0.0.2"]]]'
pg_assert_eq "the expected address was scanned, alone" \
	"$(pg_json "$PG_TMP/ev5.json" '[d["assets"][0]["scan"]["ip"], "additionalScans" in d["assets"][0], d["assets"][0]["couldNotCheck"]]')" \
	'["127.0.0.1", false, false]'

# reached through a CNAME the manifest does not expect: no address is connected to
cat >"$PG_TMP/cname.yaml" <<YAML
assets:
  - name: alias
    target: alias.example.test
    approvedPorts: [$port]
    expectedRecords: { CNAME: [elsewhere.example.test] }
YAML
pg_expect_exit 1 "an unexpected CNAME fails" check "$PG_TMP/cname.yaml" "$PG_TMP/ev6.json"
pg_assert_eq "no connection through the unexpected CNAME" "$(trap_count 2)" 2
pg_assert_eq "neither address scanned" \
	"$(pg_json "$PG_TMP/ev6.json" '["scan" in d["assets"][0], sorted(d["assets"][0]["findings"][0]["evidence"]["notScanned"])]')" \
	'[false, ["127.0.0.1", "127.0.0.2"]]'

printf 'assets:\n  - target: 127.0.0.1\n    scanUnexpected: maybe\n' >"$PG_TMP/bad.yaml"
pg_expect_exit 2 "scanUnexpected must be a boolean" "$PG_BIN" validate -m "$PG_TMP/bad.yaml"
pg_assert_grep "type error at its line" "bad.yaml:3: assets\[0\].scanUnexpected" "$PG_TMP/err"
pg_done
