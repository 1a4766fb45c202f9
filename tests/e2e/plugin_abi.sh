#!/bin/sh
# ABI conformance over every built plugin (and the refusals of the bad test
# plugins) through `portgate plugin-check` and `portgate plugins --json`.
set -eu
: "${PG_BIN:?}" "${PG_BUILDDIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
for p in webhook dns; do
	[ -f "$PG_BUILDDIR/plugins/.libs/$p.so" ] || { echo "SKIP: plugin $p not built"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
for so in "$PG_BUILDDIR"/plugins/.libs/*.so; do
	[ -e "$so" ] || continue
	out=$("$PG_BIN" plugin-check "$so") || fail "plugin-check refused $so"
	case $out in *": ok: "*"ABI 1."*) ;; *) fail "unexpected: $out" ;; esac
	n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "expected the webhook and dns plugins, found $n"

# Listing: every built plugin with its options and help.
"$PG_BIN" plugins --plugin-dir "$PG_BUILDDIR/plugins/.libs" --json >"$tmp/list.json"
python3 - "$tmp/list.json" <<'PY'
import json, sys
plugins = {p["name"]: p for p in json.load(open(sys.argv[1]))}
assert {"webhook", "dns"} <= set(plugins), plugins.keys()
assert plugins["webhook"]["kind"] == "notifier"
assert plugins["dns"]["kind"] == "enricher"
url = [o for o in plugins["webhook"]["options"] if o["name"] == "url"][0]
assert url["required"] and url["help"], url
for p in plugins.values():
    assert p["abi"].startswith("1."), p
    # every descriptor field is shown
    for k in ("notifyMode", "enrichScope", "threadModel", "cacheTtlSeconds", "timeoutMs",
              "descriptorSize", "hasCreate", "hasDestroy", "hostAbi", "path", "version", "rules"):
        assert k in p, (k, p)
assert plugins["webhook"]["notifyMode"] == "per-report", plugins["webhook"]
assert plugins["dns"]["enrichScope"] == "asset", plugins["dns"]   # reads assetContext.domain
PY
# the test plugins' descriptors, field by field
"$PG_BIN" plugin-check --json "$PG_BUILDDIR/tests/plugins/.libs/testasset.so" \
	"$PG_BUILDDIR/tests/plugins/.libs/testnotifyeach.so" "$PG_BUILDDIR/tests/plugins/.libs/oldabi.so" \
	>"$tmp/tl.json" || fail "plugin-check --json"
python3 - "$tmp/tl.json" <<'PY'
import json, sys
p = {x["name"]: x for x in json.load(open(sys.argv[1]))}
a, e, o = p["testasset"], p["testnotifyeach"], p["oldabi"]
assert a["enrichScope"] == "asset" and a["threadModel"] == "parallel" and a["cacheTtlSeconds"] == 600, a
assert a["hasCreate"] and a["abi"] == "1.4" and not a["olderDescriptor"], a
assert [r["id"] for r in a["rules"]] == ["test-added"] and o["rules"] == [], (a, o)
assert e["notifyMode"] == "per-finding" and e["kind"] == "notifier", e
assert o["abi"] == "1.0" and o["olderDescriptor"] and o["enrichScope"] == "target", o
PY
# create is optional: plugin-check says what a plugin without one gets
out=$("$PG_BIN" plugin-check "$PG_BUILDDIR/tests/plugins/.libs/nocreate.so") || fail "nocreate refused"
case $out in *"no create (optional: state is NULL)"*) ;; *) fail "nocreate: $out" ;; esac

# The refused test plugins: exit 2 with a clear reason.
t="$PG_BUILDDIR/tests/plugins/.libs"
[ -e "$t/wrongmajor.so" ] || fail "test plugins not built in $t"
if true; then
	rc=0; "$PG_BIN" plugin-check "$t/wrongmajor.so" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "wrong major: exit $rc"
	grep -q "ABI 2.0 is not supported" "$tmp/err" || fail "wrong major: $(cat "$tmp/err")"
	rc=0; "$PG_BIN" plugin-check "$t/nocallback.so" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "missing callback: exit $rc"
	grep -q "notifier without its notify callback" "$tmp/err" || fail "missing callback: $(cat "$tmp/err")"
	rc=0; "$PG_BIN" plugin-check "$t/reservedoption.so" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "reserved option name: exit $rc"
	grep -q "option timeoutMs is reserved for the host" "$tmp/err" || fail "reserved: $(cat "$tmp/err")"
	out=$("$PG_BIN" plugin-check "$t/oldabi.so") || fail "old descriptor refused"
	case $out in *"older, accepted"*) ;; *) fail "old descriptor: $out" ;; esac
	# A group-writable plugin is refused.
	cp "$t/oldabi.so" "$tmp/oldabi.so"; chmod 0666 "$tmp/oldabi.so"
	rc=0; "$PG_BIN" plugin-check "$tmp/oldabi.so" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "writable plugin: exit $rc"
	grep -q "writable by group or others" "$tmp/err" || fail "writable: $(cat "$tmp/err")"
	# A file someone else owns is refused, also behind a symlink from a safe directory.
	if id nobody >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
		mkdir -p "$tmp/evil" "$tmp/safe"; chmod 0755 "$tmp/evil" "$tmp/safe"
		cp "$t/oldabi.so" "$tmp/evil/x.so"; chmod 0644 "$tmp/evil/x.so"; chown nobody "$tmp/evil/x.so"
		ln -s "$tmp/evil/x.so" "$tmp/safe/x.so"
		for f in "$tmp/evil/x.so" "$tmp/safe/x.so"; do
			rc=0; "$PG_BIN" plugin-check "$f" 2>"$tmp/err" || rc=$?
			[ "$rc" -eq 2 ] || fail "foreign-owned plugin $f: exit $rc"
			grep -q "owned by root or this user" "$tmp/err" || fail "foreign owner: $(cat "$tmp/err")"
		done
		# a plugin in a world-writable, non-sticky directory is refused
		mkdir -p "$tmp/open"; cp "$t/oldabi.so" "$tmp/open/y.so"; chmod 0644 "$tmp/open/y.so"; chmod 0777 "$tmp/open"
		rc=0; "$PG_BIN" plugin-check "$tmp/open/y.so" 2>"$tmp/err" || rc=$?
		[ "$rc" -eq 2 ] || fail "plugin in a world-writable dir: exit $rc"
		grep -q "directory .* is writable by group or others" "$tmp/err" || fail "open dir: $(cat "$tmp/err")"
	fi
	# A bare name means ./NAME, never a library search path.
	mkdir -p "$tmp/other"; cp "$t/oldabi.so" "$tmp/other/lonely.so"; chmod 0644 "$tmp/other/lonely.so"
	rc=0; (cd "$tmp" && LTDL_LIBRARY_PATH="$tmp/other" LD_LIBRARY_PATH="$tmp/other" \
		"$PG_BIN" plugin-check lonely.so) 2>"$tmp/err" >/dev/null || rc=$?
	[ "$rc" -eq 2 ] || fail "bare name loaded from a search path: exit $rc"
fi
# The example configuration is valid, plugin sections included.
[ -x "$PG_BUILDDIR/tests/plugins/pg_plugin_driver" ] || fail "pg_plugin_driver not built"
if true; then
	echo '{"run": {"id": "r"}, "assets": []}' >"$tmp/empty.json"
	PORTGATE_STATE_DIR="$tmp/state" "$PG_BUILDDIR/tests/plugins/pg_plugin_driver" enrich \
		"$PG_SRCDIR/conf/portgate.yaml" "$tmp/empty.json" --plugin-dir "$PG_BUILDDIR/plugins/.libs" \
		>/dev/null 2>"$tmp/err" || fail "conf/portgate.yaml: $(cat "$tmp/err")"
fi
echo "ok: $n plugins conform"
