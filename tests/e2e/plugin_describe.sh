#!/bin/sh
# ABI 1.3's typed option table as the host shows and enforces it:
# `plugins --describe webhook` prints each option's name, type, default,
# range or allowed values and description (text and --json), an unknown
# plugin is an error, and a value outside the table is refused by the host
# with file:line before the plugin starts (validate and check alike).
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin webhook siem
private_plugin_dir webhook siem

"$PG_BIN" plugins --plugin-dir "$T/plugins" --describe webhook >"$T/d" 2>"$T/e" \
	|| fail "describe: $(cat "$T/e")"
head -n 1 "$T/d" | grep -q '^webhook [0-9.]* (notifier, ABI 1\.4)$' || fail "head: $(cat "$T/d")"
grep -q '^OPTION  *TYPE  *DEFAULT  *RANGE/VALUES  *DESCRIPTION$' "$T/d" || fail "columns: $(cat "$T/d")"
grep -q '^url  *url  *(required)  *-  *receiver URL' "$T/d" || fail "url row: $(cat "$T/d")"
grep -q '^format  *enum  *json  *json|slack|teams  *json (the portgate event)' "$T/d" \
	|| fail "format row: $(cat "$T/d")"
grep -q '^secretEnv  *secret-env  *-  *-  *environment variable' "$T/d" || fail "secret row"
[ "$(grep -c . "$T/d")" = 8 ] || fail "expected 2 head + header + 5 options: $(cat "$T/d")"
# a range: siem's facility 0..23
"$PG_BIN" plugins --plugin-dir "$T/plugins" --describe siem | grep -q '^facility  *int  *10  *0\.\.23 ' \
	|| fail "siem facility range"
# --json: the same table, machine-readable
"$PG_BIN" plugins --plugin-dir "$T/plugins" --describe webhook --json >"$T/j" || fail "json"
python3 - "$T/j" <<'PY' || fail "json: $(cat "$T/j")"
import json, sys
d = json.load(open(sys.argv[1]))
o = {x["name"]: x for x in d["options"]}
assert d["abi"] == "1.4" and d["hostAbi"] == "1.4", d
assert o["format"]["type"] == "enum" and o["format"]["choices"] == ["json", "slack", "teams"], o
assert o["url"]["type"] == "url" and o["url"]["required"] is True, o
PY
rc=0
"$PG_BIN" plugins --plugin-dir "$T/plugins" --describe nosuch >/dev/null 2>"$T/e" || rc=$?
[ "$rc" = 2 ] && grep -q "no plugin named 'nosuch'" "$T/e" || fail "unknown: rc $rc $(cat "$T/e")"

# The host checks values against the table: file:line, exit 2, the plugin never asked.
printf 'pluginDirs: [%s]\nnotifiers:\n  hook:\n    plugin: webhook\n    url: "ftp://127.0.0.1/x"\n    format: markdown\n  syslog:\n    plugin: siem\n    host: 127.0.0.1\n    facility: 24\n' \
	"$T/plugins" >"$T/bad.yaml"
printf 'version: 1\nassets:\n  - name: a\n    target: 127.0.0.1\n    ports: [1]\n' >"$T/m.yaml"
rc=0
"$PG_BIN" validate -m "$T/m.yaml" --config "$T/bad.yaml" >/dev/null 2>"$T/e" || rc=$?
[ "$rc" = 2 ] || fail "validate exit $rc"
grep -q 'bad.yaml:5: hook.url: expected an http:// or https:// URL' "$T/e" || fail "url: $(cat "$T/e")"
grep -q "bad.yaml:6: hook.format: one of json, slack, teams, got 'markdown'" "$T/e" \
	|| fail "format: $(cat "$T/e")"
grep -q 'bad.yaml:10: syslog.facility: value out of range (0..23)' "$T/e" || fail "facility: $(cat "$T/e")"
pg_done
