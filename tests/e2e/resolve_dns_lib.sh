#!/bin/sh
# resolve_dns_lib: tests/e2e/lib/dns.sh itself. When the free-port probe fails (it does under
# load: the UDP port's TCP twin is taken), dns_start tries again instead of giving up, and
# gives up after its bounded attempts when the probe never succeeds.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed (dnsmasq-base)"
pg_on_exit dns_stop

# a probe that fails its first two calls (counted in a file: it runs in $(...)), then finds a
# port the way dns.sh does
echo 0 >"$PG_TMP/calls"
dns_free_port() {
	n=$(($(cat "$PG_TMP/calls") + 1)); echo "$n" >"$PG_TMP/calls"
	[ "$n" -gt 2 ] || return 1
	python3 -c 'import socket; u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); print(u.getsockname()[1])'
}
if dns_start --host-record=flaky.example.test,127.0.0.1; then pg_ok "dns_start survives failed port probes"
else pg_fail "dns_start gave up after a failed port probe"; fi
# two failed probes, then at least one that found a port (dnsmasq may still lose a race for
# it under load: that is one more of the five attempts)
calls=$(cat "$PG_TMP/calls")
if [ "$calls" -ge 3 ] && [ "$calls" -le 5 ]; then pg_ok "it went on after the failed probes ($calls)"
else pg_fail "probed $calls times, want 3 to 5"; fi
pg_expect_exit 0 "the server it started answers" "$PG_BIN" scan --target flaky.example.test --ports 1 \
	--dns-server "$DNS_SERVER" --no-probe
pg_assert_eq "and resolves the record" "$(pg_json "$PG_TMP/out" 'd["ip"]')" "127.0.0.1"
dns_stop

# a probe that never succeeds: bounded, a clear failure
echo 0 >"$PG_TMP/calls"
dns_free_port() { echo $(($(cat "$PG_TMP/calls") + 1)) >"$PG_TMP/calls"; return 1; }
if dns_start --host-record=never.example.test,127.0.0.1 2>"$PG_TMP/err"; then pg_fail "dns_start claimed success"
else pg_ok "dns_start fails when no port can be found"; fi
pg_assert_eq "after its five attempts" "$(cat "$PG_TMP/calls")" 5
pg_done
