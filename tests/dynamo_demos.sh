#!/bin/bash
# dynamo_demos.sh — every Dynamo teaching demo (scenarios/demos/dynamo_*.lua)
# with an asserted outcome: the variant that keeps the promise passes
# (exit 0), each broken variant is caught (exit 1) by the named check with
# the named lesson in its report, impossible options are refused before
# boot (exit 2), and a run replays to the same fingerprint.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0

. "$DSIM_SOURCE/tests/demos_lib.sh"

# C2: w + r > n, yet a later read returns an older value; ABD fixes it.
expect 1 "linearizable: fail" dynamo_quorum_race.lua
expect 1 "cannot all have happened as observed" dynamo_quorum_race.lua
expect 1 "reader A (c4 via n1) then read 533 (13918.1-13934.8 ms); reader B (c2 via n2) began at 13938.5 ms, after A ended, and read 536 again" dynamo_quorum_race.lua
expect 0 "no reader saw a value go back" dynamo_quorum_race.lua -D abd=true
expect 1 "linearizable: fail" dynamo_quorum_race.lua -D abd=true -D bug=no_write_back
# F6: LWW by wall clock loses a causally later increment under 3 ms of skew.
expect 1 "counter: fail" dynamo_lww_skew.lua
expect 1 "every read lies between the acknowledged and the attempted sums" dynamo_lww_skew.lua
expect 0 "counter: ok" dynamo_lww_skew.lua -D skew=0
expect 0 "counter: ok" dynamo_lww_skew.lua -D versioning=vv
expect 1 "lost-update: fail" dynamo_lww_skew.lua -D workload=register
expect 1 "no read after an acknowledged write returns a value that write overwrote" dynamo_lww_skew.lua -D workload=register
expect 0 "lost-update: ok" dynamo_lww_skew.lua -D workload=register -D skew=0
expect 0 "lost-update: ok" dynamo_lww_skew.lua -D workload=register -D versioning=vv
# The same check on the recorded history, from dsim check.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for skew in 3 0; do
    "$bin" run "$demos/dynamo_lww_skew.lua" -D workload=register -D skew=$skew --history "$tmp/h$skew.jsonl" >/dev/null 2>&1
done
"$bin" check --check lost-update --every-read "$tmp/h3.jsonl" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "lost-update: FAIL" "$tmp/out" && grep -q "forgotten: a later read returned" "$tmp/out"; then
    echo "ok   dsim check --check lost-update --every-read: the skewed history fails"
else echo "FAIL: dsim check --check lost-update on the skewed history exited $rc"; cat "$tmp/out"; failures=$((failures + 1)); fi
"$bin" check --check lost-update --every-read "$tmp/h0.jsonl" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "lost-update: ok" "$tmp/out"; then echo "ok   dsim check --check lost-update: no skew, no loss"
else echo "FAIL: dsim check --check lost-update without skew exited $rc"; cat "$tmp/out"; failures=$((failures + 1)); fi
"$bin" check --check register --every-read "$tmp/h0.jsonl" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--every-read applies to --check lost-update only" "$tmp/out"; then echo "ok   --every-read elsewhere is a usage error"
else echo "FAIL: --every-read with --check register exited $rc"; failures=$((failures + 1)); fi
# S21: concurrent carts: vv merges, lww and overwrite lose acknowledged adds.
expect 0 "set-full: ok, convergence: ok" dynamo_concurrent_writes.lua
expect 1 "set-full: fail, convergence: ok" dynamo_concurrent_writes.lua -D versioning=lww
expect 1 "an acknowledged add is never lost" dynamo_concurrent_writes.lua -D versioning=overwrite
# S20: sloppy quorum: available, stale reads, hinted handoff, no loss;
# strict: unavailable; unsynced hints: acknowledged adds lost.
expect 0 "31 adds ok, 0 not; 60 hints stored, 2 handed off; 32 of 72 reads stale" dynamo_sloppy_quorum.lua
expect 0 "2 adds ok, 11 not; 0 hints stored, 0 handed off; 0 of 55 reads stale" dynamo_sloppy_quorum.lua -D sloppy=false
expect 1 "\"lost\":21" dynamo_sloppy_quorum.lua -D bug=hint_not_persisted
# S18: the stale-read rate falls to zero once w + r > n.
expect 0 "n=3 w=1 r=1 (w + r <= n): 4 of 535 reads stale" dynamo_nwr_sweep.lua
expect 0 "n=3 w=2 r=2 (w + r > n): 0 of 361 reads stale" dynamo_nwr_sweep.lua -D w=2 -D r=2
# S19: a write that failed (w = 3 with a replica down) is read later.
expect 0 "w=3: 14 writes not acknowledged, 7 of them read later" dynamo_quorum_edges.lua
expect 0 "w=2: 5 writes not acknowledged, 0 of them read later" dynamo_quorum_edges.lua -D w=2
# S19 (5): a node holding the newest value restored from a stale replica:
# the newest acknowledged value on one replica (< w), a quorum read older
# than a read before it; restored from a current replica, no such read.
expect 1 "round 4: newest value 18 on n1, n2 (2, w = 2); n2 restored from n3: on n1 (1 < w)" dynamo_quorum_edges.lua -D case=restore
expect 1 "fewest replicas holding the newest acknowledged value after a restore: 1 (w = 2)" dynamo_quorum_edges.lua -D case=restore
expect 1 "linearizable: fail, invariants: ok" dynamo_quorum_edges.lua -D case=restore
expect 0 "fewest replicas holding the newest acknowledged value after a restore: 2 (w = 2)" dynamo_quorum_edges.lua -D case=restore -D from=fresh
expect 2 "unknown 'nope' (failed_write or restore)" dynamo_quorum_edges.lua -D case=nope
# S22: two data centres: local quorums stay available through the cut and
# read stale; global quorums (r = w = 4 of 6) read nothing stale and stop.
expect 0 "local_quorum: during the cut 133 of 133 operations ok (100%); stale reads: 32 of 74 during the cut, 24 of 91 outside it" dynamo_local_quorum.lua
expect 0 "quorum r=w=4 of 6: during the cut 2 of 25 operations ok (8%); stale reads: 0 of 2 during the cut, 0 of 38 outside it" dynamo_local_quorum.lua -D consistency=quorum
expect 2 "dcs=4 data centres need at most 6 (the nodes) and to divide n=6" dynamo_local_quorum.lua -D dcs=4
# Bad input: impossible quorums are refused before boot.
expect 2 "n=4 replicas per key, but the cluster has 3 nodes" dynamo_quorum_race.lua -D n=4
expect 2 "abd needs strict intersecting quorums: r + w > n" dynamo_quorum_race.lua -D abd=true -D w=1
expect 2 "must each be at most n=3" dynamo_lww_skew.lua -D r=4

fp() { "$bin" run "$demos/$1" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'; }
a=$(fp dynamo_sloppy_quorum.lua)
b=$(fp dynamo_sloppy_quorum.lua)
if [ -z "$a" ] || [ "$a" != "$b" ]; then
    echo "FAIL: dynamo_sloppy_quorum.lua does not replay: '$a' '$b'"
    failures=$((failures + 1))
else
    echo "ok   dynamo_sloppy_quorum.lua replays to $a"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures dynamo demo check(s) failed"
    exit 1
fi
echo "all dynamo demo checks passed"
