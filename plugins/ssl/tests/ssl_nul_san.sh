#!/bin/sh
# ssl NUL in a SAN (issue 22 item 7): one port serves a certificate whose DNS SAN holds a NUL
# byte (a DER-encoded subjectAltName), another a valid certificate expiring in 10 days. The
# ssl enricher must still judge the asset: the NUL comes back as the text "\x00", the other
# port's tls-expiring-soon stays, and nothing "broke the worker protocol".
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

SO="$PG_BUILDDIR/plugins/.libs/ssl.so"
[ -f "$SO" ] || pg_skip "plugin ssl not built (--disable-plugin-ssl)"
for t in nginx openssl python3; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done

pki="$PG_TMP/pki"
tls_test_ca "$pki" "Portgate NUL Test CA"
# GeneralNames { dNSName "bad\0.localhost", dNSName "localhost", iPAddress 127.0.0.1 }
der=$(python3 -c '
n1 = b"bad\x00.localhost"; n2 = b"localhost"
body = bytes([0x82, len(n1)]) + n1 + bytes([0x82, len(n2)]) + n2 + bytes([0x87, 4, 127, 0, 0, 1])
print((bytes([0x30, len(body)]) + body).hex())')
tls_issue "$pki" nul "/CN=localhost" "DER:$der" "$(tls_day -1)" "$(tls_day 400)"
tls_issue "$pki" expiring "/CN=localhost" "DNS:localhost,IP:127.0.0.1" "$(tls_day -1)" \
	"$(tls_day 10)"
[ -s "$pki/nul.pem" ] && [ -s "$pki/expiring.pem" ] || { echo "FAIL: test PKI" >&2; exit 1; }

set -- $(pg_free_port 2)
pnul=$1 pexp=$2
{
	echo "user root; worker_processes 1; pid $PG_TMP/nginx/nginx.pid;"
	echo "error_log $PG_TMP/nginx/logs/error.log; events { worker_connections 16; }"
	echo "http { access_log off; client_body_temp_path $PG_TMP/nginx/tmp;"
	for s in "nul $pnul" "expiring $pexp"; do
		set -- $s
		echo "  server { listen 127.0.0.1:$2 ssl; ssl_certificate $pki/$1.pem;"
		echo "    ssl_certificate_key $pki/$1.key; location / { return 200 '$1\n'; } }"
	done
	echo "}"
} >"$PG_TMP/nginx.conf"
tls_run_nginx "$PG_TMP/nginx.conf" "$pexp"

mkdir -p "$PG_TMP/plugins"
chmod 0755 "$PG_TMP/plugins"
install -m 0644 "$SO" "$PG_TMP/plugins/ssl.so"
cat >"$PG_TMP/manifest.yaml" <<YAML
version: 1
assets:
  - name: web
    target: 127.0.0.1
    approvedPorts: [$pnul, $pexp]
    ports: [$pnul, $pexp]
    tlsPorts: [$pnul, $pexp]
YAML
cat >"$PG_TMP/portgate.yaml" <<YAML
stateDir: $PG_TMP/state
pluginDirs: [$PG_TMP/plugins]
enrichers:
  ssl:
    plugin: ssl
    caFile: $pki/ca.pem
    timeoutMs: 20000
YAML
rc=0
"$PG_BIN" check -m "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml" --mode monitor \
	--out "$PG_TMP/ev.json" >"$PG_TMP/pg.out" 2>"$PG_TMP/pg.err" || rc=$?
[ "$rc" = 0 ] || pg_fail "check exit $rc: $(cat "$PG_TMP/pg.err")"
if grep -q "worker protocol\|not valid JSON" "$PG_TMP/pg.err"; then
	pg_fail "the ssl worker or its result was lost: $(cat "$PG_TMP/pg.err")"
fi
python3 - "$PG_TMP/ev.json" "$pnul" "$pexp" <<'PY' || pg_fail "evidence"
import json, sys
d = json.load(open(sys.argv[1])); pnul, pexp = int(sys.argv[2]), int(sys.argv[3])
f = d["assets"][0]["findings"]
exp = [x for x in f if x["rule"] == "tls-expiring-soon"]
assert [x["port"] for x in exp] == [pexp], f
e = [x["enrichment"]["ssl"] for x in f if "ssl" in x.get("enrichment", {})][0]
ports = {p["port"]: p for p in e["ports"]}
assert ports[pnul]["chain"][0]["san"] == ["bad\\x00.localhost", "localhost", "127.0.0.1"], ports[pnul]
assert ports[pnul]["trusted"] is True and ports[pexp]["trusted"] is True, e
PY
pg_ok "a NUL in one SAN: the certificate judged, the other port's tls-expiring-soon kept"
pg_done
