#!/bin/sh
# siem over Splunk HEC on https:// trusts the instance's own caFile (issue 22 item 16: a
# plugin's own trust setting overrides the global one): a receiver on loopback with a
# certificate from the test's CA gets every event when the instance names that CA, and
# nothing (certificate not trusted, kept in the outbox) when it does not.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"
need_plugin siem
command -v openssl >/dev/null 2>&1 || pg_skip "openssl not installed"
private_plugin_dir siem
write_notify_report "$T/report.json"
mkdir -p "$T/pki"
tls_make_pki "$T/pki" >/dev/null 2>&1 || fail "test PKI"
export PG_HEC_TOKEN="hec-token-9"
start_api hec hec --token-env PG_HEC_TOKEN --tls-cert "$T/pki/valid.pem" --tls-key "$T/pki/valid.key"

hec_conf() { # STATE [CAFILE-OPTION]
	cat <<YAML
stateDir: $T/$1
pluginDirs: [$T/plugins]
notify: { on: [warn, fail], retries: 0 }
notifiers:
  hec: { plugin: siem, transport: hec, url: "https://127.0.0.1:$(api_port hec)", tokenEnv: PG_HEC_TOKEN${2:-} }
YAML
}

# No caFile: the system store does not know the test's CA, nothing is delivered.
hec_conf state-none >"$T/none.yaml"
left=$("$DRIVER" notify "$T/none.yaml" "$T/report.json" 2>"$T/none.err") || true
[ "$left" = 1 ] || fail "without caFile: expected 1 kept, got '$left': $(cat "$T/none.err")"
grep -qi "certificate" "$T/none.err" || fail "without caFile, no certificate error: $(cat "$T/none.err")"
[ ! -s "$T/hec.log" ] || fail "delivered without trusting the CA: $(cat "$T/hec.log")"

# The instance's own caFile: delivered, every event.
hec_conf state-own ", caFile: \"$T/pki/ca.pem\"" >"$T/own.yaml"
left=$("$DRIVER" notify "$T/own.yaml" "$T/report.json" 2>"$T/own.err") || fail "hec: $(cat "$T/own.err")"
[ "$left" = 0 ] || fail "with caFile: $left left: $(cat "$T/own.err")"
pylog '
assert all(e["headers"]["authorization"] == "Splunk hec-token-9" and e["answer"] == 200 for e in L), L
ev = [x for e in L for x in e["events"]]
assert sorted(x["event"]["labels"]["fingerprint"] for x in ev) == ["aaaa000011112222", "bbbb000011112222", "cccc000011112222"], ev
' "$T/hec.log" || fail "hec over https"
if grep -q hec-token-9 "$T/none.err" "$T/own.err"; then fail "HEC token in the log"; fi
echo ok
