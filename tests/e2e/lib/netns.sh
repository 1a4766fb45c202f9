# netns.sh - a private network namespace for scan tests. Source after common.sh.
#
# Inside the namespace only lo exists, so every packet stays on this machine;
# iptables rules there shape what the scanner sees (DROP = no answer, REJECT
# with an ICMP type = an unreachable answer) without touching the host.
#
#   pg_netns_up              create pgt-$$ with lo up (exit 77 when impossible)
#   pg_ns CMD...             run CMD inside the namespace
#   pg_ns_ipv6               true when ::1 and ip6tables work there
#   pg_ns_drop PORT...       DROP incoming TCP SYNs to PORT (v4 and v6): "filtered"
#   pg_ns_reject WITH PORT   REJECT --reject-with WITH (icmp-host-unreachable,
#                            icmp-admin-prohibited, icmp6-adm-prohibited, ...)
#   pg_ns_listen NAME SPEC.. tests/tools/listen.py inside; ports via pg_port NAME N
#   pg_ns_udp NAME SPEC...   tests/tools/udp_answer.py inside (answering UDP ports)
#   pg_ns_free_ports N       N distinct ports nothing listens on, one per line

PG_NS="pgt-$$"

pg_netns_up() {
	[ "$(id -u)" -eq 0 ] || pg_skip "network namespaces need root"
	command -v ip >/dev/null || pg_skip "iproute2 (ip) is not installed"
	ip netns add "$PG_NS" 2>"$PG_TMP/netns.err" ||
		pg_skip "cannot create a network namespace: $(cat "$PG_TMP/netns.err")"
	# Kill whatever still runs in it (only our own test processes live there),
	# then remove it.
	pg_on_exit "ip netns pids $PG_NS | xargs -r kill; ip netns del $PG_NS"
	ip netns exec "$PG_NS" ip link set lo up ||
		pg_skip "cannot bring lo up inside the namespace"
	command -v iptables >/dev/null || pg_skip "iptables is not installed"
	pg_ns iptables -A INPUT -p tcp --dport 9 -j ACCEPT 2>/dev/null ||
		pg_skip "iptables does not work inside a namespace here"
	pg_ns iptables -D INPUT -p tcp --dport 9 -j ACCEPT
}

pg_ns() { ip netns exec "$PG_NS" "$@"; }

# pg_ns_ipv6: true when ::1 works inside the namespace and ip6tables exists
pg_ns_ipv6() {
	pg_ns python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null &&
		command -v ip6tables >/dev/null
}

pg_ns_drop() {
	for p in "$@"; do
		pg_ns iptables -A INPUT -p tcp --dport "$p" -j DROP
		pg_ns ip6tables -A INPUT -p tcp --dport "$p" -j DROP 2>/dev/null || true
	done
}

pg_ns_reject() {
	case "$1" in
	icmp6-*) pg_ns ip6tables -A INPUT -p tcp --dport "$2" -j REJECT --reject-with "$1" ;;
	*) pg_ns iptables -A INPUT -p tcp --dport "$2" -j REJECT --reject-with "$1" ;;
	esac
}

pg_ns_listen() { pg_ns_tool listen.py "$@"; }
pg_ns_udp() { pg_ns_tool udp_answer.py "$@"; }

# pg_ns_tool TOOL NAME ARG...: tests/tools/TOOL PORTFILE ARG... inside the namespace,
# stopped on exit; returns once it wrote its ports (pg_port NAME N).
pg_ns_tool() {
	tool=$1 name=$2; shift 2
	# ip netns exec execs python3 itself, so $! is the listener (through a
	# shell function it would be a subshell, and killing it would orphan it).
	ip netns exec "$PG_NS" python3 "$PG_TOOLS/$tool" "$PG_TMP/$name.ports" "$@" &
	pg_on_exit "kill $!"
	i=0
	while [ ! -s "$PG_TMP/$name.ports" ]; do
		i=$((i + 1)); [ $i -le 100 ] || { echo "listener $name did not start" >&2; exit 1; }
		sleep 0.05
	done
}

# pg_free_port's program (lib/common.sh), run inside the namespace.
pg_ns_free_ports() {
	pg_ns python3 -c "$PG_FREE_PORT_PY" "$1"
}

# pg_ns_nginx_head : the top of an nginx.conf for pg_ns_nginx (root worker,
# logs and temp files under $PG_TMP/nginx), up to and including "http {".
pg_ns_nginx_head() {
	mkdir -p "$PG_TMP/nginx/logs" "$PG_TMP/nginx/tmp"
	echo "user root; worker_processes 1; pid $PG_TMP/nginx/nginx.pid;"
	echo "error_log $PG_TMP/nginx/logs/error.log;"
	echo "events { worker_connections 256; }"
	echo "http { access_log off; client_body_temp_path $PG_TMP/nginx/tmp;"
	echo "  proxy_temp_path $PG_TMP/nginx/tmp; fastcgi_temp_path $PG_TMP/nginx/tmp;"
	echo "  uwsgi_temp_path $PG_TMP/nginx/tmp; scgi_temp_path $PG_TMP/nginx/tmp;"
}

# pg_ns_nginx CONF PORT : nginx with CONF inside the namespace, stopped on exit;
# returns once 127.0.0.1:PORT accepts there (exits 1 when it does not start).
pg_ns_nginx() {
	ip netns exec "$PG_NS" nginx -c "$1" -p "$PG_TMP/nginx" -g 'daemon off;' \
		2>"$PG_TMP/nginx.err" &
	pg_on_exit "kill $!"
	_i=0
	until pg_ns python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1",
int(sys.argv[1])), 1).close()' "$2" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le 100 ] || { echo "FAIL: nginx did not start: $(cat "$PG_TMP/nginx.err")" >&2; exit 1; }
		sleep 0.05
	done
}
