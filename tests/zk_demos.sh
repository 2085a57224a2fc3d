#!/usr/bin/env bash
# zk_demos.sh — demo L6 (scenarios/demos/lock_zk.lua) on the coordination
# service on ZAB (-D service=zab), as a user runs it: each broken variant
# fails (exit 1) and each fixed one passes (exit 0) on the default seed and
# prints its lesson; the single-server default still runs; -D part=b on zab
# is bad input (exit 2 with a message); runs replay to the same fingerprint.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demo=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos/lock_zk.lua
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/demos_lib.sh
. "$DSIM_SOURCE/tests/demos_lib.sh"
failures=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; failures=$((failures + 1)); }

run_demo 0 "$demo" -D service=zab -D part=a
has "why it passes: each waiter watches only its predecessor" "mutex: ok"
run_demo 1 "$demo" -D service=zab -D part=a -D recipe=herd
has "every waiter watches /lock itself" "the herd effect"
run_demo 0 "$demo" -D service=zab -D part=c
has "pauses for 2 s" "proposes its close: its entry goes" "its write is refused (session expired)"
run_demo 1 "$demo" -D service=zab -D part=c -D bug=ephemeral_leak
has "without a close: its entry stays" "got it only" "Fix: expiry is a close transaction"
run_demo 2 "$demo" -D service=zab -D part=b
has "part=b is the single server's watch race"
run_demo 2 "$demo" -D service=paxos
has "-D service must be single"
# the default is still the single server (lock_zk.c): L6c without fencing fails
run_demo 1 "$demo" -D part=c
has "protocol     lock"

fp() { "$bin" run "$demo" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
a=$(fp -D service=zab -D part=c); b=$(fp -D service=zab -D part=c --trace "$tmp/t.jsonl")
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "service=zab part=c replays to $a, traced or not"
else bad "service=zab part=c: '$a' vs '$b' (traced)"; fi

if [ "$failures" -ne 0 ]; then
    echo "$failures zk demo check(s) failed"
    exit 1
fi
echo "all zk demo checks passed"
