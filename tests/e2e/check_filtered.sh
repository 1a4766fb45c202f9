#!/bin/sh
# check_filtered: approved-but-filtered ports warn by default, fail by policy,
# per environment. Filtering is a real iptables DROP inside a namespace.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

ns="pgchk$$"
ip netns add "$ns" 2>/dev/null || pg_skip "cannot create a network namespace (needs root and CAP_NET_ADMIN)"
pg_on_exit "ip netns del $ns"
ip netns exec "$ns" ip link set lo up
command -v iptables >/dev/null || pg_skip "iptables is not installed"
ip netns exec "$ns" iptables -A INPUT -p tcp --dport 9443 -j DROP || pg_skip "iptables does not work here"

ip netns exec "$ns" python3 "$PG_TOOLS/listen.py" "$PG_TMP/ns.ports" "http@127.0.0.1:8080" &
pg_on_exit "kill $!"
i=0; while [ ! -s "$PG_TMP/ns.ports" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done

cat >"$PG_TMP/m.yaml" <<YAML
policy:
  environments:
    production:
      port-approved-filtered: fail
assets:
  - name: staging
    target: 127.0.0.1
    environment: staging
    approvedPorts: [8080, 9443]
YAML
run() { ip netns exec "$ns" "$PG_BIN" check -m "$PG_TMP/m.yaml" --out "$PG_TMP/ev.json" \
	--timeout-ms 300 --retries 1 --no-probe "$@"; }
pg_expect_exit 0 "approved filtered port warns in staging" run
pg_assert_eq "filtered state" \
	"$(pg_json "$PG_TMP/ev.json" '[p["state"] for p in d["assets"][0]["scan"]["ports"] if p["port"] == 9443]')" '["filtered"]'
pg_assert_eq "warn finding" \
	"$(pg_json "$PG_TMP/ev.json" '[(f["rule"], f["action"]) for f in d["assets"][0]["findings"]]')" \
	'[["port-approved-filtered", "warn"]]'
pg_assert_eq "asset verdict warn" "$(pg_json "$PG_TMP/ev.json" 'd["assets"][0]["verdict"]')" "warn"

sed -i 's/environment: staging/environment: production/' "$PG_TMP/m.yaml"
pg_expect_exit 1 "production environment makes it fail" run

sed -i 's/environment: production/environment: staging\n    policy: {port-approved-filtered: fail}/' "$PG_TMP/m.yaml"
pg_expect_exit 1 "asset policy makes it fail" run
pg_done
