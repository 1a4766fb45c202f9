#!/bin/sh
# probe_hostile: the real binary against banner and hostile listeners
# (tests/tools/hostile.py) in one scan: services named from what answered,
# banners sanitised, and no garbage stream, trickle, silent or broken TLS
# server holds the scan past the probe budget or makes it read past maxBytes.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
. "$PG_SRCDIR/tests/e2e/lib/tls.sh"

command -v openssl >/dev/null 2>&1 || pg_skip "openssl CLI not installed"
pki="$PG_TMP/pki"
tls_make_pki "$pki" || { echo "FAIL: could not make the test PKI" >&2; exit 1; }

kinds="ssh smtp ftp pop3 imap mysql evil garbage trickle trickle=0.1 silent http tlsplain
tls=$pki/valid.pem:$pki/valid.key tlsflood tlsstall"
python3 "$PG_TOOLS/hostile.py" "$PG_TMP/h.ports" $kinds &
pg_on_exit "kill $!"
i=0
while [ ! -s "$PG_TMP/h.ports" ]; do
	i=$((i + 1)); [ $i -le 100 ] || { echo "FAIL: hostile.py did not start" >&2; exit 1; }
	sleep 0.05
done
n=0
for k in ssh smtp ftp pop3 imap mysql evil garbage trickle fasttrickle silent http tlsplain plaintls \
	tlsflood tlsstall; do
	n=$((n + 1))
	eval "p_$k=$(sed -n "${n}p" "$PG_TMP/h.ports")"
done
all=$(paste -sd, "$PG_TMP/h.ports")

total_ms=2000
max_bytes=4096
cat >"$PG_TMP/portgate.yaml" <<YAML
probe:
  bannerWaitMs: 300
  totalMs: $total_ms
  maxBytes: $max_bytes
YAML

out="$PG_TMP/scan.json"
t0=$(date +%s%N)
pg_expect_exit 0 "one scan of every hostile listener" \
	"$PG_BIN" scan --config "$PG_TMP/portgate.yaml" --target 127.0.0.1 --ports "$all" \
	--tls-ports "$p_tlsplain,$p_tlsflood,$p_tlsstall" --ca-file "$pki/ca.pem" --compact
t1=$(date +%s%N)
cp "$PG_TMP/out" "$out"
elapsed=$(( (t1 - t0) / 1000000 ))
# Probes run concurrently: the whole scan fits in one probe budget plus
# connect time and the engine's grace, however hostile the servers.
if [ "$elapsed" -lt $((total_ms + 3000)) ]; then pg_ok "scan took ${elapsed} ms (probe budget ${total_ms} ms)"
else pg_fail "scan took ${elapsed} ms, budget ${total_ms} ms"; fi

field() { # PORT EXPR over the port object p
	pg_json "$out" "(lambda p: $2)(next(p for p in d['ports'] if p['port'] == $1))"
}
svc_db() { # the system services-database name of a port, "unknown" if none
	python3 -c 'import socket,sys
try: print(socket.getservbyport(int(sys.argv[1]), "tcp"))
except OSError: print("unknown")' "$1"
}

pg_assert_eq "every port open" "$(pg_json "$out" 'd["summary"]["open"]')" "$n"
pg_assert_eq "ssh" "$(field "$p_ssh" '[p["service"], p["banner"]]')" \
	'["ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"]'
pg_assert_eq "smtp" "$(field "$p_smtp" '[p["service"], p["banner"]]')" \
	'["smtp", "220 mail.test.local ESMTP Postfix (Debian/GNU)"]'
pg_assert_eq "ftp" "$(field "$p_ftp" '[p["service"], p["banner"]]')" '["ftp", "220 (vsFTPd 3.0.3)"]'
pg_assert_eq "pop3" "$(field "$p_pop3" 'p["service"]')" "pop3"
pg_assert_eq "imap" "$(field "$p_imap" 'p["service"]')" "imap"
pg_assert_eq "mysql" "$(field "$p_mysql" '[p["service"], p["banner"]]')" '["mysql", "8.0.36-hostile"]'
pg_assert_eq "escapes neutralised" "$(field "$p_evil" 'p["banner"]')" \
	'SSH-2.0-Evil\x1b]0;pwned\x07\x1b[2J\x5cx41\x00\x7f | second line'
pg_assert_eq "no control byte in any banner" \
	"$(pg_json "$out" 'all(all(0x20 <= ord(c) < 0x7f for c in p.get("banner", "")) for p in d["ports"])')" "true"
pg_assert_eq "banners capped" "$(pg_json "$out" 'max(len(p.get("banner", "")) for p in d["ports"])  <= 256')" "true"
pg_assert_eq "reads capped at maxBytes (plain)" \
	"$(pg_json "$out" 'max(p["bytesRead"] for p in d["ports"] if p["port"] != '"$p_tlsflood"') <= '"$max_bytes")" "true"
pg_assert_eq "garbage: named by port, noise escaped" \
	"$(field "$p_garbage" '[p["service"], p["banner"][:9]]')" "[\"$(svc_db "$p_garbage")\", \"\\\\x00NOISE\"]"
pg_assert_eq "slow trickle: what arrived" "$(field "$p_trickle" 'p["banner"]')" "a"
pg_assert_eq "fast trickle: stopped by the budget" "$(field "$p_fasttrickle" 'p["banner"][:5]')" "abcde"
pg_assert_eq "silent: no banner, named by port" \
	"$(field "$p_silent" '["banner" in p, p["service"]]')" "[false, \"$(svc_db "$p_silent")\"]"
pg_assert_eq "http" "$(field "$p_http" '[p["service"], p["http"]["status"], p["http"]["server"]]')" \
	'["http", 200, "hostile-http/1.0"]'
pg_assert_eq "TLS port answering plain HTTP" \
	"$(field "$p_tlsplain" '[p["service"], p["tlsExpected"], p["speaksTls"], p["banner"]]')" \
	'["http", true, false, "HTTP/1.1 400 Bad Request | plainhttpd/2.4"]'
pg_assert_eq "plain port answering TLS" \
	"$(field "$p_plaintls" '[p["service"], p["speaksTls"], p["tlsVersion"], p["certificate"]["valid"]]')" \
	'["https", true, "TLSv1.3", true]'
pg_assert_eq "TLS flood: handshake error, bounded" \
	"$(field "$p_tlsflood" '[p["speaksTls"], "tlsError" in p, p["bytesRead"] <= '"$max_bytes"' + 16384 + 5]')" \
	'[false, true, true]'
pg_assert_eq "TLS stall: timeout" "$(field "$p_tlsstall" '[p["speaksTls"], p["tlsError"]]')" '[false, "timeout"]'

# IPv6: the Host header takes brackets, the TLS retry reconnects over IPv6 and
# the certificate (SAN DNS:localhost, IP:127.0.0.1) is matched against ::1.
if pg_have_ipv6; then
	python3 "$PG_TOOLS/hostile.py" "$PG_TMP/v6.ports" "http@::1:0" "tls=$pki/valid.pem:$pki/valid.key@::1:0" &
	pg_on_exit "kill $!"
	i=0
	while [ ! -s "$PG_TMP/v6.ports" ]; do
		i=$((i + 1)); [ $i -le 100 ] || { echo "FAIL: hostile.py (v6) did not start" >&2; exit 1; }
		sleep 0.05
	done
	v6http=$(sed -n 1p "$PG_TMP/v6.ports"); v6tls=$(sed -n 2p "$PG_TMP/v6.ports")
	pg_expect_exit 0 "scan ::1" "$PG_BIN" scan --config "$PG_TMP/portgate.yaml" --target ::1 \
		--ports "$v6http,$v6tls" --ca-file "$pki/ca.pem" --compact
	cp "$PG_TMP/out" "$out"
	pg_assert_eq "::1 http" "$(field "$v6http" '[p["service"], p["http"]["status"]]')" '["http", 200]'
	pg_assert_eq "::1 TLS found, name checked against ::1" \
		"$(field "$v6tls" '[p["service"], p["speaksTls"], p["certificate"]["reasons"]]')" \
		'["https", true, ["hostname-mismatch"]]'
else
	pg_skip_part "no IPv6 loopback: the IPv6 part did not run"
fi

# With probing off nothing is read at all.
pg_expect_exit 0 "--no-probe" "$PG_BIN" scan --target 127.0.0.1 --ports "$p_ssh" --no-probe --compact
pg_assert_eq "--no-probe: no banner" "$(pg_json "$PG_TMP/out" '"banner" in d["ports"][0]')" "false"
pg_done
