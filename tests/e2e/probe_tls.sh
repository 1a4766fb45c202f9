#!/bin/sh
# probe_tls: certificates served by a real nginx on loopback, checked by the
# real binary: every certificate field and reason, TLS discovery on ports not
# declared TLS, a declared TLS port answering plain HTTP, wildcard names via a
# local dnsmasq, and the policy verdicts/exit codes of `portgate check`.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"

command -v nginx >/dev/null 2>&1 || pg_skip "nginx not installed (apt-get install nginx-light)"
command -v openssl >/dev/null 2>&1 || pg_skip "openssl CLI not installed"
[ "$(id -u)" -eq 0 ] || pg_skip "nginx needs root here (user root in its config)"

# Names resolve through the test's own dnsmasq, so the result does not depend on
# this machine's /etc/hosts (Debian's lists localhost as ::1 too, where nginx
# does not listen) and no query leaves the machine.
dns_start --host-record=localhost,127.0.0.1 --address=/test.local/127.0.0.1 ||
	{ echo "FAIL: dnsmasq did not start" >&2; exit 1; }
pg_on_exit "kill $DNS_PID"
D="--dns-server $DNS_SERVER"

pki="$PG_TMP/pki"
tls_make_pki "$pki" || { echo "FAIL: could not make the test PKI" >&2; exit 1; }
tls_start_nginx "$pki" || { echo "FAIL: nginx did not start" >&2; exit 1; }
for n in valid expired future self wronghost wildcard partial tls12 plain; do
	eval "p_$n=\$(tls_port \"\$pki\" $n)"
done
tls_all="$p_valid,$p_expired,$p_future,$p_self,$p_wronghost,$p_wildcard,$p_partial,$p_tls12"

# field OUT PORT EXPR : EXPR over the port object `p` of PORT in scan output OUT
field() {
	pg_json "$1" "(lambda p: $3)(next(p for p in (d if isinstance(d, dict) else d[0])['ports'] if p['port'] == $2))"
}
fingerprint() {
	openssl x509 -in "$pki/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f
}
iso() { # YYYYMMDDHHMMSSZ -> YYYY-MM-DDTHH:MM:SSZ (RFC 3339, as common/cert_json.c writes it)
	echo "$1" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)Z$/\1-\2-\3T\4:\5:\6Z/'
}

# --- 1. scan with the TLS ports declared and the test CA -----------------
out="$PG_TMP/scan.json"
pg_expect_exit 0 "scan localhost, TLS ports declared" \
	"$PG_BIN" scan $D --target localhost --ports "$tls_all,$p_plain" --tls-ports "$tls_all,$p_plain" \
	--ca-file "$pki/ca.pem" --compact
cp "$PG_TMP/out" "$out"

read -r vstart vend <"$pki/valid.dates"
pg_assert_eq "valid: service" "$(field "$out" "$p_valid" 'p["service"]')" "https"
pg_assert_eq "valid: tlsVersion" "$(field "$out" "$p_valid" 'p["tlsVersion"]')" "TLSv1.3"
pg_assert_eq "valid: subject" "$(field "$out" "$p_valid" 'p["certificate"]["subject"]')" "CN=localhost"
pg_assert_eq "valid: issuer" "$(field "$out" "$p_valid" 'p["certificate"]["issuer"]')" \
	"CN=Portgate Test CA,O=Portgate Test"
pg_assert_eq "valid: san" "$(field "$out" "$p_valid" 'p["certificate"]["san"]')" '["localhost", "127.0.0.1"]'
pg_assert_eq "valid: notBefore" "$(field "$out" "$p_valid" 'p["certificate"]["notBefore"]')" "$(iso "$vstart")"
pg_assert_eq "valid: expires" "$(field "$out" "$p_valid" 'p["certificate"]["expires"]')" "$(iso "$vend")"
pg_assert_eq "valid: sha256 of the DER" "$(field "$out" "$p_valid" 'p["certificate"]["sha256"]')" \
	"$(fingerprint valid)"
pg_assert_eq "valid: valid, no reasons" \
	"$(field "$out" "$p_valid" '[p["certificate"]["valid"], p["certificate"]["reasons"]]')" '[true, []]'
pg_assert_eq "valid: HTTP inside TLS" "$(field "$out" "$p_valid" 'p["banner"]')" "HTTP/1.1 200 OK | nginx/$(nginx -v 2>&1 | sed 's|.*nginx/||')"
pg_assert_eq "valid: tlsExpected/speaksTls" \
	"$(field "$out" "$p_valid" '[p["tlsExpected"], p["speaksTls"]]')" '[true, true]'
pg_expect_exit 0 "a target with a trailing dot (localhost.)" \
	"$PG_BIN" scan $D --target localhost. --ports "$p_valid" --tls-ports "$p_valid" --ca-file "$pki/ca.pem" --compact
pg_assert_eq "trailing dot: same certificate verdict" \
	"$(pg_json "$PG_TMP/out" '[d["ports"][0]["certificate"]["valid"], d["ports"][0]["certificate"]["reasons"]]')" '[true, []]'
pg_assert_eq "tls12: tlsVersion" "$(field "$out" "$p_tls12" 'p["tlsVersion"]')" "TLSv1.2"
pg_assert_eq "tls12: valid" "$(field "$out" "$p_tls12" 'p["certificate"]["valid"]')" "true"

for c in "expired:[\"expired\"]:2020-01-01T00:00:00Z:2021-01-01T00:00:00Z" \
	"future:[\"not-yet-valid\"]:2035-01-01T00:00:00Z:2036-01-01T00:00:00Z"; do
	n=${c%%:*}; rest=${c#*:}; want=${rest%%:*}; rest=${rest#*:}
	eval "port=\$p_$n"
	pg_assert_eq "$n: reasons" "$(field "$out" "$port" 'p["certificate"]["reasons"]')" "$want"
	pg_assert_eq "$n: valid false" "$(field "$out" "$port" 'p["certificate"]["valid"]')" "false"
	pg_assert_eq "$n: notBefore/expires" \
		"$(field "$out" "$port" 'p["certificate"]["notBefore"] + " " + p["certificate"]["expires"]')" \
		"$(echo "$rest" | sed 's/Z:/Z /')"
	pg_assert_eq "$n: sha256" "$(field "$out" "$port" 'p["certificate"]["sha256"]')" "$(fingerprint "$n")"
done
pg_assert_eq "self: reasons" "$(field "$out" "$p_self" 'p["certificate"]["reasons"]')" '["untrusted", "self-signed"]'
pg_assert_eq "self: issuer is subject" "$(field "$out" "$p_self" 'p["certificate"]["issuer"]')" "CN=localhost"
pg_assert_eq "wronghost: reasons" "$(field "$out" "$p_wronghost" 'p["certificate"]["reasons"]')" '["hostname-mismatch"]'
pg_assert_eq "wronghost: san" "$(field "$out" "$p_wronghost" 'p["certificate"]["san"]')" '["wrong.test.local"]'
pg_assert_eq "wildcard vs localhost: mismatch" \
	"$(field "$out" "$p_wildcard" 'p["certificate"]["reasons"]')" '["hostname-mismatch"]'

pg_assert_eq "plain on a TLS port: speaksTls false" \
	"$(field "$out" "$p_plain" '[p["tlsExpected"], p["speaksTls"], "certificate" in p]')" '[true, false, false]'
pg_assert_eq "plain on a TLS port: banner" "$(field "$out" "$p_plain" 'p["banner"].split(" | ")[0]')" \
	"HTTP/1.1 400 Bad Request"
pg_assert_eq "plain on a TLS port: service" "$(field "$out" "$p_plain" 'p["service"]')" "http"

# --- 2. no CA file: the test CA is unknown -------------------------------
out2="$PG_TMP/noca.json"
pg_expect_exit 0 "scan without --ca-file" \
	"$PG_BIN" scan $D --target localhost --ports "$p_valid,$p_expired" --tls-ports "$p_valid,$p_expired" --compact
cp "$PG_TMP/out" "$out2"
pg_assert_eq "no CA: valid cert untrusted" "$(field "$out2" "$p_valid" 'p["certificate"]["reasons"]')" '["untrusted"]'
pg_assert_eq "no CA: expired + untrusted" \
	"$(field "$out2" "$p_expired" 'p["certificate"]["reasons"]')" '["expired", "untrusted"]'

# --- 3. TLS found on ports nobody declared --------------------------------
out3="$PG_TMP/undeclared.json"
pg_expect_exit 0 "scan without --tls-ports" \
	"$PG_BIN" scan $D --target localhost --ports "$p_valid,$p_plain" --ca-file "$pki/ca.pem" --compact
cp "$PG_TMP/out" "$out3"
pg_assert_eq "undeclared TLS port found by its answer" \
	"$(field "$out3" "$p_valid" '[p["service"], p["speaksTls"], p["certificate"]["valid"], "tlsExpected" in p]')" \
	'["https", true, true, false]'
pg_assert_eq "plain HTTP port" \
	"$(field "$out3" "$p_plain" '[p["service"], p["http"]["status"], "speaksTls" in p]')" '["http", 200, false]'

# --- 4. wildcard names through a local DNS server -------------------------
if true; then
	for c in "app.test.local:$p_wildcard:[]" "test.local:$p_wildcard:[\"hostname-mismatch\"]" \
		"a.b.test.local:$p_wildcard:[\"hostname-mismatch\"]" \
		"www.test.local:$p_partial:[\"hostname-mismatch\"]" \
		"wrong.test.local:$p_wronghost:[]"; do
		host=${c%%:*}; rest=${c#*:}; port=${rest%%:*}; want=${rest#*:}
		set +e
		"$PG_BIN" scan $D --target "$host" --ports "$port" --tls-ports "$port" --ca-file "$pki/ca.pem" \
			--compact >"$PG_TMP/w.json" 2>"$PG_TMP/w.err"
		set -e
		pg_assert_eq "name $host, port $port: reasons" \
			"$(field "$PG_TMP/w.json" "$port" 'p["certificate"]["reasons"]' 2>&1)" "$want"
	done
fi

# --- 5. policy: tls-certificate-invalid and tls-not-offered ---------------
cat >"$PG_TMP/good.yaml" <<YAML
assets:
  - name: good
    target: localhost
    approvedPorts: [$p_valid]
    tlsPorts: [$p_valid]
YAML
pg_expect_exit 0 "valid certificate passes" \
	"$PG_BIN" check $D -m "$PG_TMP/good.yaml" --ca-file "$pki/ca.pem" --out "$PG_TMP/good.ev"
pg_assert_eq "no findings" "$(pg_json "$PG_TMP/good.ev" 'd["assets"][0]["findings"]')" "[]"

pg_expect_exit 1 "same certificate without the CA fails" \
	"$PG_BIN" check $D -m "$PG_TMP/good.yaml" --out "$PG_TMP/noca.ev"
pg_assert_eq "untrusted finding" \
	"$(pg_json "$PG_TMP/noca.ev" '[(f["rule"], f["action"], f["port"]) for f in d["assets"][0]["findings"]]')" \
	"[[\"tls-certificate-invalid\", \"fail\", $p_valid]]"

cat >"$PG_TMP/bad.yaml" <<YAML
assets:
  - name: bad
    target: localhost
    approvedPorts: [$p_expired, $p_self, $p_wronghost, $p_plain]
    tlsPorts: [$p_expired, $p_self, $p_wronghost, $p_plain]
YAML
pg_expect_exit 1 "invalid certificates fail the check" \
	"$PG_BIN" check $D -m "$PG_TMP/bad.yaml" --ca-file "$pki/ca.pem" --out "$PG_TMP/bad.ev"
ev="$PG_TMP/bad.ev"
pg_assert_eq "one tls-certificate-invalid per bad port" \
	"$(pg_json "$ev" 'sorted(f["port"] for f in d["assets"][0]["findings"] if f["rule"] == "tls-certificate-invalid")')" \
	"$(printf '%s\n' "$p_expired" "$p_self" "$p_wronghost" | sort -n | paste -sd, | sed 's/,/, /g; s/^/[/; s/$/]/')"
pg_assert_eq "finding reason names the cause" \
	"$(pg_json "$ev" '[f["reason"] for f in d["assets"][0]["findings"] if f.get("port") == '"$p_expired"'][0]')" \
	"port $p_expired/tcp: TLS certificate is invalid (expired)"
pg_assert_eq "plain text on a TLS port is its own finding" \
	"$(pg_json "$ev" '[f["rule"] for f in d["assets"][0]["findings"] if f.get("port") == '"$p_plain"']')" \
	'["tls-not-offered"]'
pg_assert_eq "evidence carries the certificate" \
	"$(pg_json "$ev" '[p["certificate"]["reasons"] for p in d["assets"][0]["scan"]["ports"] if p["port"] == '"$p_self"'][0]')" \
	'["untrusted", "self-signed"]'
pg_done
