#!/bin/sh
# scan_errors: failures that are not answers from the target are reported as
# errors with their reason, never as closed; and the TCP self-connect trap
# (source port == destination port on a local address looks open) is caught.
# Everything runs in a private namespace whose only interface is lo.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

pg_netns_up

# scan TARGET PORTS: portgate scan JSON into $PG_TMP/out.json
scan() {
	set +e
	pg_ns "$PG_BIN" scan --target "$1" --ports "$2" --timeout-ms 300 --retries 1 --no-probe \
		>"$PG_TMP/out.json" 2>"$PG_TMP/err"
	set -e
}
# states: "port state reason" per line, from the last scan
states() {
	python3 - "$PG_TMP/out.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
scan = doc.get("scan", doc)
for p in scan["ports"]:
    print(p["port"], p["state"], p.get("reason", ""))
PY
}

# No route at all (the namespace has only lo): an error, not closed/filtered.
scan 192.0.2.1 80,443
pg_assert_eq "IPv4 without a route is an error with its reason" "$(states | tr '\n' ';')" \
	"80 error net-unreachable;443 error net-unreachable;"
scan 2001:db8::1 443
pg_assert_eq "IPv6 without a route is an error with its reason" "$(states | tr '\n' ';')" \
	"443 error net-unreachable;"

# Self-connect: with a one-port ephemeral range P..P, connecting to
# 127.0.0.1:P from source port P completes a handshake with itself.
p=$(pg_ns_free_ports 1)
pg_ns sysctl -q -w net.ipv4.ip_local_port_range="$p $p" 2>/dev/null ||
	pg_skip "cannot narrow ip_local_port_range in the namespace"
# First show that the trap is real: with one ephemeral port, a plain connect to
# it lands on itself (closed with RST so no TIME_WAIT blocks the port; portgate
# does the same). Linux does this deterministically, so not seeing it is a failure.
if pg_ns python3 -c '
import socket, struct, sys
s = socket.socket(); s.settimeout(2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
sys.exit(0 if s.getsockname() == s.getpeername() else 1)' "$p" 2>/dev/null; then
	pg_ok "precondition: a plain connect to $p connects to itself"
else
	pg_fail "precondition: the kernel did not self-connect on port $p"
fi
scan 127.0.0.1 "$p"
pg_assert_eq "self-connect reported as closed, not open" "$(states)" "$p closed self-connect"
pg_done
