#!/bin/bash
# raft_demos.sh — every Raft teaching demo (scenarios/demos/raft_*.lua)
# with an asserted outcome: the correct variant passes (exit 0) and prints
# why, each broken variant is caught (exit 1) on a pinned seed by the
# expected check with the expected message and prints what happened, and a
# run replays to the same fingerprint (twice, and with a trace written).
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/demos_lib.sh
. "$DSIM_SOURCE/tests/demos_lib.sh"

fingerprint() {
    "$bin" run "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'
}

# R1: election; a forgotten vote elects two leaders in one term.
run_demo 0 raft_election.lua
has "why it passes: V=n2 came back from its crash in term 3 remembering its vote"
run_demo 0 raft_election.lua --seed 7
run_demo 1 raft_election.lua -D bug=vote_not_persisted
has "invariants: fail" 'Election Safety: n1 and n4 were both leaders of term 3' \
    "what happened: n1 and n4 both lead term 3. V=n2 voted for A in term 3, crashed,"
run_demo 1 raft_election.lua -D bug=vote_not_persisted --seed 7
has "Election Safety: n1 and n5 were both leaders of term 3"
run_demo 0 raft_election.lua -D election_timeout=150      # split votes: liveness only
# R2: log repair from the divergent logs of Figure 7.
run_demo 0 raft_log_repair.lua
has "why it passes: every log now reads 1 1 1 4 4 5 5 6 6 6 8 8 8"
run_demo 1 raft_log_repair.lua -D bug=no_prev_check
has "invariants: fail" "Log Matching: n1 and n7 both hold index 11 of term 8 but their logs differ before it" \
    "  n7: 1 1 1 2 2 2 3 3 3 3 8"
# R3: Figure 8, scripted; (d) with the buggy commit rule, and (e).
run_demo 0 raft_figure8.lua
has "why it passes: S1 never called index 2 committed"
run_demo 1 raft_figure8.lua -D bug=figure8
has "invariants: fail" "Leader Completeness: n5 leads term 5 without index 2 (term 2), committed in an earlier term" \
    "what happened: at 270.0 ms S1, leader of term 4, called index 2 (a term-2 entry)"
run_demo 0 raft_figure8.lua -D schedule=e
has "why it passes: S1 replicated an entry of its own term 4 to a majority"
run_demo 0 raft_figure8.lua -D schedule=e -D bug=figure8
# R4: a stale candidate must not win.
run_demo 0 raft_stale_candidate.lua
has "no read returned a value older than" "B refused C"
run_demo 1 raft_stale_candidate.lua -D bug=vote_any_log
has "linearizable: fail, invariants: fail" "Leader Completeness: n3 leads term 2 without index" \
    "1330.8 ms  the client reads 1, but 8 was acknowledged before A died" "C won with a log missing committed entries"
# R5: the old leader in the minority.
run_demo 0 raft_partition_stale_leader.lua
has "why it passes: no read returned an old value: B=n1 answers a read only after"
run_demo 1 raft_partition_stale_leader.lua -D bug=stale_read
has "linearizable: fail, invariants: ok" "what happened: at 2073.5 ms c1 read 31 from B=n1, although c2's write of 35"
# R6: membership, direct switch against single-server changes; a removed
# server disrupts the cluster unless CheckQuorum makes members ignore it.
run_demo 0 raft_membership.lua
has "remove n5: accepted" "RequestVotes carried them to the members, who stepped down: 4 new leaders."
run_demo 0 raft_membership.lua -D check_quorum=true
has "remove n5: accepted" "hear their leader and ignore its RequestVotes: 0 new leaders."
run_demo 0 raft_membership.lua -D check_quorum=true --seed 3
has "remove n5: accepted" "leader n4, term 3, members {1,2,3,4}" "0 new leaders."
run_demo 1 raft_membership.lua -D method=direct
has "invariants: fail" "Election Safety: n4 and n1 were both leaders of term 2" "two leaders of term 2: n1 and n4"
# R7: a flaky link costs elections, not safety; PreVote stops the churn,
# CheckQuorum alone does not.
run_demo 0 raft_flaky_link.lua
has "6.7 new leaders" "why: F's RequestVotes carried a higher term"
run_demo 0 raft_flaky_link.lua -D prevote=true
has "0.0 new leaders" "why: F's pre-votes were refused"
run_demo 0 raft_flaky_link.lua -D check_quorum=true --seed 2
has "26.7 new leaders" "why: the others ignored F's RequestVotes (leader stickiness)"
run_demo 0 raft_flaky_link.lua --seed 2
has "13.3 new leaders"
# R8: InstallSnapshot to a follower behind the compaction point.
run_demo 0 raft_snapshot.lua
has "they are equal: the snapshot holds exactly the effect of every entry up to its index"
run_demo 1 raft_snapshot.lua -D bug=snapshot_off_by_one
has "invariants: fail" "State Machine Safety: n2's state after applying index 140 differs" \
    "n2 installed the leader's snapshot of index 140" "they differ: the snapshot says it holds entries up to its index"
# Lease reads against clock drift; ReadIndex needs no clock.
run_demo 0 raft_lease_read.lua
has "why it passes: no read returned an old value: n1's lease is the election timeout"
run_demo 1 raft_lease_read.lua -D bug=lease_no_drift_margin
has "linearizable: fail, invariants: ok" "from the old leader n1, although" "the planted bug leaves that margin out"
run_demo 1 raft_lease_read.lua -D lease_drift_ppm=0
has "linearizable: fail" "lease_drift_ppm=0 assumes perfect clocks"
run_demo 0 raft_lease_read.lua -D lease_read=false
has "without leases (ReadIndex)"

# Determinism: the same seed gives the same fingerprint, traced or not.
for scen in raft_election.lua raft_partition_stale_leader.lua raft_snapshot.lua raft_membership.lua; do
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
    echo "$failures raft demo check(s) failed"
    exit 1
fi
echo "all raft demo checks passed"
