#!/bin/sh
# Issue 21 item 6 and its "Done when": the plugin kit, used from an installed
# prefix only. `make install prefix=$T/prefix` from the build dir; every
# installed path the docs and the man page name exists there; `portgate plugin
# new` scaffolds a notifier and an enricher whose Makefiles build them with
# `pkg-config portgate` and whose `make test` passes out of the box; the
# installed examples (a routed ticket notifier under 80 lines of code, a CMDB
# enricher) built with those Makefiles pass plugin-test and a real `check`
# against a loopback listener and the installed receiver emulator. When the
# host knows `after:` (ABI 1.3), the CMDB enricher asks for the name the dns
# enricher found (its CNAME) through dnsmasq; otherwise that part is skipped.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
. "$PG_SRCDIR/tests/e2e/lib/dns.sh"
command -v pkg-config >/dev/null 2>&1 || pg_skip "pkg-config not installed"
command -v make >/dev/null 2>&1 || pg_skip "make not installed"
P="$T/prefix"
env -u MAKEFLAGS -u MFLAGS make -s -C "$PG_BUILDDIR" install prefix="$P" >"$T/install.log" 2>&1 \
	|| fail "make install prefix=$P: $(tail -5 "$T/install.log")"
PATH="$P/bin:$PATH"; PKG_CONFIG_PATH="$P/lib/pkgconfig"; export PATH PKG_CONFIG_PATH
KIT="$P/share/portgate"

# 1. Every installed path the docs and the man page name exists (read from the installed copies).
python3 - "$P" "$P/share/doc/portgate" "$P/share/man/man1/portgate.1" <<'PY' >"$T/paths" \
	|| fail "paths the docs name are missing: $(cat "$T/paths")"
import glob, os, re, sys
prefix, docdir, man = sys.argv[1], sys.argv[2], sys.argv[3]
roots = {"$(datadir)": "share", "$(pkgdatadir)": "share/portgate", "$(docdir)": "share/doc/portgate",
         "$(sysconfdir)": "etc", "$(plugindir)": "lib/portgate/plugins", "/usr/local": ""}
pat = re.compile(r"(\$\((?:datadir|pkgdatadir|docdir|sysconfdir|plugindir)\)|/usr/local)((?:/[A-Za-z0-9_.*-]+)*/?)")
files = glob.glob(docdir + "/*.md") + glob.glob(docdir + "/plugins/*.md") + [man]
seen, missing = set(), []
for path in files:
    text = open(path).read().replace("\\-", "-")
    for m in pat.finditer(text):
        rel = (m.group(2) or "/").rstrip(".")
        if rel in ("/", "") or "*" in rel.rstrip("/").rsplit("/", 1)[0]:
            continue
        where = os.path.normpath(os.path.join(prefix, roots[m.group(1)], rel.lstrip("/")))
        if where.startswith(os.path.join(prefix, "lib/portgate/plugins/")):
            continue  # plugins a user installs there (cmdb.so): the directory is checked
        seen.add(where)
        if not glob.glob(where):
            missing.append("%s names %s%s" % (os.path.basename(path), m.group(1), rel))
assert not missing, missing
print(len(seen))
PY
[ "$(cat "$T/paths")" -ge 12 ] || fail "only $(cat "$T/paths") installed paths named by the docs"
for f in testkit/mock_host.c testkit/mock_host.h testkit/receiver.py testkit/apirecv.py \
	testkit/validate_events.py examples/plugins/cmdb/cmdb.c examples/plugins/ticketroute/ticketroute.c \
	schemas/event-v1.schema.json; do
	[ -f "$KIT/$f" ] || fail "kit file $f not installed"
done
for f in serve.md plugins/dns.md plugins/ip.md plugins/whois.md plugins/ssl.md plugins/headers.md; do
	[ -f "$P/share/doc/portgate/$f" ] || fail "doc $f not installed"
done

# 2. plugin new: both kinds build and pass their own `make test` out of the box.
W="$T/work"; mkdir -p "$W"; chmod 0755 "$W"
portgate plugin new --kind notifier ticketroute "$W/ticketroute" >/dev/null || fail "plugin new notifier"
portgate plugin new --kind enricher cmdb "$W/cmdb" >/dev/null || fail "plugin new enricher"
rc=0; portgate plugin new --kind enricher cmdb "$W/cmdb" 2>"$T/again" || rc=$?
[ "$rc" = 2 ] && grep -q "exists; nothing written" "$T/again" || fail "plugin new over files: $rc"
for p in ticketroute cmdb; do
	env -u MAKEFLAGS -u MFLAGS make -s -C "$W/$p" CFLAGS="-O2 -Wall -Wextra -Werror" \
		>"$T/$p.build" 2>&1 || fail "scaffold $p build: $(cat "$T/$p.build")"
	env -u MAKEFLAGS -u MFLAGS make -s -C "$W/$p" test >"$T/$p.test" 2>&1 \
		|| fail "scaffold $p make test: $(cat "$T/$p.test")"
	grep -q '"result": "ok"' "$T/$p.test" || fail "scaffold $p: $(cat "$T/$p.test")"
done
python3 "$KIT/testkit/validate_events.py" "$KIT/schemas/event-v1.schema.json" "$W/ticketroute/event.json" \
	>/dev/null || fail "the scaffold's event.json is not a valid event"

# 3. The installed examples, built with the scaffolds' Makefiles.
cp "$KIT/examples/plugins/ticketroute/ticketroute.c" "$W/ticketroute/"
cp "$KIT/examples/plugins/cmdb/cmdb.c" "$W/cmdb/"
loc=$(grep -v '^[[:space:]]*$' "$W/ticketroute/ticketroute.c" | grep -cv '^[[:space:]]*/\{0,1\}\*')
[ "$loc" -lt 80 ] || fail "ticketroute.c has $loc lines of code"
mkdir -p "$T/plugins"; chmod 0755 "$T/plugins"
for p in ticketroute cmdb; do
	rm -f "$W/$p/$p.so"
	env -u MAKEFLAGS -u MFLAGS make -s -C "$W/$p" CFLAGS="-O2 -Wall -Wextra -Werror" \
		>"$T/$p.build2" 2>&1 || fail "example $p build: $(cat "$T/$p.build2")"
	install -m 0644 "$W/$p/$p.so" "$T/plugins/"
done
portgate plugin-check "$T/plugins/ticketroute.so" "$T/plugins/cmdb.so" >/dev/null \
	|| fail "plugin-check of the examples"

cat >"$T/cmdb.json" <<'JSON'
{"127.0.0.1": {"owner": "team-payments", "service": "checkout", "tier": "1"},
 "app.example.test": {"owner": "team-app", "service": "canonical", "tier": "2"}}
JSON
PG_E2E_CMDB_TOKEN="tok-$$"; export PG_E2E_CMDB_TOKEN
port=$(pg_free_port)
RECEIVER="$KIT/testkit/receiver.py"   # the installed emulator, not the source tree's
start_receiver "$port" --cmdb "$T/cmdb.json" --token-env PG_E2E_CMDB_TOKEN --log "$T/recv.log"
cat >"$T/kit.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrichers:
  cmdb: {plugin: cmdb, url: "http://127.0.0.1:$port", tokenEnv: PG_E2E_CMDB_TOKEN}
notifiers:
  tickets-shop: {plugin: ticketroute, url: "http://127.0.0.1:$port", project: SHOP,
                 route: {owner: [team-shop]}}
  tickets-db: {plugin: ticketroute, url: "http://127.0.0.1:$port", project: DB,
               route: {owner: [team-db]}}
YAML
portgate plugin-test enrich "$T/kit.yaml" "$W/cmdb/finding.json" >"$T/pt1.json" 2>"$T/pt1.err" \
	|| fail "plugin-test cmdb: $(cat "$T/pt1.err") $(cat "$T/pt1.json")"
[ "$(jq_py "$T/pt1.json" 'd["cmdb"]["out"]["owner"]')" = '"team-payments"' ] || fail "$(cat "$T/pt1.json")"
portgate plugin-test notify "$T/kit.yaml" "$W/ticketroute/event.json" >"$T/pt2.json" 2>"$T/pt2.err" \
	|| fail "plugin-test ticketroute: $(cat "$T/pt2.err") $(cat "$T/pt2.json")"

# 4. A real check: two assets with an unapproved open port (a loopback listener), one ticket each
#    in its team's project, the CMDB's owner on each finding.
start_listener
lport=$(cat "$T/lport")
cat >"$T/manifest.yaml" <<YAML
version: 1
assets:
  - {name: shop, target: 127.0.0.1, owner: team-shop, environment: prod, approvedPorts: [], ports: [$lport]}
  - {name: db, target: 127.0.0.1, owner: team-db, environment: prod, approvedPorts: [], ports: [$lport]}
YAML
: >"$T/recv.log"
rc=0
portgate check -m "$T/manifest.yaml" --config "$T/kit.yaml" --out "$T/ev.json" --no-probe \
	>/dev/null 2>"$T/check.err" || rc=$?
[ "$rc" = 1 ] || fail "check exit $rc: $(cat "$T/check.err")"
python3 - "$T/ev.json" "$T/recv.log" <<'PY' || fail "check: $(cat "$T/recv.log")"
import json, sys
ev = json.load(open(sys.argv[1]))
for a in ev["assets"]:
    e = a["findings"][0]["enrichment"]["cmdb"]
    assert e == {"found": True, "owner": "team-payments", "service": "checkout", "tier": "1"}, e
posts = [json.loads(l) for l in open(sys.argv[2])]
posts = [p for p in posts if p["method"] == "POST"]
assert sorted((p["path"], p["body"]["project"], p["body"]["owner"]) for p in posts) == [
    ("/tickets", "DB", "team-db"), ("/tickets", "SHOP", "team-shop")], posts
assert all(p["body"]["title"] and p["body"]["fingerprint"] for p in posts), posts
PY

# 5. With `after: [dns]` (ABI 1.3, when this host has it): the CMDB is asked for the CNAME.
cat >"$T/after.yaml" <<YAML
pluginDirs: [$T/plugins, $P/lib/portgate/plugins]
enrichers:
  dns: {plugin: dns}
  cmdb: {plugin: cmdb, url: "http://127.0.0.1:$port", tokenEnv: PG_E2E_CMDB_TOKEN, after: [dns]}
YAML
if ! portgate validate -m "$T/manifest.yaml" --config "$T/after.yaml" >/dev/null 2>"$T/after.err"; then
	pg_skip_part "this host has no after: ($(head -n 1 "$T/after.err"))"
elif ! command -v dnsmasq >/dev/null 2>&1; then
	pg_skip_part "dnsmasq not installed"
else
	dns_start --cname=shop.example.test,app.example.test --host-record=app.example.test,127.0.0.1 \
		|| fail "dnsmasq did not start"
	EXTRA_CLEANUP=dns_stop
	printf 'stateDir: %s/state2\ndns: {server: "%s"}\n' "$T" "$DNS_SERVER" >>"$T/after.yaml"
	cat >"$T/m2.yaml" <<YAML
version: 1
assets:
  - {name: shop, target: shop.example.test, owner: team-shop, environment: prod, approvedPorts: [], ports: [$lport]}
YAML
	rc=0
	portgate check -m "$T/m2.yaml" --config "$T/after.yaml" --out "$T/ev2.json" --no-probe \
		>/dev/null 2>"$T/check2.err" || rc=$?
	[ "$rc" = 1 ] || fail "check with after: exit $rc: $(cat "$T/check2.err")"
	python3 - "$T/ev2.json" <<'PY' || fail "cmdb after dns: $(cat "$T/ev2.json")"
import json, sys
e = json.load(open(sys.argv[1]))["assets"][0]["findings"][0]["enrichment"]["cmdb"]
assert e["via"] == "dns" and e["name"] == "app.example.test" and e["service"] == "canonical", e
PY
fi
pg_done
