#!/bin/bash
# pbft_fuzz.sh — the randomized PBFT scenario (scenarios/fuzz/pbft.lua):
# the correct protocol, with f Byzantine replicas drawn per seed, passes
# linearizability, the invariants and liveness on every seed of a sweep
# (PBFT_FUZZ_SEEDS, default 300); f+1 Byzantine replicas are beyond the
# bound and fail; every planted bug is caught on a pinned seed (the first
# failing one of seeds 1..1000 at the scenario's defaults) by the named
# check with the named violation; a seed replays to the same fingerprint,
# traced or not; a failing seed shrinks and the shrunk schedule replays.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/pbft.lua
seeds=${PBFT_FUZZ_SEEDS:-300}
failures=0

out=$("$bin" fuzz "$scen" --seeds "1..$seeds" 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAIL: correct pbft (f Byzantine), seeds 1..$seeds exited $rc"
    echo "$out" | grep -E "failed|dsim run" | head -5
    failures=$((failures + 1))
else
    echo "ok   correct pbft with f Byzantine replicas: seeds 1..$seeds pass"
fi

# The bound is tight: two Byzantine replicas of four fail.
out=$("$bin" fuzz "$scen" --seeds 1..10 -D nodes=4 -D byzantine=2 2>&1)
rc=$?
if [ "$rc" -ne 1 ] || ! echo "$out" | grep -q "failed"; then
    echo "FAIL: f+1 = 2 Byzantine of 4 replicas passed seeds 1..10 (exit $rc): the bound should be tight"
    failures=$((failures + 1))
else
    echo "ok   f+1 Byzantine replicas fail: $(echo "$out" | grep -E '^failed')"
fi

# bug seed check message: the first failing seed of 1..1000 for each
# planted bug; 'check' fails and its report holds 'message'.
while read -r bug seed check message; do
    out=$("$bin" run "$scen" --seed "$seed" -D bug="$bug" 2>&1)
    rc=$?
    verdicts=$(echo "$out" | grep verdicts)
    if [ "$rc" -ne 1 ] || ! echo "$verdicts" | grep -q "$check: fail" ||
       ! echo "$out" | grep -q -- "${message//_/ }"; then
        echo "FAIL: bug=$bug seed $seed exited $rc, expected 1 with $check failing ('${message//_/ }')"
        echo "$out" | grep -E "verdicts|violation|error" | head -5
        failures=$((failures + 1))
    else
        echo "ok   bug=$bug caught on seed $seed: $verdicts"
    fi
done <<'SEEDS'
quorum_2f 3 invariants Agreement:_sequence_number_76
no_prepared_proof 2 invariants Agreement:_sequence_number_9
unsigned_view_change 31 invariants Validity:_n4_executed
client_one_reply 1 linearizable read_->_424
checkpoint_f1 1 invariants Checkpoints:_n3's_stable_checkpoint
SEEDS

fp() { "$bin" run "$scen" "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
tmp=$(mktemp -d)
a=$(fp --seed 5)
b=$(fp --seed 5)
c=$(fp --seed 5 --trace "$tmp/t.jsonl")
if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
    echo "FAIL: seed 5 does not replay: '$a' '$b' '$c' (traced)"
    failures=$((failures + 1))
else
    echo "ok   seed 5 replays to $a, traced or not"
fi

# The nemesis is the only fault source (Byzantine spells included): a
# failing seed shrinks to fewer faults, and the shrunk schedule replays
# and still fails.
(cd "$tmp" && "$bin" shrink "$scen" --seed 3 -D bug=quorum_2f --json > shrink.json 2>/dev/null)
read -r before after < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["faults_before"], d["faults_after"])' "$tmp/shrink.json" 2>/dev/null)
if [ -z "${after:-}" ] || [ "$after" -ge "$before" ]; then
    echo "FAIL: shrink of bug=quorum_2f seed 3: '${before:-?}' -> '${after:-?}' faults"
    failures=$((failures + 1))
else
    echo "ok   bug=quorum_2f seed 3 shrinks from $before to $after faults"
    (cd "$tmp" && "$bin" replay shrunk-seed-3.json > replay.out 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "same as the recorded" "$tmp/replay.out"; then
        echo "ok   the shrunk schedule replays and still fails"
    else
        echo "FAIL: replay of the shrunk schedule exited $rc"
        failures=$((failures + 1))
    fi
fi
rm -rf "$tmp"

if [ "$failures" -ne 0 ]; then
    echo "$failures pbft fuzz check(s) failed"
    exit 1
fi
echo "all pbft fuzz checks passed"
