# node.sh - the npm packages the serve tests run with node (sourced after common.sh).
# They are installed once into a cache directory (scripts/install-deps.sh does it
# too) with exact versions, so every run compiles and validates with the same tools.
#   typescript                          compiles the seed article's client (tsc)
#   @seriousme/openapi-schema-validator validates core/serve/openapi.json (OpenAPI 3.1)
PG_NPM_DIR=${PG_NPM_DIR:-/var/cache/portgate/npm}
PG_NPM_PKGS="typescript@5.9.3 @seriousme/openapi-schema-validator@2.11.0"

# pg_node_deps: make sure the packages are in $PG_NPM_DIR/node_modules.
pg_node_deps() {
	command -v node >/dev/null 2>&1 || pg_skip "node not installed"
	[ -x "$PG_NPM_DIR/node_modules/.bin/tsc" ] &&
		[ -d "$PG_NPM_DIR/node_modules/@seriousme/openapi-schema-validator" ] && return 0
	command -v npm >/dev/null 2>&1 || pg_skip "npm not installed (scripts/install-deps.sh)"
	mkdir -p "$PG_NPM_DIR"
	[ -f "$PG_NPM_DIR/package.json" ] || echo '{"private": true}' >"$PG_NPM_DIR/package.json"
	# shellcheck disable=SC2086
	npm install --prefix "$PG_NPM_DIR" --no-audit --no-fund --silent $PG_NPM_PKGS >&2 ||
		{ echo "FAIL: npm install $PG_NPM_PKGS" >&2; exit 1; }
}
