#!/bin/bash
# repl_demos.sh — every replication teaching demo (scenarios/demos/repl_*.lua)
# with an asserted outcome: the safe variant passes (exit 0), each broken
# variant is caught (exit 1) by the named check, the printed lesson holds,
# bad options are refused before boot (exit 2), and a run replays to the
# same fingerprint, traced or not.
# Needs DSIM_BIN and DSIM_SOURCE (set by meson test).
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
demos=${DSIM_SOURCE:?DSIM_SOURCE is not set}/scenarios/demos
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$DSIM_SOURCE/tests/demos_lib.sh"

# S8: async loses an acknowledged write when the most up-to-date follower
# is promoted; semisync and sync do not; a down sync follower blocks writes.
expect 1 "c1's read returned 14, a value overwritten at 1001.1 ms by c1's write of 15" repl_sync_async.lua
expect 0 "promote n2, the most up-to-date follower" repl_sync_async.lua -D mode=semisync
expect 0 "promote n2, the most up-to-date follower" repl_sync_async.lua -D mode=sync
expect 0 "sync: operations acknowledged while n3 was down (1100..3000 ms): 0" repl_sync_async.lua -D mode=sync -D part=b
expect 0 "semisync: operations acknowledged while n3 was down (1100..3000 ms): 72" repl_sync_async.lua -D mode=semisync -D part=b
# F13: a paused primary resumes after a failover: fenced by epochs, or split brain.
expect 0 "n1 deposed: it learnt of epoch 2" repl_split_brain.lua
expect 1 "n1 is leader at epoch 1" repl_split_brain.lua -D epochs=false
expect 1 "ok from n1 at 1830.3 ms" repl_split_brain.lua -D epochs=false
# C1: a score read from a lagging follower after Alice's operation at the leader.
expect 1 "c2's read returned null, a value overwritten at 63.9 ms by c1's write of 1" repl_worldcup.lua
expect 0 "linearizable: ok" repl_worldcup.lua -D follower_reads=false
# S10: lag anomalies, judged by the session-guarantees check, and their fixes.
expect 1 "violated: read-your-writes, monotonic-reads" repl_lag_anomalies.lua
expect 0 "session: ok" repl_lag_anomalies.lua -D fix=true
expect 0 "session: ok" repl_lag_anomalies.lua -D fix=token
expect 0 "reads answered by n1 25, n2 34, n3 26, n4 31" repl_lag_anomalies.lua -D fix=token
expect 0 "session: ok" repl_lag_anomalies.lua -D anomaly=mr -D fix=token
expect 1 "violated: read-your-writes, monotonic-reads" repl_lag_anomalies.lua -D anomaly=mr
expect 1 "kept:     monotonic-reads" repl_lag_anomalies.lua -D anomaly=mr -D fix=true
# S13: failover pitfalls: acknowledged inserts lost, auto-increment IDs handed out twice.
expect 1 '"rule":"every read lies between the acknowledged and the attempted sums","out_of_bounds":57' repl_failover_pitfalls.lua
expect 1 "n2 promoted at epoch 2 with LSN 33 (n1 had 36, n2 33, n3 29 at the crash)" repl_failover_pitfalls.lua
expect 0 "n2 promoted at epoch 2 with LSN 31 (n1 had 33, n2 31, n3 26 at the crash)" repl_failover_pitfalls.lua -D mode=semisync
expect 1 "n3 promoted at epoch 2 with LSN 26" repl_failover_pitfalls.lua -D mode=semisync -D promote=lagging
# (d): a load spike, not a crash: the detector fails over from a live leader.
expect 0 "unnecessary failovers: 1 (failovers whose old leader had not crashed)" repl_failover_pitfalls.lua -D part=spike
expect 0 "n2 promoted at epoch 2; the old leader n1 was alive (stalled, not dead)" repl_failover_pitfalls.lua -D part=spike
expect 0 "unnecessary failovers: 0" repl_failover_pitfalls.lua -D part=spike -D fd_timeout=1000
expect 2 "-D part: crash or spike" repl_failover_pitfalls.lua -D part=load
# S12: a follower added while writes continue catches up from a snapshot and the log after it.
expect 0 "n3 caught up to LSN 167 (leader 168), applied 166" repl_add_follower.lua
expect 1 "High watermark: n3 showed LSN 116 with state" repl_add_follower.lua -D bug=catchup_gap
# F12: followers show only entries at or below the high watermark.
expect 0 "crash n1 (LSN 79, high watermark 76) and n2 (LSN 79, applied 76)" repl_hwm_visibility.lua
expect 1 "High watermark: n2 showed LSN 77 with state" repl_hwm_visibility.lua -D bug=hwm_leak
# S9: Kafka's ISR shrinks to the leader; an unclean election loses acknowledged writes.
expect 1 "2802.0 ms  n2 leads epoch 2 with LSN 119" repl_kafka_unclean.lua -D min_insync=1 -D unclean=true
expect 1 "c2  p1    write of 49        3498.6-3502.6 ms     ok from n1" repl_kafka_unclean.lua -D min_insync=1 -D unclean=true
expect 0 "1754.0 ms  ISR shrinks: n2 out, 1 in sync" repl_kafka_unclean.lua
expect 0 "operations: ok 210, refused 228, unknown 3" repl_kafka_unclean.lua
# F14: the same crash under wait, manual and automatic election: downtime.
expect 0 "wait: downtime 3119 ms after the leader crashed" repl_election_strategies.lua -D strategy=wait
expect 0 "manual: downtime 1534 ms after the leader crashed" repl_election_strategies.lua -D strategy=manual
expect 0 "auto: downtime 315 ms after the leader crashed" repl_election_strategies.lua
# C5: a queue faster than replication: thumbnails made from stale images, for good; fixed by
# carrying the upload's session token in the message, or by reading at the leader.
expect 1 '"resizes":27,"stale":25,"permanent":["k1: the image is at version 15, its thumbnail stays made from 14"]' repl_c5_cross_channel_resize.lua
expect 0 "resizes answered by n1 0, n2 18, n3 9" repl_c5_cross_channel_resize.lua -D fix=token
expect 0 "resize: ok" repl_c5_cross_channel_resize.lua -D fix=leader
expect 2 "-D fix: none, token or leader, got 'bogus'" repl_c5_cross_channel_resize.lua -D fix=bogus
# S11: statement-based shipping of NOW() and RAND() diverges the replicas; row-based does not.
expect 1 'key "k0.now": replica 1 holds 2415, replica 2 holds' repl_s11_statement_replication.lua
expect 1 "updated_at = 2415, 2490, 2421" repl_s11_statement_replication.lua
expect 0 "updated_at = 2398, 2398, 2398" repl_s11_statement_replication.lua -D shipping=row
expect 2 "option columns: a comma list of now and rand, got 'now,foo'" repl_s11_statement_replication.lua -D columns=now,foo
# Bad input: automatic failover needs a master; semisync k beyond the followers.
expect 2 "failover=auto needs a master node" repl_sync_async.lua -D failover=auto
expect 2 "semisync_k=3, but there are only 2 followers" repl_sync_async.lua -D mode=semisync -D semisync_k=3

fingerprint() {
    "$bin" run "$@" --json 2>/dev/null | grep -o '"fingerprint": *"[0-9a-f]*"'
}
for scen in repl_sync_async.lua repl_split_brain.lua repl_worldcup.lua repl_lag_anomalies.lua \
            repl_failover_pitfalls.lua repl_add_follower.lua repl_hwm_visibility.lua repl_kafka_unclean.lua \
            repl_election_strategies.lua repl_c5_cross_channel_resize.lua repl_s11_statement_replication.lua; do
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
    echo "$failures replication demo check(s) failed"
    exit 1
fi
echo "all replication demo checks passed"
