#!/bin/sh
# One rule-id grammar: a plugin rule with a dot (test.dotted-rule) is tuned from
# the manifest exactly like a core rule, globally and per asset.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"

private_plugin_dir
install -m 0644 "$PG_BUILDDIR/tests/plugins/.libs/testenrich.so" "$T/plugins/testenrich.so" \
	|| pg_skip "test plugins not built"
start_listener
open_port=$(cat "$T/lport")
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  ctx: { plugin: testenrich, mode: add, addRule: test.dotted-rule }
YAML

# $1: the asset's own policy block (may be empty)
write_manifest() {
	cat >"$T/manifest.yaml" <<YAML
version: 1
policy:
  rules: { test.dotted-rule: fail, port-unapproved-open: warn }
assets:
  - name: app
    target: 127.0.0.1
    approvedPorts: []
    ports: [$open_port]
    $1
YAML
}
run_check() {
	rc=0
	"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" \
		--no-probe >"$T/out" 2>"$T/err" || rc=$?
}

# The open port only warns (so it is enriched); the plugin's finding, overridden to fail,
# fails the run.
write_manifest ""
run_check
[ "$rc" = 1 ] || fail "global override to fail: exit $rc, want 1: $(cat "$T/err")"
[ "$(jq_py "$T/ev.json" '[f["action"] for f in d["assets"][0]["findings"] if f["rule"] == "test.dotted-rule"]')" = '["fail"]' ] \
	|| fail "dotted rule not overridden to fail: $(cat "$T/ev.json")"

# The asset's own policy wins over the global one: pass drops the finding.
write_manifest "policy: { test.dotted-rule: pass }"
run_check
[ "$rc" = 0 ] || fail "asset override to pass: exit $rc, want 0 (warn only): $(cat "$T/err")"
[ "$(jq_py "$T/ev.json" 'd["assets"][0]["passedFindings"]')" = 1 ] || fail "passedFindings: $(cat "$T/ev.json")"

# A malformed id is still refused, with file:line.
write_manifest "policy: { test..dotted: pass }"
run_check
[ "$rc" = 2 ] || fail "malformed rule id: exit $rc, want 2"
grep -q "manifest.yaml:[0-9]*:.*test..dotted" "$T/err" || fail "no file:line for the bad id: $(cat "$T/err")"
echo "ok"
