#!/bin/bash
# paxos_demos.sh — every Paxos teaching demo (scenarios/demos/paxos_*.lua,
# paxos_failover.lua, consensus_compare.lua) with an asserted
# outcome: the correct variant passes (exit 0), each broken variant is
# caught (exit 1) by the named check with the named violation, bad
# options are refused before boot (exit 2), and a run replays to the same
# fingerprint, traced or not.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$DSIM_SOURCE/tests/demos_lib.sh"

# P1: the tax rate; each knob makes two learners decide 10 and 20.
expect 0 "learner n5 decides 10 % (ballot 2.n5)" paxos_tax_rate.lua
expect 1 "Agreement: 10 was chosen at ballot 2.n1 and 20 at ballot 2.n5" paxos_tax_rate.lua -D bug=ignore_accepted
expect 1 "Agreement: 10 was chosen at ballot 2.n1 and 20 at ballot 2.n5" paxos_tax_rate.lua -D bug=highest_by_value
expect 1 "Promises: n5 promised ballot 1.n5 and now holds none" paxos_tax_rate.lua -D bug=no_persist_promise
# P2: symmetric timers livelock without any fault; random back-off decides.
expect 1 "Liveness: no decision within 2000 ms after 160 rounds" paxos_livelock.lua
expect 0 "decides 20 at ballot 1.n5" paxos_livelock.lua -D backoff=random
# P3: failover; B recovers 3..5 from C and continues at 7.
expect 0 "B=n2: leader   promised 2.n2   commit 6, log 1:w101@2.n2 2:w102@2.n2 3:w103@2.n2" paxos_failover.lua
expect 1 "Agreement: slot 3 was chosen (seen at n1) with another command than n3 now holds chosen there: no-op" \
    paxos_failover.lua -D bug=skip_recovery
# K1: the same workload and leader crash on Raft and Multi-Paxos; both pass.
expect 0 "| raft |" paxos_compare.lua -D protocol=raft
expect 0 "| paxos |" paxos_compare.lua -D protocol=paxos
# Bad input: quorums that do not intersect are refused before boot.
expect 2 "quorums do not intersect: q1=2 + q2=3 <= 5 acceptors" paxos_tax_rate.lua -D q1=2 -D q2=3
expect 2 "option proposers" paxos_tax_rate.lua -D proposers=1,9

# Determinism: the same seed gives the same fingerprint, traced or not.
fingerprint() {
    "$bin" run "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'
}
for scen in paxos_tax_rate.lua paxos_livelock.lua paxos_failover.lua; do
    a=$(fingerprint "$demos/$scen" --seed 11)
    b=$(fingerprint "$demos/$scen" --seed 11)
    c=$(fingerprint "$demos/$scen" --seed 11 --trace "$tmp/trace.jsonl")
    if [ -z "$a" ] || [ "$a" != "$b" ] || [ "$a" != "$c" ]; then
        echo "FAIL: $scen --seed 11 fingerprints differ: '$a' '$b' '$c' (traced)"
        failures=$((failures + 1))
    else
        echo "ok   $scen --seed 11 replays to $a"
    fi
done

if [ "$failures" -ne 0 ]; then
    echo "$failures paxos demo check(s) failed"
    exit 1
fi
echo "all paxos demo checks passed"
