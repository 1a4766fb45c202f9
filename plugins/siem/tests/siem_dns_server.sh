#!/bin/sh
# The syslog collector's name goes through the configured resolver (issue 22 item 13: every
# name portgate looks up goes through dns.server when it is set). In a network namespace the
# collector is named siem.collector.test, which only the test's dnsmasq (dns.server, a high
# port there) knows; the namespace's system resolver points at 127.0.0.1:53, where nothing
# listens, and its hosts file does not know the name, so no query for it can leave. Every
# event must arrive over UDP, and dnsmasq's log must show the query.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
need_plugin siem
for t in dnsmasq ip; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed"
done
rdap_ns_up pgsd
private_plugin_dir siem
write_notify_report "$T/report.json"
DNSP=15355

ns_dns_up $DNSP --host-record=siem.collector.test,127.0.0.1
# a UDP syslog collector: each datagram one line of the log (bounded life)
in_ns timeout 60 python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.replace(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    d = s.recv(65536)
    with open(sys.argv[2], "ab") as f:
        f.write(d.replace(b"\n", b" ") + b"\n")' "$T/udp.port" "$T/udp.log" &
i=0
until [ -s "$T/udp.port" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "collector in the namespace did not start"
	sleep 0.1
done
# the premise: the namespace's system resolver cannot know the name
ns_name_unknown siem.collector.test

cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "127.0.0.1:$DNSP", timeoutMs: 1000}
notify: { on: [warn, fail], retries: 0 }
notifiers:
  soc: { plugin: siem, transport: udp, host: siem.collector.test, port: $(cat "$T/udp.port"), format: cef }
YAML
left=$(in_ns "$DRIVER" notify "$T/portgate.yaml" "$T/report.json" 2>"$T/e") || fail "notify: $(cat "$T/e")"
[ "$left" = 0 ] || fail "$left left: $(cat "$T/e")"
i=0
until [ "$(wc -l <"$T/udp.log" 2>/dev/null || echo 0)" -ge 3 ]; do
	i=$((i + 1)); [ $i -le 50 ] || fail "events: $(cat "$T/udp.log" 2>/dev/null)"
	sleep 0.1
done
for fp in aaaa000011112222 bbbb000011112222 cccc000011112222; do
	grep -q "$fp" "$T/udp.log" || fail "event $fp missing: $(cat "$T/udp.log")"
done
grep -q "query\[A\] siem.collector.test from 127.0.0.1" "$T/dnsmasq.log" ||
	fail "dnsmasq was not asked: $(cat "$T/dnsmasq.log")"

# A name dns.server does not know: not delivered (kept), the error names the resolver,
# and still no query left through the system resolver (its port 53 is empty).
sed "s/siem.collector.test/nowhere.collector.test/; s|$T/state|$T/state2|" "$T/portgate.yaml" >"$T/p2.yaml"
left=$(in_ns "$DRIVER" notify "$T/p2.yaml" "$T/report.json" 2>"$T/e2") || true
[ "$left" = 1 ] || fail "unknown name: expected 1 kept, got '$left': $(cat "$T/e2")"
grep -q "cannot resolve nowhere.collector.test through dns.server" "$T/e2" || fail "error: $(cat "$T/e2")"
echo ok
