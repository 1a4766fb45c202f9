#!/bin/sh
# Notify deadlines: a notifier sleeping 60 s with timeoutMs 2000 is abandoned
# at 2 s and its notification stays in the outbox (lastError says why); a
# second notifier, on a real receiver, is delivered on time meanwhile.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
install -m 0644 "$PG_BUILDDIR/tests/plugins/.libs/testnotify.so" "$T/plugins/testnotify.so"
port=$(pg_free_port)
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
write_report "$T/base.json"
start_receiver "$port" --log "$T/recv.log"
ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

# Isolated (a worker killed at the deadline), then inline (main abandons the
# call past it): the same outcome. Each mode has its own run id.
n=0
for mode in "" inline; do
	n=$((n + 1))
	sed "s/run_e2e_1/run_deadline_$n/" "$T/base.json" >"$T/report$n.json"
	err="$T/run$n.err"
	t0=$(ms)
	left=$(PORTGATE_PLUGIN_ISOLATION="$mode" "$DRIVER" notify "$T/portgate.yaml" "$T/report$n.json" \
		2>"$err") || fail "run: $(cat "$err")"
	t=$(($(ms) - t0))
	echo "${mode:-isolated}: run with a notifier asleep for 60 s (timeoutMs 2000): $t ms"
	[ "$t" -ge 2000 ] || fail "returned before the deadline ($t ms): $(cat "$err")"
	# it did not wait for the 60 s sleeper (the timeout message, the outbox entry and the
	# single call below show the 2 s deadline ended it; a loaded machine stretches $t)
	[ "$t" -lt 60000 ] || fail "deadline not enforced: $t ms"
	# this run's sleeper entry, and the earlier one (its instance is down: not tried)
	[ "$left" = "$n" ] || fail "expected $n waiting, $left wait"
	grep -q "\[asleep\] notify call timed out after 2000 ms" "$err" || fail "no timeout message: $(cat "$err")"
	grep -q "notify: 1 delivered, $n wait in the outbox (0 tried and failed, 1 timed out" "$err" ||
		fail "summary line: $(cat "$err")"
	[ "$(wc -l <"$T/asleep.log")" = "$n" ] || fail "the sleeper was called again after its timeout"
	# The webhook was delivered while the other slept, not after it.
	[ "$(rstat deliveries)" = "$n" ] || fail "webhook not delivered"
	python3 - "$T/recv.log" "$t0" "$T/state/outbox" "$n" <<'PY' || fail "timing or outbox"
import glob, json, os, sys
recv, t0, outbox, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
accepted = os.stat(recv).st_mtime * 1000 - t0
[(path, d)] = [(f, x) for f, x in ((f, json.load(open(f))) for f in glob.glob(outbox + "/*.json"))
               if x["event"]["run"]["id"] == "run_deadline_" + n]
# before the sleeper was abandoned (its entry rewritten with the timeout): the webhook did not
# wait for it. An order of events, not a wall-clock bound a loaded machine could break.
abandoned = os.stat(path).st_mtime * 1000 - t0
assert accepted < abandoned, "webhook delivered %d ms after the start, the sleeper abandoned at %d ms: held by the sleeper" % (accepted, abandoned)
assert d["instance"] == "asleep" and d["status"] == "pending", d
assert d["lastError"] == "timed out after 2000 ms" and d["attempts"] == 1, d
assert d["rounds"] == 1 and d["nextAttemptAt"] > 0, d
print("webhook accepted after %d ms, the sleeper abandoned at %d ms" % (accepted, abandoned))
PY
done
echo "ok"
