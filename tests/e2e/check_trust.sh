#!/bin/sh
# One trust setting (issue 22 item 16): nginx on 127.0.0.1 serves a site and a webhook receiver
# with a certificate of a test CA. With only the settings' caFile naming that CA, the ssl
# enricher says trusted, the headers enricher grades the site as it does with its own caFile,
# and the webhook's HTTPS delivery arrives; a plugin's own caFile still overrides the global
# one (another CA: untrusted).
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

for p in ssl headers webhook; do
	[ -f "$PG_BUILDDIR/plugins/.libs/$p.so" ] || pg_skip "plugin $p not built (--disable-plugin-$p)"
done
for t in nginx openssl python3; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done

pki="$PG_TMP/pki"
tls_test_ca "$pki" "Portgate Trust Test CA"
tls_issue "$pki" site "/CN=localhost" "DNS:localhost,IP:127.0.0.1" "$(tls_day -1)" "$(tls_day 300)"
tls_test_ca "$PG_TMP/other" "Portgate Other CA"
[ -s "$pki/site.pem" ] && [ -s "$PG_TMP/other/ca.pem" ] || { echo "FAIL: test PKI" >&2; exit 1; }

port=$(pg_free_port)
cat >"$PG_TMP/nginx.conf" <<NGX
user root; worker_processes 1; pid $PG_TMP/nginx/nginx.pid;
error_log $PG_TMP/nginx/logs/error.log; events { worker_connections 32; }
http { access_log $PG_TMP/access.log; client_body_temp_path $PG_TMP/nginx/tmp; default_type text/html;
  server { listen 127.0.0.1:$port ssl; ssl_certificate $pki/site.pem; ssl_certificate_key $pki/site.key;
    location /hook { client_max_body_size 4m; return 200 'ok'; }
    location / { add_header X-Content-Type-Options nosniff always; add_header X-Frame-Options DENY always;
      add_header Strict-Transport-Security "max-age=31536000" always;
      return 200 '<html><head><title>t</title></head><body>site</body></html>'; } } }
NGX
tls_run_nginx "$PG_TMP/nginx.conf" "$port"

mkdir -p "$PG_TMP/plugins"
chmod 0755 "$PG_TMP/plugins"
for p in ssl headers webhook; do install -m 0644 "$PG_BUILDDIR/plugins/.libs/$p.so" "$PG_TMP/plugins/"; done
cat >"$PG_TMP/manifest.yaml" <<YAML
version: 1
assets:
  - { name: web, target: 127.0.0.1, approvedPorts: [], ports: [$port], tlsPorts: [$port], tags: [auth] }
YAML
# run NAME GLOBAL-CA PLUGIN-CA : check with the settings' caFile GLOBAL-CA and the enrichers'
# own caFile PLUGIN-CA ("-": unset); the evidence in $PG_TMP/NAME.json
run() {
	{
		echo "stateDir: $PG_TMP/state-$1"
		echo "pluginDirs: [$PG_TMP/plugins]"
		[ "$2" = - ] || echo "caFile: $2"
		echo "enrichers:"
		for e in ssl headers; do
			echo "  $e: {plugin: $e, timeoutMs: 20000$([ "$3" = - ] || echo ", caFile: $3")}"
		done
		echo "notifiers:"
		echo "  hook: {plugin: webhook, url: \"https://127.0.0.1:$port/hook/$1\", timeoutMs: 5000}"
		echo "notify: {retries: 0}"
	} >"$PG_TMP/portgate-$1.yaml"
	rc=0
	"$PG_BIN" check -m "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate-$1.yaml" --mode monitor \
		--out "$PG_TMP/$1.json" >"$PG_TMP/$1.out" 2>"$PG_TMP/$1.err" || rc=$?
	[ "$rc" = 0 ] || pg_fail "$1: exit $rc: $(cat "$PG_TMP/$1.err")"
}
run global "$pki/ca.pem" -
run own - "$pki/ca.pem"
run override "$pki/ca.pem" "$PG_TMP/other/ca.pem"

python3 - "$PG_TMP" <<'PY' || pg_fail "trust: $(cat "$PG_TMP/global.err")"
import json, sys
def enr(name):
    d = json.load(open("%s/%s.json" % (sys.argv[1], name)))
    [f] = [f for f in d["assets"][0]["findings"] if "ssl" in f.get("enrichment", {})][:1]
    return f["enrichment"]["ssl"]["ports"][0], f["enrichment"]["headers"]["sites"][0]
g_ssl, g_hdr = enr("global")
o_ssl, o_hdr = enr("own")
x_ssl, x_hdr = enr("override")
assert g_ssl["trusted"] is True and g_ssl["verifyCode"] == 0, g_ssl
assert o_ssl["trusted"] is True, o_ssl
assert (g_hdr["grade"], g_hdr["score"]) == (o_hdr["grade"], o_hdr["score"]), (g_hdr, o_hdr)
assert x_ssl["trusted"] is False and x_ssl["verifyCode"] != 0, x_ssl
PY
for r in global override; do
	grep -q "\"POST /hook/$r HTTP/1.1\" 200" "$PG_TMP/access.log" ||
		pg_fail "$r: the webhook did not deliver over HTTPS: $(cat "$PG_TMP/$r.err")"
done
pg_done
