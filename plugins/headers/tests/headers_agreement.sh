#!/bin/sh
# headers agreement: nginx (in a private network namespace, on ports 80 and
# 443 as the Observatory expects) serves one site per case by name; the MDN
# HTTP Observatory CLI (@mdn/mdn-http-observatory, installed from npm into a
# cache dir by observatory.sh) and `portgate check` with the headers enricher
# grade the same sites. Every test's result id, pass and modifier, and each
# site's score and grade must be equal. Offline: the HSTS preload list is an
# empty local copy and the Observatory trusts the test CA through
# NODE_EXTRA_CA_CERTS (its CA bundle download is skipped); names resolve from
# the namespace's own hosts file (Observatory) and dnsmasq (portgate), both
# inside the namespace. The table is in docs/plugins/headers.md.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

SO="$PG_BUILDDIR/plugins/.libs/headers.so"
[ -f "$SO" ] || pg_skip "plugin headers not built (--disable-plugin-headers)"
for t in nginx openssl node dnsmasq python3; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done
[ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ] ||
	pg_skip "the Observatory needs nodejs 20 or newer (found $(node --version 2>&1))"
rc=0
OBS=$(sh "$PG_SRCDIR/plugins/headers/tests/observatory.sh") || rc=$?
[ $rc -eq 0 ] || pg_skip "the Observatory CLI could not be installed (npm registry needed once)"
pg_netns_up

# case name: the headers of its https site; what its http site does.
H_GOOD="add_header Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\" always;
add_header Strict-Transport-Security \"max-age=31536000\" always;
add_header X-Content-Type-Options nosniff always; add_header X-Frame-Options DENY always;
add_header Referrer-Policy no-referrer always; add_header Cross-Origin-Resource-Policy same-origin always;"
without() { echo "$H_GOOD" | grep -v "$1"; }
hdrs() { # NAME -> nginx add_header lines of its https site
	case $1 in
	good | offhost | h2h) echo "$H_GOOD" ;;
	nocsp) echo "$H_GOOD" | sed 's/add_header Content-Security-Policy[^;]*;[^;]*;//' ;;
	nohsts) without Strict-Transport ;;
	shorthsts) echo "$H_GOOD" | sed 's/max-age=31536000/max-age=300/' ;;
	noframe) echo "$H_GOOD" | sed "s/; frame-ancestors 'none'//; s/add_header X-Frame-Options DENY always;//" ;;
	noxcto) echo "$H_GOOD" | sed 's/add_header X-Content-Type-Options nosniff always;//' ;;
	badref) echo "$H_GOOD" | sed 's/Referrer-Policy no-referrer/Referrer-Policy unsafe-url/' ;;
	unsafecsp) echo "$H_GOOD" | sed "s/default-src 'none'/default-src 'self'; script-src 'self' 'unsafe-inline'/" ;;
	cookies) echo "$H_GOOD"; echo 'add_header Set-Cookie "sessionid=abc; Path=/" always;'
		echo 'add_header Set-Cookie "csrftoken=x; Path=/; Secure; SameSite=Bogus" always;' ;;
	cors) echo "$H_GOOD"; echo 'add_header Access-Control-Allow-Origin $http_origin always;'
		echo 'add_header Access-Control-Allow-Credentials true always;' ;;
	login) hdrs cors; echo 'add_header Cache-Control "public, max-age=3600" always;' ;;
	plainhttp | loop) echo "$H_GOOD" ;;
	bare) echo "" ;;
	sri) echo "$H_GOOD" | sed "s/default-src 'none'/default-src 'none'; script-src https:/" ;;
	esac
}
http_does() { # NAME -> the location body of its http site
	case $1 in
	plainhttp) echo "$(hdrs good) return 200 '<html><body>plain</body></html>';" ;;
	offhost) echo "return 301 https://good.obs.test/;" ;;
	h2h) echo "return 301 http://good.obs.test/;" ;;
	loop) echo "return 301 http://loop.obs.test/;" ;;
	*) echo 'return 301 https://$host/;' ;;
	esac
}
body() {
	case $1 in
	sri) echo "<html><head><script src=\"https://cdn.other.example/x.js\"></script></head><body>sri</body></html>" ;;
	*) echo "<html><head><title>$1</title></head><body>$1</body></html>" ;;
	esac
}
CASES="good nocsp nohsts shorthsts noframe noxcto badref unsafecsp cookies cors login plainhttp offhost h2h loop bare sri"

# One certificate for every name, from the shared test CA.
pki="$PG_TMP/pki"
tls_test_ca "$pki" "Portgate Headers Test CA"
tls_issue "$pki" site "/CN=obs.test" "DNS:*.obs.test" "$(tls_day -1)" "$(tls_day 30)"
[ -s "$pki/site.pem" ] || { echo "FAIL: site certificate" >&2; exit 1; }

{
	pg_ns_nginx_head
	echo "  default_type text/html;"
	echo "  ssl_certificate $pki/site.pem; ssl_certificate_key $pki/site.key;"
	for c in $CASES; do
		echo "  server { listen 127.0.0.1:80; server_name $c.obs.test;"
		echo "    location / { $(http_does "$c") } }"
		echo "  server { listen 127.0.0.1:443 ssl; server_name $c.obs.test;"
		if [ "$c" = loop ]; then
			echo "    location / { return 301 https://loop.obs.test/; } }"
		else
			echo "    location / { $(hdrs "$c") return 200 '$(body "$c")'; } }"
		fi
	done
	echo "}"
} >"$PG_TMP/nginx.conf"

# The namespace's hosts file (ip netns exec mounts /etc/netns/NS/hosts over
# /etc/hosts for what runs inside) and its dnsmasq: the same names.
mkdir -p "/etc/netns/$PG_NS"
pg_on_exit "rm -rf /etc/netns/$PG_NS"
: >"/etc/netns/$PG_NS/hosts"
for c in $CASES; do echo "127.0.0.1 $c.obs.test" >>"/etc/netns/$PG_NS/hosts"; done
ip netns exec "$PG_NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=5353 \
	--listen-address=127.0.0.1 --bind-interfaces --address=/obs.test/127.0.0.1 \
	--pid-file="$PG_TMP/dnsmasq.pid" 2>"$PG_TMP/dnsmasq.err" &
pg_on_exit "kill $!"
pg_ns_nginx "$PG_TMP/nginx.conf" 443  # by then dnsmasq listens too

# --- portgate -------------------------------------------------------------
mkdir -p "$PG_TMP/plugins"
chmod 0755 "$PG_TMP/plugins"
install -m 0644 "$SO" "$PG_TMP/plugins/headers.so"
{
	echo "version: 1"
	echo "defaults: { approvedPorts: [], ports: [80, 443] }"
	echo "assets:"
	for c in $CASES; do
		case $c in
		nocsp | login) extra=", tags: [auth]" ;;                  # authentication surfaces
		loop) extra=", policy: { headers-redirection: pass }" ;;  # a manifest override
		*) extra="" ;;
		esac
		echo "  - { name: $c, target: $c.obs.test$extra }"
	done
} >"$PG_TMP/manifest.yaml"
cat >"$PG_TMP/portgate.yaml" <<YAML
stateDir: $PG_TMP/state
pluginDirs: [$PG_TMP/plugins]
dns: { server: "127.0.0.1:5353" }
enrichers:
  headers:
    plugin: headers
    caFile: $pki/ca.pem
    minGrade: B+
    timeoutMs: 60000
YAML
rc=0
pg_ns "$PG_BIN" check -m "$PG_TMP/manifest.yaml" --config "$PG_TMP/portgate.yaml" \
	--dns-server 127.0.0.1:5353 --out "$PG_TMP/ev.json" >"$PG_TMP/pg.out" 2>"$PG_TMP/pg.err" || rc=$?
[ "$rc" = 1 ] || { echo "FAIL: check exit $rc: $(cat "$PG_TMP/pg.err")" >&2; exit 1; }

# --- the Observatory ----------------------------------------------------------
# Four at a time, with its timeouts raised (ABORT_TIMEOUT bounds a whole
# session, 10 s by default, which the redirect loop's 22 requests can miss on
# a loaded machine); the timeouts do not enter the grading.
pids=""
n=0
for c in $CASES; do
	ABORT_TIMEOUT=60000 CLIENT_TIMEOUT=30000 NODE_EXTRA_CA_CERTS="$pki/ca.pem" \
		ip netns exec "$PG_NS" node "$OBS/src/scan.js" "$c.obs.test" \
		>"$PG_TMP/obs.$c.json" 2>"$PG_TMP/obs.$c.err" &
	pids="$pids $!"
	n=$((n + 1))
	if [ $n -eq 4 ]; then
		for p in $pids; do wait "$p" || true; done
		pids=""
		n=0
	fi
done
for p in $pids; do wait "$p" || true; done

# portgate's own findings: headers-<test> per failing test (fail on the auth
# asset for CSP/HSTS/frame protection), headers-grade-below under B+, the
# manifest override dropping one, the redirect chain hop by hop; on the login
# page (auth, CORS reflecting any Origin with credentials, Cache-Control
# public) portgate's own two rules, while its grade stays the Observatory's
# (headers_compare.py below).
python3 - "$PG_TMP/ev.json" <<'PY' || pg_fail "portgate findings"
import json, sys
d = {a["name"]: a for a in json.load(open(sys.argv[1]))["assets"]}
def rules(n):
    return sorted((f["rule"], f["action"], tuple(f["ports"])) for f in d[n]["findings"]
                  if f["rule"].startswith("headers-"))
assert rules("good") == [], rules("good")
assert rules("nocsp") == [("headers-content-security-policy", "fail", (443,)),
                          ("headers-grade-below", "warn", (443,))], rules("nocsp")
assert rules("nohsts") == [("headers-strict-transport-security", "warn", (443,))], rules("nohsts")
assert rules("login") == [("headers-cache-public-auth", "fail", (443,)),
                          ("headers-cors-reflects-origin", "fail", (443,))], rules("login")
assert rules("cors") == [("headers-cors-reflects-origin", "warn", (443,))], rules("cors")
assert ("headers-redirection", "warn", (443,)) not in rules("loop"), rules("loop")
assert d["loop"]["passedFindings"] >= 1, d["loop"]
assert ("headers-grade-below", "warn", (443,)) in rules("loop"), rules("loop")
site = d["h2h"]["findings"][0]["enrichment"]["headers"]["sites"][0]
assert site["httpPort"] == 80 and site["httpsPort"] == 443, site
assert [(h["url"], h["status"]) for h in site["http"]["redirects"]] == [
    ("http://h2h.obs.test/", 301), ("http://good.obs.test/", 301),
    ("https://good.obs.test/", 200)], site["http"]
loop = d["loop"]["findings"][0]["enrichment"]["headers"]["sites"][0]["http"]["redirects"]
assert len(loop) == 11 and all(h["status"] == 301 for h in loop), loop  # 10 followed, bounded
# the message line (docs/notify.md): the grade and the failing tests
e = d["nocsp"]["findings"][0]["enrichment"]["headers"]
[s] = e["sites"]
failing = [t for t, r in s["tests"].items() if not r["pass"]]
assert [(l["label"], l["text"]) for l in e["message"]] == [("Headers", "443/tcp: grade %s (score %d), failing: %s"
    % (s["grade"], s["score"], ", ".join(failing)))], e["message"]
assert "content-security-policy" in failing, failing
PY

python3 "$PG_SRCDIR/plugins/headers/tests/headers_compare.py" "$PG_TMP" "$CASES" ||
	pg_fail "portgate and the Observatory differ"
pg_done
