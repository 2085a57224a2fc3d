#!/bin/bash
# zab_fuzz.sh — the randomized ZAB scenario (scenarios/fuzz/zab.lua): the
# correct protocol passes linearizability, the ZAB invariants and liveness
# on every seed of a sweep (ZAB_FUZZ_SEEDS, default 300); every planted bug
# is caught on a pinned seed (the first failing one of seeds 1..1000 at the
# scenario's defaults) by the named check with the named violation; a seed
# replays to the same fingerprint, traced or not; a failing seed shrinks
# and the shrunk schedule replays.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/zab.lua
seeds=${ZAB_FUZZ_SEEDS:-300}
. "$DSIM_SOURCE/tests/fuzz_lib.sh"

passes "correct zab" "$seeds"

# bug seed check message [args]: the first failing seed of 1..1000 per
# planted bug at the scenario's defaults (fuzz_lib.sh, caught).
caught <<'SEEDS'
skip_sync 1 invariants Total_order:_n4_delivered_1.5_right_after_0.0
old_epoch_accept 11 invariants Primary_integrity:_n2_leads_epoch_11_without_10.43
epoch_not_persisted 1 invariants Established_leaders:_n3_established_epoch_1_over_a_history
commit_before_quorum 1 invariants Total_order:_after_1.12_a_server_delivered_1.13,_n2_delivered_2.1
local_read 11 linearizable not_linearizable
SEEDS

replays --seed 5
# A failing seed shrinks to fewer faults and the shrunk schedule replays.
shrinks 1 -D bug=epoch_not_persisted

finish zab
