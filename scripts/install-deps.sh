#!/bin/sh
# Install every Debian 12 package portgate needs to build, test and benchmark.
# The one list of build/test dependencies; README.md explains why each is here.
set -eu
PKGS="
build-essential autoconf automake libtool pkg-config
libjansson-dev libcurl4-openssl-dev libssl-dev libc-ares-dev libyaml-dev libltdl-dev
check libsubunit-dev
dnsmasq-base nginx-light nmap iptables iproute2 python3 openssl ca-certificates procps
libnetfilter-queue-dev time
libpsl-dev libidn2-dev libmaxminddb-dev libmaxmind-db-writer-perl mmdb-bin libmicrohttpd-dev
rsyslog rsyslog-openssl sslscan testssl.sh libxml2-utils python3-jsonschema clang-format
clang libclang-rt-14-dev
"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (or with sudo)" >&2
	exit 2
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
