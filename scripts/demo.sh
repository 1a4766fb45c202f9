#!/bin/sh
# Set up a fresh Debian 12 machine, build portgate, start a local target and check it.
#   sh scripts/demo.sh   (as root)
# The target is this machine's loopback: a web server on an approved port, a
# forgotten "admin" listener on a port nobody approved, and an approved port
# that is closed. portgate should fail the check (exit 1) and say why.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"
"$src/scripts/build.sh"
bin=${BUILD_DIR:-$src/build}/portgate
work=$(mktemp -d /tmp/portgate-demo.XXXXXX)
python3 "$src/tests/tools/listen.py" "$work/ports" "http@127.0.0.1:0" \
	"banner=SSH-2.0-OpenSSH_9.2p1 temporary-admin@127.0.0.1:0" &
listener=$!
trap 'kill $listener 2>/dev/null; rm -rf "$work"' EXIT
i=0; while [ ! -s "$work/ports" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
web=$(sed -n 1p "$work/ports"); admin=$(sed -n 2p "$work/ports")
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/exposure.yaml" <<YAML
version: 1
assets:
  - name: demo-app
    target: 127.0.0.1
    owner: platform-web
    environment: production
    criticality: high
    approvedPorts: [$web, $closed]
    ports: [$web, $admin, $closed]
YAML
echo "== manifest ($work/exposure.yaml)"; cat "$work/exposure.yaml"
echo "== portgate check"
set +e
"$bin" check -m "$work/exposure.yaml" --out "$src/demo-evidence.json"
code=$?
set -e
echo "== exit status $code (1 = policy failed: port $admin is open but not approved)"
echo "== full evidence: $src/demo-evidence.json"
[ "$code" -eq 1 ]
