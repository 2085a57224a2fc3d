#!/bin/bash
# zab_demos.sh — the ZAB teaching demo (scenarios/demos/zab_z1_*.lua) with
# asserted outcomes: the correct protocol keeps the proposal that reached a
# follower and discards the one that reached nobody (exit 0); the broken
# variant (skip_sync) is caught (exit 1) by the named check with the named
# violation; bad options are refused before boot (exit 2); a run replays to
# the same fingerprint, traced or not.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$DSIM_SOURCE/tests/demos_lib.sh"

z1=zab_z1_broadcast.lua
# Z1: 1.2 reached n2 only; n2 has the newest history, wins, and keeps it.
expect 0 "n2 established epoch 2 (a quorum acked NEWLEADER) over a history up to 1.2" $z1
expect 0 "n2 syncs n1: DIFF after 1.1" $z1
# 2.2 reached nobody; the next leader truncates it when n2 comes back.
expect 0 "n3 syncs n2: TRUNC to 2.1, then DIFF" $z1
expect 0 "n2: follower epoch 3  log 1.1*:k0=1 1.2*:k0=2 2.1*:k0=3 3.1*:k0=5" $z1
expect 0 "n4: observer epoch 3  log 1.1*:k0=1 1.2*:k0=2 2.1*:k0=3 3.1*:k0=5" $z1
# Broken: no synchronisation; n1 misses the committed 1.2.
expect 1 "Total order: n1 delivered 2.1 right after 1.1, another server right after 1.2" $z1 -D bug=skip_sync
expect 1 "n2 sends n1 NEWLEADER without syncing it" $z1 -D bug=skip_sync
# Bad input is refused before boot.
expect 2 "observers = 4 leaves no voter among 4 servers" $z1 -D observers=4
expect 2 "servers = 9, but the cluster has 4 nodes" $z1 -D servers=9

fingerprint() {
    "$bin" run "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'
}
a=$(fingerprint "$demos/$z1" --seed 11)
b=$(fingerprint "$demos/$z1" --seed 11)
c=$(fingerprint "$demos/$z1" --seed 11 --trace "$tmp/trace.jsonl")
if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
    echo "FAIL: $z1 --seed 11 fingerprints differ: '$a' '$b' '$c' (traced)"
    failures=$((failures + 1))
else
    echo "ok   $z1 --seed 11 replays to $a, traced or not"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures zab demo check(s) failed"
    exit 1
fi
echo "all zab demo checks passed"
