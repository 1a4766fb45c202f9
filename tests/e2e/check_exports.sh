#!/bin/sh
# The binary exports nothing a plugin could call around the host table: no
# internal pg_* symbol is in its dynamic symbol table (no -export-dynamic).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
command -v nm >/dev/null || pg_skip "nm not installed (binutils)"
nm -D --defined-only "$PG_BIN" >"$PG_TMP/syms" || { pg_fail "nm -D failed on $PG_BIN"; pg_done; }
[ -s "$PG_TMP/syms" ] || pg_fail "nm -D listed nothing for $PG_BIN"
if grep -E ' (pg_|portgate_)' "$PG_TMP/syms" >"$PG_TMP/leaked"; then
	pg_fail "internal symbols exported: $(wc -l <"$PG_TMP/leaked") (e.g. $(head -3 "$PG_TMP/leaked" | tr '\n' ' '))"
else
	pg_ok "no pg_* symbol exported"
fi
pg_done
