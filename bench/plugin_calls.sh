#!/bin/sh
# bench/plugin_calls.sh - cost of one isolated plugin call (worker process,
# socketpair, JSON both ways) against the same call made inside portgate
# (PORTGATE_PLUGIN_ISOLATION=inline), as a ratio. Drives the plugin host on a
# report of N findings with distinct targets through pg_plugin_driver, one
# call at a time (enrich.concurrency 1, no result cache), best of 3.
#   sh bench/plugin_calls.sh BUILDDIR [N]
set -eu
B=${1:?usage: plugin_calls.sh BUILDDIR [N]}
N=${2:-2000}
DRIVER="$B/tests/plugins/pg_plugin_driver"
[ -x "$DRIVER" ] || { echo "build the tests first (make check TESTS=)" >&2; exit 1; }
T=$(mktemp -d /tmp/pg-bench-plugin.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
chmod 0755 "$T"; mkdir -m 0755 "$T/plugins"
install -m 0644 "$B/tests/plugins/.libs/testenrich.so" "$T/plugins/"
python3 - "$T/report.json" "$N" <<'PY'
import json, sys
n = int(sys.argv[2])
f = [{"rule": "port-unapproved-open", "action": "fail", "target": "t%d.example" % i,
      "ip": "127.0.0.1", "port": 80, "fingerprint": "%016x" % i} for i in range(n)]
json.dump({"run": {"id": "bench"}, "assets": [{"name": "a", "target": "a", "findings": f}]},
          open(sys.argv[1], "w"))
PY
cat >"$T/portgate.yaml" <<YAML
pluginDirs: [$T/plugins]
enrich: {concurrency: 1}
enrichers:
  e: {plugin: testenrich, cacheTtlSeconds: 0}
YAML
best() { # MODE -> best wall ms of 3 runs
	b=
	for _ in 1 2 3; do
		s=$(date +%s%N)
		PORTGATE_PLUGIN_ISOLATION=$1 "$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" \
			--skip-cache >/dev/null
		ms=$(( ($(date +%s%N) - s) / 1000000 ))
		[ -z "$b" ] || [ "$ms" -lt "$b" ] && b=$ms
	done
	echo "$b"
}
inline=$(best inline)
isolated=$(best process)
python3 - "$N" "$inline" "$isolated" <<'PY'
import sys
n, a, b = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print("%d calls: inline %d ms (%.1f us/call), isolated %d ms (%.1f us/call); "
      "isolation adds %.1f us per call, ratio %.2f" % (n, a, 1000.0 * a / n, b, 1000.0 * b / n,
      1000.0 * (b - a) / n, b / max(a, 1)))
PY
