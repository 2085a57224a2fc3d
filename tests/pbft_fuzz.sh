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
. "$DSIM_SOURCE/tests/fuzz_lib.sh"

passes "correct pbft with f Byzantine replicas" "$seeds"

# The bound is tight: two Byzantine replicas of four fail.
out=$("$bin" fuzz "$scen" --seeds 1..10 -D nodes=4 -D byzantine=2 2>&1)
rc=$?
if [ "$rc" -ne 1 ] || ! echo "$out" | grep -q "failed"; then
    echo "FAIL: f+1 = 2 Byzantine of 4 replicas passed seeds 1..10 (exit $rc): the bound should be tight"
    failures=$((failures + 1))
else
    echo "ok   f+1 Byzantine replicas fail: $(echo "$out" | grep -E '^failed')"
fi

# bug seed check message [args]: the first failing seed of 1..1000 per
# planted bug at the scenario's defaults (fuzz_lib.sh, caught).
caught <<'SEEDS'
quorum_2f 3 invariants Agreement:_sequence_number_115
no_prepared_proof 2 invariants Agreement:_sequence_number_9
unsigned_view_change 42 invariants Agreement:_sequence_number_38
client_one_reply 1 linearizable read_->_424
checkpoint_f1 1 invariants Checkpoints:_n2's_stable_checkpoint
SEEDS

replays --seed 5
# A failing seed shrinks to fewer faults and the shrunk schedule replays.
shrinks 3 -D bug=quorum_2f

finish pbft
