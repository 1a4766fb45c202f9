#!/bin/sh
# A hanging receiver does not make later runs longer: each run tries a waiting
# entry at most once, only when due (nextAttemptAt, backoff across runs), and
# within outbox.backlogBudgetMs; the summary line says how many still wait.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
port=$(pg_free_port)
# conf NAME OUTBOX-BACKOFF-MS: a config sharing one state dir
conf() {
	hook_config "$T/$1.yaml" "$port" 1000
	cat >>"$T/$1.yaml" <<YAML
notify:
  retries: 1
  backoffMs: 10
  backoffMaxMs: 10
outbox:
  backlogBudgetMs: 1500
  backoffMs: $2
YAML
}
conf later 60000
conf due 0
write_report "$T/base.json"
# A run with nothing to notify (only a warn finding): it only works the backlog.
python3 - "$T/base.json" "$T/clean.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["run"]["id"] = "run_clean"
r["assets"] = [a for a in r["assets"] if a["name"] == "db"]
json.dump(r, open(sys.argv[2], "w"))
PY
ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
# timed CONFIG REPORT: run the driver, print its wall time in ms; stderr in $T/last.err
timed() {
	t0=$(ms)
	"$DRIVER" notify "$T/$1.yaml" "$2" >"$T/last.out" 2>"$T/last.err" || fail "run failed: $(cat "$T/last.err")"
	echo $(($(ms) - t0))
}

# 1. Receiver hangs (answers nothing for 60 s). Six runs with a finding each:
#    every run costs its own 2 x 1 s, whatever the backlog (it was +2 s per
#    waiting entry before: about 12 s for the sixth).
start_receiver "$port" --hang-ms 60000
i=0
while [ $i -lt 6 ]; do
	sed "s/run_e2e_1/run_hang_$i/" "$T/base.json" >"$T/r$i.json"
	t=$(timed later "$T/r$i.json")
	echo "run $i with $i waiting: $t ms"
	# (a loose bound for a loaded machine: the "5 not tried" below is the exact check)
	[ "$t" -lt 6000 ] || fail "run $i took $t ms with $i waiting entries"
	i=$((i + 1))
done
# (the webhook's own timeout and the worker's kill fall at the same deadline: either says it)
grep -Eq "notify: 0 delivered, 6 wait in the outbox \((1 tried and failed, 0 timed out|0 tried and failed, 1 timed out), 5 not tried" "$T/last.err" ||
	fail "summary line: $(cat "$T/last.err")"
# Each entry failed one round: next attempt about outbox.backoffMs later.
python3 - "$T/state/outbox" <<'PY' || fail "nextAttemptAt"
import glob, json, os, sys
files = glob.glob(sys.argv[1] + "/*.json")
assert len(files) == 6, files
for p in files:
    d = json.load(open(p))
    written = os.stat(p).st_mtime * 1000  # rewritten right after the failed round
    assert d["rounds"] == 1, d
    assert 59000 <= d["nextAttemptAt"] - written <= 60500, d["nextAttemptAt"] - written
PY

"$PG_BIN" outbox list --config "$T/later.yaml" --json | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert len(e) == 6 and all(x["nextAttempt"].endswith("Z") for x in e), e' || fail "outbox list: next attempt"

# 2. Nothing is due: a clean run tries none and is quick.
posts=$(rstat posts)
t=$(timed later "$T/clean.json")
echo "clean run, 6 waiting, none due: $t ms"
[ "$t" -lt 2500 ] || fail "a run with nothing due took $t ms"
[ "$(rstat posts)" = "$posts" ] || fail "a run with nothing due posted: $posts -> $(rstat posts)"
grep -q "6 wait in the outbox (0 tried and failed, 0 timed out, 6 not tried" "$T/last.err" ||
	fail "summary line: $(cat "$T/last.err")"

# 3. A minute later (the entries' nextAttemptAt moved back) all are due; the
#    receiver accepts but answers each after 700 ms: the 1.5 s budget starts
#    one to three tries (at most one answer late); what was not delivered waits.
#    (How many fit depends on the machine's load: the sums are exact.)
python3 - "$T/state/outbox" <<'PY'
import glob, json, sys
for p in glob.glob(sys.argv[1] + "/*.json"):
    d = json.load(open(p))
    d["nextAttemptAt"] -= 61000
    json.dump(d, open(p, "w"))
PY
stop_receiver
start_receiver "$port" --delay-all-ms 700
t=$(timed due "$T/clean.json")
echo "clean run, 6 due, 700 ms receiver, 1500 ms budget: $t ms"
[ "$t" -lt 5000 ] || fail "backlog budget not kept: $t ms"
left=$(cat "$T/last.out")
tried=$(rstat posts)
delivered=$(sed -n 's/.*notify: \([0-9]*\) delivered.*/\1/p' "$T/last.err")
[ "$tried" -ge 1 ] && [ "$tried" -le 3 ] || fail "the budget allows 1-3 tries, there were $tried"
[ "$delivered" -le "$tried" ] && [ "$left" -ge 3 ] && [ $((left + delivered)) -eq 6 ] ||
	fail "$tried tried, $delivered delivered, $left waiting: $(cat "$T/last.err")"

# 4. An operator's flush ignores budget and schedule: everything goes.
stop_receiver
start_receiver "$port"
"$PG_BIN" outbox flush --config "$T/later.yaml" || fail "flush"
echo "ok"
