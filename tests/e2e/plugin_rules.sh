#!/bin/sh
# Plugin rules (ABI 1.4): a real check where the ssl enricher adds its findings (nginx on
# 127.0.0.1 serving a certificate that expires in 10 days): every rule it emitted is listed
# by `portgate rules --plugin-dir` with source ssl (text and --json) and by `portgate
# plugins`. A manifest's rule id nothing declares is a warning with file:line from validate
# and check (once, not per asset), "did you mean" for a near miss, exit 0; a declared plugin
# rule is silent. A plugin whose rule table declares a core rule id is refused; a 1.0
# plugin still loads and declares nothing; a rule a 1.4 plugin adds undeclared is kept with
# one warning per run.
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

need_plugin ssl
TP="$PG_BUILDDIR/tests/plugins/.libs"
[ -f "$TP/badrule.so" ] && [ -f "$TP/oldabi.so" ] || pg_skip "test plugins not built"
for t in nginx openssl; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done
private_plugin_dir ssl
echo "stateDir: $T/state-v" >"$T/empty.yaml" # validate: these settings, none found elsewhere

# --- a check where ssl adds tls-expiring-soon ----------------------------------
pki="$PG_TMP/pki"
tls_test_ca "$pki" "Portgate Rules Test CA"
tls_issue "$pki" site "/CN=localhost" "DNS:localhost,IP:127.0.0.1" "$(tls_day -1)" "$(tls_day 10)"
[ -s "$pki/site.pem" ] || fail "test PKI"
port=$(pg_free_port)
cat >"$PG_TMP/nginx.conf" <<NGX
user root; worker_processes 1; pid $PG_TMP/nginx/nginx.pid;
error_log $PG_TMP/nginx/logs/error.log; events { worker_connections 32; }
http { access_log off; client_body_temp_path $PG_TMP/nginx/tmp;
  server { listen 127.0.0.1:$port ssl; ssl_certificate $pki/site.pem;
    ssl_certificate_key $pki/site.key; location / { return 200 'ok'; } } }
NGX
tls_run_nginx "$PG_TMP/nginx.conf" "$port"
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
caFile: $pki/ca.pem
pluginDirs: [$T/plugins]
enrichers:
  ssl: { plugin: ssl, timeoutMs: 30000 }
YAML
cat >"$T/manifest.yaml" <<YAML
version: 1
defaults:
  policy: { tls-expiring-son: fail }
policy:
  enforce: [port-unaproved-open, tls-expiring-soon]
assets:
  - { name: a, target: 127.0.0.1, approvedPorts: [$port], tlsPorts: [$port] }
  - { name: b, target: 127.0.0.1, approvedPorts: [$port], tlsPorts: [$port] }
YAML
rc=0
"$PG_BIN" check -m "$T/manifest.yaml" --config "$T/portgate.yaml" --out "$T/ev.json" \
	>"$T/check.out" 2>"$T/check.err" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "check exit $rc: $(cat "$T/check.err")"
pg_rules_declared "$T/ev.json" ssl ssl "$T/plugins"
grep -qx tls-expiring-soon "$PG_TMP/emitted" || fail "ssl emitted no tls-expiring-soon: $(cat "$PG_TMP/emitted")"

# in the table too, source ssl; nothing of it without the dir
"$PG_BIN" rules --plugin-dir "$T/plugins" >"$T/rules.txt" || fail "rules --plugin-dir"
while read -r r; do
	grep -Eq "^$r +(pass|warn|fail) +[a-z]+ +ssl " "$T/rules.txt" || fail "rules lacks $r: $(cat "$T/rules.txt")"
done <"$PG_TMP/emitted"
grep -Eq '^tls-expiring-soon +warn +medium +ssl ' "$T/rules.txt" || fail "tls-expiring-soon row"
grep -Eq '^port-unapproved-open +fail +high +core ' "$T/rules.txt" || fail "core rows gone"
if [ "$("$PG_BIN" plugins --json)" = "[]" ]; then # nothing installed: core and drift only
	"$PG_BIN" rules >"$T/core.txt" || fail "rules"
	! grep -q ' ssl ' "$T/core.txt" || fail "plugin rules without a plugin dir"
fi
"$PG_BIN" plugins --plugin-dir "$T/plugins" >"$T/plugins.txt" || fail "plugins"
grep -Eq '^    tls-expiring-soon +warn medium ' "$T/plugins.txt" || fail "plugins: $(cat "$T/plugins.txt")"
"$PG_BIN" plugins --plugin-dir "$T/plugins" --json | python3 -c 'import json, sys
ids = [r["id"] for r in json.load(sys.stdin)[0]["rules"]]
assert "tls-expiring-soon" in ids, ids' || fail "plugins --json rules"
"$PG_BIN" explain --plugin-dir "$T/plugins" tls-expiring-soon >"$T/explain.txt" || fail "explain"
grep -q '^tls-expiring-soon (ssl rule)$' "$T/explain.txt" || fail "explain: $(cat "$T/explain.txt")"
grep -q '^Default action: warn; severity: medium.$' "$T/explain.txt" || fail "explain default"
pg_ok "rules and plugins list the rules ssl emits"

# check warned once per place (the defaults' policy once, not per asset), with a hint
[ "$(grep -c "manifest.yaml:3: defaults.policy: unknown rule 'tls-expiring-son': did you mean 'tls-expiring-soon'?" "$T/check.err")" = 1 ] \
	|| fail "check warning: $(cat "$T/check.err")"
grep -q "manifest.yaml:5: policy.enforce: unknown rule 'port-unaproved-open': did you mean 'port-unapproved-open'?" "$T/check.err" \
	|| fail "check enforce warning: $(cat "$T/check.err")"
! grep -q "unknown rule 'tls-expiring-soon'" "$T/check.err" || fail "declared rule warned"
pg_ok "check warns about the typos once"

# --- validate -------------------------------------------------------------------
rc=0
"$PG_BIN" validate -m "$T/manifest.yaml" --plugin-dir "$T/plugins" --config "$T/empty.yaml" \
	>"$T/v.out" 2>"$T/v.err" || rc=$?
[ "$rc" = 0 ] || fail "validate exit $rc with warnings: $(cat "$T/v.err")"
grep -q "manifest.yaml:3: defaults.policy: unknown rule 'tls-expiring-son': did you mean 'tls-expiring-soon'? (likely a typo" "$T/v.err" \
	|| fail "validate: $(cat "$T/v.err")"
grep -q "manifest.yaml:5: policy.enforce: unknown rule 'port-unaproved-open': did you mean" "$T/v.err" \
	|| fail "validate enforce: $(cat "$T/v.err")"
! grep -q "'tls-expiring-soon':" "$T/v.err" || fail "validate warned a declared rule"
"$PG_BIN" validate -m "$T/manifest.yaml" --plugin-dir "$T/plugins" --config "$T/empty.yaml" --json \
	2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["valid"] and not d["errors"], d
assert [w["line"] for w in d["warnings"]] == [3, 5], d' || fail "validate --json warnings"
# without the plugin, its rule is unknown too (no hint: nothing near it)
"$PG_BIN" validate -m "$T/manifest.yaml" --config "$T/empty.yaml" 2>"$T/v2.err" >/dev/null || fail "validate"
grep -q "manifest.yaml:5: policy.enforce: unknown rule 'tls-expiring-soon': no core or drift rule, and no loaded plugin declares it" "$T/v2.err" \
	|| fail "validate without plugins: $(cat "$T/v2.err")"
pg_ok "validate warns with file:line, did you mean, exit 0"

# --- load checks ----------------------------------------------------------------
rc=0
"$PG_BIN" plugin-check "$TP/badrule.so" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "badrule.so accepted (exit $rc)"
grep -q "plugin badrule: rule 1 'port-unapproved-open' is a core rule" "$T/bad.err" || fail "$(cat "$T/bad.err")"
"$PG_BIN" plugin-check "$TP/oldabi.so" >"$T/old.out" 2>&1 || fail "oldabi refused: $(cat "$T/old.out")"
mkdir -p "$T/old"; chmod 0755 "$T/old"; install -m 0644 "$TP/oldabi.so" "$T/old/"
"$PG_BIN" plugins --plugin-dir "$T/old" >"$T/old.txt" || fail "plugins oldabi"
grep -q "rules: none declared" "$T/old.txt" || fail "oldabi: $(cat "$T/old.txt")"
pg_ok "a bad rule table is refused; a 1.0 plugin loads and declares nothing"

# --- an undeclared rule a 1.4 plugin adds: kept, one warning per run ------------------
mkdir -p "$T/te"; chmod 0755 "$T/te"; install -m 0644 "$TP/testenrich.so" "$T/te/"
cat >"$T/te.yaml" <<YAML
pluginDirs: [$T/te]
enrichers:
  adder: { plugin: testenrich, mode: add, addRule: odd.rule, cacheTtlSeconds: 0 }
YAML
write_report "$T/report.json" # two enrich calls: app and db
"$DRIVER" enrich "$T/te.yaml" "$T/report.json" --skip-cache >"$T/te.json" 2>"$T/te.err" \
	|| fail "enrich: $(cat "$T/te.err")"
[ "$(grep -c "plugin testenrich: added a finding of rule 'odd.rule', which its rule table does not declare (kept" "$T/te.err")" = 1 ] \
	|| fail "undeclared warning not once: $(cat "$T/te.err")"
[ "$(grep -o '"rule": *"odd.rule"' "$T/te.json" | wc -l)" = 2 ] || fail "undeclared findings dropped"
pg_ok "an undeclared rule is kept with one warning"
pg_done
