#!/bin/sh
# check_cli: help, version and usage errors.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

pg_expect_exit 0 "--help" "$PG_BIN" --help
pg_assert_grep "help lists check" "check  " "$PG_TMP/out"
pg_expect_exit 0 "--version" "$PG_BIN" --version
pg_assert_grep "version string" "^portgate [0-9]" "$PG_TMP/out"
for cmd in check scan validate; do
	pg_expect_exit 0 "$cmd --help" "$PG_BIN" "$cmd" --help
	pg_assert_grep "$cmd help has usage" "Usage: portgate $cmd" "$PG_TMP/out"
done
pg_expect_exit 2 "no command" "$PG_BIN"
pg_expect_exit 2 "unknown command" "$PG_BIN" frobnicate
pg_assert_grep "unknown command named" "unknown command 'frobnicate'" "$PG_TMP/err"
pg_expect_exit 2 "check without manifest" "$PG_BIN" check
pg_assert_grep "says what is missing" "manifest is required" "$PG_TMP/err"
echo "assets: [{target: 127.0.0.1, approvedPorts: [1]}]" >"$PG_TMP/m.yaml"
pg_expect_exit 2 "bad --mode" "$PG_BIN" check -m "$PG_TMP/m.yaml" --mode yolo
pg_expect_exit 2 "bad --shard" "$PG_BIN" check -m "$PG_TMP/m.yaml" --shard 3/2
pg_expect_exit 2 "bad --timeout-ms" "$PG_BIN" check -m "$PG_TMP/m.yaml" --timeout-ms 12abc
pg_expect_exit 2 "scan without target" "$PG_BIN" scan --ports 80
pg_expect_exit 2 "scan bad ports" "$PG_BIN" scan --target 127.0.0.1 --ports 70000
pg_assert_grep "port range error" "65535" "$PG_TMP/err"
pg_expect_exit 2 "unreadable CA file" "$PG_BIN" scan --target 127.0.0.1 --ports 1 --ca-file "$PG_TMP/nope.pem"
pg_done
