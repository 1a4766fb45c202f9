#!/bin/sh
# udp_check: `portgate check` on UDP ports the scan engine really scans, inside a private
# network namespace: an approved amplifier (answers 10 times the request's bytes) fails
# udp-amplifier on production with its factor, an unapproved UDP service fails
# port-unapproved-open, an approved port answering ICMP port unreachable warns
# port-approved-closed, an approved port whose datagrams are dropped warns
# port-approved-filtered (no-response, nmap's open|filtered); evidence ports carry
# "protocol": "udp", the probe's "udp" byte counts and /etc/services' UDP name.
#
# SKIPs until the scan engine reports UDP states: the gate is `portgate scan --ports N/udp`
# against a loopback dnsmasq on a free port. Once the UDP engine is merged it runs by itself.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"
cd "$PG_TMP"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed (dnsmasq-base)"
pg_on_exit dns_stop
dns_start

# --- the gate: does the engine scan UDP at all? -------------------------------------------
set +e
"$PG_BIN" scan --target 127.0.0.1 --ports "$DNS_PORT/udp" --timeout-ms 500 >gate.json 2>gate.err
set -e
nudp=$(pg_json gate.json 'len([p for p in d["ports"] if p.get("protocol") == "udp"])' 2>/dev/null || echo 0)
[ "$nudp" -ge 1 ] ||
	pg_skip "the scan engine reports no UDP state for $DNS_PORT/udp on a loopback dnsmasq (an engine without UDP; this test turns on with the UDP engine)"
pg_assert_eq "scan reports the dnsmasq port as UDP, answered or silent (never closed)" \
	"$(pg_json gate.json '[(p["port"], p["protocol"], p["state"] in ("open", "filtered")) for p in d["ports"]]')" \
	"[[$DNS_PORT, \"udp\", true]]"

# --- the namespace: an amplifier, an echo, a closed and a dropped UDP port ------------------
pg_netns_up
pg_ns python3 "$PG_TOOLS/udp_responder.py" "$PG_TMP/amp.port" 10 127.0.0.1 11211 &
pg_on_exit "kill $!"
pg_ns python3 "$PG_TOOLS/udp_responder.py" "$PG_TMP/echo.port" 1 127.0.0.1 0 &
pg_on_exit "kill $!"
pg_wait_file "$PG_TMP/amp.port" "FAIL: the amplifier did not start"
pg_wait_file "$PG_TMP/echo.port" "FAIL: the echo did not start"
echo_=$(cat "$PG_TMP/echo.port")
closed=$(pg_ns_free_ports 1)
dropped=69 # tftp: a name /etc/services gives for UDP only
pg_ns iptables -A INPUT -p udp --dport "$dropped" -j DROP

cat >m.yaml <<YAML
assets:
  - name: edge
    target: 127.0.0.1
    environment: production
    approvedPorts: ["11211/udp", "$closed/udp", "$dropped/udp"]
    ports: ["$echo_/udp"]
YAML
pg_expect_exit 1 "an unapproved UDP service and an amplifier on production fail" \
	pg_ns "$PG_BIN" check -m m.yaml --out ev.json --format markdown --output ev.md \
	--timeout-ms 1000 --retries 1
pg_assert_eq "UDP states (nmap -sU's: open answered, closed ICMP, filtered silent)" \
	"$(pg_json ev.json 'sorted((p["port"], p["protocol"], p["state"], p.get("reason") if p["state"] == "filtered" else "") for p in d["assets"][0]["scan"]["ports"])')" \
	"$(python3 -c 'import json,sys; print(json.dumps(sorted([(int(sys.argv[1]), "udp", "closed", ""), (int(sys.argv[2]), "udp", "filtered", "no-response"), (int(sys.argv[3]), "udp", "open", ""), (11211, "udp", "open", "")])))' "$closed" "$dropped" "$echo_")"
pg_assert_eq "every port counted" "$(pg_json ev.json 'd["assets"][0]["scan"]["summary"]["totalScanned"]')" "4"
pg_assert_eq "the silent port is named from /etc/services' udp entries" \
	"$(pg_json ev.json '[p["service"] for p in d["assets"][0]["scan"]["ports"] if p["port"] == 69][0]')" "tftp"
pg_assert_eq "the amplifier's bytes: received is 10 times sent" \
	"$(pg_json ev.json '[[p["udp"]["sent"] > 0, p["udp"]["received"] == min(8192, 10 * p["udp"]["sent"])] for p in d["assets"][0]["scan"]["ports"] if p["port"] == 11211][0]')" \
	"[true, true]"
pg_assert_eq "findings: rule, port, protocol, action" \
	"$(pg_json ev.json 'sorted((f["rule"], f["port"], f["protocol"], f["action"]) for f in d["assets"][0]["findings"])')" \
	"$(python3 -c 'import json,sys; print(json.dumps(sorted([("port-approved-closed", int(sys.argv[1]), "udp", "warn"), ("port-approved-filtered", int(sys.argv[2]), "udp", "warn"), ("port-unapproved-open", int(sys.argv[3]), "udp", "fail"), ("udp-amplifier", 11211, "udp", "fail")])))' "$closed" "$dropped" "$echo_")"
pg_assert_eq "udp-amplifier states the factor" \
	"$(pg_json ev.json '[(f["amplificationFactor"], f["severity"], f["evidence"]["bytesReceived"] > f["evidence"]["bytesSent"]) for f in d["assets"][0]["findings"] if f["rule"] == "udp-amplifier"]')" \
	"[[10.0, \"high\", true]]"
pg_assert_grep "the filtered finding says no-response" "approved port $dropped/udp does not answer (no-response)" ev.md
pg_assert_grep "markdown names 11211/udp" "| edge | 11211/udp | port 11211/udp answers" ev.md

# staging: the amplifier warns, the unapproved port still fails
sed 's/environment: production/environment: staging/' m.yaml >s.yaml
pg_expect_exit 1 "staging" pg_ns "$PG_BIN" check -m s.yaml --out s.json --timeout-ms 1000 --retries 1
pg_assert_eq "udp-amplifier warns off production" \
	"$(pg_json s.json '[f["action"] for f in d["assets"][0]["findings"] if f["rule"] == "udp-amplifier"]')" '["warn"]'
pg_done
