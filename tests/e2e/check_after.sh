#!/bin/sh
# Ordered enrichers in a real `portgate check`: a CMDB-like enricher
# (tests/plugins/test_cmdb.c) declared `after: [dns]` reads the dns
# enrichment of the same finding (the A record dnsmasq gave) and looks the
# owner up by that address; a second instance without after: sees no
# enrichment at all; an instance's own on: limits it to the actions it names.
# A cycle is a config error with file:line and nothing is scanned.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin dns
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
TP="$PG_BUILDDIR/tests/plugins/.libs"
[ -f "$TP/testcmdb.so" ] || pg_skip "test plugin testcmdb not built"
EXTRA_CLEANUP=dns_stop
private_plugin_dir dns
install -m 0644 "$TP/testcmdb.so" "$T/plugins/"

dns_start --host-record=app.example.test,127.0.0.1 || fail "dnsmasq did not start"
start_listener
open_port=$(cat "$T/lport")
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: app.example.test
    owner: team-app
    approvedPorts: [1]
    ports: [$open_port]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$DNS_SERVER", timeoutMs: 1000}
enrich: {on: [fail], timeoutMs: 8000}
enrichers:
  cmdb:
    plugin: testcmdb
    inventory: "127.0.0.2=team-other,127.0.0.1=team-payments"
    maxAge: 90s
    after: [dns]
  alone: {plugin: testcmdb, mode: echo}
  warnonly: {plugin: testcmdb, on: [warn]}
  dns: {plugin: dns, types: A}
YAML
rc=0
"$PG_BIN" check --config "$T/portgate.yaml" -m "$T/manifest.yaml" --out "$T/ev.json" --no-probe \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc, want 1: $(cat "$T/err")"
python3 - "$T/ev.json" "$open_port" <<'PY' || fail "evidence: $(cat "$T/ev.json")"
import json, sys
r = json.load(open(sys.argv[1]))
f = [f for f in r["assets"][0]["findings"] if f.get("port") == int(sys.argv[2])][0]
e = f["enrichment"]
assert e["dns"]["A"] == ["127.0.0.1"], e["dns"]
c = e["cmdb"]
assert c["enrichmentSeen"] == ["dns"], c          # only what it is after
assert c["dnsA"] == ["127.0.0.1"] and c["owner"] == "team-payments", c
assert c["maxAgeMs"] == 90000 and c["tier"] == 2, c   # typed values: 90s in ms, a default
assert e["alone"]["enrichmentSeen"] == [] and e["alone"]["owner"] is None, e["alone"]
assert "warnonly" not in e, e                       # its on: [warn]; the finding fails
PY

# A cycle: file:line, exit 2, no scan.
cat >"$T/cycle.yaml" <<YAML
pluginDirs: [$T/plugins]
enrichers:
  a: {plugin: testcmdb, after: [b]}
  b: {plugin: testcmdb, after: [a]}
YAML
rc=0
"$PG_BIN" check --config "$T/cycle.yaml" -m "$T/manifest.yaml" --out "$T/ev2.json" --no-probe \
	>/dev/null 2>"$T/err2" || rc=$?
[ "$rc" = 2 ] || fail "cycle: exit $rc"
grep -q 'cycle.yaml:4: enrichers.b.after: a cycle: a -> b -> a' "$T/err2" || fail "cycle: $(cat "$T/err2")"
[ ! -e "$T/ev2.json" ] || fail "evidence written for a bad config"
pg_done
