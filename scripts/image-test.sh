#!/bin/sh
# The container image and the Debian packages, built and used the way CI and users do (issue 23):
#  1. the image (Dockerfile) builds with podman + runc from a clean clone and from a working copy
#     that has a build/ folder and demo outputs (.dockerignore keeps them out), with its labels;
#  2. the CI templates' jobs run inside it as their runners run them (tests/image/run_jobs.py:
#     GitLab through the entrypoint, GitHub in a job container with checkout's user and files),
#     against listeners on this machine's loopback (--network host);
#  3. `dpkg-buildpackage -b -us -uc` builds the .debs, which install into a fresh Debian 12
#     container, where the installed /usr/bin/portgate runs the demo's check with the plugins
#     from the packaged plugin directory;
#  4. the action's install step builds portgate on a bare Debian 12 (no portgate on PATH).
# It builds from clones of the committed HEAD (commit first).
# Root, podman, runc and debootstrap (sh scripts/install-deps.sh --image); the base image is
# `debootstrap bookworm` imported into podman, cached under $PG_IMAGE_CACHE. Exits 77 with
# SKIP when podman or debootstrap cannot run here. .ci/run gives it its own time budget.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
rev=$(git -C "$src" rev-parse HEAD)
cache=${PG_IMAGE_CACHE:-/var/cache/portgate/image}
base=localhost/debian:bookworm-local
image=localhost/portgate:image-test
skip() {
	echo "SKIP: image-test: $*"
	exit 77
}
fail() {
	echo "FAIL: image-test: $*"
	exit 1
}
step() { echo "== image-test: $* ($(($(date +%s) - start)) s)"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (podman with runc, debootstrap)"
for t in podman runc debootstrap dpkg-buildpackage git python3; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (sh scripts/install-deps.sh --image)"
done
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"

work=$(mktemp -d /tmp/portgate-image-test.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# no edits under /etc: podman reads this file only
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"
pm() { timeout 900 podman --runtime runc "$@"; }
pm info >/dev/null 2>&1 || skip "podman cannot run here ($(pm info 2>&1 | tail -1))"

step "base image $base"
if ! pm image exists "$base"; then
	mkdir -p "$cache"
	if [ ! -f "$cache/rootfs/etc/debian_version" ]; then
		rm -rf "$cache/rootfs.tmp"
		timeout 900 debootstrap --variant=minbase bookworm "$cache/rootfs.tmp" \
			http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
			skip "debootstrap bookworm failed (no Debian mirror?): $(tail -1 "$work/debootstrap.log")"
		mv "$cache/rootfs.tmp" "$cache/rootfs"
	fi
	tar -C "$cache/rootfs" -c . | pm import - "$base" >/dev/null
fi

build_image() { # CONTEXT TAG
	t0=$(date +%s)
	pm build --network host --pull=never --build-arg BASE="$base" --build-arg RUNTIME_BASE="$base" \
		--build-arg REVISION="$rev" \
		--build-arg SOURCE_URL="https://example.invalid/portgate" \
		-t "$2" "$1" >"$work/build-$(basename "$1").log" 2>&1 ||
		{ tail -30 "$work/build-$(basename "$1").log"; fail "image build from $1 failed"; }
	echo "image-test: built $2 from $1 in $(($(date +%s) - t0)) s"
}

step "image from a clean clone"
git clone -q "$src" "$work/clean" && git -C "$work/clean" checkout -q "$rev"
build_image "$work/clean" "$image"

step "image from a working copy with build/ and demo outputs"
# the clone plus what a developer's tree holds after scripts/demo.sh and an in-tree configure
git clone -q "$src" "$work/wc" && git -C "$work/wc" checkout -q "$rev"
mkdir -p "$work/wc/build/core" "$work/wc/build-san"
echo "junk" >"$work/wc/build/Makefile"
echo "junk" >"$work/wc/build/core/x.o"
echo '{}' >"$work/wc/demo-evidence.json"
echo '{}' >"$work/wc/demo.sarif"
echo "# generated" >"$work/wc/config.status"
build_image "$work/wc" "$image-wc"
# the same context once .dockerignore has applied: the layer cache gives the same image
[ "$(pm image inspect --format '{{.Id}}' "$image-wc")" != "$(pm image inspect --format '{{.Id}}' "$image")" ] ||
	echo "image-test: the working copy gives the clean clone's image (build/, demo outputs ignored)"

step "labels"
version=$(sed -n 's/^AC_INIT(\[portgate\], \[\([^]]*\)\].*/\1/p' "$src/configure.ac")
labels=$(pm image inspect --format '{{json .Labels}}' "$image")
python3 - "$labels" "$version" "$rev" <<'PY' || fail "labels"
import json, sys
l, version, rev = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
want = {"org.opencontainers.image.version": version, "org.opencontainers.image.revision": rev,
        "org.opencontainers.image.source": "https://example.invalid/portgate",
        "org.opencontainers.image.title": "portgate"}
bad = {k: l.get(k) for k, v in want.items() if l.get(k) != v}
bad.update({k: None for k in ("org.opencontainers.image.licenses",) if not l.get(k)})
print("image-test: labels %s" % ("ok" if not bad else "wrong: %s" % bad))
sys.exit(1 if bad else 0)
PY

step "template jobs in the image"
timeout 1500 python3 "$src/tests/tools/listen.py" "$work/ports" "http@127.0.0.1:0" \
	"banner=SSH-2.0-OpenSSH_9.2p1 temporary-admin@127.0.0.1:0" &
pids="$pids $!"
timeout 1500 python3 "$src/tests/tools/apirecv.py" --kind slack --port-file "$work/slack.port" \
	--log "$work/slack.log" --max-seconds 1400 &
pids="$pids $!"
i=0
while { [ ! -s "$work/ports" ] || [ ! -s "$work/slack.port" ]; } && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.05
done
web=$(sed -n 1p "$work/ports")
admin=$(sed -n 2p "$work/ports")
slack=$(cat "$work/slack.port")
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
[ -n "$web" ] && [ -n "$admin" ] && [ -n "$slack" ] || fail "listeners did not start"
python3 "$src/tests/image/run_jobs.py" "$src" "$image" "$work/jobs" "$web" "$admin" "$closed" ||
	fail "a template job did not run as designed in the image"

step "Debian packages"
git clone -q "$src" "$work/deb/portgate" && git -C "$work/deb/portgate" checkout -q "$rev"
(cd "$work/deb/portgate" && timeout 1200 dpkg-buildpackage -b -us -uc >"$work/deb.log" 2>&1) ||
	{ tail -30 "$work/deb.log"; fail "dpkg-buildpackage -b -us -uc failed"; }
ls "$work/deb"/*.deb
mkdir -p "$work/demo"
. "$src/scripts/demo-config.sh"
demo_config "$work/demo" "$web" "$admin" "$closed" "$slack" /tmp/portgate-state
# a fresh Debian 12 (the debootstrap base): apt installs the .debs and their dependencies, then
# the demo's check runs from the installed binary with no --plugin-dir
pm run --rm --network host -v "$work/deb:/debs:ro" -v "$work/demo:/demo" "$base" sh -c '
	set -e
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends /debs/portgate_*.deb \
		/debs/portgate-plugins_*.deb /debs/portgate-dev_*.deb >/demo/apt.log
	dpkg -L portgate portgate-plugins portgate-dev >/demo/files
	/usr/bin/portgate plugins >/demo/plugins
	rc=0
	/usr/bin/portgate check -m /demo/exposure.yaml --config /demo/portgate.yaml \
		--out /demo/evidence.json --format sarif --output /demo/demo.sarif || rc=$?
	echo "$rc" >/demo/rc' >"$work/deb-run.log" 2>&1 ||
	{ tail -30 "$work/deb-run.log" "$work/demo/apt.log" 2>/dev/null; fail "installing the .debs failed"; }
cat "$work/deb-run.log"
python3 - "$work/demo" "$work/slack.log" <<'PY' || fail "the demo's check from the .deb"
import json, os, sys
d, log = sys.argv[1:3]
def check(cond, what):
    print("%s: deb: %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        sys.exit(1)
files = open(os.path.join(d, "files")).read().split()
plugdir = "/usr/lib/x86_64-linux-gnu/portgate/plugins/"
check("/usr/bin/portgate" in files and "/usr/share/man/man1/portgate.1.gz" in files,
      "portgate has the binary and the man page")
check(any(f.endswith("portgate-serve.service") for f in files), "portgate has the systemd unit")
check("/etc/portgate/portgate.yaml.example" in files, "portgate has the example settings")
check(any(f.startswith(plugdir) and f.endswith("/headers.so") for f in files),
      "portgate-plugins has the plugins in " + plugdir)
check(not [f for f in files if f.endswith(".la")], "no .la files")
check("/usr/include/portgate/plugin.h" in files and any(f.endswith("/pkgconfig/portgate.pc") for f in files),
      "portgate-dev has plugin.h and portgate.pc")
check("headers" in open(os.path.join(d, "plugins")).read(), "portgate plugins lists the packaged plugins")
check(open(os.path.join(d, "rc")).read().strip() == "1", "the check exits 1 (the admin port)")
ev = json.load(open(os.path.join(d, "evidence.json")))
f = [x for x in ev["assets"][0]["findings"] if x["rule"] == "port-unapproved-open"][0]
check(f["enrichment"]["headers"]["sites"][0].get("grade"), "the headers plugin enriched the finding")
msgs = [json.loads(l) for l in open(log)]
check(len(msgs) >= 1, "the webhook plugin delivered to the local Slack receiver")
check(json.load(open(os.path.join(d, "demo.sarif")))["version"] == "2.1.0", "SARIF written")
PY

step "the action's install step on a bare Debian 12"
# no portgate on PATH: action-install.sh builds it from the action's source (the clone) with the
# build dependencies only, into $RUNNER_TEMP/portgate, and puts it on the job's PATH
pm run --rm --network host -v "$work/clean:/action" -e RUNNER_TEMP=/tmp/runner -e GITHUB_PATH=/tmp/gh-path \
	"$base" sh -c 'sh /action/examples/ci/action-install.sh >/tmp/install.log 2>&1 || { tail -20 /tmp/install.log; exit 1; }
		PATH="$(cat /tmp/gh-path):$PATH" portgate --version && PATH="$(cat /tmp/gh-path):$PATH" portgate plugins' \
	>"$work/action-install.log" 2>&1 || { cat "$work/action-install.log"; fail "action-install.sh"; }
grep -q "^portgate " "$work/action-install.log" && grep -q headers "$work/action-install.log" ||
	{ cat "$work/action-install.log"; fail "action-install.sh: no working portgate on GITHUB_PATH"; }
echo "ok: action: install step builds portgate with its plugins on a bare runner"

echo "image-test: done in $(($(date +%s) - start)) s"
