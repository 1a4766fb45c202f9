#!/bin/sh
# Files that are not plugins never crash a command: plugin-check, plugins and
# check each refuse an empty file, garbage, a text file, truncated copies of a
# real plugin and a relocatable object with exit 2 and a message saying what
# the file is. A plugin claiming a newer ABI minor loads with a warning; a
# plugin shadowed by one of the same name in an earlier directory is a
# warning without -v. validate --config checks instances without create().
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
TP="$PG_BUILDDIR/tests/plugins/.libs"
for p in testenrich newerminor; do [ -f "$TP/$p.so" ] || pg_skip "test plugin $p not built"; done
d="$T/bad"
mkdir -p "$d"; chmod 0755 "$d"
: >"$d/empty.so"
head -c 4096 /dev/urandom >"$d/garbage.so"
echo "not a plugin" >"$d/text.so"
size=$(wc -c <"$TP/testenrich.so")
head -c 100 "$TP/testenrich.so" >"$d/trunc100.so"
head -c $((size / 2)) "$TP/testenrich.so" >"$d/trunchalf.so"
head -c $((size - 64)) "$TP/testenrich.so" >"$d/truncend.so"
cc_obj=$(ls "$PG_BUILDDIR"/tests/plugins/*testenrich*.o 2>/dev/null | head -1 || true)
[ -z "$cc_obj" ] || cp "$cc_obj" "$d/object.so"
[ -n "$cc_obj" ] || cp "$(ls "$PG_BUILDDIR"/tests/plugins/.libs/*.o | head -1)" "$d/object.so"
chmod 0644 "$d"/*.so

expect() { # FILE MESSAGE
	rc=0
	"$PG_BIN" plugin-check "$d/$1" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] || fail "plugin-check $1: exit $rc (want 2): $(cat "$T/err")"
	grep -qF "$d/$1: $2" "$T/err" || fail "plugin-check $1: $(cat "$T/err")"
}
expect empty.so "not a shared object (0 bytes, too small for an ELF header)"
expect garbage.so "not a shared object (no ELF header)"
expect text.so "not a shared object ("
expect trunc100.so "truncated or damaged shared object (100 bytes)"
expect trunchalf.so "truncated"
expect truncend.so "truncated"
expect object.so "not a shared object (ELF type 1; build with -shared)"

# The same files in a plugin directory: plugins refuses, exit 2, no crash.
rc=0
"$PG_BIN" plugins --plugin-dir "$d" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "plugins: exit $rc: $(cat "$T/err")"
[ "$(grep -c "not a shared object\|truncated" "$T/err")" -ge 7 ] || fail "plugins: $(cat "$T/err")"
printf 'version: 1\nassets:\n  - target: 127.0.0.1\n    ports: [1]\n' >"$T/m.yaml"
printf 'pluginDirs: [%s]\n' "$d" >"$T/c.yaml"
rc=0
"$PG_BIN" check -m "$T/m.yaml" --config "$T/c.yaml" --no-probe >"$T/out" 2>"$T/err" || rc=$?
# check loads only the plugins its settings name (none here): the bad files are
# warnings and the run goes on to exit by the policy, no crash (issue 21 item 2).
[ "$rc" -lt 2 ] || fail "check with a bad plugin dir: exit $rc: $(cat "$T/err")"
grep -q "warning: .*truncated.*(skipped" "$T/err" || fail "check: $(cat "$T/err")"

# A newer minor: accepted, with a warning.
mkdir -p "$T/newer"; chmod 0755 "$T/newer"; install -m 0644 "$TP/newerminor.so" "$T/newer/"
"$PG_BIN" plugin-check "$T/newer/newerminor.so" >"$T/out" 2>"$T/err" || fail "newer minor refused"
grep -q "plugin built for ABI 1.12, newer than this portgate's 1.4" "$T/err" || fail "$(cat "$T/err")"

# Shadowing: the first directory wins and says so without -v.
mkdir -p "$T/one" "$T/two"; chmod 0755 "$T/one" "$T/two"
install -m 0644 "$TP/testenrich.so" "$T/one/a.so"
install -m 0644 "$TP/testenrich.so" "$T/two/b.so"
"$PG_BIN" plugins --plugin-dir "$T/one" --plugin-dir "$T/two" >"$T/out" 2>"$T/err" \
	|| fail "plugins: $(cat "$T/err")"
grep -q "plugin testenrich from $T/two/b.so is shadowed by $T/one/a.so" "$T/err" \
	|| fail "no shadow warning: $(cat "$T/err")"
# validate --config does not run create(): a create that would fail (a missing
# secret, say) is not validate's business; check still refuses it.
printf 'pluginDirs: [%s]\nenrichers:\n  e:\n    plugin: testenrich\n    failCreate: true\n' \
	"$T/one" >"$T/v.yaml"
"$PG_BIN" validate -m "$T/m.yaml" --config "$T/v.yaml" >"$T/out" 2>"$T/err" \
	|| fail "validate ran create: $(cat "$T/err")"
printf 'pluginDirs: [%s]\nenrichers:\n  e:\n    plugin: testenrich\n    nosuch: 1\n' \
	"$T/one" >"$T/v2.yaml"
rc=0
"$PG_BIN" validate -m "$T/m.yaml" --config "$T/v2.yaml" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "validate accepted an unknown option: $rc"
grep -q "v2.yaml:5: e: unknown option 'nosuch'" "$T/err" || fail "validate: $(cat "$T/err")"
rc=0
"$PG_BIN" check -m "$T/m.yaml" --config "$T/v.yaml" --no-probe >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "check with a failing create: exit $rc"
grep -q "plugin testenrich failed to start: asked to fail" "$T/err" || fail "check: $(cat "$T/err")"
echo "ok"
