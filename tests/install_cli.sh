#!/bin/bash
# install_cli.sh — 'meson install' into a scratch folder puts what a user
# needs where a user looks: the binary, the man page (made from the binary's
# own --help, so every command and option is in it), bash completion that
# completes commands and options, the scenarios under share/dsim, the
# protocol header, the LICENSE; the installed binary runs an installed
# scenario with no source tree around.
#
# Env: DSIM_BIN (the dsim binary, in its meson build folder).
set -u
DSIM=${DSIM_BIN:?DSIM_BIN must name the dsim binary}
B=$(dirname "$DSIM")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

meson install -C "$B" --destdir "$T/root" --no-rebuild >"$T/log" 2>&1 || { cat "$T/log"; fail "meson install"; }
P=$(find "$T/root" -path '*/bin/dsim' -type f | head -1)
[ -n "$P" ] || { fail "no bin/dsim installed"; echo "$failures failures"; exit 1; }
prefix=${P%/bin/dsim}
for f in share/man/man1/dsim.1 share/bash-completion/completions/dsim include/dsim/dsim.h \
         share/doc/dsim/LICENSE share/dsim/scenarios/demos/single_kv.lua share/dsim/scenarios/fuzz/single.lua; do
    [ -s "$prefix/$f" ] || fail "$f is not installed"
done
grep -q "MIT License" "$prefix/share/doc/dsim/LICENSE" || fail "the LICENSE is MIT"

# the man page holds every command's help
for c in run check view fuzz shrink replay report list bench; do
    grep -q "^\.SS dsim $c" "$prefix/share/man/man1/dsim.1" || fail "man page: no section for $c"
done
for opt in --seeds --resume --initial --allow-mixed-builds --budget-states; do
    grep -q -- "$opt" "$prefix/share/man/man1/dsim.1" || fail "man page: $opt missing"
done
if command -v groff >/dev/null; then
    groff -man -Tascii -ww "$prefix/share/man/man1/dsim.1" >"$T/man.txt" 2>"$T/man.err" || fail "groff"
    [ -s "$T/man.err" ] && fail "groff warnings: $(head -3 "$T/man.err")"
fi

# bash completion: commands, options, models
complete_words() {   # complete_words WORD... : prints COMPREPLY for the last word
    bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        _dsim; printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/dsim" "$@"
}
complete_words "$P" f | grep -qx fuzz || fail "completion of 'dsim f' has no fuzz"
complete_words "$P" fuzz --re | grep -qx -- --resume || fail "completion of 'dsim fuzz --re'"
complete_words "$P" check --model cas | grep -qx cas-register || fail "completion of --model"

# the installed binary runs an installed scenario, far from the source tree
(cd "$T" && "$P" run "$prefix/share/dsim/scenarios/demos/single_kv.lua" >"$T/run.txt" 2>&1) ||
    fail "installed dsim on an installed scenario: $(tail -3 "$T/run.txt")"

echo "install_cli: $failures failures"
[ "$failures" = 0 ]
