#!/bin/bash
# bench/scale.sh - memory and time of portgate at portfolio scale, on loopback (no namespaces,
# no delay): `validate` of N assets with "1-65535" in defaults, `scan` and `check` of N assets x
# 3 ports. Targets are 127.x.y.z (every address of 127.0.0.0/8 is local); one listener on
# 0.0.0.0:P1 makes P1 open on all of them, P2 and P3 are closed (RST). Not part of `make check`.
#
#   PG_BIN=build/portgate bash bench/scale.sh        (BENCH_SCALE_HOSTS="10000 100000")
#   PG_REF_BIN=/path/to/older/portgate               also measure a reference build, as ratios
#
# Prints one line per (binary, command, hosts): wall seconds, peak RSS (GNU time %M), KiB per
# asset, and checks the results (every asset scanned, P1 open, P2/P3 closed).
set -u
: "${PG_BIN:?PG_BIN must name the portgate binary}"
HOSTS=${BENCH_SCALE_HOSTS:-10000 100000}
work=$(mktemp -d /tmp/pg-scale.XXXXXX)
trap 'kill "$lpid" 2>/dev/null; rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "scale: needs GNU time (apt-get install time)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
ulimit -s unlimited 2>/dev/null # 100,000 --target arguments for `scan`

read -r p1 p2 p3 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4096)
open(sys.argv[2], "w").write("up\n")
while True:
    c, _ = s.accept(); c.close()' "$p1" "$work/up" &
lpid=$!
for _ in $(seq 100); do [ -s "$work/up" ] && break; sleep 0.05; done

gen() { # N: targets.txt, check.yaml (N x 3 ports), full.yaml (N assets, 1-65535 defaults)
	python3 - "$1" "$work" "$p1" "$p2" "$p3" <<'PY'
import sys
n, d, p1, p2, p3 = int(sys.argv[1]), sys.argv[2], *sys.argv[3:]
hosts = ["127.%d.%d.%d" % (1 + i // 65025, i // 255 % 255, 1 + i % 255) for i in range(n)]
open(d + "/targets.txt", "w").write("\n".join(hosts) + "\n")
with open(d + "/check.yaml", "w") as f:
    f.write("version: 1\nassets:\n")
    for h in hosts:
        f.write("  - target: %s\n    approvedPorts: [%s]\n    ports: [%s, %s, %s]\n" % (h, p1, p1, p2, p3))
with open(d + "/full.yaml", "w") as f:
    f.write("version: 1\ndefaults:\n  ports: \"1-65535\"\nassets:\n")
    for i in range(n):
        f.write("  - target: h%d.example.test\n    approvedPorts: [443]\n" % i)
PY
}

# verify KIND FILE N: every asset scanned once, P1 open, the others closed
verify() {
	python3 - "$@" "$p1" <<'PY'
import json, sys
kind, path, n, p1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(path))
scans = d if kind == "scan" else [a["scan"] for a in d["assets"]]
bad = sum(1 for s in scans if s["summary"] != {"totalScanned": 3, "open": 1, "closed": 2,
          "filtered": 0, "error": 0} or [p["port"] for p in s["ports"] if p["state"] == "open"] != [p1])
print("ok" if len(scans) == n and not bad else "WRONG (%d scans, %d wrong)" % (len(scans), bad))
PY
}

measure() { # LABEL N CMD...: wall s, peak KiB
	local label=$1 n=$2 t kib
	shift 2
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	# GNU time writes "Command exited with non-zero status" first: numbers are on the last line
	t=$(tail -1 "$work/time" | awk '{print $1}')
	kib=$(tail -1 "$work/time" | awk '{print $2 + 0}')
	printf '%-28s %7s hosts %8s s %9s KiB %7s KiB/asset rc=%s' "$label" "$n" "$t" "$kib" \
		"$(( kib / n ))" "$rc"
}

echo "portgate scale bench: $(nproc) CPUs, $(uname -r), ulimit -n $(ulimit -n), $(date -u +%FT%TZ)"
for n in $HOSTS; do
	gen "$n"
	for bin in "$PG_BIN" ${PG_REF_BIN:-}; do
		tag=$([ "$bin" = "$PG_BIN" ] && echo portgate || echo reference)
		measure "$tag validate full-range" "$n" "$bin" validate -m "$work/full.yaml"; echo
		args=()
		while read -r h; do args+=(--target "$h"); done <"$work/targets.txt"
		measure "$tag scan" "$n" "$bin" scan --compact --no-probe --ports "$p1,$p2,$p3" "${args[@]}"
		cp "$work/out" "$work/scan.json"
		echo " $(verify scan "$work/scan.json" "$n")"
		measure "$tag check" "$n" "$bin" check -q --no-probe -m "$work/check.yaml" --out "$work/ev.json"
		echo " $(verify check "$work/ev.json" "$n")"
	done
done
