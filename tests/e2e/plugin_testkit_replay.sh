#!/bin/sh
# Issue 21 item 3: plugin-test is a real run. An enricher that echoes its
# input sees in `plugin-test enrich --from-evidence EV --asset NAME` exactly
# what it saw in the `check` that wrote EV (assetContext, openPorts, no
# enrichment of that run); a hand-written finding gets the same builder
# (openPorts present, a stale enrichment dropped); every host call is listed,
# host->dns queries (against the test's dnsmasq) beside host->http requests.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
TP="$PG_BUILDDIR/tests/plugins/.libs"
[ -f "$TP/testasset.so" ] || pg_skip "test plugin testasset not built"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed"
mkdir -p "$T/plugins"; chmod 0755 "$T/plugins"
install -m 0644 "$TP/testasset.so" "$T/plugins/"
dns_start --host-record=cmdb.example.test,127.0.0.5 || fail "dnsmasq did not start"
EXTRA_CLEANUP=dns_stop
start_listener
lport=$(cat "$T/lport")
cport=$(pg_closed_port)

cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: shop
    target: 127.0.0.1
    owner: team-shop
    environment: prod
    approvedPorts: []
    ports: [$lport, $cport]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "$DNS_SERVER", timeoutMs: 1000}
enrichers:
  echo: {plugin: testasset, mode: echo}
  look: {plugin: testasset, mode: dns, dnsName: cmdb.example.test, dnsType: A}
YAML
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" --no-probe \
	>/dev/null 2>"$T/check.err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc: $(cat "$T/check.err")"

"$PG_BIN" plugin-test enrich "$T/portgate.yaml" --from-evidence "$T/ev.json" --asset shop \
	>"$T/replay.json" 2>"$T/replay.err" || fail "replay: $(cat "$T/replay.err")"
python3 - "$T/ev.json" "$T/replay.json" "$lport" <<'PY' || fail "replay differs: $(cat "$T/replay.json")"
import json, sys
ev, r, lport = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
f = ev["assets"][0]["findings"][0]
seen = f["enrichment"]["echo"]["input"]          # what the check gave the plugin
got = r["echo"]["out"]["input"]                   # what plugin-test gave it
assert got == seen, (got, seen)
assert "enrichment" not in got and [p["port"] for p in got["openPorts"]] == [lport], got
assert got["assetContext"]["owner"] == "team-shop", got
assert r["echo"]["sent"] == [], r["echo"]
assert r["look"]["result"] == "ok", r["look"]
assert r["look"]["sent"] == [{"method": "DNS", "name": "cmdb.example.test", "type": "A",
                              "answers": ["127.0.0.5"]}], r["look"]["sent"]
PY

# A hand-written finding: same builder (openPorts given or empty; stale enrichment gone).
cat >"$T/finding.json" <<'JSON'
{"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "shop",
 "target": "127.0.0.1", "ip": "127.0.0.1", "port": 8080, "fingerprint": "aaaa000011112222",
 "enrichment": {"echo": {"stale": true}},
 "assetContext": {"name": "shop", "target": "127.0.0.1", "owner": "team-shop"}}
JSON
"$PG_BIN" plugin-test enrich "$T/portgate.yaml" "$T/finding.json" >"$T/hand.json" 2>"$T/hand.err" \
	|| fail "hand-written: $(cat "$T/hand.err")"
python3 - "$T/hand.json" <<'PY' || fail "hand-written input: $(cat "$T/hand.json")"
import json, sys
i = json.load(open(sys.argv[1]))["echo"]["out"]["input"]
assert "enrichment" not in i and i["openPorts"] == [], i
assert i["assetContext"] == {"name": "shop", "target": "127.0.0.1", "owner": "team-shop"}, i
PY

# Untrusted evidence: refused with the file named, exit 2; so are a missing asset and options.
printf '{"assets": []}' >"$T/notev.json"
for args in "--from-evidence $T/notev.json --asset shop" "--from-evidence $T/ev.json --asset nosuch" \
	"--from-evidence $T/ev.json --asset shop --rule no-such-rule" "--from-evidence $T/ev.json"; do
	rc=0
	# shellcheck disable=SC2086
	"$PG_BIN" plugin-test enrich "$T/portgate.yaml" $args >/dev/null 2>"$T/bad.err" || rc=$?
	[ "$rc" = 2 ] || fail "plugin-test $args: exit $rc"
	[ -s "$T/bad.err" ] || fail "plugin-test $args: no message"
done
rc=0
"$PG_BIN" plugin-test enrich "$T/portgate.yaml" --from-evidence "$T/notev.json" --asset shop \
	2>"$T/bad.err" >/dev/null || rc=$?
grep -q "$T/notev.json: not portgate evidence" "$T/bad.err" || fail "$(cat "$T/bad.err")"
"$PG_BIN" plugin-test enrich "$T/portgate.yaml" --from-evidence "$T/ev.json" --asset nosuch \
	2>"$T/bad.err" >/dev/null || true
grep -q "$T/ev.json: no asset named 'nosuch'" "$T/bad.err" || fail "$(cat "$T/bad.err")"
echo "ok"
