# demo-config.sh - sourced by scripts/demo.sh and scripts/image-test.sh: the demo's manifest and
# settings, so that the .deb test runs exactly the demo's check.
# demo_config DIR WEBPORT ADMINPORT CLOSEDPORT SLACKPORT STATEDIR [CACHEADDR] writes
# DIR/exposure.yaml (the web port and a closed port approved, the admin port not; with CACHEADDR a
# second asset there, a forgotten cache whose memcached port nobody approved, on TCP and UDP) and
# DIR/portgate.yaml (the headers enricher, the webhook notifier to the local Slack receiver, routed
# by owner).
demo_config() {
	cat >"$1/exposure.yaml" <<YAML
version: 1
assets:
  - name: demo-app
    target: 127.0.0.1
    owner: platform-web
    environment: production
    criticality: high
    approvedPorts: [$2, $4]
    ports: [$2, $3, $4]
YAML
	[ -z "${7:-}" ] || cat >>"$1/exposure.yaml" <<YAML
  - name: demo-cache
    target: $7
    owner: platform-web
    environment: production
    criticality: high
    approvedPorts: []
    ports: [11211, 11211/udp]
YAML
	cat >"$1/portgate.yaml" <<YAML
stateDir: $6
enrichers:
  headers: { plugin: headers }
notifiers:
  chat:
    plugin: webhook
    format: slack
    url: "http://127.0.0.1:$5/services/T0DEMO/B0DEMO/demo"
    route: { owner: [platform-web] }
YAML
}
