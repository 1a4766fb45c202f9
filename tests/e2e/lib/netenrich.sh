# tests/e2e/lib/netenrich.sh - servers for the network enrichers' tests (ip,
# whois, dns), sourced after plugin.sh (uses $T, fail, pg_skip, pg_free_port):
#   rdap_nginx_start WWWDIR [EXTRA_LOCATIONS]  nginx on 127.0.0.1:$RDAP_PORT serving
#       WWWDIR as application/rdap+json; EXTRA_LOCATIONS is nginx config text
#       (redirects); RDAP_BASE=http://127.0.0.1:PORT/rdap/
#   nginx_head DIR              the top of an nginx.conf (pid, logs, temp files under DIR)
#   whois_start CONFIG.json     tests/tools/whois_server.py; whois_port NAME prints a port
#   whois_shop_up DAYS          a registry and registrar for shop.com expiring in DAYS (sets W)
#   whois_replay DIR RUN_ID     serves DIR/whois/NAME for every NAME in DIR/expected from one
#                               responder and enriches one finding per NAME through the whois
#                               plugin (rdap false, maxReferrals 0), each domain asked once:
#                               $T/whois_results.json maps NAME to its whois enrichment
#   mmdb_write OUT.mmdb KIND CIDR=ASN:ORG|CC ...  an .mmdb through libmaxmind-db-writer-perl
#       (KIND asn: CIDR=ASN:ORG; KIND country: CIDR=CC)
#   txt_hex TEXT                TXT rdata in hex for dnsmasq --dns-rr=NAME,16,HEX (a comma
#                               inside --txt-record would split the string)
#   netenrich_stop              stops what was started
#   rdap_ns_up PREFIX           a network namespace PREFIX-$$ in $NS with lo up (skips without
#                               root), removed with /etc/netns/$NS (its hosts/resolv.conf) at
#                               exit through EXTRA_CLEANUP; in_ns CMD... runs CMD inside
#   ns_dns_up PORT [DNSMASQ-ARG...]  in that namespace: the test's dnsmasq on 127.0.0.1:PORT
#                               (NXDOMAIN for every name its args do not add, queries logged to
#                               $T/dnsmasq.log), the system resolver pointed at 127.0.0.1:53 where
#                               nothing listens and a hosts file with localhost only, so a name
#                               only dnsmasq knows can reach no other resolver; waits until it answers
#   ns_name_unknown NAME        fails unless the namespace's system resolver cannot find NAME
#   one_finding_report OUT RUN NAME TARGET FP  a report of one asset with one finding
RDAP_PID=
WHOIS_PID=

# nginx_head DIR : the top of an nginx.conf, up to and including "http {": one
# process in the foreground, pid, logs and temp files under DIR.
nginx_head() {
	cat <<NGX
daemon off; master_process off; worker_processes 1;
pid $1/nginx.pid; error_log $1/error.log;
events { worker_connections 64; }
http {
  access_log $1/access.log;
  client_body_temp_path $1/tmp; proxy_temp_path $1/tmp;
  fastcgi_temp_path $1/tmp; uwsgi_temp_path $1/tmp; scgi_temp_path $1/tmp;
NGX
}

rdap_nginx_start() { # WWWDIR [EXTRA]
	command -v nginx >/dev/null 2>&1 || pg_skip "nginx not installed"
	mkdir -p "$T/nginx/tmp"
	for _try in 1 2 3 4 5; do
		RDAP_PORT=$(pg_free_port)
		{ nginx_head "$T/nginx"; cat <<NGX
  types { } default_type application/rdap+json;
  server {
    listen 127.0.0.1:$RDAP_PORT;
    root $1;
    ${2:-}
  }
}
NGX
		} >"$T/nginx/nginx.conf"
		nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" &
		RDAP_PID=$!
		_i=0
		while [ $_i -lt 50 ]; do
			_i=$((_i + 1))
			kill -0 "$RDAP_PID" 2>/dev/null || break
			if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
				"$RDAP_PORT" 2>/dev/null; then
				RDAP_BASE="http://127.0.0.1:$RDAP_PORT/rdap/"
				return 0
			fi
			sleep 0.1
		done
		kill "$RDAP_PID" 2>/dev/null || true
		wait "$RDAP_PID" 2>/dev/null || true
		RDAP_PID=
	done
	cat "$T/nginx/error.log" >&2 || true
	fail "nginx did not start"
}

whois_start() { # CONFIG
	rm -f "$T/whois.ports"
	python3 "$PG_SRCDIR/tests/tools/whois_server.py" "$1" "$T/whois.ports" --max-seconds 120 &
	WHOIS_PID=$!
	_i=0
	while [ ! -s "$T/whois.ports" ]; do
		_i=$((_i + 1)); [ $_i -le 100 ] || fail "whois responder did not start"
		sleep 0.1
	done
}

whois_port() { awk -v n="$1" '$1 == n { print $2 }' "$T/whois.ports"; }

# whois_shop_up DAYS: a gTLD registry and registrar answering shop.com from the fixtures,
# expiring in DAYS; W is the registry's host:port.
whois_shop_up() {
	mkdir -p "$T/fx"
	cp "$PG_SRCDIR"/tests/fixtures/whois/*.txt "$T/fx/"
	cat >"$T/whois.json" <<JSON
{"fixtures": "$T/fx", "log": "$T/whois.log", "servers": {
  "registry": {"answers": {"shop.com": "gtld-registry.txt"}, "default": "gtld-notfound.txt",
               "expiresInDays": {"shop.com": $1}},
  "registrar": {"default": "gtld-registrar.txt", "expiresInDays": {"shop.com": $1}}}}
JSON
	whois_start "$T/whois.json"
	W="127.0.0.1:$(whois_port registry)"
}

# whois_replay DIR RUN_ID: each answer of DIR (whois/NAME, expected/NAME) served for its
# domain NAME by one port-43 responder and read through the host and the whois plugin; the
# registry's answer alone (no RDAP, no referral followed, so no name in an answer is looked up).
whois_replay() {
	python3 - "$1" "$T" "$2" <<'PY' || fail "whois replay config"
import json, os, sys
d, t, run = sys.argv[1:4]
names = sorted(os.listdir(os.path.join(d, "expected")))
json.dump({"fixtures": os.path.join(d, "whois"), "log": t + "/whois.log",
           "servers": {"registry": {"answers": {n: n for n in names}}}}, open(t + "/whois.json", "w"))
assets = [{"name": n, "target": n, "manifest": {"name": n, "target": n, "domain": n},
           "findings": [{"rule": "port-unapproved-open", "action": "fail", "severity": "high",
                         "asset": n, "target": n, "ip": "127.0.0.1", "port": 443,
                         "protocol": "tcp", "fingerprint": "%016x" % i}]}
          for i, n in enumerate(names)]
json.dump({"run": {"id": run}, "assets": assets}, open(t + "/r.json", "w"))
PY
	whois_start "$T/whois.json"
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {timeoutMs: 8000, concurrency: 4}
enrichers:
  whois: {plugin: whois, rdap: false, server: "127.0.0.1:$(whois_port registry)", maxReferrals: 0,
          lookupTimeoutMs: 3000, paceMs: 0, maxInflightPerServer: 4, cacheSeconds: 0}
YAML
	"$DRIVER" enrich "$T/portgate.yaml" "$T/r.json" --skip-cache >"$T/o.json" 2>"$T/e" \
		|| fail "enrich: $(cat "$T/e")"
	python3 - "$T" <<'PY' >"$T/e" 2>&1 || fail "whois replay: $(cat "$T/e")"
import json, sys
t = sys.argv[1]
E = {a["name"]: a["findings"][0]["enrichment"]["whois"] for a in json.load(open(t + "/o.json"))["assets"]}
asked = sorted(l.split("\t")[1] for l in open(t + "/whois.log").read().splitlines())
assert asked == sorted(E), "each domain asked once, as itself: %s" % asked
json.dump(E, open(t + "/whois_results.json", "w"))
PY
}

mmdb_write() { # OUT KIND ENTRY...
	_out=$1; _kind=$2; shift 2
	perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null \
		|| pg_skip "libmaxmind-db-writer-perl not installed"
	perl - "$_out" "$_kind" "$@" <<'PL' || fail "mmdb_write $_out"
use strict; use warnings;
use MaxMind::DB::Writer::Tree;
my ($out, $kind, @entries) = @ARGV;
my %types = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
             country => 'map', iso_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, remove_reserved_networks => 0,
    database_type => $kind eq 'asn' ? 'GeoLite2-ASN' : 'GeoLite2-Country',
    languages => ['en'], description => { en => "portgate test $kind" },
    map_key_type_callback => sub { $types{ $_[0] } });
for my $e (@entries) {
    my ($net, $v) = split /=/, $e, 2;
    if ($kind eq 'asn') {
        my ($asn, $org) = split /:/, $v, 2;
        $tree->insert_network($net, { autonomous_system_number => $asn + 0,
                                      autonomous_system_organization => $org });
    } else {
        $tree->insert_network($net, { country => { iso_code => $v } });
    }
}
open my $fh, '>:raw', $out or die "$out: $!";
$tree->write_tree($fh);
close $fh;
PL
}

txt_hex() {
	python3 -c 'import sys; b = sys.argv[1].encode(); print((bytes([len(b)]) + b).hex())' "$1"
}

netenrich_stop() {
	for _p in $RDAP_PID $WHOIS_PID; do
		kill "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	RDAP_PID=
	WHOIS_PID=
}

rdap_ns_up() { # PREFIX
	[ "$(id -u)" -eq 0 ] || pg_skip "needs root for a network namespace"
	NS=$1-$$
	ip netns add "$NS" 2>/dev/null || pg_skip "cannot create a network namespace"
	EXTRA_CLEANUP=rdap_ns_stop
	mkdir -p "/etc/netns/$NS"
	in_ns ip link set lo up
}
rdap_ns_stop() {
	ip netns pids "$NS" | xargs -r kill 2>/dev/null
	ip netns del "$NS"
	rm -rf "/etc/netns/$NS"
}
in_ns() { ip netns exec "$NS" "$@"; }

ns_dns_up() { # PORT [DNSMASQ-ARG...]
	_p=$1; shift
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS/resolv.conf"
	printf '127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
	in_ns dnsmasq --no-daemon --port="$_p" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
		--no-hosts --conf-file=/dev/null --pid-file --local=/#/ --log-queries --log-facility=- \
		"$@" >"$T/dnsmasq.log" 2>&1 &
	_i=0
	until in_ns python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(bytes.fromhex("abcd01000001000000000000066865616c74680474657374000001" "0001"), ("127.0.0.1", int(sys.argv[1])))
s.recv(512)' "$_p" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -le 100 ] || fail "dnsmasq did not start: $(cat "$T/dnsmasq.log")"
		sleep 0.1
	done
}
ns_name_unknown() { # NAME
	! in_ns getent hosts "$1" >/dev/null 2>&1 || fail "the system resolver knows $1"
}

one_finding_report() { # OUT RUN NAME TARGET FP
	cat >"$1" <<JSON
{"run": {"id": "$2"}, "assets": [{"name": "$3", "target": "$4", "findings": [
  {"rule": "port-unapproved-open", "action": "fail", "asset": "$3", "target": "$4",
   "ip": "127.0.0.1", "port": 443, "fingerprint": "$5"}]}]}
JSON
}
