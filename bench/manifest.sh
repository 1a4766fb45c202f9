#!/bin/sh
# bench/manifest.sh - how long `portgate validate` takes on big manifests (`make bench-manifest`).
# The unit tests check what such a manifest loads to; the time it takes is measured here, on
# a quiet machine, not asserted under a loaded `make check` (issue 19). Three inputs, the ones
# the unit tests used to time: 10,000 assets as YAML and as JSON, and 4 assets listing every
# port 65535..1 (the port-list merge's worst case). Each runs BENCH_RUNS times (default 5);
# the best and median wall-clock milliseconds are printed. With BENCH_MANIFEST_MAX_MS set, a
# median above it fails (exit 1): the unit tests' old bounds were 10000 (10,000 assets) and
# 3000 (all ports) under sanitizers.
set -eu
: "${PG_BIN:?PG_BIN must point at the built portgate binary}"
runs=${BENCH_RUNS:-5}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-manifest.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
python3 - "$dir" <<'PY'
import json, sys
d, n = sys.argv[1], 10000
with open(d + "/assets.yaml", "w") as f:
    f.write("assets:\n")
    for i in range(n):
        f.write("  - target: h%d.example.com\n    approvedPorts: [443, %d]\n    owner: team%d\n"
                % (i, 1000 + i % 60000, i % 7))
with open(d + "/assets.json", "w") as f:
    json.dump({"assets": [{"target": "h%d.example.com" % i, "approvedPorts": [443, 1000 + i % 60000],
                           "owner": "team%d" % (i % 7)} for i in range(n)]}, f)
with open(d + "/allports.yaml", "w") as f:
    f.write("assets:\n")
    for a in range(4):
        f.write("  - target: h%d.example\n    ports: [%s]\n" % (a, ",".join(map(str, range(65535, 0, -1)))))
PY
status=0
for m in assets.yaml assets.json allports.yaml; do
	times=""
	i=0
	while [ "$i" -lt "$runs" ]; do
		i=$((i + 1))
		t0=$(date +%s%N)
		"$PG_BIN" validate -m "$dir/$m" >/dev/null
		times="$times $(( ($(date +%s%N) - t0) / 1000000 ))"
	done
	set -- $(printf '%s\n' $times | sort -n)
	best=$1
	shift $(( (runs - 1) / 2 ))
	median=$1
	echo "manifest $m: best $best ms, median $median ms ($runs runs)"
	if [ -n "${BENCH_MANIFEST_MAX_MS:-}" ] && [ "$median" -gt "$BENCH_MANIFEST_MAX_MS" ]; then
		echo "manifest $m: median $median ms > BENCH_MANIFEST_MAX_MS=$BENCH_MANIFEST_MAX_MS"
		status=1
	fi
done
exit "$status"
