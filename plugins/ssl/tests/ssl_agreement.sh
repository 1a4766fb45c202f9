#!/bin/sh
# ssl agreement: nginx (in a private network namespace) serves an RSA-1024
# certificate, a SHA-1-signed one, one expiring in 10 days, one without its
# intermediate, one with TLS 1.0 enabled, and a good one; `portgate check`
# runs the ssl enricher on them and sslscan and testssl.sh (Debian packages)
# look at the same servers. Every verdict must agree, case by case; the
# table is in docs/plugins/ssl.md.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"
. "$PG_SRCDIR/plugins/ssl/tests/ssl_pki.sh"

SO="$PG_BUILDDIR/plugins/.libs/ssl.so"
[ -f "$SO" ] || pg_skip "plugin ssl not built (--disable-plugin-ssl)"
for t in nginx openssl sslscan testssl python3; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done
pg_netns_up

pki="$PG_TMP/pki"
ssl_make_pki "$pki" || { echo "FAIL: could not make the test PKI" >&2; exit 1; }

# case name, port, certificate served, protocols, extra nginx settings. The
# weak cases need @SECLEVEL=0 on the server, or Debian's OpenSSL refuses to
# load a 1024-bit key or a SHA-1 signature, or to speak TLS 1.0.
cases="good 8441 good.chain.pem TLSv1.2_TLSv1.3 -
rsa1024 8442 rsa1024.chain.pem TLSv1.2_TLSv1.3 weak
sha1 8443 sha1.chain.pem TLSv1.2_TLSv1.3 weak
expiring 8444 expiring.chain.pem TLSv1.2_TLSv1.3 -
incomplete 8445 incomplete.pem TLSv1.2_TLSv1.3 -
tls10 8446 good.chain.pem TLSv1_TLSv1.2 weak"
{
	pg_ns_nginx_head
	echo "$cases" | while read -r name port cert protos extra; do
		ciphers=""
		[ "$extra" = weak ] && ciphers="ssl_ciphers DEFAULT:@SECLEVEL=0;"
		echo "  server { listen 127.0.0.1:$port ssl; ssl_certificate $pki/$cert;"
		echo "    ssl_certificate_key $pki/${cert%%.*}.key; $ciphers"
		echo "    ssl_protocols $(echo "$protos" | tr _ ' ');"
		echo "    location / { return 200 '$name\n'; } }"
	done
	echo "}"
} >"$PG_TMP/nginx.conf"
ports=$(echo "$cases" | awk '{ print $2 }' | paste -sd, -)
pg_ns_nginx "$PG_TMP/nginx.conf" 8446

# --- portgate -------------------------------------------------------------
mkdir -p "$PG_TMP/plugins"
chmod 0755 "$PG_TMP/plugins"
install -m 0644 "$SO" "$PG_TMP/plugins/ssl.so"
cat >"$PG_TMP/manifest.yaml" <<YAML
version: 1
assets:
  - name: web
    target: 127.0.0.1
    approvedPorts: []
    ports: [$ports]
    tlsPorts: [$ports]
    policy: { tls-chain-incomplete: fail }
YAML
cat >"$PG_TMP/portgate.yaml" <<YAML
stateDir: $PG_TMP/state
pluginDirs: [$PG_TMP/plugins]
enrichers:
  ssl:
    plugin: ssl
    caFile: $pki/root.pem
    timeoutMs: 30000
YAML
rc=0
pg_ns "$PG_BIN" check -m "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml" \
	--out "$PG_TMP/ev.json" >"$PG_TMP/pg.out" 2>"$PG_TMP/pg.err" || rc=$?
[ "$rc" = 1 ] || { echo "FAIL: check exit $rc: $(cat "$PG_TMP/pg.err")" >&2; exit 1; }

# --- the references ---------------------------------------------------------
# Both run inside the namespace: no query can leave the machine.
# sslscan one server at a time (a second try when a loaded machine cut its
# certificate part short), testssl.sh (slow: a minute or more per server)
# three at a time.
for name in $(echo "$cases" | awk '{ print $1 }'); do
	port=$(echo "$cases" | awk -v n="$name" '$1 == n { print $2 }')
	for try in 1 2; do
		pg_ns sslscan --no-colour --xml="$PG_TMP/sslscan.$name.xml" "127.0.0.1:$port" \
			>/dev/null 2>&1 || true
		grep -q '<pk ' "$PG_TMP/sslscan.$name.xml" 2>/dev/null && break
	done
done
pids=""
n=0
for name in $(echo "$cases" | awk '{ print $1 }'); do
	port=$(echo "$cases" | awk -v n="$name" '$1 == n { print $2 }')
	pg_ns testssl --quiet --warnings off --color 0 --add-ca "$pki/root.pem" -p -S \
		--jsonfile "$PG_TMP/testssl.$name.json" "127.0.0.1:$port" \
		>"$PG_TMP/testssl.$name.out" 2>&1 &
	pids="$pids $!"
	n=$((n + 1))
	if [ $n -eq 3 ]; then
		for p in $pids; do wait "$p" || true; done
		pids=""
		n=0
	fi
done
for p in $pids; do wait "$p" || true; done

# portgate's own record: one finding per weakness on its port, the manifest
# override applied, the chain as the files hold it.
python3 - "$PG_TMP/ev.json" "$pki" <<'PY' || pg_fail "portgate evidence"
import json, subprocess, sys
d = json.load(open(sys.argv[1])); pki = sys.argv[2]
f = d["assets"][0]["findings"]
got = sorted((x["rule"], x["port"], x["action"]) for x in f if x["rule"].startswith("tls-") and
             x["rule"] != "tls-certificate-invalid")
want = [("tls-chain-incomplete", 8445, "fail"), ("tls-expiring-soon", 8444, "warn"),
        ("tls-legacy-protocol", 8446, "warn"), ("tls-weak-key", 8442, "warn"),
        ("tls-weak-signature", 8443, "warn")]
assert got == want, got
assert all(x["source"] == "ssl" for x in f if x["rule"] in dict((w[0], 1) for w in want))
e = f[0]["enrichment"]["ssl"]
assert [p["port"] for p in e["ports"]] == [8441, 8442, 8443, 8444, 8445, 8446], e
good = e["ports"][0]
fp = subprocess.run(["openssl", "x509", "-in", pki + "/good.pem", "-noout", "-fingerprint",
                     "-sha256"], capture_output=True, text=True).stdout
fp = fp.split("=")[1].strip().replace(":", "").lower()
leaf, inter = good["chain"]
assert leaf["sha256"] == fp and leaf["subject"] == "CN=localhost", leaf
assert leaf["san"] == ["localhost", "127.0.0.1"] and leaf["keyType"] == "RSA", leaf
assert leaf["keyBits"] == 2048 and leaf["signatureAlgorithm"] == "sha256WithRSAEncryption", leaf
assert leaf["issuer"] == inter["subject"] == "CN=Portgate Test Intermediate,O=Portgate Test"
assert good["trusted"] is True and good["hostnameMatch"] is True and good["selfSigned"] is False
assert good["ocspStapled"] is False and good["chainIncomplete"] is False, good
inc = e["ports"][4]
assert inc["trusted"] is False and inc["verifyCode"] == 20 and len(inc["chain"]) == 1, inc
# the message lines (docs/notify.md): one per port, the first 4 ports
lines = [(l["label"], l["text"]) for l in e["message"]]
assert len(lines) == 4 and all(l[0] == "TLS" for l in lines), lines
assert lines[0][1] == "8441/tcp: trusted, %d days left, hostname matches, no legacy protocols" % \
    good["daysRemaining"], lines
assert lines[3][1].startswith("8444/tcp: ") and "%d days left" % e["ports"][3]["daysRemaining"] in lines[3][1], lines
PY

python3 "$PG_SRCDIR/plugins/ssl/tests/ssl_compare.py" "$PG_TMP" "$cases" || pg_fail "verdicts differ"
pg_done
