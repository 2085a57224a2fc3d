#!/usr/bin/env bash
# lock_demos.sh — the lock demos L1-L6 and the lock fuzz scenario, as a user
# runs them: each broken variant fails (exit 1) and each fixed one passes
# (exit 0) on the pinned default seed; the L3 report names both holders and
# tokens 33 and 34; runs are deterministic (same seed, same fingerprint,
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
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

# expect CODE DEMO [ARGS...]: the demo exits with CODE.
expect() {
    local want=$1 demo=$2
    shift 2
    "$bin" run "$demos/$demo" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ "$rc" = "$want" ]; then ok "$demo $* exits $want"; else bad "$demo $* exits $rc, not $want"; cat "$tmp/err"; fi
}

# L1
expect 1 lock_setnx_expire.lua -D bug=setnx_expire
grep -q 'was still waiting' "$tmp/out" && ok "L1 names the stuck waiter" || bad "L1 report has no stuck waiter"
expect 0 lock_setnx_expire.lua
# L2
expect 1 lock_wrong_unlock.lua -D bug=unsafe_unlock
grep -q 'mutex: FAILED (2 violations)' "$tmp/out" && ok "L2 bug: A∩B and B∩C" || bad "L2 bug: not two overlaps"
expect 1 lock_wrong_unlock.lua
grep -q 'mutex: FAILED (1 violation)' "$tmp/out" && ok "L2 compare-and-delete: A∩B only" || bad "L2 cad: not one overlap"
expect 0 lock_wrong_unlock.lua -D renew=true
# L3
expect 1 lock_gc_pause.lua
if grep -q 'n3 (token 33' "$tmp/out" && grep -q 'n4 (token 34' "$tmp/out"; then
    ok "L3 names n3/token 33 and n4/token 34"
else
    bad "L3 report lacks the holders and tokens"
fi
expect 0 lock_gc_pause.lua -D fencing=true
grep -q 'REJECTED' "$tmp/out" && ok "L3 fencing rejects the stale write" || bad "L3 fencing: no rejection"
expect 1 lock_gc_pause.lua -D renew=true
expect 1 lock_gc_pause.lua -D variant=zk-lock
expect 0 lock_gc_pause.lua -D variant=zk-lock -D fencing=true
# L4
expect 1 lock_failover.lua
expect 0 lock_failover.lua -D fencing=true
# L5
expect 1 lock_redlock.lua -D part=a
expect 0 lock_redlock.lua -D part=a -D retry=10,200
expect 1 lock_redlock.lua -D part=b
expect 0 lock_redlock.lua -D part=b -D aof=always
expect 1 lock_redlock.lua -D part=c
expect 0 lock_redlock.lua -D part=c -D expiry_clock=mono
# L6
expect 1 lock_zk.lua -D part=a -D bug=herd
expect 0 lock_zk.lua -D part=a
expect 1 lock_zk.lua -D part=b -D bug=watch_race
expect 0 lock_zk.lua -D part=b
expect 1 lock_zk.lua -D part=c
expect 0 lock_zk.lua -D part=c -D fencing=true

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

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
