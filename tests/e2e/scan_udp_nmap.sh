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

# pg_ns_udp NAME SPEC...: UDP responders inside the namespace; ports via pg_port NAME N
pg_ns_udp() {
	name=$1; shift
	ip netns exec "$PG_NS" python3 "$PG_TOOLS/udp_answer.py" "$PG_TMP/$name.ports" "$@" &
	pg_on_exit "kill $!"
	i=0
	while [ ! -s "$PG_TMP/$name.ports" ]; do
		i=$((i + 1)); [ $i -le 100 ] || { echo "UDP responder $name did not start" >&2; exit 1; }
		sleep 0.05
	done
}

# compare TRUTH PG_JSON NMAP_XML: TRUTH is "port state reason" lines (UDP ports).
compare() {
	python3 - "$@" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
truth_file, pg_file, nmap_file = sys.argv[1:4]
truth = {}
for line in open(truth_file):
    port, state, reason = line.split()
    truth[int(port)] = (state, reason)
doc = json.load(open(pg_file))
scan = doc[0] if isinstance(doc, list) else doc
pg = {p["port"]: (p["state"], p.get("reason", "")) for p in scan["ports"]
      if p.get("protocol") == "udp"}
nm = {}
for port in ET.parse(nmap_file).getroot().iter("port"):
    if port.get("protocol") != "udp":
        continue
    st = port.find("state")
    state = st.get("state")
    nm[int(port.get("portid"))] = ("filtered" if state == "open|filtered" else state,
                                    st.get("reason"))
bad = 0
for port, (state, reason) in sorted(truth.items()):
    got = pg.get(port, ("missing", ""))
    nstate = nm.get(port, ("missing", ""))[0]
    ok = got == (state, reason) and nstate == state
    print("%s %5d/udp truth=%-8s portgate=%s/%s nmap=%s/%s" % (
        "ok  " if ok else "FAIL", port, state, got[0], got[1], nstate, nm.get(port, ("", ""))[1]))
    bad += not ok
if set(pg) != set(truth):
    print("FAIL portgate reported UDP ports %s, asked for %s" % (sorted(pg), sorted(truth)))
    bad += 1
sys.exit(1 if bad else 0)
PY
}

# scan_both FAMILY_FLAG TARGET TRUTH: run both scanners, compare.
scan_both() {
	flag=$1; target=$2; truth=$3
	list=$(cut -d' ' -f1 "$truth" | paste -sd, -)
	pglist=$(cut -d' ' -f1 "$truth" | sed 's,$,/udp,' | paste -sd, -)
	for probe in --no-probe ""; do
		set +e
		# shellcheck disable=SC2086
		pg_ns "$PG_BIN" scan --target "$target" --ports "$pglist" --timeout-ms 300 \
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
		if compare "$truth" "$PG_TMP/pg.json" "$PG_TMP/nmap.xml"; then
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
if pg_ns python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null &&
	command -v ip6tables >/dev/null; then
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
