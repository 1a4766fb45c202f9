#!/bin/sh
# portgate plugin-test: the installed test kit. enrich runs every configured
# enricher on a canned finding and prints what each returned (out, the
# findings a run would add) and sent (host->http requests); notify does the
# same for notifiers on a canned event. A crashing plugin shows as a crash;
# any result but ok exits 1; a bad input file exits 2 with file:line.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook
TP="$PG_BUILDDIR/tests/plugins/.libs"
for p in testenrich testasset crashy testnotify; do
	[ -f "$TP/$p.so" ] || pg_skip "test plugin $p not built"
done
private_plugin_dir webhook
for p in testenrich testasset crashy testnotify; do install -m 0644 "$TP/$p.so" "$T/plugins/"; done
port=$(pg_free_port)
start_receiver "$port" --log "$T/recv.log"

cat >"$T/finding.json" <<'JSON'
{"rule": "port-unapproved-open", "action": "fail", "severity": "high", "asset": "shop",
 "target": "127.0.0.1", "ip": "127.0.0.1", "port": 8080, "protocol": "tcp",
 "fingerprint": "aaaa000011112222",
 "assetContext": {"name": "shop", "target": "127.0.0.1", "owner": "team-shop", "domain": "shop.example"}}
JSON
cat >"$T/enrich.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  ctx: {plugin: testasset, mode: context}
  web: {plugin: testasset, mode: http, url: "http://127.0.0.1:$port/stats"}
  adder: {plugin: testenrich, mode: add, addRule: shop.odd, addSeverity: huge}
YAML
"$PG_BIN" plugin-test enrich "$T/enrich.yaml" "$T/finding.json" >"$T/out.json" 2>"$T/err" \
	|| fail "plugin-test enrich: $(cat "$T/err")"
python3 - "$T/out.json" "$port" <<'PY' || fail "enrich output: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r) == {"ctx", "web", "adder"}, r
assert r["ctx"]["result"] == "ok" and r["ctx"]["out"]["domain"] == "shop.example", r["ctx"]
assert r["ctx"]["out"]["owner"] == "team-shop" and r["ctx"]["plugin"] == "testasset", r["ctx"]
w = r["web"]
assert w["result"] == "ok" and w["out"]["status"] == 200, w
assert w["sent"] == [{"method": "GET", "url": "http://127.0.0.1:%s/***" % sys.argv[2],
                      "body": "", "status": 200}], w["sent"]
a = r["adder"]
assert len(a["returnedFindings"]) == 1 and a["findings"] == [], a   # severity huge: dropped
PY
grep -q "dropped added finding 'shop.odd': severity huge" "$T/err" || fail "no warning: $(cat "$T/err")"

# A crash is reported, not suffered: exit 1, result crash.
printf 'pluginDirs: [%s]\nenrichers:\n  bad: {plugin: crashy, how: segv}\n' "$T/plugins" >"$T/crash.yaml"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" ; export ASAN_OPTIONS
rc=0
"$PG_BIN" plugin-test enrich "$T/crash.yaml" "$T/finding.json" >"$T/out2.json" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "crash: exit $rc"
python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["bad"]
assert r["result"] == "crash" and r["error"] == "plugin crashy crashed (SIGSEGV)", r' "$T/out2.json" \
	|| fail "crash output: $(cat "$T/out2.json")"

# notify: the webhook's POST is shown (body = the event), the receiver got it.
python3 - "$T/event.json" "$T/finding.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[2]))
json.dump({"type": "portgate.finding", "eventSchema": 1, "idempotencyKey": "0" * 32,
           "run": {"id": "run_kit"}, "finding": f}, open(sys.argv[1], "w"))
PY
cat >"$T/notify.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notifiers:
  hook: {plugin: webhook, url: "http://127.0.0.1:$port/hook"}
  log: {plugin: testnotify, logFile: $T/notify.log}
YAML
"$PG_BIN" plugin-test notify "$T/notify.yaml" "$T/event.json" >"$T/out3.json" 2>"$T/err3" \
	|| fail "plugin-test notify: $(cat "$T/err3") $(cat "$T/out3.json")"
python3 - "$T/out3.json" <<'PY' || fail "notify output: $(cat "$T/out3.json")"
import json, sys
r = json.load(open(sys.argv[1]))
h = r["hook"]
assert h["result"] == "ok" and len(h["sent"]) == 1, h
s = h["sent"][0]
assert s["method"] == "POST" and s["status"] == 200, s
assert json.loads(s["body"])["idempotencyKey"] == "0" * 32, s
assert r["log"]["result"] == "ok" and r["log"]["sent"] == [], r["log"]
PY
[ "$(rstat deliveries)" = 1 ] || fail "receiver: $(rstat deliveries) deliveries"
grep -q "^00000000000000000000000000000000 portgate.finding 1" "$T/notify.log" || fail "testnotify log"

# Bad input: exit 2 with file:line.
printf '{"rule": ' >"$T/broken.json"
rc=0
"$PG_BIN" plugin-test enrich "$T/enrich.yaml" "$T/broken.json" >/dev/null 2>"$T/err4" || rc=$?
[ "$rc" = 2 ] || fail "broken input: exit $rc"
grep -q "plugin-test: $T/broken.json:1:" "$T/err4" || fail "broken: $(cat "$T/err4")"
echo "ok"
