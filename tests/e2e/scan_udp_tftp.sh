#!/bin/sh
# scan_udp_tftp: a TFTP server answers from a new port (its TID, RFC 1350 4), never from
# 69, so a socket connect()ed to port 69 never sees the answer and an open TFTP server
# read as filtered/no-response. A real tftpd-hpa on 69 inside a private namespace must be
# open, named tftp, with its "File not found" error as banner; a closed 69 stays closed
# (the unconnected socket still hears ICMP port unreachable).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

command -v in.tftpd >/dev/null || pg_skip "in.tftpd (tftpd-hpa) is not installed"
pg_netns_up

# closed first: nothing listens on 69 yet
pg_ns "$PG_BIN" scan --target 127.0.0.1 --ports 69/udp --timeout-ms 300 >"$PG_TMP/closed.json" ||
	pg_fail "scan of a closed 69/udp failed"
pg_assert_eq "closed 69/udp" "$(pg_json "$PG_TMP/closed.json" 'd["ports"][0]["state"]')" "closed"

# in.tftpd resolves its bind address with AI_ADDRCONFIG, which counts no loopback address:
# give the namespace a non-loopback IPv4 address (a veth pair inside it, nothing outside).
pg_ns ip link add pgtv0 type veth peer name pgtv1 && pg_ns ip addr add 10.69.0.1/24 dev pgtv0 &&
	pg_ns ip link set pgtv0 up || pg_skip "cannot add a veth pair inside the namespace"
mkdir -p "$PG_TMP/tftp"
pg_ns in.tftpd -L -u root -s "$PG_TMP/tftp" -a 127.0.0.1:69 >"$PG_TMP/tftpd.log" 2>&1 &
pg_on_exit "kill $! 2>/dev/null"
i=0
# 69 is free while the bind works: wait (bounded) until tftpd holds it
while pg_ns python3 -c 'import socket; socket.socket(type=socket.SOCK_DGRAM).bind(("127.0.0.1", 69))' \
	2>/dev/null && [ $i -lt 300 ]; do i=$((i + 1)); sleep 0.1; done
pg_ns "$PG_BIN" scan --target 127.0.0.1 --ports 69/udp --timeout-ms 2000 >"$PG_TMP/open.json" ||
	pg_fail "scan of tftpd failed"
pg_assert_eq "tftpd on 69/udp" "$(pg_json "$PG_TMP/open.json" 'd["ports"][0]["state"]')" "open"
pg_assert_eq "named by its answer" "$(pg_json "$PG_TMP/open.json" 'd["ports"][0]["service"]')" "tftp"
pg_assert_eq "its error as banner" "$(pg_json "$PG_TMP/open.json" 'd["ports"][0].get("banner")')" \
	"error 1: File not found"
pg_done
