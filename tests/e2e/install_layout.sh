#!/bin/sh
# install_layout: `make install DESTDIR=...` of this build puts what the man page's FILES name
# where it says (the installed page names this configuration's paths), the systemd unit with the
# configured bindir and sysconfdir, no libtool .la beside the plugins, the shell completions
# (bash: completing real words), the settings schema beside the manifest's.
. "$PG_SRCDIR/tests/e2e/lib/common.sh"
: "${PG_BUILDDIR:?}"
dest="$PG_TMP/dest"
# a make of its own, not a sub-make of `make check` (whose flags would print directories)
unset MAKEFLAGS MFLAGS MAKELEVEL || true
make -s -C "$PG_BUILDDIR" install DESTDIR="$dest" >"$PG_TMP/install.log" 2>&1 ||
	{ sed 's/^/  | /' "$PG_TMP/install.log" >&2; pg_fail "make install"; pg_done; }
var() { sed -n "s|^$1 = ||p" "$PG_BUILDDIR/Makefile" | head -1; }
prefix=$(var prefix)
# the configured directories, expanded as make would (they name ${prefix} and ${datarootdir})
dir() { make -s --no-print-directory -C "$PG_BUILDDIR" -f - print <<MK
include Makefile
print:
	@echo \$($1)
MK
}
plugindir=$(dir plugindir); unitdir=$(dir systemdsystemunitdir); bindir=$(dir bindir)
sysconfdir=$(dir sysconfdir); man1dir=$(dir man1dir); bashdir=$(dir bashcompletiondir)
zshdir=$(dir zshcompletiondir); fishdir=$(dir fishcompletiondir); pkgdatadir=$(dir pkgdatadir)

pg_assert_eq "no .la files in the plugin directory" "$(find "$dest$plugindir" -name '*.la' | wc -l)" "0"
pg_assert_eq "the plugins are there" "$(find "$dest$plugindir" -name '*.so' | wc -l | tr -d ' ' | sed 's/^[1-9][0-9]*$/some/')" "some"
unit="$dest$unitdir/portgate-serve.service"
pg_assert_grep "the unit's ExecStart names the configured bindir" "^ExecStart=$bindir/portgate serve " "$unit"
pg_assert_grep "and the configured sysconfdir" "--config $sysconfdir/portgate/portgate.yaml" "$unit"
for f in "$bashdir/portgate" "$zshdir/_portgate" "$fishdir/portgate.fish" \
	"$pkgdatadir/schemas/settings.schema.json" "$pkgdatadir/schemas/manifest.schema.json"; do
	[ -s "$dest$f" ] || pg_fail "not installed: $f"
done
pg_ok "completions and schemas installed"

# FILES of the installed page: every absolute path it names exists in the installation
man="$dest$man1dir/portgate.1"
pg_assert_grep "the installed page says its paths are this installation's" "^Paths below are this installation's" "$man"
sed -n '/^\.SH FILES/,/^\.SH SEE ALSO/p' "$man" | sed 's/\\-/-/g' |
	grep -o '/[A-Za-z0-9_./*-]*' | grep "^$prefix" | sort -u >"$PG_TMP/files.txt"
[ -s "$PG_TMP/files.txt" ] || pg_fail "no installed path in FILES"
while read -r p; do
	case $p in
	*/portgate/portgate.yaml) continue ;; # the user's own settings, never installed
	*'*'*) ls -d "$dest"$p >/dev/null 2>&1 || pg_fail "FILES names $p: nothing installed there" ;;
	*) [ -e "$dest$p" ] || pg_fail "FILES names $p: not installed" ;;
	esac
done <"$PG_TMP/files.txt"
pg_ok "every path FILES names is installed ($(wc -l <"$PG_TMP/files.txt") paths)"

# the bash completion completes commands, options and their file arguments
complete_words() { # WORDS... : what the completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _portgate; printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$dest$bashdir/portgate" "$@"
}
pg_assert_eq "commands" "$(complete_words portgate ch)" "check"
pg_assert_eq "options of the command" "$(complete_words portgate check --dry | tr '\n' ' ')" "--dry-run "
pg_assert_eq "the shared options too" "$(complete_words portgate scan --dns | tr '\n' ' ')" "--dns-server "
pg_assert_eq "no --json offered to explain" "$(complete_words portgate explain --j)" ""
pg_done
