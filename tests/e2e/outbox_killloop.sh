#!/bin/sh
# Runs killed with SIGKILL at random moments (a bounded loop), against a real
# receiver that counts deliveries per idempotency key, then one flush:
# - a notification is stored before any call delivers it (the receiver checks,
#   when each POST arrives, that its outbox entry exists);
# - every notification that existed is delivered at least once;
# - a key is delivered more than once only after a kill came while the
#   receiver had accepted it and the outbox still held it (the one duplicate
#   the guide admits).
# A run killed before it made any call (still loading) may have none.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook

private_plugin_dir webhook
port=$(pg_free_port)
hook_config "$T/portgate.yaml" "$port" 5000
cat >>"$T/portgate.yaml" <<YAML
notify:
  retries: 1
  backoffMs: 10
outbox:
  backoffMs: 0
YAML
write_report "$T/base.json"
# Every POST is accepted, then answered 150 ms later: a kill often falls
# between the receiver's acceptance and the outbox removal.
start_receiver "$port" --delay-all-ms 150 --state "$T/recv.state" --outbox-dir "$T/state/outbox"

python3 - "$DRIVER" "$T" "$port" "${PG_KILL_SEED:-}" <<'PY' || fail "kill loop"
import hashlib, json, os, random, signal, subprocess, sys, time, urllib.request
driver, T, port, seed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
seed = int(seed) if seed else int.from_bytes(os.urandom(4), "big")
print("seed", seed)  # PG_KILL_SEED=... replays a failure
rnd = random.Random(seed)
base = json.load(open(T + "/base.json"))
outbox = T + "/state/outbox"

def stats():
    return json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % port, timeout=5))

def key(run):  # as docs/plugin-guide.md defines it
    fps = ["aaaa000011112222", "bbbb000011112222"]
    raw = b"v1\0hook\0" + run.encode() + b"".join(b"\0" + f.encode() for f in fps)
    return hashlib.sha256(raw).hexdigest()[:32]

exposed = {}  # key -> kills that came after acceptance, before removal
expected = []  # keys of notifications that must exist
killed = finished = 0
for i in range(30):
    base["run"]["id"] = "run_kill_%02d" % i
    rep = "%s/report_%02d.json" % (T, i)
    json.dump(base, open(rep, "w"))
    p = subprocess.Popen([driver, "notify", T + "/portgate.yaml", rep],
                         stdout=subprocess.DEVNULL, stderr=open("%s/run_%02d.err" % (T, i), "w"))
    time.sleep(rnd.uniform(0.0, 1.0))
    was_killed = p.poll() is None
    if was_killed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    time.sleep(0.2)  # a request sent before the kill is settled at the receiver
    st = stats()
    k = key(base["run"]["id"])
    assert not st["unstored"], "called before storing the notification: %s" % st["unstored"]
    durable = st["accepted"].get(k, 0) >= 1 or os.path.exists("%s/%s.json" % (outbox, k))
    if was_killed:
        killed += 1
    else:
        finished += 1
        assert p.returncode == 0, "run %d exited %d: %s" % (i, p.returncode, open("%s/run_%02d.err" % (T, i)).read()[-3000:])
    if durable or not was_killed:
        expected.append(k)
    for a, n in st["accepted"].items():
        if n >= 1 and os.path.exists("%s/%s.json" % (outbox, a)):
            exposed[a] = exposed.get(a, 0) + 1
json.dump({"exposed": exposed, "killed": killed, "finished": finished, "expected": expected},
          open(T + "/loop.json", "w"))
print("killed", killed, "finished", finished)
PY

"$PG_BIN" outbox flush --config "$T/portgate.yaml" 2>"$T/flush.err" || fail "flush: $(cat "$T/flush.err")"
"$PG_BIN" outbox list --config "$T/portgate.yaml" | grep -q "outbox empty" || fail "outbox not empty"

python3 - "$T" "$port" <<'PY' || fail "deliveries per key"
import json, sys, urllib.request
T, port = sys.argv[1], sys.argv[2]
loop = json.load(open(T + "/loop.json"))
st = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % port, timeout=5))
acc = st["accepted"]
assert not st["unstored"], "called before storing the notification: %s" % st["unstored"]
keys = loop["expected"]
assert len(keys) >= 20, "too few runs got as far as notifying: %d" % len(keys)
lost = [k for k in keys if acc.get(k, 0) < 1]
assert not lost, "never delivered: %s" % lost
extra = {k: acc[k] for k in keys if acc[k] > 1 + loop["exposed"].get(k, 0)}
assert not extra, "duplicates without a kill after acceptance: %s (exposed %s)" % (extra, loop["exposed"])
assert set(acc) <= set(keys), "unexpected keys delivered: %s" % (set(acc) - set(keys))
hist = {}
for k in keys:
    hist[acc[k]] = hist.get(acc[k], 0) + 1
print("deliveries per key (count: keys):", dict(sorted(hist.items())), "keys", len(keys),
      "killed", loop["killed"], "finished", loop["finished"])
PY
echo "ok"
