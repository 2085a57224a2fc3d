#!/bin/bash
# zk_fuzz.sh — the randomized coordination service (scenarios/fuzz/zk.lua,
# recipes on ZAB): the correct service passes the mutex or zk check, the
# invariants (ZAB's, the watch order, liveness after healing) on every seed
# of a sweep (ZK_FUZZ_SEEDS, default 300); every planted bug is caught on a
# pinned seed (the first failing one of seeds 1..1000 at the scenario's
# defaults) by the named check with the named violation; a seed replays to
# the same fingerprint, traced or not; a failing seed shrinks and replays.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/zk.lua
seeds=${ZK_FUZZ_SEEDS:-300}
. "$DSIM_SOURCE/tests/fuzz_lib.sh"

passes "correct service" "$seeds"
# Seed 145229 once failed liveness on the correct service: a follower's
# NEWLEADER ack was lost, the leader pinged it on, and it waited for an
# UPTODATE that never came; a lock waiter's watch on it never fired. The
# leader now drops a learner whose ack has not come within init_limit.
passes_seed 145229 "a lost NEWLEADER ack"
# Seed 157437 once failed liveness too: a lock entry whose create was
# answered too late to count was applied after its round ended, and it
# blocked every waiter while its client's session lived. A client now
# deletes entries of its earlier rounds (of this boot) it finds.
passes_seed 157437 "an earlier round's entry left behind"
# Seed 308835 once failed the zk check (reads not sequentially consistent):
# the network duplicated a client's set, the leader applied the copy after
# another client's newer set, and that value came back. A session's
# writes now carry their request number and a copy of one is refused.
passes_seed 308835 "a duplicated write applied twice"

# bug seed check message [args]: the first failing seed of 1..1000 per
# planted bug at the scenario's defaults (fuzz_lib.sh, caught).
caught <<'SEEDS'
ephemeral_leak 2 invariants never_got_the_lock
watch_after_data 2 invariants Watch_order:
sync_ignored 1 zk a_read_after_sync_missed_a_write
SEEDS

replays --seed 5 -D recipe=lock
replays --seed 5 -D recipe=kv
# A failing seed shrinks to fewer faults; the shrunk schedule still fails.
shrinks 2 -D bug=ephemeral_leak

finish zk
