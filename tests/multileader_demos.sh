#!/bin/bash
# multileader_demos.sh — every multi-leader teaching demo
# (scenarios/demos/multileader_*.lua, crdt_cart.lua) with a pinned
# outcome: the wrong variant is caught (exit 1) by the named check with the
# named message, the fixed variant passes (exit 0) and prints what the
# header says, bad options are refused before boot (exit 2), and a run
# replays to the same fingerprint, traced or not.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$DSIM_SOURCE/tests/demos_lib.sh"

# C4: the comment shows before its post without causal delivery.
expect 1 "Consistent prefix: DC3 showed the comment (k6 = 2) at 140 ms without its post (k5)" \
    multileader_causal_moments.lua
expect 0 "t=136 n3 withholds n2's update 1 until what it depends on arrives" \
    multileader_causal_moments.lua -D causal=true
expect 0 "verdicts     invariants: ok, causal: ok" multileader_causal_moments.lua -D causal=true
expect 1 "t=270 DC3 shows the comment k6 = 2 but the post k5 = nil" \
    multileader_causal_moments.lua -D causal=true -D bug=causal_skip
# F1: AP answers everywhere and is not linearizable; CP is linearizable and DC2 stalls.
expect 1 "DC2 74 of 74 (100 %)" multileader_cap.lua
expect 1 "linearizable: FAILED" multileader_cap.lua
expect 0 "DC2 0 of 17 (0 %)" multileader_cap.lua -D mode=cp
expect 1 "last-writer-wins discarded 30 acknowledged writes" multileader_cap.lua -D resolve=lww
expect 2 "mode must be ap or cp" multileader_cap.lua -D mode=ca
# S14: LWW converges and loses edits; siblings keep them.
expect 1 "Lost writes: 17 acknowledged edits were discarded by last-writer-wins" multileader_conflicts.lua
expect 0 "at most 3 concurrent edits were kept side by side as siblings" multileader_conflicts.lua -D resolve=merge
# S15: a ring stalls behind a crashed leader; all-to-all and star do not;
# over all-to-all an update overtakes its insert unless delivery is causal.
expect 1 "Propagation stalled: n3 holds 23 of n1's 59 updates 1500 ms after n2 crashed" multileader_topologies.lua
expect 0 "t=2500 n4 holds 59 of n1's 59 updates" multileader_topologies.lua -D topology=all-to-all
expect 0 "t=2500 n3 holds 59 of n1's 59 updates" multileader_topologies.lua -D topology=star
expect 1 "Causal order: n3 applied the update of row k5 at 135 ms before its insert" \
    multileader_topologies.lua -D case=overtake
expect 0 "verdicts     convergence: ok, invariants: ok" multileader_topologies.lua -D case=overtake -D causal=true
# S16: the CRDTs converge under duplication and reordering; broken merges do not hold.
expect 0 "n3: cart {1, 2, 3}, counter 43, register 4" crdt_cart.lua
expect 0 "n3: cart {1, 2, 3}, counter 43, register 4" crdt_cart.lua -D delivery=ops
expect 1 "Cart: item 1 has an add no remove observed, but is gone" crdt_cart.lua -D bug=orset_remove_wins
expect 1 "Counter bound: n2 counts 6 up and 0 down for n3 on c0, which counted only 3 and 0" \
    crdt_cart.lua -D bug=gcounter_sum_merge
# S17: devices offline for minutes converge; siblings surface the conflicts, LWW drops them.
expect 0 "tablet: Mon 35; Tue 18 | 32 (conflict: the user chooses); Wed 36; Thu 10 | 22 (conflict: the user chooses)" \
    multileader_offline_calendar.lua
expect 1 "Lost writes: 6 bookings were discarded by last-writer-wins" multileader_offline_calendar.lua -D resolve=lww
# Bad options are refused before boot.
expect 2 "causal = true withholds operations: it needs delivery = \"ops\"" crdt_cart.lua -D causal=true
expect 2 "dcs = 4 needs at least that many nodes, got 3" multileader_conflicts.lua -D dcs=4

fp() { "$bin" run "$demos/$1" --json "${@:2}" 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
for scen in crdt_cart.lua multileader_causal_moments.lua; do
    a=$(fp $scen)
    b=$(fp $scen --trace "$tmp/t.jsonl")
    if [ -z "$a" ] || [ "$a" != "$b" ]; then
        echo "FAIL: $scen does not replay: '$a' '$b' (traced)"
        failures=$((failures + 1))
    else
        echo "ok   $scen replays to $a, traced or not"
    fi
done

if [ "$failures" -ne 0 ]; then
    echo "$failures multileader demo check(s) failed"
    exit 1
fi
echo "all multileader demo checks passed"
