#!/bin/sh
# Every event a real `portgate check` emits is valid against the event schema
# (docs/schema/event-v1.schema.json, installed under $(datadir)/portgate/):
# per-report and per-finding events as the test notifiers receive them, the
# webhook's JSON bodies as the receiver saw them, and an entry waiting in the
# outbox. One plugin sends both a summary and per-finding items through two
# instances (events: per-report / per-finding).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook
TP="$PG_BUILDDIR/tests/plugins/.libs"
for p in testnotify testnotifyeach testenrich; do
	[ -f "$TP/$p.so" ] || pg_skip "test plugin $p not built"
done
python3 -c 'import jsonschema' 2>/dev/null || pg_skip "python3-jsonschema not installed"
SCHEMA="$PG_SRCDIR/docs/schema/event-v1.schema.json"
VALIDATE="$PG_SRCDIR/tests/tools/validate_events.py"
private_plugin_dir webhook
for p in testnotify testnotifyeach testenrich; do install -m 0644 "$TP/$p.so" "$T/plugins/"; done
mkdir -p "$T/ev/chat" "$T/ev/tickets" "$T/ev/each"
port=$(pg_free_port)
start_receiver "$port" --log "$T/recv.log" --state "$T/recv.state"
# two unapproved open ports on one listener process
python3 -c '
import os, socket, sys, time
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(" ".join(str(s.getsockname()[1]) for s in ss))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)' "$T/lports" &
LISTENER_PID=$!
i=0
while [ ! -s "$T/lports" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "listener did not start"
	sleep 0.1
done
set -- $(cat "$T/lports")
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - name: app
    target: 127.0.0.1
    owner: team-app
    environment: prod
    approvedPorts: []
    ports: [$1, $2]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  ctx: {plugin: testenrich}
notifiers:
  chat: {plugin: testnotify, logFile: $T/chat.log, eventDir: $T/ev/chat}
  tickets: {plugin: testnotify, events: per-finding, logFile: $T/tickets.log, eventDir: $T/ev/tickets}
  each: {plugin: testnotifyeach, logFile: $T/each.log, eventDir: $T/ev/each}
  hook: {plugin: webhook, url: "http://127.0.0.1:$port/hook"}
notify:
  retries: 0
YAML
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" --no-probe \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc: $(cat "$T/err")"
python3 "$VALIDATE" "$SCHEMA" "$T"/ev/*/*.json "$T/recv.log" >"$T/valid" || fail "schema"
[ "$(cat "$T/valid")" = "6 events valid" ] || fail "expected 1+2+2+1 events: $(cat "$T/valid")"
python3 - "$T/ev" <<'PY' || fail "event kinds"
import glob, json, sys
kinds = {d: sorted(json.load(open(p))["type"] for p in glob.glob("%s/%s/*.json" % (sys.argv[1], d)))
         for d in ("chat", "tickets", "each")}
assert kinds["chat"] == ["portgate.report"], kinds          # the summary
assert kinds["tickets"] == ["portgate.finding"] * 2, kinds  # same plugin, one item per finding
assert kinds["each"] == ["portgate.finding"] * 2, kinds
r = json.load(open(glob.glob(sys.argv[1] + "/chat/*.json")[0]))
assert r["eventSchema"] == 1 and len(r["findings"]) == 2, r
f = r["findings"][0]
assert f["assetContext"]["owner"] == "team-app" and f["assetContext"]["environment"] == "prod", f
assert f["enrichment"]["ctx"]["seen"] == "127.0.0.1", f
# ABI 1.3: each finding of a per-report event has its own key, stable for
# (instance, fingerprint, run): sha256("v1" NUL instance NUL run NUL fingerprint)
import hashlib
for f in r["findings"]:
    want = hashlib.sha256(b"\0".join(x.encode() for x in
        ("v1", "chat", r["run"]["id"], f["fingerprint"]))).hexdigest()[:32]
    assert f["idempotencyKey"] == want, (f["idempotencyKey"], want)
assert len({f["idempotencyKey"] for f in r["findings"]} | {r["idempotencyKey"]}) == 3, r
PY

# The receiver down: the waiting entry's event is valid too.
stop_receiver
rm -rf "$T/state"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notifiers:
  hook: {plugin: webhook, url: "http://127.0.0.1:$port/hook"}
notify:
  retries: 0
YAML
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --no-probe >/dev/null 2>"$T/err2" \
	|| rc=$?
[ "$rc" = 1 ] || fail "second check exit $rc"
python3 "$VALIDATE" "$SCHEMA" "$T"/state/outbox/*.json >"$T/valid2" || fail "outbox schema"
[ "$(cat "$T/valid2")" = "1 events valid" ] || fail "outbox: $(cat "$T/valid2")"

# A bad events: value is a config error with file:line.
printf 'pluginDirs: [%s]\nnotifiers:\n  x:\n    plugin: testnotify\n    logFile: /dev/null\n    events: sometimes\n' \
	"$T/plugins" >"$T/bad.yaml"
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/bad.yaml" --no-probe >/dev/null 2>"$T/err3" || rc=$?
[ "$rc" = 2 ] || fail "bad events: exit $rc"
grep -q "bad.yaml:6: x.events: expected per-report or per-finding" "$T/err3" || fail "$(cat "$T/err3")"
echo "ok"
