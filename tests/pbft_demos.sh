#!/bin/bash
# pbft_demos.sh — the PBFT teaching demo S7 (scenarios/demos/pbft_basic.lua)
# with an asserted outcome: the correct variant passes (exit 0) and prints
# the measured messages per request equal to the O(n^2) formula, the view
# change that replaces the equivocating primary, and progress after it;
# the broken variant (quorum_2f) is caught (exit 1) by the invariants with
# Agreement; 7 replicas with 2 liars pass; a cluster size that is not 3f+1
# is refused before boot (exit 2); a run replays to the same fingerprint.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$DSIM_SOURCE/tests/demos_lib.sh"

expect 0 "Prepare       9.0   (formula 9)" pbft_basic.lua
expect 0 "total        24.0   (formula 2n(n-1) = 24" pbft_basic.lua
expect 0 "n3: NEW-VIEW for view 1 accepted, primary n2" pbft_basic.lua
expect 0 "n4: view 1, primary n2, executed 160" pbft_basic.lua
expect 0 "verdicts     invariants: ok, linearizable: ok" pbft_basic.lua
expect 1 "Agreement: sequence number 74 executed request 74 (digest 2579) at n2 and the null request at n4" \
    pbft_basic.lua -D bug=quorum_2f
expect 0 "(formula 36)" pbft_basic.lua -D f=2
expect 0 "verdicts     invariants: ok, linearizable: ok" pbft_basic.lua -D f=2
expect 2 "pbft needs n = 3f+1 replicas" ../fuzz/pbft.lua -D nodes=5

fp() { "$bin" run "$demos/pbft_basic.lua" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
a=$(fp)
b=$(fp --trace "$tmp/t.jsonl")
if [ -z "$a" ] || [ "$a" != "$b" ]; then
    echo "FAIL: pbft_basic.lua does not replay: '$a' '$b' (traced)"
    failures=$((failures + 1))
else
    echo "ok   pbft_basic.lua replays to $a, traced or not"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures pbft demo check(s) failed"
    exit 1
fi
echo "all pbft demo checks passed"
