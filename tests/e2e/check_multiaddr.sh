#!/bin/sh
# check_multiaddr: a name with two addresses is scanned on both; a service that
# only the second address exposes fails the check (the first alone would pass).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed (dnsmasq-base)"
pg_on_exit dns_stop

pg_listen a "http@127.0.0.1:0"
web=$(pg_port a 1)
# the second address serves the same web port plus a forgotten admin listener
pg_listen b "http@127.0.0.2:$web" "banner=SSH-2.0-OpenSSH_9.2p1@127.0.0.2:0"
admin=$(pg_port b 2)
dns_start --host-record=multi.example.test,127.0.0.1 --host-record=multi.example.test,127.0.0.2

cat >"$PG_TMP/m.yaml" <<YAML
assets:
  - name: multi
    target: multi.example.test
    approvedPorts: [$web]
    ports: [$web, $admin]
    expectedNetwork: ["127.0.0.0/30"]
YAML
pg_expect_exit 1 "an unapproved port on the second address fails" \
	"$PG_BIN" check -m "$PG_TMP/m.yaml" --dns-server "$DNS_SERVER" --out "$PG_TMP/ev.json" --no-probe
ev="$PG_TMP/ev.json"
pg_assert_eq "both addresses resolved" "$(pg_json "$ev" 'sorted(d["assets"][0]["resolution"]["addresses"])')" \
	'["127.0.0.1", "127.0.0.2"]'
pg_assert_eq "both addresses scanned" \
	"$(pg_json "$ev" 'sorted([d["assets"][0]["scan"]["ip"]] + [s["ip"] for s in d["assets"][0]["additionalScans"]])')" \
	'["127.0.0.1", "127.0.0.2"]'
pg_assert_grep "terminal lists both addresses" "multi multi.example.test (127.0.0.1, 127.0.0.2): 3 open" "$PG_TMP/out"
pg_assert_eq "the finding names the second address" \
	"$(pg_json "$ev" '[(f["rule"], f["ip"], f["port"]) for f in d["assets"][0]["findings"]]')" \
	"[[\"port-unapproved-open\", \"127.0.0.2\", $admin]]"

pg_expect_exit 0 "scan prints one object per address" \
	"$PG_BIN" scan --target multi.example.test --ports "$web,$admin" --dns-server "$DNS_SERVER" --no-probe
pg_assert_eq "scan array" "$(pg_json "$PG_TMP/out" 'sorted((o["ip"], o["summary"]["open"]) for o in d)')" \
	'[["127.0.0.1", 1], ["127.0.0.2", 2]]'

# the second address outside expectedNetwork is a finding even when it is not scanned
sed -i 's|127.0.0.0/30|127.0.0.1/32|' "$PG_TMP/m.yaml"
pg_expect_exit 1 "second address outside expectedNetwork" \
	"$PG_BIN" check -m "$PG_TMP/m.yaml" --dns-server "$DNS_SERVER" --out "$PG_TMP/ev2.json" --no-probe
pg_assert_eq "network finding for 127.0.0.2" \
	"$(pg_json "$PG_TMP/ev2.json" '[f["ip"] for f in d["assets"][0]["findings"] if f["rule"] == "network-unexpected"]')" \
	'["127.0.0.2"]'
pg_done
