#!/bin/sh
# `portgate plugin new` from the build tree: both kinds build with their own
# Makefile (the source tree's header given as PG_CFLAGS instead of pkg-config)
# and pass their `make test`; a bad name or kind, or a file already there, is
# a usage error (exit 2) that writes nothing. The installed-prefix version of
# this is tests/e2e/plugin_kit_installed.sh.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
command -v make >/dev/null 2>&1 || pg_skip "make not installed"
W="$T/work"; mkdir -p "$W"; chmod 0755 "$W"
cd "$W"
for k in enricher notifier; do
	"$PG_BIN" plugin new --kind "$k" "my$k" >"$T/new.out" || fail "plugin new --kind $k"
	grep -q "^wrote my$k/: my$k.c, Makefile, test.yaml" "$T/new.out" || fail "$(cat "$T/new.out")"
	env -u MAKEFLAGS -u MFLAGS make -s -C "my$k" CFLAGS="-O2 -Wall -Wextra -Werror" \
		PG_CFLAGS="-I$PG_SRCDIR/include $(pkg-config --cflags jansson 2>/dev/null)" \
		>"$T/$k.build" 2>&1 || fail "build my$k: $(cat "$T/$k.build")"
	env -u MAKEFLAGS -u MFLAGS make -s -C "my$k" PORTGATE="$PG_BIN" test >"$T/$k.test" 2>&1 \
		|| fail "make test my$k: $(cat "$T/$k.test")"
	grep -q '"result": "ok"' "$T/$k.test" || fail "my$k: $(cat "$T/$k.test")"
done
# the enricher saw what a run gives: the sample's owner and its one open port
grep -q '"owner": "team-shop"' "$T/enricher.test" && grep -q '"openPorts": 1' "$T/enricher.test" \
	|| fail "enricher output: $(cat "$T/enricher.test")"

expect_usage() { # DESC ARGS...: exit 2 with a message, nothing written
	desc=$1; shift
	rc=0
	"$PG_BIN" plugin "$@" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] && [ -s "$T/err" ] || fail "$desc: exit $rc $(cat "$T/err")"
}
expect_usage "bad name" new --kind enricher '../evil'
expect_usage "name with a space" new --kind enricher 'a b'
expect_usage "bad kind" new --kind exporter ok1
expect_usage "no kind" new ok2
expect_usage "existing files" new --kind enricher myenricher
grep -q "myenricher/myenricher.c exists; nothing written" "$T/err" || fail "$(cat "$T/err")"
[ ! -e ok1 ] && [ ! -e ok2 ] && [ ! -e ../evil ] || fail "a refused plugin new wrote something"
echo "ok"
