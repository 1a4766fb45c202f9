#!/bin/sh
# check_skip_cache: --skip-cache bypasses every cache, the plugins' own included. The whois
# enricher keeps an answer for a day (cacheSeconds); after the domain is renewed, a plain run
# still sees the cached "expires in 11 days", a --skip-cache run asks the registry again.
set -eu
. "$PG_SRCDIR/tests/e2e/lib/plugin.sh"
need_plugin whois
. "$PG_SRCDIR/tests/e2e/lib/netenrich.sh"
EXTRA_CLEANUP=netenrich_stop
private_plugin_dir whois

whois_up() { # DAYS: shop.com expires in DAYS
	netenrich_stop
	whois_shop_up "$1"
	cat >"$T/portgate.yaml" <<YAML
stateDir: $T/state
pluginDirs: [$T/plugins]
enrich: {on: [warn, fail]}
enrichers:
  whois: {plugin: whois, rdap: false, server: "$W", verisignServers: "$W", lookupTimeoutMs: 2000}
YAML
}
C=$(pg_closed_port)
cat >"$T/m.yaml" <<YAML
version: 1
assets:
  - {name: shop, target: 127.0.0.1, domain: shop.com, approvedPorts: [$C], ports: [$C]}
YAML
expiring() { # ARGS: does the run report domain-expiring-soon?
	"$PG_BIN" check -m "$T/m.yaml" --config "$T/portgate.yaml" --no-probe -q -o "$T/ev.json" "$@" || true
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(any(f["rule"] == "domain-expiring-soon" for a in d["assets"] for f in a["findings"]))' "$T/ev.json"
}
whois_up 11
[ "$(expiring)" = True ] || fail "run 1: domain-expiring-soon (11 days) not reported"
whois_up 300 # renewed
[ "$(expiring)" = True ] || fail "run 2: the cached answer was not used (cacheSeconds: a day)"
[ "$(expiring --skip-cache)" = False ] || fail "run 3: --skip-cache still used the whois cache"
[ "$(expiring)" = False ] || fail "run 4: the fresh answer did not refresh the cache"
echo "ok: --skip-cache asked the registry again, and refreshed the cache"
