#!/bin/sh
# scan_silent_ports: 1,000 open ports on one host that never speak cost one probe budget, not
# one per wave of the destination's connect window: a probing job gives its window share back
# once its connect has a verdict (docs/probes.md). Before, this took 3 x probe.totalMs.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

n=1000 total_ms=3000
specs=$(python3 -c "print(' '.join(['silent@127.0.0.1:0'] * $n))")
# shellcheck disable=SC2086 # one word per listener
pg_listen quiet $specs
ports=$(paste -sd, "$PG_TMP/quiet.ports")
printf 'probe:\n  totalMs: %s\n' "$total_ms" >"$PG_TMP/c.yaml"

t0=$(date +%s%N)
pg_expect_exit 0 "scan of $n silent ports" "$PG_BIN" scan --config "$PG_TMP/c.yaml" \
	--target 127.0.0.1 --ports "$ports" --compact
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
pg_assert_eq "every port open, probed, silent" \
	"$(pg_json "$PG_TMP/out" '[len(d["ports"]), sorted(set((p["state"], p["bytesRead"]) for p in d["ports"]))]')" \
	"[$n, [[\"open\", 0]]]"
# one budget plus connect time; a second wave would need at least 2 x total_ms
if [ "$ms" -lt $((total_ms * 2 + total_ms / 6)) ]; then pg_ok "took $ms ms (one ${total_ms} ms budget)"
else pg_fail "took $ms ms for a ${total_ms} ms probe budget (probes ran in waves)"; fi
pg_done
