#!/bin/bash
# raft_demos.sh — every Raft teaching demo (scenarios/demos/raft_*.lua)
# with an asserted outcome: the correct variant passes (exit 0), each
# broken variant is caught (exit 1) on a pinned seed, and a run replays
# to the same fingerprint (twice, and with a trace written).
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect RC SCENARIO [ARGS...]: dsim run must exit with RC.
expect() {
    local want=$1 scen=$2
    shift 2
    local out rc
    out=$("$bin" run "$demos/$scen" "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: dsim run $scen $* exited $rc, expected $want"
        echo "$out" | tail -25
        failures=$((failures + 1))
    else
        echo "ok   $scen $* -> $rc"
    fi
}

fingerprint() {
    "$bin" run "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'
}

# R1: election; a forgotten vote elects two leaders in one term.
expect 0 raft_election.lua
expect 0 raft_election.lua --seed 7
expect 1 raft_election.lua -D bug=vote_not_persisted
expect 1 raft_election.lua -D bug=vote_not_persisted --seed 7
expect 0 raft_election.lua -D election_timeout=150      # split votes: liveness only
# R2: log repair from the divergent logs of Figure 7.
expect 0 raft_log_repair.lua
expect 1 raft_log_repair.lua -D bug=no_prev_check
# R3: Figure 8, scripted; (d) with the buggy commit rule, and (e).
expect 0 raft_figure8.lua
expect 1 raft_figure8.lua -D bug=figure8
expect 0 raft_figure8.lua -D schedule=e
expect 0 raft_figure8.lua -D schedule=e -D bug=figure8
# R4: a stale candidate must not win.
expect 0 raft_stale_candidate.lua
expect 1 raft_stale_candidate.lua -D bug=vote_any_log
# R5: the old leader in the minority.
expect 0 raft_partition_stale_leader.lua
expect 1 raft_partition_stale_leader.lua -D bug=stale_read
# R6: membership, direct switch against single-server changes.
expect 0 raft_membership.lua
expect 0 raft_membership.lua -D check_quorum=true
expect 1 raft_membership.lua -D method=direct
# R7: a flaky link costs elections, not safety.
expect 0 raft_flaky_link.lua
expect 0 raft_flaky_link.lua -D prevote=true
expect 0 raft_flaky_link.lua -D check_quorum=true
# R8: InstallSnapshot to a follower behind the compaction point.
expect 0 raft_snapshot.lua
expect 1 raft_snapshot.lua -D bug=snapshot_off_by_one
# Lease reads against clock drift; ReadIndex needs no clock.
expect 0 raft_lease_read.lua
expect 1 raft_lease_read.lua -D bug=lease_no_drift_margin
expect 1 raft_lease_read.lua -D lease_drift_ppm=0
expect 0 raft_lease_read.lua -D lease_read=false

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
