#!/bin/sh
# resolve_dns: names resolved through a real dnsmasq (--dns-server), CNAME
# chains, NXDOMAIN, expectedRecords drift, a silent and a closed DNS server.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
command -v dnsmasq >/dev/null 2>&1 || pg_skip "dnsmasq not installed (dnsmasq-base)"
pg_on_exit dns_stop

pg_listen web "http@127.0.0.1:0"
web=$(pg_port web 1)

ipv6=0
if pg_have_ipv6; then ipv6=1; fi
DNS_IPV6=$ipv6 dns_start --host-record=www.example.test,127.0.0.1 \
	--host-record=drift.example.test,127.0.0.1 \
	--cname=alias.example.test,mid.example.test \
	--cname=mid.example.test,www.example.test \
	--txt-record=txtonly.example.test,no-addresses
dns="$DNS_SERVER"

# 1. A name and a two-hop CNAME chain that match their expectedRecords: pass.
cat >"$PG_TMP/ok.yaml" <<YAML
assets:
  - name: www
    target: www.example.test
    approvedPorts: [$web]
    ports: [$web]
    expectedRecords: { A: [127.0.0.1] }
  - name: alias
    target: alias.example.test
    approvedPorts: [$web]
    ports: [$web]
    expectedRecords: { CNAME: [mid.example.test, www.example.test], A: [127.0.0.1] }
YAML
pg_expect_exit 0 "names resolved through --dns-server pass" \
	"$PG_BIN" check -m "$PG_TMP/ok.yaml" --dns-server "$dns" --out "$PG_TMP/ok.json" --no-probe
ev="$PG_TMP/ok.json"
pg_assert_eq "www resolved to the dnsmasq record" \
	"$(pg_json "$ev" 'd["assets"][0]["resolution"]["addresses"]')" '["127.0.0.1"]'
pg_assert_eq "www scanned on the resolved address" "$(pg_json "$ev" 'd["assets"][0]["scan"]["ip"]')" "127.0.0.1"
pg_assert_eq "www port open" "$(pg_json "$ev" 'd["assets"][0]["scan"]["ports"][0]["state"]')" "open"
pg_assert_eq "CNAME chain in order" \
	"$(pg_json "$ev" '[c for c in d["assets"][1]["resolution"]["cnames"] if c != "alias.example.test"]')" \
	'["mid.example.test", "www.example.test"]'
pg_assert_eq "alias resolved through the chain" \
	"$(pg_json "$ev" 'd["assets"][1]["resolution"]["addresses"]')" '["127.0.0.1"]'
pg_assert_eq "no DNS findings" \
	"$(pg_json "$ev" 'sorted(f["rule"] for a in d["assets"] for f in a["findings"] if f["rule"].startswith("dns-"))')" '[]'
pg_assert_eq "both assets pass" "$(pg_json "$ev" '[a["verdict"] for a in d["assets"]]')" '["pass", "pass"]'
if dns_log | grep -q "query\[A\] alias.example.test"; then pg_ok "the query reached dnsmasq"
else pg_fail "dnsmasq never saw the query for alias.example.test"; fi

# The same server given as [::1]:PORT.
if [ "$ipv6" = 1 ]; then
	pg_expect_exit 0 "--dns-server [::1]:PORT" \
		"$PG_BIN" check -m "$PG_TMP/ok.yaml" --dns-server "[::1]:$DNS_PORT" --out "$PG_TMP/v6.json" --no-probe
	pg_assert_eq "resolved through the IPv6 server" \
		"$(pg_json "$PG_TMP/v6.json" '[a["resolution"]["addresses"] for a in d["assets"]]')" \
		'[["127.0.0.1"], ["127.0.0.1"]]'
else
	pg_skip_part "no ::1 on this machine: the [::1]:PORT server spec is not exercised"
fi

# 2. NXDOMAIN: could not check (exit 3), finding dns-unresolved.
cat >"$PG_TMP/nx.yaml" <<YAML
assets:
  - name: gone
    target: missing.example.test
    approvedPorts: [$web]
YAML
pg_expect_exit 3 "NXDOMAIN target is could-not-check" \
	"$PG_BIN" check -m "$PG_TMP/nx.yaml" --dns-server "$dns" --out "$PG_TMP/nx.json" --no-probe
ev="$PG_TMP/nx.json"
pg_assert_eq "finding dns-unresolved" "$(pg_json "$ev" '[f["rule"] for f in d["assets"][0]["findings"]]')" \
	'["dns-unresolved"]'
pg_assert_eq "error says NXDOMAIN" \
	"$(pg_json "$ev" '"NXDOMAIN" in d["assets"][0]["resolution"]["error"]')" "true"
pg_assert_eq "asset verdict" "$(pg_json "$ev" 'd["assets"][0]["verdict"]')" "could-not-check"
pg_assert_eq "run verdict" "$(pg_json "$ev" 'd["run"]["verdict"]')" "could-not-check"
pg_assert_eq "unresolved asset not scanned" "$(pg_json "$ev" 'd["assets"][0].get("scan") is None')" "true"

# 3. A name without A/AAAA records is unresolved too, with its own reason.
cat >"$PG_TMP/txt.yaml" <<YAML
assets:
  - target: txtonly.example.test
    approvedPorts: [$web]
YAML
pg_expect_exit 3 "name without addresses is could-not-check" \
	"$PG_BIN" check -m "$PG_TMP/txt.yaml" --dns-server "$dns" --out "$PG_TMP/txt.json" --no-probe
pg_assert_eq "no-records reason" "$(pg_json "$PG_TMP/txt.json" 'd["assets"][0]["resolution"]["error"]')" \
	"no A or AAAA records"

# 4. Records that differ from expectedRecords: dns-unexpected-record (fail, exit 1).
cat >"$PG_TMP/drift.yaml" <<YAML
assets:
  - name: drift
    target: drift.example.test
    approvedPorts: [$web]
    ports: [$web]
    expectedRecords: { A: [127.0.0.2] }
  - name: alias
    target: alias.example.test
    approvedPorts: [$web]
    ports: [$web]
    expectedRecords: { CNAME: [elsewhere.example.test] }
YAML
pg_expect_exit 1 "unexpected DNS records fail the check" \
	"$PG_BIN" check -m "$PG_TMP/drift.yaml" --dns-server "$dns" --out "$PG_TMP/drift.json" --no-probe
ev="$PG_TMP/drift.json"
pg_assert_eq "A drift finding" \
	"$(pg_json "$ev" '[f["rule"] + ":" + f["action"] for f in d["assets"][0]["findings"]]')" \
	'["dns-unexpected-record:fail"]'
pg_assert_eq "CNAME drift finding" \
	"$(pg_json "$ev" '[f["rule"] for f in d["assets"][1]["findings"]]')" '["dns-unexpected-record"]'
pg_assert_eq "A drift evidence names the address seen" \
	"$(pg_json "$ev" '"127.0.0.1" in __import__("json").dumps(d["assets"][0]["findings"][0]["evidence"])')" "true"

# 5. A DNS server that never answers: timeout, could-not-check, bounded time.
dns_start_silent
cat >"$PG_TMP/fast-dns.yaml" <<YAML
dns:
  timeoutMs: 200
  tries: 1
YAML
t0=$(date +%s)
pg_expect_exit 3 "silent DNS server is could-not-check" \
	"$PG_BIN" check -m "$PG_TMP/nx.yaml" --config "$PG_TMP/fast-dns.yaml" \
	--dns-server "$DNS_SILENT_SERVER" --out "$PG_TMP/silent.json" --no-probe
t1=$(date +%s)
pg_assert_eq "timeout reason" \
	"$(pg_json "$PG_TMP/silent.json" 'd["assets"][0]["resolution"]["error"].startswith("DNS timeout after ")')" "true"
if [ $((t1 - t0)) -le 5 ]; then pg_ok "timeout bounded ($((t1 - t0)) s)"; else pg_fail "timeout took $((t1 - t0)) s"; fi

# 6. Nothing listening on the DNS port: the reason names the server.
closed=$(pg_closed_port)
pg_expect_exit 3 "closed DNS port is could-not-check" \
	"$PG_BIN" check -m "$PG_TMP/nx.yaml" --config "$PG_TMP/fast-dns.yaml" \
	--dns-server "127.0.0.1:$closed" --out "$PG_TMP/closed.json" --no-probe
pg_assert_eq "connection refused reason" "$(pg_json "$PG_TMP/closed.json" 'd["assets"][0]["resolution"]["error"]')" \
	"connection refused by DNS server 127.0.0.1:$closed"

pg_done
