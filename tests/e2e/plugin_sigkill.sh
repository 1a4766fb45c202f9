#!/bin/sh
# SIGKILL in the middle of a delivery loses nothing, and a receiver honouring
# the idempotency key sees the notification exactly once.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
port=$(pg_free_port)
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notifiers:
  hook:
    plugin: webhook
    url: http://127.0.0.1:$port/hook
    timeoutMs: 20000
YAML
write_report "$T/report.json"
# The receiver accepts the first POST, then holds its answer for 20 s.
start_receiver "$port" --delay-ms 20000 --log "$T/recv.log" --state "$T/recv.state"

"$DRIVER" notify "$T/portgate.yaml" "$T/report.json" >"$T/out" 2>&1 &
pid=$!
i=0
while ! grep -q '"method": "POST"' "$T/recv.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then kill -9 $pid; fail "no delivery attempt seen"; fi
	sleep 0.1
done
kill -9 $pid
rc=0; wait $pid || rc=$?
[ "$rc" -eq 137 ] || fail "driver was not killed mid-delivery (exit $rc)"

# Nothing lost: the notification is in the outbox, intact.
"$PG_BIN" outbox list --config "$T/portgate.yaml" --json >"$T/list.json"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert len(e)==1 and e[0]["status"]=="pending", e' \
	"$T/list.json" || fail "outbox after SIGKILL: $(cat "$T/list.json")"

# Receiver restarted (keeps its accepted keys); flush redelivers the same key.
stop_receiver
start_receiver "$port" --log "$T/recv.log" --state "$T/recv.state"
"$PG_BIN" outbox flush --config "$T/portgate.yaml" || fail "flush failed"
[ "$(rstat duplicates)" = 1 ] || fail "redelivery not recognised as a duplicate"
python3 - "$T/recv.log" <<'PY' || fail "receiver saw the notification more than once"
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1]) if '"POST"' in l]
assert len(posts) == 2, posts                      # the killed attempt + the redelivery
assert posts[0]["key"] == posts[1]["key"], posts  # same idempotency key
assert [p["duplicate"] for p in posts] == [False, True], posts  # accepted exactly once
PY
"$PG_BIN" outbox list --config "$T/portgate.yaml" | grep -q "outbox empty" || fail "outbox not empty"
echo "ok"
