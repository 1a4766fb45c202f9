#!/bin/sh
# resolve_server_spec: a bad --dns-server is a usage error (exit 2) reported
# before any query (good specs are exercised by resolve_dns.sh and the unit test).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

cat >"$PG_TMP/m.yaml" <<YAML
assets:
  - target: www.example.test
    approvedPorts: [1]
    ports: [1]
YAML
for bad in "dns.example.test:53" "127.0.0.1:0" "127.0.0.1:70000" "[::1" "127.0.0.1:53x" ""; do
	# in a network namespace of its own (lo only): were a bad spec ever
	# accepted, the system resolver could not be reached from here
	pg_expect_exit 2 "bad --dns-server '$bad'" \
		unshare -n "$PG_BIN" check -m "$PG_TMP/m.yaml" --dns-server "$bad" --no-probe
	pg_assert_grep "bad server '$bad' explained" "bad DNS server" "$PG_TMP/err"
done

pg_done
