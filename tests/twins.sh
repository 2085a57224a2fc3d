#!/bin/bash
# twins.sh — Twins (dsim.cluster{twins = ...}; docs/DESIGN.md "Twins"): the
# kernel runs a second instance of a node identity. Checked: the kernel
# scenario (tests/scenarios/twins_kernel.lua: a twin crashes and restarts
# alone, a twin that does not exist is refused) and its trace (a message to
# n1 reaches n1 and n1' alike, the twin sends as itself, nothing crosses the
# 'twins' split while it holds); a twinned run replays to one fingerprint,
# traced or not; PBFT with f = 1 survives one twin over TWINS_FUZZ_SEEDS
# seeds (default 300) of scenarios/fuzz/pbft.lua -D twins=1 and fails with
# two (f+1 faulty) and with quorum_2f (pinned first failing seed); the
# demos: pbft_twins.lua (one twin passes with equivocation shown, two twins
# and quorum_2f fail with Agreement) and raft_twins.lua (two leaders of one
# term on a pinned seed; no twin passes).
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
demos=$src/scenarios/demos
scen=$src/scenarios/fuzz/pbft.lua
seeds=${TWINS_FUZZ_SEEDS:-300}
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/demos_lib.sh"
. "$src/tests/fuzz_lib.sh"

# The kernel: the twin is a node of its own and speaks as its identity.
if ! "$bin" run "$src/tests/scenarios/twins_kernel.lua" --trace "$tmp/k.jsonl" >"$tmp/k.out" 2>&1; then
    echo "FAIL: twins_kernel.lua: $(tail -3 "$tmp/k.out")"
    failures=$((failures + 1))
elif ! python3 - "$tmp/k.jsonl" <<'PY'
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1])) if "ev" in e]
sends = [e for e in ev if e["ev"] == "send"]
at = {(e["t"], e["from"], e["to"], e["msg"]) for e in sends}
fan = [e for e in sends if e["to"] == "n1" and e["from"] not in ("n1", "n1'")]
assert fan, "messages to n1"
for e in fan:   # every send to the identity n1 goes to both instances
    assert (e["t"], e["from"], "n1'", e["msg"]) in at, ("no copy to n1'", e)
assert any(e["from"] == "n1'" for e in sends), "the twin sends as itself"
side = {"n1": 0, "n2": 0, "n3": 1, "n4": 1, "n1'": 1}
for e in ev:    # the 'twins' split: n1' with n3, n4; nothing crosses it
    if e["ev"] == "deliver" and 500e6 <= e["t"] < 1200e6 and e["from"] in side and e["to"] in side:
        assert side[e["from"]] == side[e["to"]], ("crossed the split", e)
PY
then
    echo "FAIL: the twins_kernel.lua trace (above)"
    failures=$((failures + 1))
else
    echo "ok   twins_kernel.lua: the twin is its own node, messages to n1 reach both instances, the split holds"
fi

# PBFT survives one twin (f = 1), not two, and not a quorum one short.
passes "pbft with one twinned replica" "$seeds" -D twins=1
out=$("$bin" fuzz "$scen" --seeds 1..10 -D nodes=4 -D twins=2 2>&1)
rc=$?
if [ "$rc" -ne 1 ] || ! echo "$out" | grep -q "^failed       10"; then
    echo "FAIL: two twins of four replicas (f+1 faulty) did not fail every seed of 1..10 (exit $rc)"
    failures=$((failures + 1))
else
    echo "ok   two twinned replicas (f+1 faulty) fail: $(echo "$out" | grep -E '^failed')"
fi
caught <<'SEEDS'
quorum_2f 2 invariants Agreement:_sequence_number -D twins=1
SEEDS
replays --seed 4 -D twins=1

expect 0 "sequence number 7: n1 pre-prepared request 8, n1' pre-prepared request 7" pbft_twins.lua
expect 0 "n1': VIEW-CHANGE to view 1" pbft_twins.lua
expect 0 "n4: view 1, primary n2, executed 351" pbft_twins.lua
expect 0 "verdicts     invariants: ok, linearizable: ok" pbft_twins.lua
expect 1 "Agreement: sequence number 9 executed request 11 (digest 898e) at n3 and request 9" \
    pbft_twins.lua -D twins=2
expect 1 "Agreement: sequence number 1 executed request 1 (digest 2bde) at n3 and request 2" \
    pbft_twins.lua -D bug=quorum_2f
expect 1 "Election Safety: n1 and n3 were both leaders of term 1" raft_twins.lua --seed 1
expect 0 "verdicts     invariants: ok, linearizable: ok" raft_twins.lua --seed 1 -D twins=0

finish twins
