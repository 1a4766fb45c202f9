# bench/netns.sh - the benchmark's private network (sourced by bench/run.sh).
#
#   scanner ns ($BENCH_NS_S)                 targets ns ($BENCH_NS_T)
#   pgs0 10.254.0.1/30  <---- veth ---->     pgt0 10.254.0.2/30
#   route 10.100.0.0/16 via 10.254.0.2       "local 10.100.0.0/16 dev lo": every
#   OUTPUT -o pgs0 -> NFQUEUE (delay)        address of the /16 is a target host
#                                            INPUT DROP rules = filtered ports/hosts
#
# Scanners (portgate, nmap) run in the scanner namespace; one listener process
# serves every open port in the targets namespace. Only the scanner-to-target
# direction is delayed (NFQUEUE on the scanner's OUTPUT), so RTT ~= delay and
# the target kernel's RSTs are never queued. Nothing leaves the two namespaces.
#
# Needs root, iproute2, iptables, python3. All functions are bounded in time.

BENCH_NS_S=${BENCH_NS_S:-pgb-s-$$}
BENCH_NS_T=${BENCH_NS_T:-pgb-t-$$}
BENCH_NET=10.100.0.0/16
# The real interpreter, not a wrapper script (pyenv shims fork): the pid the
# bench records must be the process it later kills.
BENCH_PY=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
bench_listen_pid=
bench_delay_pid=

bench_in_s() { ip netns exec "$BENCH_NS_S" "$@"; }
bench_in_t() { ip netns exec "$BENCH_NS_T" "$@"; }

# Create both namespaces and the veth link. Returns 1 (with a reason on
# stderr) when namespaces cannot be created here.
bench_ns_up() {
	ip netns add "$BENCH_NS_S" || { echo "bench: cannot create netns (need root)" >&2; return 1; }
	ip netns add "$BENCH_NS_T" || return 1
	ip link add pgs0 netns "$BENCH_NS_S" type veth peer name pgt0 netns "$BENCH_NS_T" || return 1
	bench_in_s ip link set lo up
	bench_in_t ip link set lo up
	bench_in_s ip addr add 10.254.0.1/30 dev pgs0
	bench_in_t ip addr add 10.254.0.2/30 dev pgt0
	bench_in_s ip link set pgs0 up
	bench_in_t ip link set pgt0 up
	bench_in_s ip route add "$BENCH_NET" via 10.254.0.2
	bench_in_t ip route add local "$BENCH_NET" dev lo
	# Scanner: the widest ephemeral range, so 65535 connects never run short.
	bench_in_s sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	bench_in_s sysctl -qw net.ipv4.tcp_tw_reuse=1
	bench_in_t sysctl -qw net.core.somaxconn=4096
	bench_in_t sysctl -qw net.ipv4.tcp_max_syn_backlog=65536
	# Listening sockets are bound to single addresses of the local /16.
	bench_in_t sysctl -qw net.ipv4.ip_nonlocal_bind=1
	return 0
}

bench_ns_down() {
	bench_delay_stop
	bench_listen_stop
	# Anything still running inside our namespaces was started by the bench.
	local ns pid
	for ns in "$BENCH_NS_S" "$BENCH_NS_T"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	ip netns del "$BENCH_NS_S" 2>/dev/null
	ip netns del "$BENCH_NS_T" 2>/dev/null
	return 0
}

# bench_listen_start SPEC: serve every "ADDR PORT" of SPEC; waits up to 60 s.
bench_listen_start() {
	local ready=$BENCH_WORK/listen.ready i
	rm -f "$ready"
	# ip netns exec directly, not the bench_in_t function: a backgrounded
	# function is a subshell, and $! would not be the listener.
	ip netns exec "$BENCH_NS_T" "$BENCH_PY" "$BENCH_SRC/listen.py" "$1" "$ready" &
	bench_listen_pid=$!
	for i in $(seq 600); do
		[ -s "$ready" ] && return 0
		kill -0 "$bench_listen_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: listener did not start" >&2
	return 1
}

bench_listen_stop() {
	[ -n "$bench_listen_pid" ] || return 0
	kill "$bench_listen_pid" 2>/dev/null
	wait "$bench_listen_pid" 2>/dev/null
	bench_listen_pid=
}

# bench_filter_set RULES: replace the targets' filter table (iptables-restore
# format; an empty file clears it).
bench_filter_set() {
	bench_in_t iptables -F INPUT
	[ -s "$1" ] || return 0
	bench_in_t iptables-restore --noflush <"$1"
}

# bench_delay_start MS: hold scanner-to-target packets MS ms (0 = no delay).
bench_delay_start() {
	bench_delay_stop
	[ "$1" -gt 0 ] || return 0
	ip netns exec "$BENCH_NS_S" "$BENCH_BUILD/nfq-delay" -q 7 -d "$1" -n 262144 &
	bench_delay_pid=$!
	sleep 0.3
	kill -0 "$bench_delay_pid" 2>/dev/null || { echo "bench: nfq-delay failed" >&2; return 1; }
	# No --queue-bypass: if the delayer dies every probe is lost and the
	# correctness check says so, instead of silently measuring without delay.
	bench_in_s iptables -A OUTPUT -o pgs0 -p tcp -j NFQUEUE --queue-num 7
}

bench_delay_stop() {
	[ -n "$bench_delay_pid" ] || return 0
	bench_in_s iptables -F OUTPUT 2>/dev/null
	kill "$bench_delay_pid" 2>/dev/null
	wait "$bench_delay_pid" 2>/dev/null
	bench_delay_pid=
}

bench_delay_alive() {
	[ -z "$bench_delay_pid" ] || kill -0 "$bench_delay_pid" 2>/dev/null
}

# bench_rtt ADDR PORT: median TCP connect time in ms (5 tries, 5 s cap each).
bench_rtt() {
	bench_in_s timeout 60 "$BENCH_PY" - "$1" "$2" <<'EOF'
import socket, statistics, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(5):
    s = socket.socket()
    s.settimeout(5)
    t0 = time.monotonic()
    try:
        s.connect((addr, port))
    except ConnectionRefusedError:
        pass
    times.append((time.monotonic() - t0) * 1000)
    s.close()
print("%.1f" % statistics.median(times))
EOF
}
