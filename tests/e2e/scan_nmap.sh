#!/bin/sh
# scan_nmap: portgate scan and nmap -sT -Pn agree, port by port, on open,
# closed, dropped (no answer), ICMP host-unreachable and ICMP admin-prohibited
# ports, over IPv4 and IPv6, inside a private network namespace; and both
# agree with the ground truth the test built.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

command -v nmap >/dev/null || pg_skip "nmap is not installed (apt-get install nmap)"
pg_netns_up

# scan_both FAMILY_FLAG TARGET TRUTH: run both scanners, compare.
scan_both() {
	flag=$1; target=$2; truth=$3
	list=$(cut -d' ' -f1 "$truth" | paste -sd, -)
	set +e
	pg_ns "$PG_BIN" scan --target "$target" --ports "$list" --timeout-ms 300 --retries 1 \
		--no-probe >"$PG_TMP/pg.json" 2>"$PG_TMP/pg.err"
	rc=$?
	set -e
	if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$PG_TMP/pg.json" 2>/dev/null; then
		pg_fail "portgate scan $target printed no JSON (exit $rc)"
		sed 's/^/  | /' "$PG_TMP/pg.json" "$PG_TMP/pg.err" >&2
		return 0
	fi
	# shellcheck disable=SC2086
	pg_ns nmap $flag -sT -Pn -n -p "$list" "$target" -oX "$PG_TMP/nmap.xml" >/dev/null
	if python3 "$PG_TOOLS/nmap_compare.py" "$truth" "$PG_TMP/pg.json" "$PG_TMP/nmap.xml" tcp; then
		pg_ok "portgate and nmap agree with the truth on $target ($list)"
	else
		pg_fail "disagreement on $target"
	fi
}

# --- IPv4 ---
pg_ns_listen v4 silent@127.0.0.1:0 silent@127.0.0.1:0 http@127.0.0.1:0
set -- $(pg_ns_free_ports 6)
closed1=$1 closed2=$2 drop1=$3 drop2=$4 unreach=$5 admin=$6
pg_ns_drop "$drop1" "$drop2"
pg_ns_reject icmp-host-unreachable "$unreach"
pg_ns_reject icmp-admin-prohibited "$admin"
cat >"$PG_TMP/truth4" <<EOF2
$(pg_port v4 1) open syn-ack
$(pg_port v4 2) open syn-ack
$(pg_port v4 3) open syn-ack
$closed1 closed conn-refused
$closed2 closed conn-refused
$drop1 filtered no-response
$drop2 filtered no-response
$unreach filtered host-unreachable
$admin filtered admin-prohibited
EOF2
scan_both "" 127.0.0.1 "$PG_TMP/truth4"

# --- IPv6 ---
if pg_ns_ipv6; then
	pg_ns_listen v6 'silent@[::1]:0'
	set -- $(pg_ns_free_ports 4)
	pg_ns_drop "$2"
	pg_ns_reject icmp6-adm-prohibited "$3"
	pg_ns_reject icmp6-addr-unreachable "$4"
	cat >"$PG_TMP/truth6" <<EOF2
$(pg_port v6 1) open syn-ack
$1 closed conn-refused
$2 filtered no-response
$3 filtered admin-prohibited
$4 filtered host-unreachable
EOF2
	scan_both -6 ::1 "$PG_TMP/truth6"
else
	pg_skip_part "no IPv6 loopback or ip6tables in the namespace: the IPv6 part did not run"
fi
pg_done
