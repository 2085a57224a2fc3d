#!/usr/bin/env bash
# lock_demos.sh — the lock demos L1-L6 and the lock fuzz scenario, as a user
# runs them: each broken variant fails (exit 1) and each fixed one passes
# (exit 0) on the pinned default seed, and each prints its report (the
# failing check, what happened, or why the fix passes); the L3 report names
# both holders and tokens 33 and 34; runs are deterministic (same seed, same fingerprint,
# with or without a trace); bad input exits 2 with a message; the fuzz
# scenario catches every unfenced variant within a few seeds and stays clean
# with fencing over 200 seeds per variant.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
demos=$src/scenarios/demos
fuzz=$src/scenarios/fuzz/lock.lua
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/demos_lib.sh
. "$DSIM_SOURCE/tests/demos_lib.sh"
failures=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; failures=$((failures + 1)); }

# L1
run_demo 1 lock_setnx_expire.lua -D bug=setnx_expire
grep -q 'was still waiting' "$tmp/out" && ok "L1 names the stuck waiter" || bad "L1 report has no stuck waiter"
has "mutex: fail" "n3 crashes between SETNX and EXPIRE: the key has no expiry" "n4 asked"
run_demo 0 lock_setnx_expire.lua
has "why it passes: n3's key expired 500 ms after it was set" "n4 got the lock at 616.0 ms"
# L2
run_demo 1 lock_wrong_unlock.lua -D bug=unsafe_unlock
grep -q 'mutex: FAILED (2 violations)' "$tmp/out" && ok "L2 bug: A∩B and B∩C" || bad "L2 bug: not two overlaps"
has "n3's DEL removed n4's lock" "overlapping holders n3/n4, n4/n5"
run_demo 1 lock_wrong_unlock.lua
grep -q 'mutex: FAILED (1 violation)' "$tmp/out" && ok "L2 compare-and-delete: A∩B only" || bad "L2 cad: not one overlap"
has "overlapping holders n3/n4:" "Fix: -D renew=true"
run_demo 0 lock_wrong_unlock.lua -D renew=true
has "why it passes: the watchdog renewed n3's lease"
# L3
run_demo 1 lock_gc_pause.lua
if grep -q 'n3 (token 33' "$tmp/out" && grep -q 'n4 (token 34' "$tmp/out"; then
    ok "L3 names n3/token 33 and n4/token 34"
else
    bad "L3 report lacks the holders and tokens"
fi
has "n3 pauses for 1500 ms" "storage: n3 writes with token 33: accepted" "what happened: the lease"
run_demo 0 lock_gc_pause.lua -D fencing=true
grep -q 'REJECTED' "$tmp/out" && ok "L3 fencing rejects the stale write" || bad "L3 fencing: no rejection"
has "why it passes: n3 still wrote after its lease ran out"
run_demo 1 lock_gc_pause.lua -D renew=true
run_demo 1 lock_gc_pause.lua -D variant=zk-lock
run_demo 0 lock_gc_pause.lua -D variant=zk-lock -D fencing=true
# L4
run_demo 1 lock_failover.lua
has "mutex: fail" "the master n1 crashes before replicating n4's lock" "n5 holds the lock (token 1000001)" \
    "what happened: the standby never heard of n4's lock"
run_demo 0 lock_failover.lua -D fencing=true
has "storage: n4 writes with token 1: REJECTED" "why it passes: the promoted standby started a new epoch"
# L5
run_demo 1 lock_redlock.lua -D part=a
has 'was still waiting' "n7 has 2 of 5 votes" "n8 has 2 of 5 votes" "n9 has 1 of 5 votes" \
    "every round split the votes 2/2/1"
run_demo 0 lock_redlock.lua -D part=a -D retry=10,200
has "why it passes:" "random retry delays"
run_demo 1 lock_redlock.lua -D part=b
has 'both believed they held the lock' "n3 crashes (aof=everysec" "n3 grants the key to n8" \
    "what happened: n7 and n8 both held the lock from 504.0 ms; n3 granted it to both"
run_demo 0 lock_redlock.lua -D part=b -D aof=always
has "n8 has 2 of 5 votes" "why it passes: n3 still held n7's key when n8 asked"
run_demo 1 lock_redlock.lua -D part=c
has 'both believed they held the lock' "n3's wall clock steps 5 s forward" "n7's key expired early (expiry_clock=wall)"
run_demo 0 lock_redlock.lua -D part=c -D expiry_clock=mono
has "why it passes: n3 still held n7's key when n8 asked" "expiry_clock=mono"
# L6
run_demo 1 lock_zk.lua -D part=a -D bug=herd
has "mutex: fail" "wakeups (5.2 per acquisition)" "what happened: every waiter watches the parent"
run_demo 0 lock_zk.lua -D part=a
has "wakeups (0.9 per acquisition)" "why it passes: each waiter watches only its predecessor"
run_demo 1 lock_zk.lua -D part=b -D bug=watch_race
has 'was still waiting' "what happened: n4 saw n3's entry in its list"
run_demo 0 lock_zk.lua -D part=b
has "why it passes: n4's exists() on n3's entry"
run_demo 1 lock_zk.lua -D part=c
has "the service expired n3's session" "storage: n3 writes with token 1: accepted" "what happened: n3's session expired"
run_demo 0 lock_zk.lua -D part=c -D fencing=true
has "storage: n3 writes with token 1: REJECTED" "why it passes: n3 wrote after its session expired"

# Bad input: exit 2 with a message that says why.
bad_input() {
    local what=$1 pattern=$2
    shift 2
    "$bin" run "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ "$rc" = 2 ] && grep -q "$pattern" "$tmp/err"; then ok "bad input: $what"; else bad "bad input: $what (exit $rc)"; cat "$tmp/err"; fi
}
bad_input "unknown variant" "variant" "$fuzz" -D variant=chubby
bad_input "lease shorter than the delay bound" "network delay bound" "$fuzz" -D ttl=15
bad_input "quorum larger than the servers" "quorum 6 is larger" "$fuzz" -D variant=redlock -D quorum=6
bad_input "redlock with fencing" "redlock cannot give fencing tokens" "$fuzz" -D variant=redlock -D fencing=true
bad_input "unknown part" "part must be" "$demos/lock_zk.lua" -D part=z

# Determinism: the same seed gives the same fingerprint, traced or not.
fp() { "$bin" run "$@" --json 2>/dev/null | sed -n 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/p'; }
for args in "$demos/lock_gc_pause.lua" "$fuzz --seed 7 -D variant=zk-lock" "$fuzz --seed 11 -D variant=redlock -D faults=lua"; do
    # shellcheck disable=SC2086
    a=$(fp $args); b=$(fp $args); c=$(fp $args --trace "$tmp/t.jsonl")
    if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]; then ok "deterministic: $args"; else bad "not deterministic: $args ($a $b $c)"; fi
done
a=$(fp "$fuzz" --seed 7 -D variant=redis-lease); b=$(fp "$fuzz" --seed 8 -D variant=redis-lease)
[ "$a" != "$b" ] && ok "different seeds, different runs" || bad "seeds 7 and 8 give the same run"

# Fuzz: unfenced variants are caught within 50 seeds; fenced ones stay
# clean over 200 seeds each with the kernel's nemesis (when this build has
# it) and over 30 with the faults drawn in Lua.
primary=nemesis
"$bin" run "$fuzz" -D faults=nemesis > /dev/null 2>&1
[ $? = 2 ] && primary=lua
for faults in lua nemesis; do
    if [ $faults = nemesis ] && [ $primary = lua ]; then ok "fuzz: no c:nemesis in this build (skipped)"; continue; fi
    clean=30
    [ $faults = "$primary" ] && clean=200
    for v in redis-lease redlock fencing zk-lock; do
        "$bin" fuzz "$fuzz" --seeds 1..50 --stop-after 1 --jobs 2 -D variant=$v -D faults=$faults > "$tmp/f" 2>&1
        rc=$?
        [ $rc = 1 ] && ok "fuzz ($faults) catches unfenced $v" || { bad "fuzz ($faults) misses unfenced $v (exit $rc)"; tail -3 "$tmp/f"; }
    done
    for v in redis-lease fencing zk-lock; do
        "$bin" fuzz "$fuzz" --seeds 1..$clean --jobs 2 -D variant=$v -D fencing=true -D faults=$faults > "$tmp/f" 2>&1
        rc=$?
        [ $rc = 0 ] && ok "fuzz ($faults) clean with fencing: $v, $clean seeds" || { bad "fuzz ($faults) fails fenced $v (exit $rc)"; grep -m3 'dsim run' "$tmp/f"; }
    done
done

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
