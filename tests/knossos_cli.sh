#!/bin/bash
# knossos_cli.sh — 'dsim check' on histories in Knossos's and Jepsen's own
# shapes: tests/data/knossos (written for dsim, the layout of the data/
# folder of jepsen-io/knossos) and, when present, the real files under
# ../shared/corpora/knossos/data, each judged as its folder says:
#   cas-register/good  linearizable      (--model cas-register --initial 0)
#   cas-register/bad   not linearizable  (the same)
#   mutex              good-* ok, bad-* not; any other name: read without error
#   multi-register     :txn: refused as the transactional checker's business
# Undecided files (exit 4 within 20 s of search) are counted, not failed.
#
# Env: DSIM_BIN, DSIM_SOURCE, DSIM_SHARED (may be absent: that part skips).
set -u
DSIM=${DSIM_BIN:?DSIM_BIN must name the dsim binary}
SRC=${DSIM_SOURCE:?DSIM_SOURCE must name the source tree}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
judged=0
undecided=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# judge DIR: every .edn file under DIR's four folders, by folder
judge() {
    local root=$1 f rc want
    for f in "$root"/cas-register/good/*.edn "$root"/cas-register/bad/*.edn; do
        [ -f "$f" ] || continue
        case $f in */good/*) want=0 ;; *) want=1 ;; esac
        "$DSIM" check --model cas-register --initial 0 --budget-seconds 20 "$f" >"$T/out" 2>"$T/err"
        rc=$?
        judged=$((judged + 1))
        if [ "$rc" = 4 ]; then undecided=$((undecided + 1)); continue; fi
        [ "$rc" = "$want" ] || { fail "$f: exit $rc, expected $want"; head -5 "$T/err" "$T/out"; }
    done
    for f in "$root"/mutex/*.edn; do
        [ -f "$f" ] || continue
        "$DSIM" check --model mutex --budget-seconds 20 "$f" >"$T/out" 2>"$T/err"
        rc=$?
        judged=$((judged + 1))
        case $(basename "$f") in good*) want=0 ;; bad*) want=1 ;; *) want=any ;; esac
        if [ "$rc" = 4 ]; then undecided=$((undecided + 1)); continue; fi
        if [ "$want" = any ]; then
            [ "$rc" = 0 ] || [ "$rc" = 1 ] || { fail "$f: exit $rc (not read?)"; head -5 "$T/err"; }
        else
            [ "$rc" = "$want" ] || { fail "$f: exit $rc, expected $want"; head -5 "$T/err"; }
        fi
    done
    for f in "$root"/multi-register/*.edn; do
        [ -f "$f" ] || continue
        "$DSIM" check --model cas-register --initial 0 "$f" >"$T/out" 2>"$T/err"
        rc=$?
        judged=$((judged + 1))
        [ "$rc" = 2 ] && grep -q "transactional checker's business" "$T/err" ||
            { fail "$f: exit $rc, expected 2 with the transactional checker named"; head -5 "$T/err"; }
    done
}

judge "$SRC/tests/data/knossos"
[ "$judged" -ge 8 ] || fail "only $judged of the local Knossos-shaped files were judged"

# the same files with the register starting at nil: the good ones that read 0 fail
"$DSIM" check --model cas-register "$SRC/tests/data/knossos/cas-register/good/multiline-vector.edn" >/dev/null 2>&1
[ $? = 1 ] || fail "without --initial 0 a read of 0 before any write is not linearizable"
# an ok read of nil: a wildcard with --initial (Knossos), a read of nil without
"$DSIM" check --model cas-register --initial 0 "$SRC/tests/data/knossos/cas-register/good/nil-read.edn" >/dev/null 2>&1
[ $? = 0 ] || fail "with --initial 0 an ok read of nil constrains nothing (Knossos)"
"$DSIM" check --model cas-register "$SRC/tests/data/knossos/cas-register/good/nil-read.edn" >/dev/null 2>&1
[ $? = 1 ] || fail "without --initial a read of nil after a write of 3 is not linearizable"
"$DSIM" check --model multi-register "$SRC/tests/data/knossos/multi-register/txn.edn" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "transactional checker" "$T/err" || fail "--model multi-register names the txn checker"
"$DSIM" check --model counter --initial 0 "$SRC/tests/data/knossos/mutex/good-lock.edn" >/dev/null 2>&1
[ $? = 2 ] || fail "--initial with a model that has no register is a usage error"
"$DSIM" check --model register --initial '[0' "$SRC/tests/data/knossos/mutex/good-lock.edn" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q -- "--initial" "$T/err" || fail "a bad --initial value names the option"

# automatic detection names the format it guessed and the line it stopped at
printf '[{:process 0, :type :invoke, :f :read}\n {:process 0, :type :ok, :f :read, :value 1}\n' >"$T/open.edn"
"$DSIM" check --model register "$T/open.edn" >/dev/null 2>"$T/err"
[ $? = 2 ] || fail "an unclosed EDN vector is bad input"
grep -q "open.edn:3: .*read as Jepsen EDN, the format guessed from line 1" "$T/err" ||
    { fail "the message names the line and the guessed format"; cat "$T/err"; }
# a Knossos file with its maps flattened to one per line reads the same
grep -v '^;' "$SRC/tests/data/knossos/cas-register/good/index-order.edn" | tr '\n' ' ' >"$T/flat.edn"
"$DSIM" check --model cas-register --initial 0 "$T/flat.edn" >/dev/null 2>"$T/err" ||
    { fail "a one-line Knossos history"; cat "$T/err"; }
# issue 22 (a): integers beyond 64 bits are refused, never clamped to INT64_MAX
printf '%s\n' '{:process 0, :type :invoke, :f :write, :value 99999999999999999999999999999N}' \
    '{:process 0, :type :ok, :f :write, :value 99999999999999999999999999999N}' \
    '{:process 1, :type :invoke, :f :read, :value nil}' \
    '{:process 1, :type :ok, :f :read, :value 99999999999999999999999999998N}' >"$T/big.edn"
"$DSIM" check --model register "$T/big.edn" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "big.edn:1: expected an integer that fits in 64 bits" "$T/err" ||
    { fail "a 29-digit EDN integer is refused with its line"; cat "$T/err"; }

local_judged=$judged
K=${DSIM_SHARED:-/nonexistent}/corpora/knossos/data
if [ -d "$K" ]; then
    judge "$K"
    echo "knossos corpus: $((judged - local_judged)) files judged ($undecided undecided within 20 s)"
else
    echo "knossos corpus: $K absent, only the local Knossos-shaped files were judged"
fi
echo "knossos_cli: $judged files judged, $failures failures"
[ "$failures" = 0 ]
