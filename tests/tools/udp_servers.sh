#!/bin/sh
# udp_servers.sh run DIR - the real UDP servers test_probe_udp asks, on 127.0.0.1 at
# free ports, each with its own config and state in DIR (never the system's services):
# dnsmasq, snmpd, memcached, chronyd, in.tftpd (tftpd-hpa), openvpn, strongSwan's charon,
# libcoap's coap-server, ngtcp2's example QUIC server. Writes "NAME PORT" lines to DIR/ports
# for those it started and "NAME: why" to DIR/missing for those it could not (the test
# reports them as skipped parts), then DIR/ready, and stays: on SIGTERM it stops them and
# waits until they are gone (at most STOP_WAIT seconds, then SIGKILL), so the caller can
# remove DIR (snmpd writes its state there as it exits).
set -u
cmd=$1 dir=$2
STOP_WAIT=5
pids=""

# a port free on 127.0.0.1 for UDP and TCP (dnsmasq takes both); a few tries when the TCP
# twin of a free UDP port is taken
free_udp() {
	python3 -c '
import socket
for _ in range(20):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", u.getsockname()[1]))
    except OSError:
        continue
    print(u.getsockname()[1])
    break
else:
    raise SystemExit("udp_servers.sh: no free port")'
}

# started NAME PORT PID: record a server that runs
started() {
	pids="$pids $3"
	if [ -n "$2" ]; then echo "$1 $2" >>"$dir/ports"; else missing "$1" "no free port"; fi
}
missing() { echo "$1: $2" >>"$dir/missing"; }

start_dnsmasq() {
	command -v dnsmasq >/dev/null || { missing dns "dnsmasq not installed"; return; }
	p=$(free_udp)
	dnsmasq -k --conf-file=/dev/null --port="$p" --listen-address=127.0.0.1 \
		--bind-interfaces --no-resolv --no-hosts --user=root --pid-file="$dir/dnsmasq.pid" \
		--log-facility="$dir/dnsmasq.log" &
	started dns "$p" $!
}

start_snmpd() {
	command -v snmpd >/dev/null || { missing snmp "snmpd not installed"; return; }
	p=$(free_udp)
	mkdir -p "$dir/snmp"
	printf 'rocommunity public 127.0.0.1\nsysDescr portgate test agent 5.9\n' >"$dir/snmpd.conf"
	# -C: no system config files; persistent state in DIR, not /var/lib/snmp
	SNMP_PERSISTENT_DIR="$dir/snmp" snmpd -f -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" \
		-p "$dir/snmpd.pid" "udp:127.0.0.1:$p" &
	started snmp "$p" $!
}

start_memcached() {
	command -v memcached >/dev/null || { missing memcached "memcached not installed"; return; }
	p=$(free_udp)
	# -U: UDP is off by default since 1.5.6; -p 0: no TCP listener
	memcached -u root -l 127.0.0.1 -U "$p" -p 0 -m 8 >"$dir/memcached.log" 2>&1 &
	started memcached "$p" $!
}

start_chronyd() {
	command -v chronyd >/dev/null || { missing ntp "chronyd not installed"; return; }
	p=$(free_udp)
	# a server only: no sources, no control socket, its own local clock at stratum 10; -x
	# never touches the system clock
	printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.1\ncmdport 0\nlocal stratum 10\npidfile %s\n' \
		"$p" "$dir/chronyd.pid" >"$dir/chrony.conf"
	chronyd -d -x -u root -f "$dir/chrony.conf" >"$dir/chronyd.log" 2>&1 &
	started ntp "$p" $!
}

start_tftpd() {
	command -v in.tftpd >/dev/null || { missing tftp "in.tftpd (tftpd-hpa) not installed"; return; }
	p=$(free_udp)
	mkdir -p "$dir/tftp"
	in.tftpd -L -u root -s "$dir/tftp" -a "127.0.0.1:$p" >"$dir/tftpd.log" 2>&1 &
	started tftp "$p" $!
}

start_openvpn() {
	command -v openvpn >/dev/null || { missing openvpnd "openvpn not installed"; return; }
	command -v openssl >/dev/null || { missing openvpnd "openssl not installed"; return; }
	p=$(free_udp)
	# a self-signed certificate as its own CA is enough for a TLS server to answer the
	# hard reset; --dev null: no tun device, nothing routed
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=portgate-test-openvpn -keyout "$dir/ovpn.key" -out "$dir/ovpn.pem" \
		>/dev/null 2>&1 || { missing openvpnd "openssl could not make a certificate"; return; }
	openvpn --dev null --proto udp4 --local 127.0.0.1 --lport "$p" --tls-server \
		--ca "$dir/ovpn.pem" --cert "$dir/ovpn.pem" --key "$dir/ovpn.key" --dh none \
		--verb 3 >"$dir/openvpn.log" 2>&1 &
	started openvpnd "$p" $!
}

# strongSwan's IKE daemon on random ports with one PSK connection 127.0.0.1 <-> 127.0.0.1
# proposing what portgate's IKE_SA_INIT offers. Only the plugins answering IKE_SA_INIT
# needs: no bypass-lan/connmark/updown/resolve, which would touch the host's policies,
# routes or resolv.conf; no routes or virtual IPs; only lo used. On a port other than 500
# charon expects the non-ESP marker on both of its sockets, so the test asks it the 4500
# form (the same IKE message after the marker).
start_charon() {
	ch=/usr/lib/ipsec/charon
	if [ ! -x $ch ] || ! command -v swanctl >/dev/null; then
		missing charon "strongswan-charon and strongswan-swanctl not installed"
		return
	fi
	p=$(free_udp) q=$(free_udp)
	cat >"$dir/strongswan.conf" <<-EOF
	charon {
		port = $p
		port_nat_t = $q
		install_routes = no
		install_virtual_ip = no
		interfaces_use = lo
		load = random nonce openssl pem pkcs1 x509 pubkey hmac sha2 sha1 aes gmp kdf kernel-netlink socket-default vici
		plugins {
			vici {
				socket = unix://$dir/charon.vici
			}
		}
		filelog {
			log {
				path = $dir/charon.log
				default = 1
			}
		}
	}
	EOF
	cat >"$dir/swanctl.conf" <<-EOF
	connections {
		portgate-test {
			local_addrs = 127.0.0.1
			remote_addrs = 127.0.0.1
			proposals = aes128-sha256-modp2048
			local {
				auth = psk
			}
			remote {
				auth = psk
			}
		}
	}
	secrets {
		ike-test {
			secret = portgate-test-only
		}
	}
	EOF
	STRONGSWAN_CONF="$dir/strongswan.conf" $ch >"$dir/charon.out" 2>&1 &
	pids="$pids $!"
	# bounded wait for its control socket (30 s: it can take 5 s on a loaded machine), then
	# the connection; charon is offered to the test only once it has the connection
	i=0
	while [ ! -S "$dir/charon.vici" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	if STRONGSWAN_CONF="$dir/strongswan.conf" swanctl --load-all --file "$dir/swanctl.conf" \
		--uri "unix://$dir/charon.vici" >"$dir/swanctl.log" 2>&1; then
		echo "charon $q" >>"$dir/ports"
	else
		missing charon "swanctl could not load the test connection (see swanctl.log)"
	fi
}

start_coap() {
	command -v coap-server-notls >/dev/null ||
		{ missing coapd "coap-server-notls (libcoap3-bin) not installed"; return; }
	p=$(free_udp)
	coap-server-notls -A 127.0.0.1 -p "$p" >"$dir/coap.log" 2>&1 &
	started coapd "$p" $!
}

# ngtcp2's example server (GnuTLS): answers a packet of an unknown version with Version
# Negotiation; its document root is an empty dir of DIR
start_quic() {
	command -v gtlsserver >/dev/null ||
		{ missing ngtcp2 "gtlsserver (ngtcp2-server) not installed"; return; }
	p=$(free_udp)
	mkdir -p "$dir/htdocs"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -keyout "$dir/quic.key" -out "$dir/quic.pem" >/dev/null 2>&1 ||
		{ missing ngtcp2 "openssl could not make a certificate"; return; }
	gtlsserver --quiet -d "$dir/htdocs" 127.0.0.1 "$p" "$dir/quic.key" "$dir/quic.pem" \
		>"$dir/quic.log" 2>&1 &
	started ngtcp2 "$p" $!
}

stop_all() {
	[ -n "$pids" ] || exit 0
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	(
		sleep $STOP_WAIT
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
	) &
	killer=$!
	# shellcheck disable=SC2086
	wait $pids 2>/dev/null
	kill $killer 2>/dev/null
	exit 0
}

case $cmd in
run)
	: >"$dir/ports"
	: >"$dir/missing"
	start_dnsmasq
	start_snmpd
	start_memcached
	start_chronyd
	start_tftpd
	start_openvpn
	start_charon
	start_coap
	start_quic
	trap stop_all TERM INT
	: >"$dir/ready"
	# until the test ends (it sends SIGTERM; or it died): a short sleep in the background,
	# so the trap runs as soon as the signal comes
	while kill -0 "$PPID" 2>/dev/null; do
		sleep 1 &
		wait $!
	done
	stop_all
	;;
esac
