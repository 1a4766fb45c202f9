#!/bin/sh
# The example out-of-tree CMDB enricher: built with a plain cc against the
# header (in-tree -I, then from a DESTDIR install through pkg-config), checked
# by plugin-check, and run against a local CMDB (receiver.py).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
CC=${CC:-cc}
command -v pkg-config >/dev/null 2>&1 || pg_skip "pkg-config not installed"
src="$PG_SRCDIR/examples/plugins/cmdb/cmdb.c"
jansson_cflags=$(pkg-config --cflags jansson)
jansson_libs=$(pkg-config --libs jansson)

# 1. Against the source tree's header.
mkdir -p "$T/plugins" && chmod 0755 "$T/plugins"
$CC -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$PG_SRCDIR/include" $jansson_cflags \
	-o "$T/plugins/cmdb.so" "$src" $jansson_libs || fail "in-tree build"

# 2. Against an installed header + portgate.pc (DESTDIR install of just those two).
env -u MAKEFLAGS -u MFLAGS make -s -C "$PG_BUILDDIR" install-pkgincludeHEADERS install-pkgconfigDATA DESTDIR="$T/dest" \
	>/dev/null || fail "DESTDIR install"
pc=$(find "$T/dest" -name portgate.pc | head -n 1)
[ -n "$pc" ] || fail "portgate.pc not installed"
prefix=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=prefix portgate)
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$T/dest$prefix" \
	--cflags portgate)
case $cflags in *"$T/dest"*) ;; *) fail "pkg-config cflags do not point into DESTDIR: $cflags" ;; esac
$CC -std=c11 -Wall -Wextra -Werror -shared -fPIC $cflags -o "$T/cmdb-pc.so" "$src" $jansson_libs \
	|| fail "pkg-config build"
chmod 0644 "$T/plugins/cmdb.so" "$T/cmdb-pc.so"
"$PG_BIN" plugin-check "$T/plugins/cmdb.so" "$T/cmdb-pc.so" >"$T/check" || fail "plugin-check: $(cat "$T/check")"
[ "$(grep -c ': ok: cmdb' "$T/check")" = 2 ] || fail "plugin-check: $(cat "$T/check")"

# 3. Run it against a local CMDB.
cat >"$T/cmdb.json" <<'JSON'
{"app.example": {"owner": "team-payments", "service": "checkout", "tier": "1", "extra": "x"}}
JSON
PG_E2E_CMDB_TOKEN="tok-$$-$(date +%s)"
export PG_E2E_CMDB_TOKEN
port=$(pg_free_port)
start_receiver "$port" --cmdb "$T/cmdb.json" --token-env PG_E2E_CMDB_TOKEN --log "$T/recv.log"
write_report "$T/report.json"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  cmdb:
    plugin: cmdb
    url: http://127.0.0.1:$port
    tokenEnv: PG_E2E_CMDB_TOKEN
enrich:
  on: all
YAML
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" -v >"$T/out.json" 2>"$T/err" \
	|| fail "enrich: $(cat "$T/err")"
if grep -q "$PG_E2E_CMDB_TOKEN" "$T/err"; then fail "token leaked into the log"; fi
python3 - "$T/out.json" <<'PY' || fail "enrichment: $(cat "$T/out.json")"
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["assets"][0]["findings"]:
    e = f["enrichment"]["cmdb"]
    assert e == {"found": True, "owner": "team-payments", "service": "checkout", "tier": "1"}, e
db = r["assets"][1]["findings"][0]["enrichment"]["cmdb"]
assert db == {"found": False}, db
PY
# One lookup per target (two findings share app.example): 2 requests, + this stats call.
[ "$(rstat requests)" = 3 ] || fail "expected 2 CMDB requests, got $(rstat requests) incl. stats"
# Second run: answered from the cache, no request (only the next stats call).
"$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" >/dev/null || fail "cached run"
[ "$(rstat requests)" = 4 ] || fail "cache not used: $(rstat requests) requests"

# A wrong token: the error is recorded on the finding, the run goes on.
PG_E2E_CMDB_TOKEN=wrong "$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" --skip-cache \
	>"$T/out2.json" || fail "enrich with a wrong token failed the run"
python3 - "$T/out2.json" <<'PY' || fail "error not recorded: $(cat "$T/out2.json")"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["assets"][0]["findings"][0]["enrichment"]["cmdb"]
assert "401" in e["error"], e
PY
# Token variable unset: refused at start, exit 2.
rc=0; env -u PG_E2E_CMDB_TOKEN "$DRIVER" enrich "$T/portgate.yaml" "$T/report.json" 2>"$T/err3" || rc=$?
[ "$rc" = 2 ] || fail "missing token: exit $rc"
grep -q "tokenEnv is not set" "$T/err3" || fail "missing token: $(cat "$T/err3")"
echo "ok"
