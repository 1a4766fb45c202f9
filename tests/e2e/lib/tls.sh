# tls.sh - test PKI (openssl CLI) and an nginx serving it on loopback.
# Sourced after common.sh (needs PG_TMP, pg_on_exit and pg_free_port) or on its own by the
# unit test (only tls_make_pki then). POSIX sh.
#
# tls_make_pki DIR      CA + certificates, each NAME.pem/NAME.key in DIR:
#   ca         test CA ("CN=Portgate Test CA,O=Portgate Test"), 10 years
#   valid      CN=localhost, SAN DNS:localhost IP:127.0.0.1, signed by ca,
#              yesterday 00:00 .. +400 days (exact dates in DIR/valid.dates)
#   expired    same names, signed by ca, 2020-01-01 .. 2021-01-01
#   future     same names, signed by ca, 2035-01-01 .. 2036-01-01
#   self       CN=localhost, SAN DNS:localhost IP:127.0.0.1, self-signed
#   wronghost  CN=wrong.test.local, SAN DNS:wrong.test.local, signed by ca
#   wildcard   CN=*.test.local, SAN DNS:*.test.local, signed by ca
#   partial    SAN DNS:w*.test.local (a partial wildcard), signed by ca
#   big        CN=localhost with 100 long SANs (plus localhost, 127.0.0.1), signed by an
#              intermediate CA (inter.pem, signed by ca); big.pem is the chain leaf +
#              intermediate (about 6 KB: more than probe.maxBytes 4096)
# tls_test_ca DIR CN    a 30-day CA named CN (DIR/ca.pem, ca.key, ca.cnf) for tls_issue
# tls_start_nginx DIR   nginx on 127.0.0.1: one TLS server per certificate
#   above (TLS 1.2 and 1.3), "tls12" (valid certificate, TLS 1.2 only) and
#   "plain" (HTTP without TLS); ports in DIR/nginx.ports as NAME PORT.
# tls_port DIR NAME     the port of server NAME.
# tls_run_nginx CONF PORT  nginx with a test's own CONF (prefix $PG_TMP/nginx), stopped on
#   exit; returns once 127.0.0.1:PORT accepts (exits 1 when it does not start).

tls_day() { # N -> midnight UTC N days from today (N may be negative), as YYYYMMDDHHMMSSZ
	date -u -d "@$(( $(date -u +%s) / 86400 * 86400 + $1 * 86400 ))" +%Y%m%d%H%M%SZ
}

tls_test_ca() { # DIR CN : DIR/ca.pem + ca.key, a 30-day P-256 CA named CN, with its ca.cnf
	mkdir -p "$1"
	tls_ca_conf "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/ca.key" \
		-out "$1/ca.pem" -days 30 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
		2>/dev/null || { echo "FAIL: test CA" >&2; exit 1; }
}

tls_ca_conf() { # DIR
	cat >"$1/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $1/index.txt
new_certs_dir = $1/newcerts
serial = $1/serial
default_md = sha256
policy = pol_any
copy_extensions = copy
unique_subject = no
default_days = 30
[ pol_any ]
commonName = supplied
organizationName = optional
[ inter ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
EOF
	: >"$1/index.txt"
	echo 1000 >"$1/serial"
	mkdir -p "$1/newcerts"
}

# tls_issue DIR NAME SUBJECT SAN START END : key + CSR, signed by the test CA.
tls_issue() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/$2.key" \
		-out "$1/$2.csr" -subj "$3" -addext "subjectAltName=$4" 2>/dev/null
	openssl ca -batch -config "$1/ca.cnf" -cert "$1/ca.pem" -keyfile "$1/ca.key" -extensions leaf \
		-in "$1/$2.csr" -out "$1/$2.pem" -startdate "$5" -enddate "$6" -notext 2>/dev/null
}

tls_make_pki() { # DIR
	d=$1
	mkdir -p "$d"
	tls_ca_conf "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" \
		-out "$d/ca.pem" -days 3650 -subj "/O=Portgate Test/CN=Portgate Test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	vstart=$(tls_day -1)
	vend=$(tls_day 400)
	echo "$vstart $vend" >"$d/valid.dates"
	tls_issue "$d" valid "/CN=localhost" "DNS:localhost,IP:127.0.0.1" "$vstart" "$vend"
	tls_issue "$d" expired "/CN=localhost" "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20210101000000Z
	tls_issue "$d" future "/CN=localhost" "DNS:localhost,IP:127.0.0.1" 20350101000000Z 20360101000000Z
	tls_issue "$d" wronghost "/CN=wrong.test.local" "DNS:wrong.test.local" "$vstart" "$vend"
	tls_issue "$d" wildcard "/CN=*.test.local" "DNS:*.test.local" "$vstart" "$vend"
	tls_issue "$d" partial "/CN=w*.test.local" "DNS:w*.test.local" "$vstart" "$vend"
	tls_make_big "$d" "$vstart" "$vend"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/self.key" \
		-out "$d/self.pem" -days 30 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	for n in ca valid expired future self wronghost wildcard partial big; do
		[ -s "$d/$n.pem" ] || { echo "tls_make_pki: could not make $n.pem" >&2; return 1; }
	done
}

tls_make_big() { # DIR START END: the intermediate, then the 100-SAN leaf it signs
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/inter.key" \
		-out "$1/inter.csr" -subj "/O=Portgate Test/CN=Portgate Test Intermediate" 2>/dev/null
	openssl ca -batch -config "$1/ca.cnf" -cert "$1/ca.pem" -keyfile "$1/ca.key" -extensions inter \
		-in "$1/inter.csr" -out "$1/inter.pem" -startdate "$2" -enddate "$3" -notext 2>/dev/null
	san="DNS:localhost,IP:127.0.0.1"
	i=0
	while [ $i -lt 100 ]; do
		san="$san,DNS:host-$i.a-rather-long-service-name.portgate-test.example"
		i=$((i + 1))
	done
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/big.key" \
		-out "$1/big.csr" -subj "/CN=localhost" -addext "subjectAltName=$san" 2>/dev/null
	openssl ca -batch -config "$1/ca.cnf" -cert "$1/inter.pem" -keyfile "$1/inter.key" -extensions leaf \
		-in "$1/big.csr" -out "$1/big.leaf.pem" -startdate "$2" -enddate "$3" -notext 2>/dev/null
	cat "$1/big.leaf.pem" "$1/inter.pem" >"$1/big.pem"
}

tls_start_nginx() { # DIR
	d=$1
	command -v nginx >/dev/null 2>&1 || { echo "nginx not installed"; return 77; }
	mkdir -p "$d/nginx/logs" "$d/nginx/tmp"
	names="valid expired future self wronghost wildcard partial big"
	set -- $(pg_free_port 10)
	: >"$d/nginx.ports"
	{
		echo "user root; worker_processes 1; pid $d/nginx/nginx.pid;"
		echo "error_log $d/nginx/logs/error.log;"
		echo "events { worker_connections 64; }"
		echo "http { access_log off; client_body_temp_path $d/nginx/tmp; proxy_temp_path $d/nginx/tmp;"
		echo "  fastcgi_temp_path $d/nginx/tmp; uwsgi_temp_path $d/nginx/tmp; scgi_temp_path $d/nginx/tmp;"
		for n in $names; do
			echo "  server { listen 127.0.0.1:$1 ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate $d/$n.pem;"
			echo "    ssl_certificate_key $d/$n.key; location / { return 200 'tls $n\n'; } }"
			echo "$n $1" >>"$d/nginx.ports"
			shift
		done
		echo "  server { listen 127.0.0.1:$1 ssl; ssl_protocols TLSv1.2; ssl_certificate $d/valid.pem;"
		echo "    ssl_certificate_key $d/valid.key; location / { return 200 'tls12\n'; } }"
		echo "tls12 $1" >>"$d/nginx.ports"
		shift
		echo "  server { listen 127.0.0.1:$1; location / { return 200 'plain\n'; } }"
		echo "}"
	} >"$d/nginx.conf"
	echo "plain $1" >>"$d/nginx.ports"
	nginx -c "$d/nginx.conf" -p "$d/nginx" -g 'daemon off;' 2>"$d/nginx/stderr" &
	TLS_NGINX_PID=$!
	pg_on_exit "kill $TLS_NGINX_PID"
	i=0
	while ! python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
		"$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$TLS_NGINX_PID" 2>/dev/null; then
			echo "nginx did not start:" >&2
			cat "$d/nginx/stderr" "$d/nginx/logs/error.log" >&2 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
}

tls_port() { # DIR NAME
	awk -v n="$2" '$1 == n { print $2 }' "$1/nginx.ports"
}

tls_run_nginx() { # CONF PORT
	mkdir -p "$PG_TMP/nginx/logs" "$PG_TMP/nginx/tmp"
	nginx -c "$1" -p "$PG_TMP/nginx" -g 'daemon off;' 2>"$PG_TMP/nginx.err" &
	pg_on_exit "kill $!"
	_i=0
	until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
		"$2" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le 100 ] || { echo "FAIL: nginx did not start: $(cat "$PG_TMP/nginx.err")" >&2; exit 1; }
		sleep 0.05
	done
}
