#!/bin/sh
# Findings added by enrichers: a bad severity, a bad rule id or a core rule id
# (other than network-unexpected) is dropped with a warning naming the
# instance, the plugin and the rule; network-unexpected may be raised; an
# asset-level finding comes once per asset without ip/port/protocol, and its
# fingerprint in a real `portgate check` does not move when the port that
# triggered it changes.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
TP="$PG_BUILDDIR/tests/plugins/.libs"
[ -f "$TP/testenrich.so" ] || pg_skip "test plugins not built"
mkdir -p "$T/plugins"; chmod 0755 "$T/plugins"
install -m 0644 "$TP/testenrich.so" "$T/plugins/"

# Asset a on two addresses: two enrich calls (target scope: per target+ip).
cat >"$T/report.json" <<'JSON'
{"run": {"id": "run_added"}, "assets": [
  {"name": "a", "target": "a.example", "findings": [
    {"rule": "port-unapproved-open", "action": "fail", "asset": "a", "target": "a.example",
     "ip": "127.0.0.1", "port": 8080, "protocol": "tcp", "fingerprint": "1111"},
    {"rule": "port-unapproved-open", "action": "fail", "asset": "a", "target": "a.example",
     "ip": "127.0.0.2", "port": 9090, "protocol": "tcp", "fingerprint": "2222"}]}]}
JSON
# enrich_with RULE SEVERITY ASSETLEVEL: the driver's output in $T/out.json, stderr in $T/err
enrich_with() {
	cat >"$T/portgate.yaml" <<YAML
pluginDirs: [$T/plugins]
enrichers:
  adder: {plugin: testenrich, mode: add, addRule: "$1", addSeverity: "$2", addAssetLevel: $3,
          cacheTtlSeconds: 0}
YAML
	"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache >"$T/out.json" 2>"$T/err" \
		|| fail "enrich $1: $(cat "$T/err")"
}
added() { # rule -> how many findings of that rule the asset has
	python3 -c 'import json,sys; print(sum(f["rule"] == sys.argv[2]
	    for f in json.load(open(sys.argv[1]))["assets"][0]["findings"]))' "$T/out.json" "$1"
}

enrich_with odd.rule huge false
[ "$(added odd.rule)" = 0 ] || fail "severity huge accepted"
grep -q "\[adder\] plugin testenrich: dropped added finding 'odd.rule': severity huge is not one of info, low, medium, high, critical" "$T/err" \
	|| fail "no warning for severity: $(cat "$T/err")"
for sev in info low medium high critical; do
	enrich_with odd.rule "$sev" false
	[ "$(added odd.rule)" = 2 ] || fail "severity $sev refused: $(cat "$T/err")"
done
enrich_with port-unapproved-open high false
[ "$(added port-unapproved-open)" = 2 ] || fail "core rule id reused" # only the two of the core
grep -q "dropped added finding 'port-unapproved-open': 'port-unapproved-open' is a core rule (only network-unexpected may be reused)" "$T/err" \
	|| fail "no warning for a core rule: $(cat "$T/err")"
enrich_with network-unexpected high false
[ "$(added network-unexpected)" = 2 ] || fail "network-unexpected refused: $(cat "$T/err")"
enrich_with Bad_Rule low false
[ "$(added Bad_Rule)" = 0 ] || fail "bad rule id accepted"
grep -q "dropped added finding 'Bad_Rule': the rule id is not" "$T/err" || fail "no warning: $(cat "$T/err")"

# Asset level: once per asset, nothing port- or address-specific copied.
enrich_with domain.expiring high true
python3 - "$T/out.json" <<'PY' || fail "asset level: $(cat "$T/out.json")"
import json, sys
f = [x for x in json.load(open(sys.argv[1]))["assets"][0]["findings"] if x["rule"] == "domain.expiring"]
assert len(f) == 1, f
f = f[0]
assert f["assetLevel"] is True and f["asset"] == "a" and f["target"] == "a.example", f
assert not ({"ip", "port", "protocol"} & set(f)), f
PY

# In a real check the asset-level finding's fingerprint does not depend on the port.
fingerprint_for_port() { # PORT -> fingerprint of domain.expiring
	cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: []
    ports: [$1]
YAML
	rc=0
	"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" \
		--no-probe >/dev/null 2>"$T/cerr" || rc=$?
	[ "$rc" = 1 ] || fail "check exit $rc: $(cat "$T/cerr")"
	python3 -c 'import json,sys
f = [x for x in json.load(open(sys.argv[1]))["assets"][0]["findings"] if x["rule"] == "domain.expiring"]
assert len(f) == 1 and f[0]["action"] == "warn", f
print(f[0]["fingerprint"])' "$T/ev.json"
}
start_listener
fp1=$(fingerprint_for_port "$(cat "$T/lport")")
kill "$LISTENER_PID"; wait "$LISTENER_PID" 2>/dev/null || true; LISTENER_PID=
start_listener
fp2=$(fingerprint_for_port "$(cat "$T/lport")")
[ -n "$fp1" ] && [ "$fp1" = "$fp2" ] || fail "asset-level fingerprint moved with the port: $fp1 $fp2"
echo "ok"
