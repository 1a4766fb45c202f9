#!/bin/sh
# check_portfolio: 200 assets are scanned concurrently (about one timeout, not 200),
# and --shard slices a manifest into stable, disjoint, complete parts.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

ns="pgpf$$"
ip netns add "$ns" 2>/dev/null || pg_skip "cannot create a network namespace (needs root)"
pg_on_exit "ip netns del $ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" iptables -A INPUT -d 127.0.2.0/24 -p tcp -j DROP 2>/dev/null || pg_skip "iptables does not work here"

# 200 hosts: 127.0.1.1-100 answer (closed ports: RST), 127.0.2.1-100 drop everything
python3 - "$PG_TMP/m.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("assets:\n")
    for net in (1, 2):
        for h in range(1, 101):
            f.write("  - target: 127.0.%d.%d\n    approvedPorts: [80]\n    ports: [80, 8080]\n" % (net, h))
PY
start=$(date +%s%N)
pg_expect_exit 0 "200 assets, approved ports closed or filtered: warn only" \
	ip netns exec "$ns" "$PG_BIN" check -m "$PG_TMP/m.yaml" --out "$PG_TMP/ev.json" \
	--timeout-ms 500 --retries 1 --no-probe -q
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "200 assets x 2 ports, timeout 500 ms x 2 tries: ${ms} ms"
# Sequential would be 100 filtered hosts x 2 ports x 2 tries x 500 ms = 200 s.
[ "$ms" -lt 4000 ] && pg_ok "portfolio scanned concurrently (${ms} ms)" || pg_fail "took ${ms} ms"
pg_assert_eq "states" "$(pg_json "$PG_TMP/ev.json" 'sorted(set((a["target"].rsplit(".",2)[1], p["state"]) for a in d["assets"] for p in a["scan"]["ports"]))')" \
	'[["1", "closed"], ["2", "filtered"]]'
pg_assert_eq "verdicts" "$(pg_json "$PG_TMP/ev.json" 'd["run"]["summary"]["warn"]')" "200"

# shards: inside the namespace, exit 0 (warn only), disjoint, complete and stable
for run in a b; do
	for i in 1 2 3; do
		pg_expect_exit 0 "shard $i/3 (run $run)" ip netns exec "$ns" "$PG_BIN" check -m "$PG_TMP/m.yaml" \
			--shard "$i/3" --out "$PG_TMP/s$run$i.json" --timeout-ms 50 --retries 0 --no-probe -q
	done
done
pg_assert_eq "shards are disjoint, complete and stable" "$(python3 -c '
import json, sys
def shard(run, i):
    return sorted(a["target"] for a in json.load(open("%s/s%s%d.json" % (sys.argv[1], run, i)))["assets"])
seen = [t for i in (1, 2, 3) for t in shard("a", i)]
stable = all(shard("a", i) == shard("b", i) for i in (1, 2, 3))
print(len(seen), len(set(seen)), stable, min(len(shard("a", i)) for i in (1, 2, 3)) > 0)' "$PG_TMP")" "200 200 True True"
pg_done
