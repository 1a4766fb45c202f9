#!/bin/sh
# probe_db: data stores named by what they answer, through the real binary. Real
# redis-server (with and without requirepass), PostgreSQL (trust and scram-sha-256
# clusters), MariaDB and memcached, and tests/tools/dbemu.py for MongoDB (OP_MSG and a
# legacy OP_QUERY-only server) and Elasticsearch/OpenSearch, each on its standard port
# and on an unnamed one (identification by the answer, not the number), inside a
# private network namespace (the standard ports are free there, nothing leaves lo).
# Then `portgate check`: service-unauthenticated for exactly the stores whose answer
# proves no authentication, fail on production, warn on staging.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/netns.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
for b in redis-server memcached mariadbd mariadb-install-db runuser; do
	command -v "$b" >/dev/null 2>&1 || pg_skip "$b is not installed (scripts/install-deps.sh)"
done
[ -n "$pgbin" ] && [ -x "$pgbin/postgres" ] || pg_skip "PostgreSQL server binaries are not installed"
pg_netns_up

# wait_port PORT WHAT LOG SECONDS : until 127.0.0.1:PORT accepts inside the namespace, at most
# SECONDS (a server that does not come up fails the test with the end of its log).
wait_port() {
	_i=0
	until pg_ns python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le $(($4 * 10)) ] || { echo "FAIL: $2 did not start in $4 s:" >&2; tail -5 "$3" >&2; exit 1; }
		sleep 0.1
	done
}
bg() { # LOG CMD... : CMD inside the namespace in the background, stopped at exit
	_log=$1; shift
	ip netns exec "$PG_NS" "$@" >"$_log" 2>&1 &
	pg_on_exit "kill $!"
}

set -- $(pg_ns_free_ports 9)
r_alt=$1 r_auth=$2 p_scram=$3 m_alt=$4 my_alt=$5 mc_alt=$6 mc_auth=$7
chmod 711 "$PG_TMP" # the PostgreSQL clusters run as nobody under it

# --- Redis: open on 6379 and on an unnamed port, requirepass on another ---
bg "$PG_TMP/r1.log" redis-server --port 6379 --bind 127.0.0.1 --save "" --dir "$PG_TMP"
bg "$PG_TMP/r2.log" redis-server --port "$r_alt" --bind 127.0.0.1 --save "" --dir "$PG_TMP"
bg "$PG_TMP/r3.log" redis-server --port "$r_auth" --bind 127.0.0.1 --save "" --dir "$PG_TMP" \
	--requirepass portgate-test-only
# --- memcached without authentication (-U 0: no UDP), and with ASCII authentication (-Y) ---
bg "$PG_TMP/mc1.log" memcached -p 11211 -l 127.0.0.1 -U 0 -u nobody
bg "$PG_TMP/mc2.log" memcached -p "$mc_alt" -l 127.0.0.1 -U 0 -u nobody
echo "portgate:not-a-real-secret" >"$PG_TMP/mc.auth" && chmod 644 "$PG_TMP/mc.auth"
bg "$PG_TMP/mc3.log" memcached -p "$mc_auth" -l 127.0.0.1 -U 0 -u nobody -Y "$PG_TMP/mc.auth"

# --- PostgreSQL: a trust cluster on 5432 (no SSL), a scram-sha-256 one with SSL on an unnamed
# port (its 'S' sends the startup message to a new connection) ---
pg_cluster() { # NAME PORT INITDB-ARGS...
	_d="$PG_TMP/$1"; _port=$2; shift 2
	mkdir -p "$_d/sock" && echo "not-a-real-secret" >"$_d/pw" && chown -R nobody "$_d"
	timeout 60 runuser -u nobody -- "$pgbin/initdb" -D "$_d/data" -U postgres --pwfile="$_d/pw" \
		"$@" >"$_d/initdb.log" 2>&1 || { echo "FAIL: initdb $_d:" >&2; tail -5 "$_d/initdb.log" >&2; exit 1; }
}
pg_start() { # NAME PORT
	bg "$PG_TMP/$1/log" runuser -u nobody -- "$pgbin/postgres" -D "$PG_TMP/$1/data" -p "$2" \
		-k "$PG_TMP/$1/sock" -c listen_addresses=127.0.0.1 -c logging_collector=off
}
mkdir -p "$PG_TMP/pg_scram"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-keyout "$PG_TMP/pg_scram/key.pem" -out "$PG_TMP/pg_scram/cert.pem" 2>/dev/null ||
	{ echo "FAIL: openssl could not make the PostgreSQL certificate" >&2; exit 1; }
pg_cluster pg_trust 5432 -A trust
pg_cluster pg_scram "$p_scram" -A scram-sha-256
echo "ssl = on
ssl_cert_file = '$PG_TMP/pg_scram/cert.pem'
ssl_key_file = '$PG_TMP/pg_scram/key.pem'" >>"$PG_TMP/pg_scram/data/postgresql.conf"
chown nobody "$PG_TMP/pg_scram/key.pem" && chmod 600 "$PG_TMP/pg_scram/key.pem"
pg_start pg_trust 5432
pg_start pg_scram "$p_scram"

# --- MariaDB on 3306 and (extra-port) on an unnamed one ---
timeout 120 mariadb-install-db --no-defaults --datadir="$PG_TMP/my" --user=root --skip-test-db \
	>"$PG_TMP/my-install.log" 2>&1 || { echo "FAIL: mariadb-install-db:" >&2; tail -5 "$PG_TMP/my-install.log" >&2; exit 1; }
bg "$PG_TMP/my.log" mariadbd --no-defaults --datadir="$PG_TMP/my" --user=root --port=3306 \
	--extra-port="$my_alt" --bind-address=127.0.0.1 --socket="$PG_TMP/my.sock" \
	--pid-file="$PG_TMP/my.pid"

# --- the emulators ---
ip netns exec "$PG_NS" python3 "$PG_TOOLS/dbemu.py" "$PG_TMP/emu.ports" mongo@127.0.0.1:27017 \
	"mongo@127.0.0.1:$m_alt" mongo-legacy@127.0.0.1:0 es@127.0.0.1:9200 es-auth@127.0.0.1:0 \
	opensearch@127.0.0.1:0 2>"$PG_TMP/emu.log" &
pg_on_exit "kill $!"
pg_wait_file "$PG_TMP/emu.ports" "dbemu.py did not start"
m_legacy=$(pg_port emu 3) es_auth=$(pg_port emu 5) os_alt=$(pg_port emu 6)

for w in "6379 redis $PG_TMP/r1.log" "$r_alt redis $PG_TMP/r2.log" "$r_auth redis $PG_TMP/r3.log" \
	"11211 memcached $PG_TMP/mc1.log" "$mc_alt memcached $PG_TMP/mc2.log" \
	"$mc_auth memcached(-Y) $PG_TMP/mc3.log" \
	"5432 postgres $PG_TMP/pg_trust/log" "$p_scram postgres $PG_TMP/pg_scram/log" \
	"3306 mariadbd $PG_TMP/my.log" "$my_alt mariadbd(extra-port) $PG_TMP/my.log"; do
	set -- $w
	wait_port "$1" "$2" "$3" 60
done

all="6379,$r_alt,$r_auth,11211,$mc_alt,$mc_auth,5432,$p_scram,3306,$my_alt,27017,$m_alt,$m_legacy,9200,$es_auth,$os_alt"
out="$PG_TMP/scan.json"
pg_expect_exit 0 "scan every store" pg_ns "$PG_BIN" scan --target 127.0.0.1 --ports "$all" --compact
cp "$PG_TMP/out" "$out"

# A probe budget below the greeting wait (probe.totalMs 1000 <= bannerWaitMs 1500; serve's
# `timeout` cuts it too) still sends the requests that make Redis speak: the greeting wait
# takes at most a third of the budget. (Before: nothing was sent, "unknown", and the check
# of an unauthenticated Redis passed.)
printf 'probe: {bannerWaitMs: 1500, totalMs: 1000}\n' >"$PG_TMP/short.yaml"
pg_expect_exit 0 "scan with probe.totalMs below bannerWaitMs" pg_ns "$PG_BIN" scan \
	--config "$PG_TMP/short.yaml" --target 127.0.0.1 --ports "$r_alt,$mc_alt" --compact
pg_assert_eq "a short budget still names Redis and memcached on unnamed ports" \
	"$(pg_json "$PG_TMP/out" 'sorted((p["service"], p.get("authRequired")) for p in d["ports"])')" \
	'[["memcached", false], ["redis", false]]'

# row PORT : "service version authRequired authMethod sslSupported maxWireVersion" of PORT
row() {
	pg_json "$out" "(lambda p: ' '.join(str(p.get(k, '-')) for k in ('service', 'version', 'authRequired', 'authMethod', 'sslSupported', 'maxWireVersion')))(next(p for p in d['ports'] if p['port'] == $1))"
}
rv=$(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/')
mv=$(memcached -V | sed 's/^memcached //')
myv=$(mariadbd --version | sed 's/.*Ver \([^ ]*\).*/\1/')
pg_assert_eq "redis on 6379" "$(row 6379)" "redis $rv False - - -"
pg_assert_eq "redis on an unnamed port" "$(row "$r_alt")" "redis $rv False - - -"
pg_assert_eq "redis with requirepass" "$(row "$r_auth")" "redis - True - - -"
pg_assert_eq "memcached on 11211" "$(row 11211)" "memcached $mv False - - -"
pg_assert_eq "memcached on an unnamed port" "$(row "$mc_alt")" "memcached $mv False - - -"
pg_assert_eq "memcached with -Y (ASCII authentication)" "$(row "$mc_auth")" "memcached - True - - -"
pg_assert_eq "postgresql trust on 5432" "$(row 5432)" "postgresql - False trust False -"
pg_assert_eq "postgresql scram with SSL on an unnamed port" "$(row "$p_scram")" \
	"postgresql - True scram-sha-256 True -"
pg_assert_eq "mariadb on 3306" "$(row 3306)" "mariadb $myv - mysql_native_password - -"
pg_assert_eq "mariadb on an unnamed port" "$(row "$my_alt")" "mariadb $myv - mysql_native_password - -"
pg_assert_eq "mongodb on 27017" "$(row 27017)" "mongodb - - - - 21"
pg_assert_eq "mongodb on an unnamed port" "$(row "$m_alt")" "mongodb - - - - 21"
pg_assert_eq "legacy mongodb (OP_QUERY only)" "$(row "$m_legacy")" "mongodb - - - - 5"
pg_assert_eq "elasticsearch on 9200" "$(row 9200)" "elasticsearch 8.11.3 False - - -"
pg_assert_eq "elasticsearch with security" "$(row "$es_auth")" "elasticsearch - True - - -"
pg_assert_eq "opensearch on an unnamed port" "$(row "$os_alt")" "opensearch 2.11.1 False - - -"
pg_assert_eq "banners: the answers' own words" \
	"$(pg_json "$out" "[next(p.get('banner') for p in d['ports'] if p['port'] == n) for n in (6379, $r_auth, 11211, 5432, $p_scram)]")" \
	"[\"redis_version:$rv\", \"-NOAUTH Authentication required.\", \"VERSION $mv\", \"AuthenticationOk\", \"AuthenticationSASL SCRAM-SHA-256\"]"
pg_assert_eq "no password was sent: every bytesRead within maxBytes" \
	"$(pg_json "$out" "all(p['bytesRead'] <= 16384 for p in d['ports'])")" "true"
pg_assert_eq "postgres logged no authentication failure (no password tried)" \
	"$(grep -c "password authentication failed" "$PG_TMP/pg_scram/log" || true)" "0"

# --- the policy: exactly the stores that answered without authentication ---
manifest() { # ENV
	cat <<YAML
version: 1
assets:
  - name: stores
    target: 127.0.0.1
    environment: $1
    approvedPorts: [$(echo "$all" | sed 's/,/, /g')]
    ports: [$(echo "$all" | sed 's/,/, /g')]
YAML
}
unauth=$(printf '%s\n' 6379 "$r_alt" 11211 "$mc_alt" 5432 9200 "$os_alt" | sort -n | tr '\n' ' ' | sed 's/ $//')
manifest production >"$PG_TMP/prod.yaml"
pg_expect_exit 1 "production: unauthenticated stores fail" \
	pg_ns "$PG_BIN" check -m "$PG_TMP/prod.yaml" --out "$PG_TMP/prod.json" \
	--format sarif --output "$PG_TMP/prod.sarif"
pg_assert_eq "production: service-unauthenticated on exactly those ports, fail, high" \
	"$(pg_json "$PG_TMP/prod.json" "' '.join('%d:%s:%s:%s' % (f['port'], f['rule'], f['action'], f['severity']) for f in sorted(d['assets'][0]['findings'], key=lambda f: f['port']))")" \
	"$(for p in $unauth; do printf '%s:service-unauthenticated:fail:high ' "$p"; done | sed 's/ $//')"
pg_assert_eq "the reason names the service" \
	"$(pg_json "$PG_TMP/prod.json" "[f['reason'] for f in d['assets'][0]['findings'] if f['port'] == 5432]")" \
	'["port 5432/tcp: postgresql answers without authentication"]'
manifest staging >"$PG_TMP/staging.yaml"
pg_expect_exit 0 "staging: the same findings only warn" \
	pg_ns "$PG_BIN" check -m "$PG_TMP/staging.yaml" --out "$PG_TMP/staging.json"
pg_assert_eq "staging: warn" \
	"$(pg_json "$PG_TMP/staging.json" "sorted(set(f['action'] for f in d['assets'][0]['findings'])) + [len(d['assets'][0]['findings'])]")" \
	"[\"warn\", $(echo "$unauth" | wc -w)]"
pg_assert_eq "SARIF: the rule with its help, a result per store" \
	"$(pg_json "$PG_TMP/prod.sarif" "[[r['id'], r['help']['text'][:28]] for r in d['runs'][0]['tool']['driver']['rules'] if r['id'] == 'service-unauthenticated'] + [len([r for r in d['runs'][0]['results'] if r['ruleId'] == 'service-unauthenticated'])]")" \
	"[[\"service-unauthenticated\", \"Require authentication (Redi\"], $(echo "$unauth" | wc -w)]"
pg_done
