#!/bin/sh
# Receiver down during the run: the notification waits in the outbox; receiver
# up later: `portgate outbox flush` delivers it exactly once, signed.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
port=$(pg_free_port)
export PG_E2E_HOOK_SECRET="s3cret-for-tests"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
notifiers:
  hook:
    plugin: webhook
    url: http://127.0.0.1:$port/hook?token=TOPSECRETTOKEN
    secretEnv: PG_E2E_HOOK_SECRET
    timeoutMs: 2000
notify:
  retries: 2
  backoffMs: 10
YAML
write_report "$T/report.json"

# 1. Nobody listens: retried, then kept.
left=$("$DRIVER" notify "$T/portgate.yaml" "$T/report.json" -v 2>"$T/run.err")
[ "$left" = 1 ] || fail "expected 1 notification left, got '$left'"
grep -q "kept in the outbox" "$T/run.err" || fail "no outbox message: $(cat "$T/run.err")"
if grep -q TOPSECRETTOKEN "$T/run.err"; then fail "URL token leaked into the log"; fi
# Temp files of writes killed midway: a dead writer's is removed, a live
# writer's (it holds an flock on it) kept; so is an idle one of the old naming.
ob="$T/state/outbox"
for f in .portgate-tmp.dead.json.AbC123 .portgate-tmp.live.json.XyZ789 old.json.tmp.QwE456; do
	echo '{"partial": ' >"$ob/$f"
	touch -d '10 minutes ago' "$ob/$f"
done
flock "$ob/.portgate-tmp.live.json.XyZ789" sleep 30 &
locker=$!
EXTRA_CLEANUP="kill $locker"
i=0
until ! flock -n "$ob/.portgate-tmp.live.json.XyZ789" true; do
	i=$((i + 1)); [ $i -le 50 ] || fail "flock holder did not start"; sleep 0.1
done
"$PG_BIN" outbox list --config "$T/portgate.yaml" >"$T/list" || fail "outbox list failed"
[ ! -e "$ob/.portgate-tmp.dead.json.AbC123" ] || fail "dead writer's temp file not removed"
[ ! -e "$ob/old.json.tmp.QwE456" ] || fail "old-style temp file not removed"
[ -e "$ob/.portgate-tmp.live.json.XyZ789" ] || fail "live writer's temp file removed"
kill $locker; wait $locker 2>/dev/null || true
EXTRA_CLEANUP=:
rm -f "$ob/.portgate-tmp.live.json.XyZ789"
grep -q "hook" "$T/list" || fail "outbox list: $(cat "$T/list")"
grep -q "attempts=3" "$T/list" || fail "expected 3 attempts: $(cat "$T/list")"
"$PG_BIN" outbox list --config "$T/portgate.yaml" --json | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert len(e) == 1 and e[0]["status"] == "pending" and e[0]["findings"] == 2, e' \
	|| fail "outbox list --json"

# 2. Receiver up (verifying signatures): flush delivers; flushing twice delivers once.
start_receiver "$port" --secret-env PG_E2E_HOOK_SECRET --log "$T/recv.log" --state "$T/recv.state"
"$PG_BIN" outbox flush --config "$T/portgate.yaml" || fail "outbox flush failed"
"$PG_BIN" outbox flush --config "$T/portgate.yaml" || fail "second flush failed"
[ "$(rstat deliveries)" = 1 ] || fail "deliveries: $(rstat deliveries)"
[ "$(rstat posts)" = 1 ] || fail "posts: $(rstat posts)"
python3 - "$T/recv.log" <<'PY' || fail "receiver log check"
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 1, e
assert e[0]["sigOk"] is True, e[0]
body = e[0]["body"]
assert body["type"] == "portgate.report" and body["idempotencyKey"] == e[0]["key"], body
assert sorted(f["port"] for f in body["findings"]) == [8080, 9090], body  # fail only
PY
"$PG_BIN" outbox list --config "$T/portgate.yaml" | grep -q "outbox empty" || fail "outbox not empty"

# 3. The same run again with a flaky receiver (503 twice, Retry-After: 0):
#    delivered within the run; the receiver recognises the key it already has.
stop_receiver
start_receiver "$port" --fail-first 2 --secret-env PG_E2E_HOOK_SECRET --state "$T/recv.state"
left=$("$DRIVER" notify "$T/portgate.yaml" "$T/report.json")
[ "$left" = 0 ] || fail "flaky receiver: $left left"
[ "$(rstat posts)" = 3 ] || fail "expected 3 posts, got $(rstat posts)"
[ "$(rstat duplicates)" = 1 ] || fail "duplicate not recognised: $(rstat duplicates)"
[ "$(rstat deliveries)" = 0 ] || fail "delivered twice"
echo "ok"
