#!/bin/sh
# Install every Debian 12 package portgate needs to build, test and benchmark.
# The one list of build/test dependencies; README.md explains why each is here.
#   --build  only what `autoreconf && configure && make && make install` needs (the container
#            image's build stage, debian/control's Build-Depends, the action's install step)
#   --image  only what scripts/image-test.sh needs (its own CI step: the container image with
#            podman, the Debian packages with dpkg-buildpackage); the main test run needs neither.
set -eu
BUILD_PKGS="
build-essential autoconf automake libtool pkg-config
libjansson-dev libcurl4-openssl-dev libssl-dev libc-ares-dev libyaml-dev libltdl-dev
libpsl-dev libidn2-dev libmaxminddb-dev libmicrohttpd-dev
"
mode=${1:-}
case "$mode" in
--build) PKGS="$BUILD_PKGS ca-certificates" ;;
--image) PKGS="podman runc uidmap debootstrap debhelper dpkg-dev fakeroot python3-yaml" ;;
"") PKGS="$BUILD_PKGS
check libsubunit-dev
dnsmasq-base nginx-light nmap iptables iproute2 python3 openssl ca-certificates procps
libnetfilter-queue-dev time
libmaxmind-db-writer-perl mmdb-bin curl jq wrk
rsyslog rsyslog-openssl sslscan testssl.sh libxml2-utils python3-jsonschema clang-format
python3-yaml
snmpd memcached chrony redis-server mariadb-server postgresql
tftpd-hpa openvpn strongswan-charon strongswan-swanctl libcoap3-bin ngtcp2-server
chromium
clang libclang-rt-14-dev
nodejs
" ;;
*)
	echo "install-deps: unknown option '$mode' (expected --build, --image or nothing)" >&2
	exit 2
	;;
esac
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
# the npm and Observatory caches below are for the test suite only
[ -z "$mode" ] || exit 0
# npm for the headers agreement test (it installs the MDN HTTP Observatory CLI
# from npm into a cache dir): Debian's own package only where nodejs came
# without one (NodeSource's nodejs bundles npm and conflicts with Debian's).
if ! command -v npm >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
fi
# portgate serve tests: npm packages (exact versions) into a cache directory; the
# tests install them there too when missing (tests/e2e/lib/node.sh has the list).
if command -v npm >/dev/null 2>&1; then
	PG_NPM_DIR=${PG_NPM_DIR:-/var/cache/portgate/npm}
	mkdir -p "$PG_NPM_DIR"
	[ -f "$PG_NPM_DIR/package.json" ] || echo '{"private": true}' >"$PG_NPM_DIR/package.json"
	npm install --prefix "$PG_NPM_DIR" --no-audit --no-fund --silent \
		typescript@5.9.3 @seriousme/openapi-schema-validator@2.11.0
fi
# The headers agreement test's reference: the MDN HTTP Observatory CLI, into
# its cache dir (the test installs it there too when missing).
sh "$(dirname "$0")/../plugins/headers/tests/observatory.sh" >/dev/null || true
