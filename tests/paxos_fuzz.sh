#!/bin/bash
# paxos_fuzz.sh — the randomized Paxos scenario (scenarios/fuzz/paxos.lua):
# the correct protocol passes linearizability, the invariants (and, for
# variant=basic, consensus) and liveness on every seed of a sweep of each
# variant (PAXOS_FUZZ_SEEDS, default 300), and the default checks of other
# workloads (txn-append, bank, counter, queue) on a few; every planted bug is caught on a
# pinned seed (the first failing one of seeds 1..1000 at the scenario's
# defaults) by the named check with the named violation; a seed replays to
# the same fingerprint, traced or not; a failing seed shrinks and replays.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/paxos.lua
seeds=${PAXOS_FUZZ_SEEDS:-300}
. "$DSIM_SOURCE/tests/fuzz_lib.sh"

for variant in multi basic; do
    passes "correct paxos, variant=$variant" "$seeds" -D variant=$variant
done

# Multi-Paxos serves the other workloads through the kernel's reference
# store (a transaction is one slot): the correct protocol passes each
# one's default checks on a few seeds (pinned below: the stale leader read
# breaks them).
for wl in txn-append bank counter queue; do
    passes "correct paxos, workload=$wl" 15 -D workload=$wl
done

# bug seed check message [args]: the first failing seed of 1..1000 per
# planted bug at the scenario's defaults (fuzz_lib.sh, caught).
caught <<'SEEDS'
no_persist_promise 2 invariants Promises:_n1_promised_ballot_1.n1_and_now_holds_none
ignore_accepted 2 invariants Agreement:
highest_by_value 50 invariants Agreement:
minority_quorum 2 linearizable Agreement:
bad_flexible_quorums 4 linearizable Agreement:
stale_leader_read 8 linearizable not_linearizable
skip_recovery 2 invariants Agreement:
no_persist_promise 2 invariants Promises: -D variant=basic
ignore_accepted 2 consensus Agreement:_process -D variant=basic
minority_quorum 5 consensus Agreement:_process -D variant=basic
bad_flexible_quorums 49 consensus Agreement:_process -D variant=basic
stale_leader_read 11 strict-serializable strict-serializable:_FAILED -D workload=txn-append
stale_leader_read 7 counter between_the_acknowledged_and_the_attempted_sums -D workload=counter
SEEDS

replays --seed 5 -D variant=multi
replays --seed 5 -D variant=basic
# The nemesis is the default fault source: a failing seed shrinks to
# fewer faults, and the shrunk schedule replays and still fails. (An
# invariant violation: a linearizability verdict has a host-time budget,
# which a slow ASan build can run out of during the shrink's trials.)
shrinks 2 -D bug=skip_recovery

finish paxos
