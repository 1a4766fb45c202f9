#!/bin/sh
# scan_adaptive: the connect timeout follows the measured round trip.
#
# Inside a private namespace every SYN is held 40 ms by an NFQUEUE program
# (bench/nfq-delay.c, compiled here), and the SYNs to one open port ("slow")
# 120 ms, so it answers later than everything the estimator has seen before
# (its first try times out at the 100 ms floor; the retry waits 200 ms: 80 ms
# to spare for a loaded machine's scheduling of the delay program).
# With --timeout-ms 3000 --retries 1 a fixed timeout needs 2 x 3 s for the
# dropped ports; the adaptive one must finish far sooner, still find the slow
# port open, and get every port right.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

command -v cc >/dev/null || pg_skip "no C compiler to build the delay program"
pkg-config --exists libnetfilter_queue 2>/dev/null ||
	pg_skip "libnetfilter_queue not found (apt-get install libnetfilter-queue-dev)"
pg_netns_up
# shellcheck disable=SC2046 # pkg-config prints a word list
cc -std=c11 -D_GNU_SOURCE -O2 -o "$PG_TMP/nfq-delay" "$PG_SRCDIR/bench/nfq-delay.c" \
	$(pkg-config --cflags --libs libnetfilter_queue) 2>"$PG_TMP/cc.err" ||
	pg_skip "cannot build bench/nfq-delay.c: $(head -n3 "$PG_TMP/cc.err")"

# delay QUEUE MS: hold the packets of QUEUE for MS ms; returns once the program has bound
# the queue (the namespace's nfnetlink_queue table lists it), so no SYN meets an empty queue.
queue_bound() { pg_ns awk -v q="$1" '$1 == q { f = 1 } END { exit !f }' \
	/proc/net/netfilter/nfnetlink_queue 2>/dev/null; }
delay() {
	ip netns exec "$PG_NS" "$PG_TMP/nfq-delay" -q "$1" -d "$2" -n 65536 &
	dpid=$!
	pg_on_exit "kill $dpid"
	i=0
	while ! queue_bound "$1" && kill -0 $dpid 2>/dev/null && [ $i -lt 250 ]; do
		i=$((i + 1)); sleep 0.02
	done
	queue_bound "$1" || pg_skip "nfq-delay cannot run here (NFQUEUE unsupported?)"
}

pg_ns_listen web silent@127.0.0.1:0 silent@127.0.0.1:0 silent@127.0.0.1:0 silent@127.0.0.1:0
pg_ns_free_ports 70 >"$PG_TMP/free"
sed -n 1,40p "$PG_TMP/free" >"$PG_TMP/closed"
sed -n 41,70p "$PG_TMP/free" >"$PG_TMP/dropped"
slow=$(pg_port web 4)
: >"$PG_TMP/truth"
for i in 1 2 3 4; do echo "$(pg_port web $i) open" >>"$PG_TMP/truth"; done
while read -r p; do echo "$p closed" >>"$PG_TMP/truth"; done <"$PG_TMP/closed"
while read -r p; do
	pg_ns iptables -A INPUT -p tcp --dport "$p" -j DROP
	echo "$p filtered" >>"$PG_TMP/truth"
done <"$PG_TMP/dropped"

delay 7 40
delay 8 120
# Only SYNs (not SYN-ACKs, RSTs or ACKs): RTT = the delay.
pg_ns iptables -A OUTPUT -o lo -p tcp --syn --dport "$slow" -j NFQUEUE --queue-num 8
pg_ns iptables -A OUTPUT -o lo -p tcp --syn -j NFQUEUE --queue-num 7

# The slow port is scanned last, after the 40 ms answers shortened the timeout.
list=$(grep -v "^$slow " "$PG_TMP/truth" | cut -d' ' -f1 | sort -R | paste -sd, -),$slow
t0=$(date +%s%N)
pg_ns "$PG_BIN" scan --target 127.0.0.1 --ports "$list" --timeout-ms 3000 --retries 1 \
	--no-probe >"$PG_TMP/pg.json" 2>"$PG_TMP/pg.err" || pg_fail "portgate scan exited $?"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "scan took $ms ms"

python3 - "$PG_TMP/truth" "$PG_TMP/pg.json" "$slow" <<'PY' || pg_fail "states wrong"
import json, sys
truth = dict(l.split() for l in open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
scan = doc[0] if isinstance(doc, list) else doc.get("scan", doc)
got = {str(p["port"]): p for p in scan["ports"]}
bad = 0
for port, state in sorted(truth.items(), key=lambda kv: int(kv[0])):
    p = got.get(port, {})
    ok = p.get("state") == state
    if not ok or port == sys.argv[3]:
        print("%s %s truth=%s got=%s" % ("ok  " if ok else "FAIL", port, state, json.dumps(p)))
    bad += not ok
print("%d ports, %d wrong" % (len(truth), bad))
sys.exit(1 if bad else 0)
PY
# Fixed timeouts take 6 s. Adaptive: the 100 ms floor (twice the 40 ms answers is less),
# doubled for the retry: about 0.1 s + 0.2 s, plus the slow port's retry.
if [ "$ms" -lt 2500 ]; then
	pg_ok "74 ports at 40 ms RTT (one at 120 ms) done in $ms ms with --timeout-ms 3000"
else
	pg_fail "dropped ports took $ms ms: the timeout did not adapt to the 40 ms RTT"
fi
pg_done
