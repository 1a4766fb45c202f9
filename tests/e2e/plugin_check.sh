#!/bin/sh
# A real `portgate check` with enrichers and the webhook notifier against a
# local receiver: enrichment lands in the evidence, an enricher's finding gets
# its action from the policy, the receiver gets the failing findings; with the
# receiver down the notification waits, and the next run delivers it.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook dns

private_plugin_dir webhook dns
install -m 0644 "$PG_BUILDDIR/tests/plugins/.libs/testenrich.so" "$T/plugins/testenrich.so" \
	|| pg_skip "test plugins not built"
port=$(pg_free_port)
start_receiver "$port" --log "$T/recv.log" --state "$T/recv.state"
start_listener
open_port=$(cat "$T/lport")

cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: []
    ports: [$open_port]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  ctx:
    plugin: testenrich
    mode: add
    addRule: test-added
  dns:
    plugin: dns
notifiers:
  hook:
    plugin: webhook
    url: http://127.0.0.1:$port/hook?token=CHECKTOKEN
notify:
  retries: 1
  backoffMs: 10
outbox:
  backoffMs: 0    # a waiting entry is due again at the next run (default: a minute later)
YAML

rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" --no-probe \
	-v >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc: $(cat "$T/err")"
if grep -q CHECKTOKEN "$T/err" "$T/out"; then fail "webhook token leaked"; fi
python3 - "$T/ev.json" "$open_port" <<'PY' || fail "evidence: $(cat "$T/ev.json")"
import json, sys
d = json.load(open(sys.argv[1])); port = int(sys.argv[2])
f = d["assets"][0]["findings"]
main = [x for x in f if x["rule"] == "port-unapproved-open"]
assert len(main) == 1 and main[0]["port"] == port and main[0]["action"] == "fail", f
assert main[0]["enrichment"]["ctx"]["seen"] == "127.0.0.1", main[0]
assert "skipped" in main[0]["enrichment"]["dns"], main[0]     # IP target: no lookups
added = [x for x in f if x["rule"] == "test-added"]
assert len(added) == 1, f
a = added[0]
assert a["source"] == "ctx" and a["action"] == "warn" and len(a["fingerprint"]) == 16, a
PY
[ "$(rstat deliveries)" = 1 ] || fail "expected 1 delivery, got $(rstat deliveries)"
python3 - "$T/recv.log" "$port" <<'PY' || fail "notification content"
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"POST"' in l]
body = e[0]["body"]
assert body["type"] == "portgate.report", body
# only the failing finding (action fail) is notified, with its enrichment
assert [x["rule"] for x in body["findings"]] == ["port-unapproved-open"], body
assert body["findings"][0]["enrichment"]["ctx"]["seen"] == "127.0.0.1", body
assert body["run"]["verdict"] == "fail", body["run"]
PY

# Receiver down: the verdict is unchanged, the notification waits in the outbox.
stop_receiver
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev2.json" --no-probe \
	>"$T/out2" 2>"$T/err2" || rc=$?
[ "$rc" = 1 ] || fail "check with receiver down: exit $rc"
grep -q "wait in the outbox" "$T/err2" || fail "no outbox warning: $(cat "$T/err2")"
[ "$("$PG_BIN" outbox list --config "$T/portgate.yaml" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] \
	|| fail "outbox should hold 1"

# Receiver back: the next run delivers the waiting one and its own.
start_receiver "$port" --log "$T/recv.log" --state "$T/recv.state"
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --no-probe >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "third check: exit $rc"
[ "$(rstat deliveries)" = 2 ] || fail "expected the waiting + the new notification, got $(rstat deliveries)"
"$PG_BIN" outbox list --config "$T/portgate.yaml" | grep -q "outbox empty" || fail "outbox not empty"

# A refused plugin the settings do not name is a warning; the run goes on
# (issue 21 item 2). One they name stops the run before any scan: exit 2.
install -m 0644 "$PG_BUILDDIR/tests/plugins/.libs/wrongmajor.so" "$T/plugins/wrongmajor.so"
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --no-probe >/dev/null 2>"$T/err4" || rc=$?
[ "$rc" = 1 ] || fail "unnamed wrong-major plugin: exit $rc: $(cat "$T/err4")"
grep -q "warning: .*wrongmajor.so: plugin ABI 2.0 is not supported" "$T/err4" ||
	fail "wrong major: $(cat "$T/err4")"
sed 's/plugin: webhook/plugin: bad/' "$T/portgate.yaml" >"$T/named.yaml"
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/named.yaml" --no-probe >/dev/null 2>"$T/err4" || rc=$?
[ "$rc" = 2 ] || fail "named wrong-major plugin: exit $rc: $(cat "$T/err4")"
grep -q "no plugin named 'bad'" "$T/err4" || fail "wrong major: $(cat "$T/err4")"
echo "ok"
