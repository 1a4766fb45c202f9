#!/bin/sh
# check-style.sh - the mechanical part of docs/CODE_STYLE.md, run by CI:
#   1. no banned function in C sources (core, plugins, include, examples, tests, fuzz, bench);
#   2. no line over 100 columns (tabs count 8) in core, common, plugins and include;
#   3. every C file in core, common, plugins and include is as clang-format (.clang-format) writes it.
# Exits 1 naming file:line of every violation. `--fix` rewrites files with clang-format.
set -eu
cd "$(dirname "$0")/.."
BANNED="gets strcpy strcat sprintf vsprintf strtok strncpy strncat atoi atol atoll atof tmpnam
tempnam mktemp system alloca rand srand"
files=$(git ls-files 'core/*.[ch]' 'common/*.[ch]' 'plugins/*.[ch]' 'include/*.h' 2>/dev/null ||
	find core common plugins include -name '*.[ch]')
all=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]')
bad=0
if [ "${1:-}" = "--fix" ]; then
	clang-format -i $files
	exit 0
fi

# 1. banned functions: a call, not a mention in a comment or a longer name
for fn in $BANNED; do
	hits=$(grep -nE "(^|[^A-Za-z0-9_.>])$fn[[:space:]]*\(" $all 2>/dev/null |
		grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
	# tests start their fixtures through the shell (docs/CODE_STYLE.md)
	[ "$fn" = system ] && hits=$(echo "$hits" | grep -v '^tests/' || true)
	if [ -n "$hits" ]; then
		echo "$hits" | sed "s/\$/   <- banned: $fn (docs\/CODE_STYLE.md)/"
		bad=1
	fi
done

# 2. line width
long=$(awk '{ l = $0; gsub(/\t/, "        ", l); if (length(l) > 100) printf "%s:%d: line of %d columns (max 100)\n", FILENAME, FNR, length(l) }' $files)
[ -z "$long" ] || { echo "$long"; bad=1; }

# 3. clang-format
if command -v clang-format >/dev/null 2>&1; then
	for f in $files; do
		if ! clang-format "$f" | cmp -s - "$f"; then
			line=$(clang-format "$f" | diff "$f" - | sed -n '1s/^\([0-9]*\).*/\1/p')
			echo "$f:${line:-1}: not formatted as .clang-format says (scripts/check-style.sh --fix)"
			bad=1
		fi
	done
else
	echo "check-style: clang-format not installed (apt-get install clang-format)"; bad=1
fi
[ "$bad" = 0 ] && echo "check-style: ok" || { echo "check-style: violations above"; exit 1; }
