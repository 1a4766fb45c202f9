#!/bin/sh
# check_bad_input: bad manifests get a clear error with file:line, exit 2, nothing written.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"

bad() { # DESC PATTERN  (manifest on stdin)
	cat >"$PG_TMP/bad.$3"
	pg_expect_exit 2 "$1" "$PG_BIN" check -m "$PG_TMP/bad.$3" --out "$PG_TMP/ev.json"
	pg_assert_grep "$1: message" "$2" "$PG_TMP/err"
	[ ! -e "$PG_TMP/ev.json" ] && pg_ok "$1: no evidence written" || pg_fail "$1: evidence written"
}

printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: [80\n' | bad "malformed YAML" "bad.yaml:[0-9]" yaml
printf '{"assets": [{"target": "127.0.0.1",}]}\n' | bad "malformed JSON" "bad.json:1" json
printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: eighty\n' | bad "wrong type" "bad.yaml:3" yaml
printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: [80, 70000]\n' | bad "port out of range" "bad.yaml:3.*70000" yaml
printf 'assets:\n  - target: 127.0.0.1\n    aprovedPorts: [80]\n' | bad "unknown field" "bad.yaml:3.*aprovedPorts" yaml
printf 'assets:\n  - target: 127.0.0.1\n  - target: 127.0.0.1\n' | bad "duplicate asset" "bad.yaml:3.*duplicate" yaml
printf 'assets:\n  - owner: me\n    approvedPorts: [80]\n' | bad "missing target" "bad.yaml:2.*target" yaml
printf '' | bad "empty manifest" "bad.yaml" yaml
pg_expect_exit 2 "nonexistent manifest" "$PG_BIN" check -m "$PG_TMP/does-not-exist.yaml"
pg_assert_grep "names the file" "does-not-exist.yaml" "$PG_TMP/err"
pg_expect_exit 2 "validate rejects bad input" "$PG_BIN" validate -m "$PG_TMP/bad.yaml"

# validate --config checks the settings exactly as check would
printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: [1]\n' >"$PG_TMP/v.yaml"
printf 'dns:\n  server: "not-an-ip:99999"\n' >"$PG_TMP/c1.yaml"
printf '# settings\ncaFile: %s/missing.pem\n' "$PG_TMP" >"$PG_TMP/c2.yaml"
printf 'scan:\n  retries: 1\ncaFile: /etc/passwd\n' >"$PG_TMP/c7.yaml"
printf 'caFile: /dev/zero\n' >"$PG_TMP/c8.yaml"
printf 'notifiers:\n  x:\n    plugin: nosuchplugin\n' >"$PG_TMP/c3.yaml"
printf 'scan:\n  timeoutMs: fast\n' >"$PG_TMP/c4.yaml"
printf 'enrichers:\n  d:\n    plugin: dns\n    timeoutMs: 0\n' >"$PG_TMP/c5.yaml"
printf 'enrich:\n  timeoutMs: 0\n' >"$PG_TMP/c6.yaml"
for c in c1:"c1.yaml:2: dns.server: bad DNS server 'not-an-ip:99999'" \
	c2:"c2.yaml:2: caFile: $PG_TMP/missing.pem cannot be read" \
	c7:"c7.yaml:3: caFile: /etc/passwd is not a PEM CA bundle" c3:"c3.yaml:3: notifiers.x: no plugin" c4:"c4.yaml:2" \
	c5:"c5.yaml:4: d.timeoutMs: expected a positive integer" c6:"c6.yaml:2: enrich.timeoutMs: expected an integer 1.."; do
	pg_expect_exit 2 "validate --config rejects ${c%%:*}" "$PG_BIN" validate -m "$PG_TMP/v.yaml" \
		--config "$PG_TMP/${c%%:*}.yaml" --plugin-dir "$PG_BUILDDIR/plugins/.libs"
	pg_assert_grep "validate --config ${c%%:*}: message" "${c#*:}" "$PG_TMP/err"
done
pg_expect_exit 2 "a device as CA file is refused at once" timeout 10 "$PG_BIN" validate -m "$PG_TMP/v.yaml" \
	--config "$PG_TMP/c8.yaml"
pg_assert_grep "names the reason" "c8.yaml:1: caFile: /dev/zero is not a regular file" "$PG_TMP/err"
pg_expect_exit 2 "check refuses a CA file that is not PEM" "$PG_BIN" check -m "$PG_TMP/v.yaml" \
	--ca-file /etc/passwd --no-probe
pg_assert_grep "--ca-file names the option" "^portgate: --ca-file: /etc/passwd is not a PEM CA bundle" \
	"$PG_TMP/err"

# Control bytes in any error message are neutralised, as in the log: an OSC title sequence
# in a manifest value, a settings value, a plugin name, a command name.
osc=$(printf '\033]0;owned\007')
no_control() { # DESC: stderr of the last command has no ESC/BEL and shows them as '?'
	if grep -q "$(printf '[\033\007]')" "$PG_TMP/err"; then pg_fail "$1: control bytes on stderr"
	else pg_ok "$1: no control bytes"; fi
	pg_assert_grep "$1: shown as ?" '?]0;owned?' "$PG_TMP/err"
}
printf 'assets:\n  - target: "x\\e]0;owned\\ay"\n' >"$PG_TMP/osc.yaml"
pg_expect_exit 2 "a manifest value with OSC" "$PG_BIN" validate -m "$PG_TMP/osc.yaml"
no_control "manifest value"
printf 'enrichers:\n  x:\n    plugin: "p\\e]0;owned\\a"\n' >"$PG_TMP/osc-plugin.yaml"
pg_expect_exit 2 "a plugin name with OSC" "$PG_BIN" validate -m "$PG_TMP/v.yaml" \
	--config "$PG_TMP/osc-plugin.yaml" --plugin-dir "$PG_BUILDDIR/plugins/.libs"
no_control "plugin name"
printf 'dns:\n  server: "1.2.3.4\\e]0;owned\\a"\n' >"$PG_TMP/osc-dns.yaml"
pg_expect_exit 2 "a dns.server with OSC" "$PG_BIN" validate -m "$PG_TMP/v.yaml" --config "$PG_TMP/osc-dns.yaml"
no_control "dns.server"
pg_expect_exit 2 "an option value with OSC" "$PG_BIN" scan --target 127.0.0.1 --ports 1 \
	--dns-server "1.2.3.4$osc"
no_control "--dns-server"
pg_expect_exit 2 "a command name with OSC" "$PG_BIN" "run$osc"
no_control "command name"

# A NUL or invalid UTF-8 byte is reported at its own line
python3 -c 'import sys; open(sys.argv[1], "wb").write(b"assets:\n" + b"".join(b"  - target: h%d.example.test\n" % i for i in range(62)) + b"  - target: \"bad\xffx\"\n")' \
	"$PG_TMP/utf.yaml"
pg_expect_exit 2 "invalid UTF-8 at line 64" "$PG_BIN" validate -m "$PG_TMP/utf.yaml"
pg_assert_grep "reported at line 64" "utf.yaml:64: invalid UTF-8 byte 0xff (column 17)" "$PG_TMP/err"

pg_expect_exit 0 "validate accepts the example settings with the built plugins" \
	"$PG_BIN" validate -m "$PG_TMP/v.yaml" --config "$PG_SRCDIR/conf/portgate.yaml" --plugin-dir "$PG_BUILDDIR/plugins/.libs"

# a 10,000-asset manifest validates (its speed is measured in bench/, not asserted here)
python3 - "$PG_TMP/big.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("assets:\n")
    for i in range(10000):
        f.write("  - name: a%d\n    target: 127.%d.%d.%d\n    approvedPorts: [80, 443]\n" % (i, 1 + i // 65536, (i // 256) % 256, i % 256))
PY
pg_expect_exit 0 "10,000-asset manifest validates" "$PG_BIN" validate -m "$PG_TMP/big.yaml"
pg_assert_grep "asset count" "valid, 10000 assets" "$PG_TMP/out"

# evidence to a place that cannot take it: a usage error before the scan (issue 23, item 5;
# settings_discovery.sh has the other cases), nothing written
printf 'assets:\n  - target: 127.0.0.1\n    approvedPorts: [1]\n    ports: [1]\n' >"$PG_TMP/ok.yaml"
pg_expect_exit 2 "an --out in a missing directory is a usage error" \
	"$PG_BIN" check -m "$PG_TMP/ok.yaml" --out "$PG_TMP/missing-dir/ev.json" --timeout-ms 200
pg_assert_grep "says why" "directory $PG_TMP/missing-dir does not exist" "$PG_TMP/err"
[ ! -e "$PG_TMP/missing-dir" ] && pg_ok "nothing made" || pg_fail "missing-dir was made"
pg_done
