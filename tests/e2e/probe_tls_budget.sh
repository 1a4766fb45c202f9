#!/bin/sh
# probe_tls_budget: a valid certificate chain larger than probe.maxBytes (a leaf with 100 names
# plus an intermediate, served by nginx) passes: the TLS handshake has its own byte budget
# (probe.tlsMaxBytes). Running out of that budget is "could not check" with the reason, never
# a tls-not-offered claim that the port has no TLS.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

command -v nginx >/dev/null 2>&1 || pg_skip "nginx not installed (apt-get install nginx-light)"
command -v openssl >/dev/null 2>&1 || pg_skip "openssl CLI not installed"
[ "$(id -u)" -eq 0 ] || pg_skip "nginx needs root here (user root in its config)"

pki="$PG_TMP/pki"
tls_make_pki "$pki" || { echo "FAIL: could not make the test PKI" >&2; exit 1; }
tls_start_nginx "$pki" || { echo "FAIL: nginx did not start" >&2; exit 1; }
big=$(tls_port "$pki" big)
chain=$(wc -c <"$pki/big.pem")
[ "$chain" -gt 4096 ] && pg_ok "the chain is $chain bytes, more than maxBytes 4096" ||
	pg_fail "the chain is only $chain bytes"

cat >"$PG_TMP/m.yaml" <<YAML
assets:
  - name: big
    target: 127.0.0.1
    approvedPorts: [$big]
    ports: [$big]
    tlsPorts: [$big]
YAML
# the example config's budget
printf 'probe:\n  maxBytes: 4096\ncaFile: %s\n' "$pki/ca.pem" >"$PG_TMP/c.yaml"
pg_expect_exit 0 "a valid chain larger than maxBytes passes" \
	"$PG_BIN" check -m "$PG_TMP/m.yaml" --config "$PG_TMP/c.yaml" --out "$PG_TMP/ev.json"
ev="$PG_TMP/ev.json"
pg_assert_eq "TLS seen, certificate valid, no finding" \
	"$(pg_json "$ev" '(lambda a, p: [p["speaksTls"], p["certificate"]["valid"], len(p["certificate"]["san"]), a["findings"], a["verdict"]])(d["assets"][0], d["assets"][0]["scan"]["ports"][0])')" \
	'[true, true, 100, [], "pass"]'
pg_assert_eq "the handshake bytes are counted apart from maxBytes" \
	"$(pg_json "$ev" '(lambda p: [p["tlsHandshakeBytes"] > 4096, p["bytesRead"] <= 4096])(d["assets"][0]["scan"]["ports"][0])')" \
	'[true, true]'

# a handshake budget too small for the chain: could not check, with the reason
printf 'probe:\n  maxBytes: 4096\n  tlsMaxBytes: 2048\ncaFile: %s\n' "$pki/ca.pem" >"$PG_TMP/small.yaml"
pg_expect_exit 3 "out of handshake budget: could not check (exit 3)" \
	"$PG_BIN" check -m "$PG_TMP/m.yaml" --config "$PG_TMP/small.yaml" --out "$PG_TMP/ev2.json"
ev="$PG_TMP/ev2.json"
pg_assert_eq "no tls-not-offered, a could-not-check finding with the reason" \
	"$(pg_json "$ev" '[(f["rule"], f["reason"]) for f in d["assets"][0]["findings"]]')" \
	"[[\"scan-error\", \"port $big/tcp: TLS could not be checked: TLS handshake exceeded probe.tlsMaxBytes (2048 bytes)\"]]"
pg_assert_eq "the port says unchecked, not speaksTls: false" \
	"$(pg_json "$ev" '(lambda a, p: ["speaksTls" in p, p["tlsUnchecked"], a["couldNotCheck"], a["verdict"]])(d["assets"][0], d["assets"][0]["scan"]["ports"][0])')" \
	'[false, true, true, "could-not-check"]'

printf 'probe:\n  tlsMaxBytes: 100\n' >"$PG_TMP/bad.yaml"
pg_expect_exit 2 "tlsMaxBytes below 1024 is refused" \
	"$PG_BIN" validate -m "$PG_TMP/m.yaml" --config "$PG_TMP/bad.yaml"
pg_assert_grep "at its line" "bad.yaml:2: probe.tlsMaxBytes: expected an integer from 1024" "$PG_TMP/err"
pg_done
