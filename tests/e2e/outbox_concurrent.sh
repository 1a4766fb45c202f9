#!/bin/sh
# Two runs and two `outbox flush` at once on one state dir: each waiting
# entry and each new notification is delivered exactly once, and nothing a
# process delivered comes back. A flush killed while it holds claims leaves
# none behind: the next flush delivers what it held.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
port=$(pg_free_port)
hook_config "$T/portgate.yaml" "$port" 5000
cat >>"$T/portgate.yaml" <<YAML
notify:
  retries: 0
outbox:
  backoffMs: 0
YAML
write_report "$T/base.json"
# run_report ID: a report of run ID, path printed
run_report() {
	sed "s/run_e2e_1/$1/" "$T/base.json" >"$T/$1.json"
	echo "$T/$1.json"
}
nwait() { "$PG_BIN" outbox list --config "$T/portgate.yaml" --json |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# 1. Nobody listens: 12 runs leave 12 entries.
i=0
while [ $i -lt 12 ]; do
	"$DRIVER" notify "$T/portgate.yaml" "$(run_report "run_wait_$i")" >/dev/null 2>&1
	i=$((i + 1))
done
[ "$(nwait)" = 12 ] || fail "expected 12 waiting entries, got $(nwait)"

# 2. A slow receiver (100 ms per delivery); two flushes and two runs at once.
start_receiver "$port" --delay-all-ms 100 --state "$T/recv.state"
"$PG_BIN" outbox flush --config "$T/portgate.yaml" 2>"$T/f1.err" & f1=$!
"$PG_BIN" outbox flush --config "$T/portgate.yaml" 2>"$T/f2.err" & f2=$!
"$DRIVER" notify "$T/portgate.yaml" "$(run_report run_new_a)" >"$T/ra.out" 2>"$T/ra.err" & ra=$!
"$DRIVER" notify "$T/portgate.yaml" "$(run_report run_new_b)" >"$T/rb.out" 2>"$T/rb.err" & rb=$!
# A flush ending while the other still delivers says so and exits 1 (not empty yet).
for p in $f1 $f2; do
	rc=0; wait $p || rc=$?
	[ $rc -le 1 ] || fail "a parallel flush failed ($rc): $(cat "$T"/f?.err)"
done
for p in $ra $rb; do wait $p || fail "a parallel run failed: $(cat "$T"/r?.err)"; done
[ "$(nwait)" = 0 ] || fail "entries left or resurrected: $("$PG_BIN" outbox list --config "$T/portgate.yaml")"
python3 - "$(cat "$T/port")" <<'PY' || fail "deliveries per key"
import json, sys, urllib.request
st = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))
acc = st["accepted"]
assert len(acc) == 14, "expected 14 keys, got %d: %s" % (len(acc), acc)
twice = {k: n for k, n in acc.items() if n != 1}
assert not twice, "delivered more than once: %s" % twice
assert st["duplicates"] == 0, st
PY

# 3. A flush killed mid-delivery holds claims; they die with it.
stop_receiver
for id in run_k1 run_k2 run_k3; do
	"$DRIVER" notify "$T/portgate.yaml" "$(run_report "$id")" >/dev/null 2>&1
done
[ "$(nwait)" = 3 ] || fail "expected 3 waiting entries"
start_receiver "$port" --delay-all-ms 3000 --state "$T/recv.state"
"$PG_BIN" outbox flush --config "$T/portgate.yaml" 2>/dev/null & fk=$!
i=0
until [ "$(rstat posts)" -ge 1 ]; do
	i=$((i + 1)); [ $i -le 100 ] || { kill -9 $fk; fail "the flush made no attempt"; }
	sleep 0.1
done
kill -9 $fk; wait $fk 2>/dev/null || true
stop_receiver
start_receiver "$port" --state "$T/recv.state"
"$PG_BIN" outbox flush --config "$T/portgate.yaml" || fail "flush after a killed flush"
[ "$(nwait)" = 0 ] || fail "claims of the killed flush blocked entries"
ls -A "$T/state/outbox" | grep . && fail "lock or temp files left: $(ls -A "$T/state/outbox")"
echo "ok"
