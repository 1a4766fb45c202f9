#!/bin/sh
# decision_lab: the acceptance test of issue 20 ("decision quality") on a lab
# of four assets, every server on its own loopback address and started here:
#   login    nginx HTTPS on two approved ports, tagged auth, no CSP, no HSTS,
#            no frame protection, nothing else wrong -> the headers rules fail
#            (one finding per asset and test, not one per port);
#   edge     an SSH-like greeting on an approved port; expectedNetwork AS64500
#            while the offline .mmdb puts its address in AS64501, nothing else
#            wrong -> network-unexpected about the asset (no port in it);
#   cache    a Redis-like proxy on an unapproved port -> port-unapproved-open;
#   payments owner payments, an unapproved HTTPS admin port (tagged auth, so
#            every enricher has it in scope however scope is read), its name reaching
#            the address through two CNAMEs (dnsmasq), its domain expiring in
#            11 days by a port-43 WHOIS responder that names the registrar and
#            the registrant organisation -> domain-expiring-soon, and the
#            finding whose message must carry the whole investigation packet.
# Notifiers: webhook in Slack format (routed to owner payments) to a Slack
# emulator, ticket to a GitHub emulator (closeResolved), siem CEF over TCP to
# rsyslog. Three runs: normal, repeat (nothing changed), WHOIS outage (the
# responder stopped). tests/tools/decision_lab.py decodes every format and
# prints one `ok` / `not ok` line per assertion and the numbers per run.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/notifiers.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"
need_plugin dns ip whois ssl headers webhook ticket siem
for t in dnsmasq nginx rsyslogd openssl perl; do
	command -v $t >/dev/null 2>&1 || pg_skip "$t not installed (scripts/install-deps.sh)"
done
LAB_PIDS=
lab_stop() {
	for _p in $LAB_PIDS; do
		kill "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	notifiers_cleanup
	netenrich_stop
	dns_stop
}
EXTRA_CLEANUP=lab_stop
private_plugin_dir dns ip whois ssl headers webhook ticket siem

# The lab's addresses (all of 127.0.0.0/8 is the loopback) and names.
LOGIN_IP=127.0.0.21 CACHE_IP=127.0.0.31 EDGE_IP=127.0.0.41 PAY_IP=127.0.0.51
DOM=northwind-pay.example
PAY_NAME=pay.$DOM
free_on() { # ADDR -> a port free on ADDR now
	python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}
wait_tcp() { # ADDR PORT PID WHAT
	_i=0
	until python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' \
		"$1" "$2" 2>/dev/null; do
		_i=$((_i + 1))
		{ [ $_i -le 100 ] && kill -0 "$3" 2>/dev/null; } || fail "$4 did not start"
		sleep 0.1
	done
}

# --- PKI: one CA; login valid 400 days, payments 47 days
pki=$T/pki
mkdir -p "$pki"
tls_ca_conf "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" \
	-out "$pki/ca.pem" -days 30 -subj "/O=Northwind Lab/CN=Northwind Lab CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
	2>/dev/null || fail "test CA"
tls_issue "$pki" login "/CN=login.northwind.example" "DNS:login.northwind.example" \
	"$(tls_day -1)" "$(tls_day 400)"
tls_issue "$pki" pay "/CN=$PAY_NAME" "DNS:$PAY_NAME" "$(tls_day -1)" "$(tls_day 47)"
for c in login pay; do [ -s "$pki/$c.pem" ] || fail "certificate $c"; done

# --- nginx: login (two HTTPS ports) and the payments admin site
LP1=$(free_on $LOGIN_IP) LP2=$(free_on $LOGIN_IP) PP=$(free_on $PAY_IP)
[ "$LP1" != "$LP2" ] || LP2=$(free_on $LOGIN_IP)
mkdir -p "$T/nginx/tmp"
{ nginx_head "$T/nginx"; cat <<NGX
  default_type text/html; ssl_protocols TLSv1.2 TLSv1.3;
  server { listen $LOGIN_IP:$LP1 ssl; listen $LOGIN_IP:$LP2 ssl; server_name login.northwind.example;
    ssl_certificate $pki/login.pem; ssl_certificate_key $pki/login.key;
    location / { add_header X-Content-Type-Options nosniff always;
      add_header Referrer-Policy no-referrer always;
      return 200 '<html><head><title>Sign in</title></head><body><form method="post" action="/session"><input name="user"><input type="password" name="pass"></form></body></html>'; } }
  server { listen $PAY_IP:$PP ssl; server_name $PAY_NAME;
    ssl_certificate $pki/pay.pem; ssl_certificate_key $pki/pay.key;
    location / { add_header Strict-Transport-Security "max-age=31536000" always;
      add_header X-Content-Type-Options nosniff always; add_header X-Frame-Options DENY always;
      add_header Referrer-Policy no-referrer always;
      add_header Cross-Origin-Resource-Policy same-origin always;
      return 200 '<html><head><title>Payments admin</title></head><body>admin</body></html>'; } }
}
NGX
} >"$T/nginx/nginx.conf"
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" 2>"$T/nginx/stderr" &
NGINX_PID=$!
LAB_PIDS="$LAB_PIDS $NGINX_PID"
wait_tcp $PAY_IP "$PP" "$NGINX_PID" "nginx ($(cat "$T/nginx/stderr" "$T/nginx/error.log" 2>/dev/null))"
wait_tcp $LOGIN_IP "$LP2" "$NGINX_PID" nginx

# --- edge (SSH-like greeting) and cache (a Redis-like proxy: answers what it is sent)
python3 "$PG_SRCDIR/tests/tools/listen.py" "$T/tcp.ports" "banner=SSH-2.0-OpenSSH_9.6 edge-bastion@$EDGE_IP:0" \
	"banner=-ERR redis-proxy: unknown command@$CACHE_IP:0" &
LAB_PIDS="$LAB_PIDS $!"
_i=0
while [ ! -s "$T/tcp.ports" ]; do
	_i=$((_i + 1)); [ $_i -le 100 ] || fail "listeners did not start"
	sleep 0.1
done
EP=$(sed -n 1p "$T/tcp.ports") CP=$(sed -n 2p "$T/tcp.ports")

# --- DNS: the lab's own dnsmasq; payments through two CNAMEs
dns_start --host-record=login.northwind.example,$LOGIN_IP --host-record=edge.northwind.example,$EDGE_IP \
	--host-record=cache.northwind.example,$CACHE_IP --host-record=pay-origin.cdn-lab.example,$PAY_IP \
	--cname=pay-lb.cdn-lab.example,pay-origin.cdn-lab.example --cname=$PAY_NAME,pay-lb.cdn-lab.example \
	--txt-record=$DOM,"v=spf1 -all" --mx-host=$DOM,mail.$DOM,10 \
	|| fail "dnsmasq did not start"

# --- offline ASN and country databases
mmdb_write "$T/asn.mmdb" asn "127.0.0.40/29=64501:ELSEWHERE-TRANSIT" "127.0.0.48/28=64510:PAYNET-EU" \
	"127.0.0.16/28=64500:NORTHWIND-NET"
mmdb_write "$T/country.mmdb" country "127.0.0.40/29=NL" "127.0.0.48/28=DE" "127.0.0.16/28=DE"

# --- port-43 WHOIS: one answer, registrar and registrant organisation, 11 days left
mkdir -p "$T/fx"
cat >"$T/fx/pay.txt" <<'TXT'
   Domain Name: {DOMAIN}
   Registry Domain ID: 4242424242_DOMAIN_EXAMPLE-LAB
   Updated Date: 2026-01-10T08:00:00Z
   Creation Date: 2016-01-10T08:00:00Z
   Registry Expiry Date: {expires}
   Registrar: Lakeside Names Registrar Ltd
   Registrar IANA ID: 9999
   Registrant Organization: Northwind Traders Payments GmbH
   Registrant Country: DE
   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited
   Name Server: NS1.NORTHWIND-PAY.EXAMPLE
   DNSSEC: unsigned
TXT
cat >"$T/whois.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/whois.log", "servers": {
  "registry": {"answers": {"$DOM": "pay.txt"}, "expiresInDays": {"$DOM": 11}}}}
JSON
whois_start "$T/whois.json"
WHOIS_PORT=$(whois_port registry)

# --- notification receivers: Slack, GitHub, rsyslog (CEF over TCP)
export LAB_GH_TOKEN="lab-token-0123"
start_api slack slack
start_api github github --token-env LAB_GH_TOKEN --repo northwind/infra --state "$T/github.state"
RS_TCP=$(free_on 127.0.0.1)
mkdir -p "$T/rs/work"
cat >"$T/rs/rsyslog.conf" <<CONF
global(workDirectory="$T/rs/work" maxMessageSize="64k")
module(load="imtcp" maxSessions="20")
template(name="j" type="string" string="%jsonmesg%\n")
ruleset(name="tcp") { action(type="omfile" file="$T/rs/cef.log" template="j") }
input(type="imtcp" address="127.0.0.1" port="$RS_TCP" ruleset="tcp")
CONF
rsyslogd -n -f "$T/rs/rsyslog.conf" -i "$T/rs/rsyslogd.pid" >"$T/rs/out" 2>&1 &
RS_PID=$!
LAB_PIDS="$LAB_PIDS $RS_PID"
wait_tcp 127.0.0.1 "$RS_TCP" "$RS_PID" "rsyslogd ($(cat "$T/rs/out"))"

# --- the manifest and the config. DECISION_LAB_CLOSED_PORT=1 adds one closed
# approved port to login and edge (the issue's counter-experiment: an
# unrelated finding must not decide whether their rules are judged).
LX='' EX=''
if [ "${DECISION_LAB_CLOSED_PORT:-0}" = 1 ]; then
	LX=", $(free_on $LOGIN_IP)" EX=", $(free_on $EDGE_IP)"
fi
cat >"$T/manifest.yaml" <<YAML
version: 1
defaults: { environment: production }
assets:
  - name: login
    target: login.northwind.example
    owner: identity
    escalation: [idp-oncall@northwind.example]
    tags: [auth]
    approvedPorts: [$LP1, $LP2$LX]
    ports: [$LP1, $LP2$LX]
    tlsPorts: [$LP1, $LP2]
  - name: edge
    target: edge.northwind.example
    owner: platform
    expectedNetwork: [AS64500]
    approvedPorts: [$EP$EX]
    ports: [$EP$EX]
  - name: cache
    target: cache.northwind.example
    owner: platform
    approvedPorts: []
    ports: [$CP]
  - name: payments-api
    target: $PAY_NAME
    owner: payments
    criticality: high
    tags: [auth, pci]
    escalation: [pay-oncall@northwind.example]
    domain: $DOM
    expectedNetwork: [AS64510]
    approvedPorts: []
    ports: [$PP]
    tlsPorts: [$PP]
YAML
cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
caFile: $pki/ca.pem
pluginDirs: [$T/plugins]
dns: { server: "$DNS_SERVER", timeoutMs: 1000 }
enrich: { on: all, timeoutMs: 60000 }
notify: { retries: 1, backoffMs: 10, evidenceUrl: "https://ci.northwind.example/jobs/4242/evidence.json" }
enrichers:
  dns: { plugin: dns }
  ip: { plugin: ip, sources: mmdb, asnDb: $T/asn.mmdb, countryDb: $T/country.mmdb, cacheSeconds: 0 }
  whois: { plugin: whois, rdap: false, server: "127.0.0.1:$WHOIS_PORT", verisignServers: "127.0.0.1:$WHOIS_PORT",
           paceMs: 0, lookupTimeoutMs: 2000, cacheSeconds: 0, cacheTtlSeconds: 0 }
  ssl: { plugin: ssl, caFile: $pki/ca.pem }
  headers: { plugin: headers, caFile: $pki/ca.pem }
notifiers:
  chat: { plugin: webhook, format: slack, url: "http://127.0.0.1:$(api_port slack)/services/T0LAB/B0LAB/lab",
          route: { owner: [payments] } }
  tickets: { plugin: ticket, system: github, url: "http://127.0.0.1:$(api_port github)/", repo: northwind/infra,
             tokenEnv: LAB_GH_TOKEN, closeResolved: true, route: { action: [warn, fail] } }
  soc: { plugin: siem, transport: tcp, host: 127.0.0.1, port: $RS_TCP, format: cef, route: { action: [warn, fail] } }
YAML

# --- the runs: normal, repeat, WHOIS outage. Each run's share of every
# receiver's log is the lines it added.
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
cef_settle() { # wait (bounded) until rsyslog stopped writing
	_prev=-1 _i=0
	while [ $_i -lt 30 ]; do
		_now=$(lines "$T/rs/cef.log")
		[ "$_now" = "$_prev" ] && [ "$_now" -gt 0 ] && break
		_prev=$_now _i=$((_i + 1))
		sleep 0.3
	done
}
run_lab() { # N [--baseline FILE]
	_n=$1; shift
	echo "$(lines "$T/slack.log") $(lines "$T/github.log") $(lines "$T/rs/cef.log")" >"$T/marks$_n.before"
	_rc=0
	"$PG_BIN" check --config "$T/portgate.yaml" -m "$T/manifest.yaml" --out "$T/ev$_n.json" "$@" \
		>"$T/out$_n" 2>"$T/err$_n" || _rc=$?
	echo "$_rc" >"$T/rc$_n"
	cef_settle
	echo "$(lines "$T/slack.log") $(lines "$T/github.log") $(lines "$T/rs/cef.log")" >"$T/marks$_n.after"
	[ -s "$T/ev$_n.json" ] || fail "run $_n wrote no evidence (exit $_rc): $(cat "$T/err$_n")"
}
run_lab 1
run_lab 2 --baseline "$T/ev1.json"
netenrich_stop # the WHOIS outage: nothing answers on its port any more
run_lab 3 --baseline "$T/ev2.json"

cat >"$T/facts.json" <<JSON
{"dir": "$T", "login": {"ports": [$LP1, $LP2], "ip": "$LOGIN_IP"},
 "edge": {"port": $EP, "ports": [$EP${EX}], "ip": "$EDGE_IP", "target": "edge.northwind.example"},
 "cache": {"port": $CP}, "pay": {"port": $PP, "ip": "$PAY_IP", "target": "$PAY_NAME", "domain": "$DOM"},
 "closedPortAdded": ${DECISION_LAB_CLOSED_PORT:-0},
 "expires": "$(date -u -d '+11 days 12 hours' +%Y-%m-%d)"}
JSON
if grep -q "$LAB_GH_TOKEN" "$T"/err1 "$T"/err2 "$T"/err3 "$T"/out1; then fail "the GitHub token is in the output"; fi
# DECISION_LAB_KEEP=DIR keeps a copy of the lab's files (evidence, receiver logs) for a look.
if [ -n "${DECISION_LAB_KEEP:-}" ]; then
	rm -rf "$DECISION_LAB_KEEP"
	cp -r "$T" "$DECISION_LAB_KEEP"
	sed -i "s|\"dir\": \"$T\"|\"dir\": \"$DECISION_LAB_KEEP\"|" "$DECISION_LAB_KEEP/facts.json"
fi
python3 "$PG_SRCDIR/tests/tools/decision_lab.py" "$T/facts.json"
