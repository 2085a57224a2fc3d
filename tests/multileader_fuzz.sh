#!/bin/bash
# multileader_fuzz.sh — the randomized multi-leader scenario
# (scenarios/fuzz/multileader.lua): the correct protocol passes every
# check its options promise on every seed of a sweep (MULTILEADER_FUZZ_SEEDS,
# default 300), at the scenario's defaults (swarm-drawn options), and on a
# third as many with op-based causal delivery of registers forced (the
# causal check's case), with the set's removes and with failover forced;
# a seed that draws failover at the defaults is pinned;
# every planted bug is caught on a pinned seed (the first failing one of
# seeds 1..1000 at the defaults) by the named check with the named
# violation; a seed replays to the same fingerprint, traced or not; a
# failing seed shrinks and its schedule replays and still fails.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
scen=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/fuzz/multileader.lua
seeds=${MULTILEADER_FUZZ_SEEDS:-300}
. "$DSIM_SOURCE/tests/fuzz_lib.sh"

while read -r label n args; do
    # shellcheck disable=SC2086 # 'args' is a list of arguments
    n=$((seeds * n / 3))
    # shellcheck disable=SC2086 # 'args' is a list of arguments
    passes "correct multileader ($label)" "$n" $args
done <<'SWEEPS'
defaults 3
causal-kv 1 -D workload=kv -D delivery=ops -D causal=true -D dcs=3
set-removes 1 -D workload=set -D remove=40
failover 1 -D failover=true
SWEEPS

# Seed 18 draws failover at the defaults (one seed in three): n6 takes
# DC2 over from n4 at 1808 ms, n4 hears of it, steps down and hands its
# unreplicated adds over; the checks failover allows pass. Without the
# handover (ml_failover_tick) this seed fails convergence; another draw
# line means the scenario stopped drawing failover.
out=$("$bin" run "$scen" --seed 18 -D show=true --trace "$fuzz_tmp/t18.jsonl" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] || ! echo "$out" | grep -q "drawn: nodes=6 dcs=2 workload=set .* failover=true" ||
   ! grep -q '"node":"n6","name":"failover","fields":{"dc":2,"from":4,"epoch":1}' "$fuzz_tmp/t18.jsonl" ||
   ! grep -q '"node":"n4","name":"stepdown","fields":{"leader":6,"epoch":1}' "$fuzz_tmp/t18.jsonl"; then
    echo "FAIL: seed 18 (a failover drawn at the defaults) exited $rc:"
    echo "$out" | grep -E "drawn|verdicts|error"
    grep -E '"name":"(failover|stepdown)"' "$fuzz_tmp/t18.jsonl" | head -3
    failures=$((failures + 1))
else
    echo "ok   seed 18: n6 takes DC2 over from n4, n4 steps down and hands over; checks pass"
fi

# Seed 41 with -D failover=true once ended with two leaders of DC1: n1
# and then n2 were failed over at epoch 2 (n2 had not heard of n1's), and
# neither took the other's announcement. Equal epochs are ordered by
# leader id now; the scenario checks one view of the leaders at the end
# (and the kernel judges the state a run ends in, where that check lands).
out=$("$bin" run "$scen" --seed 41 -D failover=true --trace "$fuzz_tmp/t41.jsonl" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] || [ "$(grep -c '"name":"failover","fields":{"dc":1,"from":3,"epoch":2}' "$fuzz_tmp/t41.jsonl")" -ne 2 ]; then
    echo "FAIL: seed 41 -D failover=true (two failovers at one epoch) exited $rc:"
    echo "$out" | grep -E "verdicts|Leaders|error"
    failures=$((failures + 1))
else
    echo "ok   seed 41 -D failover=true: two failovers at epoch 2, one leader in the end"
fi

# Seed 16717 once failed convergence on the correct protocol: the set
# workload's removes under ops delivery without causal order (a remove
# overtook the add it saw). Removes are drawn only under causal
# replication now.
passes_seed 16717 "a remove without causal delivery"

# bug seed check message [args]: the first failing seed of 1..1000 per
# planted bug at the scenario's defaults (fuzz_lib.sh, caught).
caught <<'SEEDS'
orset_remove_wins 1 invariants Cart:_item
gcounter_sum_merge 2 invariants Counter_bound:
causal_skip 1 invariants Causal_delivery:
orset_remove_wins 15 invariants Set:_acknowledged_add_of_4 -D cart=false
orset_remove_wins 37 convergence VIOLATED:_key_"set" -D cart=false
SEEDS

# Without the cart, orset_remove_wins is found through the clients'
# removes (the set workload's re-adds after a remove): seeds 15 (the
# converged-set oracle, judged at the run's last moment since the kernel
# evaluates the invariants when a run ends; seed 37 was the first before)
# and 37 (convergence) pass with no removes.
for s in 15 37; do
    if ! "$bin" run "$scen" --seed $s -D bug=orset_remove_wins -D cart=false -D remove=0 > /dev/null 2>&1; then
        echo "FAIL: seed $s without cart and without removes fails: something else found the bug"
        failures=$((failures + 1))
    else
        echo "ok   seed $s without removes passes: the workload's removes found orset_remove_wins"
    fi
done

# Failover inside a data centre (tests/scenarios/multileader_failover.lua):
# the promoted follower serves DC1 while its leader is down, and the old
# leader's pending adds are handed over when it returns (kept, not lost).
fo=$DSIM_SOURCE/tests/scenarios/multileader_failover.lua
out=$("$bin" run "$fo" 2>&1)
if [ "$?" -ne 0 ] || ! echo "$out" | grep -q "n1 held 4 adds of its own that n2 lacked when it crashed" ||
   ! echo "$out" | grep -q "DC1's client c2 between 850 and 1500 ms: 6 adds ok" ||
   ! echo "$out" | grep -q "t=850 failover n2 from n1 epoch 1" ||
   ! echo "$out" | grep -q "t=1501 n1 steps down for n2" ||
   ! echo "$out" | grep -q "converged counter 331, acknowledged adds sum 331"; then
    echo "FAIL: failover inside a data centre:"
    echo "$out" | grep -E "adds|failover|steps|converged|verdicts|error"
    failures=$((failures + 1))
else
    echo "ok   failover: n2 serves DC1 after n1 failed; n1's 4 pending adds kept"
fi
out=$("$bin" run "$fo" -D failover=false 2>&1)
if [ "$?" -ne 0 ] || ! echo "$out" | grep -q "DC1's client c2 between 850 and 1500 ms: 0 adds ok"; then
    echo "FAIL: without failover DC1 should take no adds while n1 is down"
    failures=$((failures + 1))
else
    echo "ok   without failover DC1 takes no adds while its leader is down"
fi

replays --seed 5
replays --seed 6
# A failing seed shrinks (never to more faults) and the shrunk schedule
# replays and still fails.
shrinks --may-stay 2 -D bug=gcounter_sum_merge

finish multileader
