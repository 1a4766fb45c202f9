#!/bin/sh
# RDAP redirect hosts go through the configured resolver (issue 22 item 13). In a network
# namespace an RDAP server on 127.0.0.1 redirects moved.org to http://rdap.redirect.test:PORT/.
# Only the test's dnsmasq (dns.server, a high port in the namespace) knows that name; the
# system resolver there is pointed at 127.0.0.1:53 (/etc/netns/NAME/resolv.conf), where
# nothing listens, and the hosts file does not know it, so no query for the made-up name can
# leave the namespace. The redirect must succeed, and dnsmasq's log must show the query.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
for t in dnsmasq nginx ip; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed"
done
rdap_ns_up pgrd
private_plugin_dir whois
WEB=18080 DNSP=15353

ns_dns_up $DNSP --host-record=rdap.redirect.test,127.0.0.1
mkdir -p "$T/www/rdap/domain" "$T/nginx/tmp"
cat >"$T/www/rdap/domain/example2.org" <<'JSON'
{"objectClassName": "domain", "ldhName": "example2.org",
 "events": [{"eventAction": "expiration", "eventDate": "2030-06-01T00:00:00Z"}],
 "entities": [{"objectClassName": "entity", "roles": ["registrar"],
   "vcardArray": ["vcard", [["fn", {}, "text", "Redirected Registrar"]]]}]}
JSON
{ nginx_head "$T/nginx"; cat <<NGX
  types { } default_type application/rdap+json;
  server {
    listen 127.0.0.1:$WEB;
    root $T/www;
    location = /rdap/domain/moved.org {
      return 301 http://rdap.redirect.test:$WEB/rdap/domain/example2.org;
    }
  }
}
NGX
} >"$T/nginx/nginx.conf"
in_ns nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" &
i=0
until in_ns python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
	"$WEB" 2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "nginx in the namespace did not start"
	sleep 0.1
done
# the premise: the namespace's system resolver cannot know the name (nothing on port 53)
ns_name_unknown rdap.redirect.test

cat >"$T/dns.json" <<JSON
{"version": "1.0", "services": [[["org"], ["http://127.0.0.1:$WEB/rdap/"]]]}
JSON
one_finding_report "$T/r.json" run_rdap_dns m moved.org rd0000000000dns0
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
dns: {server: "127.0.0.1:$DNSP", timeoutMs: 1000}
enrich: {timeoutMs: 8000}
enrichers:
  whois: {plugin: whois, rdapBootstrap: $T/dns.json, server: "127.0.0.1:9",
          lookupTimeoutMs: 2000, paceMs: 0, cacheSeconds: 0}
YAML
in_ns "$DRIVER" enrich "$T/portgate.yaml" "$T/r.json" --skip-cache >"$T/o.json" 2>"$T/e" \
	|| fail "enrich: $(cat "$T/e")"
python3 - "$T/o.json" <<'PY' || fail "redirect: $(cat "$T/o.json") $(cat "$T/e")"
import json, sys
w = json.load(open(sys.argv[1]))["assets"][0]["findings"][0]["enrichment"]["whois"]
assert w.get("source") == "rdap" and w.get("expires") == "2030-06-01T00:00:00Z", w
assert w.get("registrar") == "Redirected Registrar", w
PY
grep -q "query\[A\] rdap.redirect.test from 127.0.0.1" "$T/dnsmasq.log" ||
	fail "dnsmasq was not asked: $(cat "$T/dnsmasq.log")"
echo ok
