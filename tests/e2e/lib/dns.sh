# tests/e2e/lib/dns.sh - a local DNS server for end-to-end tests (owner: resolve).
#
# Source it (after common.sh; safe under set -eu), then:
#   pg_on_exit dns_stop             # or: trap 'dns_stop' EXIT
#   dns_start --host-record=www.example.test,127.0.0.1 \
#             --host-record=v6.example.test,::1 \
#             --cname=alias.example.test,mid.example.test \
#             --cname=mid.example.test,www.example.test
#   portgate check --dns-server "$DNS_SERVER" ...
#
# dns_start runs dnsmasq on 127.0.0.1:<free high port> with only the records
# given (any dnsmasq option: --host-record, --cname, --address, --txt-record,
# --mx-host...). Every name it was not told about is NXDOMAIN (local=/#/), so
# no query ever leaves the machine and results are deterministic. It sets
# DNS_PORT, DNS_SERVER ("127.0.0.1:PORT") and DNS_PID, and returns once the
# server answers. A name that only has other record types (e.g. a
# --txt-record) answers "no A or AAAA records". With DNS_IPV6=1 it also
# listens on [::1]:DNS_PORT (check pg_have_ipv6 first).
#
# dns_start_silent starts a UDP socket that reads nothing and never answers
# (for DNS timeout tests); it sets DNS_SILENT_SERVER ("127.0.0.1:PORT") and
# DNS_SILENT_PORT, so it can run next to dns_start.
#
# dns_stop stops whatever was started and removes the temporary files.

DNS_PORT=
DNS_SERVER=
DNS_PID=
DNS_SILENT_PID=
DNS_SILENT_PORT=
DNS_SILENT_SERVER=
DNS_DIR=

# Under common.sh the files live in $PG_TMP, so they go with it even when a
# test only kills $DNS_PID instead of calling dns_stop.
_dns_tmpdir() {
	[ -z "$DNS_DIR" ] || return 0
	if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ]; then
		DNS_DIR=$(mktemp -d "$PG_TMP/dns.XXXXXX") || return 1
	else
		DNS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pg-dns.XXXXXX") || return 1
	fi
}

# A port free on 127.0.0.1 for both UDP and TCP right now (lib/common.sh's pg_free_port). A
# function of its own so that resolve_dns_lib.sh can make it fail.
dns_free_port() {
	pg_free_port 1 udp
}

# True when a DNS server answers (anything, even NXDOMAIN) on 127.0.0.1:$1.
dns_answers() {
	python3 - "$1" <<'EOF'
import socket, sys
q = bytes.fromhex("4242010000010000000000000570726f6265047465737400" "00010001")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
try:
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    sys.exit(0 if s.recv(512)[:2] == q[:2] else 1)
except OSError:
    sys.exit(1)
EOF
}

# dns_start [dnsmasq options...]  (call it directly, not in $(...): it keeps state)
dns_start() {
	command -v dnsmasq >/dev/null 2>&1 || {
		echo "dns_start: dnsmasq not installed (apt-get install dnsmasq-base)" >&2
		return 1
	}
	_dns_tmpdir || return 1
	_dns_attempt=0
	while [ "$_dns_attempt" -lt 5 ]; do
		_dns_attempt=$((_dns_attempt + 1))
		# Under load the probe for a free port can fail too (the UDP port's TCP twin is
		# taken): that is one failed attempt, not the end of dns_start.
		DNS_PORT=$(dns_free_port) || { DNS_PORT=; sleep 0.1; continue; }
		_dns_listen=127.0.0.1
		[ "${DNS_IPV6:-0}" != 1 ] || _dns_listen=127.0.0.1,::1
		dnsmasq --no-daemon --port="$DNS_PORT" --listen-address="$_dns_listen" \
			--bind-interfaces --no-resolv --no-hosts --conf-file=/dev/null \
			--pid-file --local=/#/ --log-queries --log-facility=- "$@" \
			>>"$DNS_DIR/dnsmasq.log" 2>&1 &
		DNS_PID=$!
		_dns_i=0
		while [ "$_dns_i" -lt 50 ]; do
			_dns_i=$((_dns_i + 1))
			kill -0 "$DNS_PID" 2>/dev/null || break # port taken meanwhile
			if dns_answers "$DNS_PORT"; then
				DNS_SERVER="127.0.0.1:$DNS_PORT"
				return 0
			fi
			sleep 0.1
		done
		kill "$DNS_PID" 2>/dev/null || true
		wait "$DNS_PID" 2>/dev/null || true
		DNS_PID=
	done
	echo "dns_start: dnsmasq did not come up; its log:" >&2
	cat "$DNS_DIR/dnsmasq.log" >&2
	return 1
}

# dns_start_silent: a DNS "server" that never answers.
dns_start_silent() {
	_dns_tmpdir || return 1
	rm -f "$DNS_DIR/silent.port"
	python3 - "$DNS_DIR/silent.port" <<'EOF' &
import os, signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(tmp, sys.argv[1])
signal.pause()  # hold the socket open, read nothing, answer nothing
EOF
	DNS_SILENT_PID=$!
	_dns_i=0
	while [ "$_dns_i" -lt 50 ] && [ ! -s "$DNS_DIR/silent.port" ]; do
		_dns_i=$((_dns_i + 1))
		sleep 0.1
	done
	[ -s "$DNS_DIR/silent.port" ] || {
		echo "dns_start_silent: the silent server did not start" >&2
		return 1
	}
	DNS_SILENT_PORT=$(cat "$DNS_DIR/silent.port")
	DNS_SILENT_SERVER="127.0.0.1:$DNS_SILENT_PORT"
}

# Print what dnsmasq was asked (for debugging a failing test).
dns_log() {
	if [ -n "$DNS_DIR" ]; then cat "$DNS_DIR/dnsmasq.log" 2>/dev/null || true; fi
}

dns_stop() {
	for _dns_p in $DNS_PID $DNS_SILENT_PID; do
		kill "$_dns_p" 2>/dev/null || true
		wait "$_dns_p" 2>/dev/null || true
	done
	DNS_PID=
	DNS_SILENT_PID=
	if [ -n "$DNS_DIR" ]; then rm -rf "$DNS_DIR"; fi
	DNS_DIR=
	return 0
}
