#!/bin/sh
# scan_udp_nmap: portgate scan and nmap -sU -Pn -n agree, port by port, on open
# (a UDP responder), closed (ICMP port unreachable), dropped (iptables DROP) and
# ICMP admin-prohibited UDP ports, over IPv4 and IPv6, inside a private network
# namespace; and both agree with the ground truth the test built. nmap's
# open|filtered is portgate's filtered/no-response. (The ICMP rate limit does not
# apply on loopback; tests/unit/test_scan_udp.c covers it across a veth pair.)
# SKIPs until `portgate scan --ports N/udp` parses.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

command -v nmap >/dev/null || pg_skip "nmap is not installed (apt-get install nmap)"
pg_netns_up
if pg_ns "$PG_BIN" scan --target 127.0.0.1 --ports 9/udp --no-probe --timeout-ms 200 \
	>"$PG_TMP/parse.out" 2>&1; [ $? -eq 2 ] && grep -q "port" "$PG_TMP/parse.out"; then
	pg_skip "portgate scan --ports N/udp does not parse yet: $(head -1 "$PG_TMP/parse.out")"
fi

# scan_both FAMILY_FLAG TARGET TRUTH: run both scanners, compare.
scan_both() {
	flag=$1; target=$2; truth=$3
	list=$(cut -d' ' -f1 "$truth" | paste -sd, -)
	pglist=$(cut -d' ' -f1 "$truth" | sed 's,$,/udp,' | paste -sd, -)
	for probe in --no-probe ""; do
		set +e
		# shellcheck disable=SC2086
		pg_ns "$PG_BIN" scan --target "$target" --ports "$pglist" --timeout-ms 1000 \
			--retries 1 $probe >"$PG_TMP/pg.json" 2>"$PG_TMP/pg.err"
		rc=$?
		set -e
		if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$PG_TMP/pg.json" 2>/dev/null; then
			pg_fail "portgate scan $target ${probe:-(probing)} printed no JSON (exit $rc)"
			sed 's/^/  | /' "$PG_TMP/pg.json" "$PG_TMP/pg.err" >&2
			continue
		fi
		# shellcheck disable=SC2086
		pg_ns nmap $flag -sU -Pn -n -p "$list" "$target" -oX "$PG_TMP/nmap.xml" >/dev/null
		if python3 "$PG_TOOLS/nmap_compare.py" "$truth" "$PG_TMP/pg.json" "$PG_TMP/nmap.xml" udp; then
			pg_ok "portgate ${probe:-(probing)} and nmap -sU agree with the truth on $target ($list)"
		else
			pg_fail "disagreement on $target ${probe:-(probing)}"
		fi
	done
}

# udp_rule CMD WITH PORT...: iptables/ip6tables rule for UDP ports (DROP or a REJECT type)
udp_rule() {
	cmd=$1; with=$2; shift 2
	for p in "$@"; do
		case "$with" in
		DROP) pg_ns "$cmd" -A INPUT -p udp --dport "$p" -j DROP ;;
		*) pg_ns "$cmd" -A INPUT -p udp --dport "$p" -j REJECT --reject-with "$with" ;;
		esac
	done
}

# --- IPv4 ---
pg_ns_udp v4 127.0.0.1:0 127.0.0.1:0
set -- $(pg_ns_free_ports 6)
closed1=$1 closed2=$2 closed3=$3 drop1=$4 drop2=$5 admin=$6
udp_rule iptables DROP "$drop1" "$drop2"
udp_rule iptables icmp-admin-prohibited "$admin"
cat >"$PG_TMP/truth4" <<EOF2
$(pg_port v4 1) open udp-response
$(pg_port v4 2) open udp-response
$closed1 closed port-unreach
$closed2 closed port-unreach
$closed3 closed port-unreach
$drop1 filtered no-response
$drop2 filtered no-response
$admin filtered admin-prohibited
EOF2
scan_both "" 127.0.0.1 "$PG_TMP/truth4"

# --- IPv6 ---
if pg_ns_ipv6; then
	pg_ns_udp v6 '[::1]:0'
	set -- $(pg_ns_free_ports 3)
	udp_rule ip6tables DROP "$2"
	udp_rule ip6tables icmp6-adm-prohibited "$3"
	cat >"$PG_TMP/truth6" <<EOF2
$(pg_port v6 1) open udp-response
$1 closed port-unreach
$2 filtered no-response
$3 filtered admin-prohibited
EOF2
	scan_both -6 ::1 "$PG_TMP/truth6"
else
	pg_skip_part "no IPv6 loopback or ip6tables in the namespace: the IPv6 part did not run"
fi
pg_done
