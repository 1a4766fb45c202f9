#!/bin/sh
# Notify deadlines: a notifier sleeping 60 s with timeoutMs 2000 is abandoned
# at 2 s and its notification stays in the outbox (lastError says why); a
# second notifier, on a real receiver, is delivered on time meanwhile.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
install -m 0644 "$PG_BUILDDIR/tests/plugins/.libs/testnotify.so" "$T/plugins/testnotify.so"
port=$(free_port)
hook_config "$T/portgate.yaml" "$port" 2000
cat >>"$T/portgate.yaml" <<YAML
  asleep:
    plugin: testnotify
    logFile: $T/asleep.log
    sleepMs: 60000
    timeoutMs: 2000
notify:
  retries: 3
YAML
write_report "$T/report.json"
start_receiver "$port" --log "$T/recv.log"
ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

t0=$(ms)
left=$("$DRIVER" notify "$T/portgate.yaml" "$T/report.json" 2>"$T/run.err") || fail "run: $(cat "$T/run.err")"
t=$(($(ms) - t0))
echo "run with a notifier asleep for 60 s (timeoutMs 2000): $t ms"
[ "$t" -ge 2000 ] || fail "returned before the deadline ($t ms): $(cat "$T/run.err")"
[ "$t" -lt 4000 ] || fail "deadline not enforced: $t ms"
[ "$left" = 1 ] || fail "expected the sleeper's notification to wait, $left wait"
grep -q "\[asleep\] notify call timed out after 2000 ms" "$T/run.err" || fail "no timeout message: $(cat "$T/run.err")"
grep -q "notify: 1 delivered, 1 wait in the outbox (0 tried and failed, 1 timed out" "$T/run.err" ||
	fail "summary line: $(cat "$T/run.err")"
[ "$(wc -l <"$T/asleep.log")" = 1 ] || fail "the sleeper was called again after its timeout"
# The webhook was delivered while the other slept, not after it.
[ "$(rstat deliveries)" = 1 ] || fail "webhook not delivered"
python3 - "$T/recv.log" "$t0" "$T/state/outbox" <<'PY' || fail "timing or outbox"
import glob, json, os, sys
recv, t0, outbox = sys.argv[1], int(sys.argv[2]), sys.argv[3]
accepted = os.stat(recv).st_mtime * 1000 - t0
assert accepted < 1500, "webhook delivered %d ms after the start: held by the sleeper" % accepted
[f] = glob.glob(outbox + "/*.json")
d = json.load(open(f))
assert d["instance"] == "asleep" and d["status"] == "pending", d
assert d["lastError"] == "timed out after 2000 ms" and d["attempts"] == 1, d
assert d["rounds"] == 1 and d["nextAttemptAt"] > 0, d
print("webhook accepted after %d ms" % accepted)
PY
echo "ok"
