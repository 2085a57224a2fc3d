#!/usr/bin/env bash
# scenario_cli.sh — dsim.cluster{...} and the cluster's verbs as a scenario
# writer meets them: the README's "Writing a scenario" block runs as
# printed; integral floats (5e7) are integers; a non-integral or
# out-of-range number, a wrong type or an unknown field exits 2 with the
# line of the field itself (the call's line when the field is not written
# out); c:leader() is nil while nobody leads and the node error then says
# so; c:leader() falls back to a "server" role; a latency model the kernel
# would assert on (uniform lo > hi, lognormal sigma > 10, pareto shape ~0)
# is refused as input.
set -u
bin=${DSIM_BIN:?DSIM_BIN is not set}
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

# expect2 NAME PATTERN FILE: the run exits 2 and stderr matches PATTERN.
expect2() {
    "$bin" run "$3" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ $rc -eq 2 ] && grep -qE -- "$2" "$tmp/err"; then ok "$1"
    else bad "$1: exit $rc, stderr: $(head -c 300 "$tmp/err")"; fi
}

# -- the README's block, as printed -------------------------------------------
python3 - "$src/README.md" "$tmp/readme.lua" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
part = text.split("## Writing a scenario", 1)[1]
block = re.search(r"```lua\n(.*?)```", part, re.S).group(1)
open(sys.argv[2], "w").write(block)
PY
if "$bin" run "$tmp/readme.lua" >"$tmp/out" 2>"$tmp/err"; then ok "the README's scenario block runs"
else bad "the README's scenario block: $(head -c 300 "$tmp/err")"; fi

# -- integral floats are integers ------------------------------------------------
cat >"$tmp/floats.lua" <<'EOF'
local c = dsim.cluster {
  protocol = "single", nodes = 3.0, invariants = 1e3,
  clients = { count = 2.0, workload = "register", rate = 50 },
  limits = { events = 5e7, instructions = 1e8 },
}
c:run { until_ms = 200 }
return c:check { "linearizable" }
EOF
if "$bin" run "$tmp/floats.lua" >"$tmp/out" 2>"$tmp/err"; then ok "integral floats count as integers"
else bad "integral floats: $(head -c 300 "$tmp/err")"; fi

# -- errors point at the field's own line ------------------------------------------
base() {   # base FILE LIMITS-LINE NET-LINE
    cat >"$1" <<EOF
local c = dsim.cluster {
  protocol = "single",
  nodes = 3,
  net = { $3 },
  -- events = 9 in a comment must not be taken for the field
  limits = {
    time = 1000,
    $2
  },
}
EOF
}
base "$tmp/frac.lua" "events = 5.5," "drop = 0.1"
expect2 "a non-integral integer names its line" "frac.lua:8: dsim.cluster limits: 'events' must be a whole number, got 5.5" "$tmp/frac.lua"
base "$tmp/huge.lua" "events = 1e300," "drop = 0.1"
expect2 "an out-of-range integer names its line and range" "huge.lua:8: .*'events' must be from 1 to [0-9]+, got 1e\\+300" "$tmp/huge.lua"
base "$tmp/type.lua" "events = \"many\"," "drop = 0.1"
expect2 "a wrong type names its line" "type.lua:8: .*'events' must be a whole number, got string" "$tmp/type.lua"
base "$tmp/unknown.lua" "eventz = 5," "drop = 0.1"
expect2 "an unknown field names its line" "unknown.lua:8: dsim.cluster limits: unknown field 'eventz'" "$tmp/unknown.lua"
base "$tmp/drop.lua" "events = 5," "drop = 2"
expect2 "a number out of range names its line" "drop.lua:4: dsim.cluster net: 'drop' must be from 0 to 1, got 2" "$tmp/drop.lua"
cat >"$tmp/oneline.lua" <<'EOF'
local c = dsim.cluster { protocol = "single", nodes = 3 }
c:at(10, function() c:clock(1, { step = "far" }) end)
c:run { until_ms = 20 }
EOF
expect2 "a field on the call's line names that line" "oneline.lua:2: .*c:clock: 'step' must be a number, got string" "$tmp/oneline.lua"
cat >"$tmp/inv.lua" <<'EOF'
local c = dsim.cluster {
  protocol = "single",
  invariants = 2.5,
}
EOF
expect2 "invariants = 2.5 names its line" "inv.lua:3: dsim.cluster: 'invariants' must be" "$tmp/inv.lua"

# -- latency models the kernel would refuse are refused as input -------------------
n=0
for m in "dsim.lognormal(10, 20)" "{kind = 'uniform', a = 10, b = 1}" "dsim.pareto(1, 0.0001)"; do
    n=$((n + 1))
    printf 'local c = dsim.cluster { nodes = 2, clients = { count = 1 },\n  net = { latency = %s } }\nc:run { until_ms = 100 }\n' "$m" >"$tmp/lat$n.lua"
    # refused where the model is made (dsim.pareto(...)) or, hand-made, at the field
    expect2 "latency $m is bad input, not an assertion" \
        "lat$n.lua:2: (dsim.cluster net: 'latency' must be|dsim\.[a-z]+: [a-z]+ must be)" "$tmp/lat$n.lua"
done

# -- a NaN option is bad input, not an empty message -------------------------------
"$bin" run "$src/scenarios/demos/single_kv.lua" -D flush=nan >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "option 'flush' wants milliseconds" "$tmp/err"; then ok "-D flush=nan is refused with the option's range"
else bad "-D flush=nan: exit $rc, $(head -c 300 "$tmp/err")"; fi

printf 'local c = dsim.cluster { nodes = 2 }\nc:ring()\n' >"$tmp/ring.lua"
expect2 "c:ring on two nodes is refused, as the nemesis refuses it" "ring.lua:2: c:ring needs at least 3 nodes" "$tmp/ring.lua"

# -- c:leader() --------------------------------------------------------------------
cat >"$tmp/noleader.lua" <<'EOF'
local c = dsim.cluster { protocol = "raft", nodes = 3 }
c:pause(c:leader())
EOF
expect2 "a nil node says that no node was given" "noleader.lua:2: bad node nil: no node was given \\(c:leader\\(\\) is nil while no node leads\\)" "$tmp/noleader.lua"
cat >"$tmp/server.lua" <<'EOF'
local c = dsim.cluster { protocol = "single", nodes = 3 }
c:run { until_ms = 10 }
assert(c:leader() == 1, "single's server is the leader c:leader() reports, got " .. tostring(c:leader()))
c:crash(1)
assert(c:leader() == nil, "a crashed server leads nobody")
EOF
if "$bin" run "$tmp/server.lua" >"$tmp/out" 2>"$tmp/err"; then ok "c:leader() falls back to the server role"
else bad "c:leader() and the server role: $(head -c 300 "$tmp/err")"; fi

# -- dsim.lib: the scenario library compiled in ------------------------------------
cat >"$tmp/lib.lua" <<'EOF'
local l = dsim.lib("liveness")
assert(type(l.phase) == "function" and dsim.lib("liveness") == l, "a module runs once per run")
local c = dsim.cluster { protocol = "raft", nodes = 3, clients = { count = 1, rate = 20 } }
local ok, err = pcall(l.phase, c, { nodes = 3 })
assert(not ok and tostring(err):find("scenarios/lib/liveness.lua:%d+: liveness.phase wants"), tostring(err))
l.phase(c, { nodes = 3, heal_at = 500, recovery = 1500, until_ms = 2000 })
c:run { until_ms = 2000 }
return c:check { "invariants" }
EOF
if "$bin" run "$tmp/lib.lua" >"$tmp/out" 2>"$tmp/err"; then ok "dsim.lib loads a module once; its errors name scenarios/lib"
else bad "dsim.lib: $(head -c 300 "$tmp/err")"; fi
printf 'dsim.lib("nope")\n' >"$tmp/nolib.lua"
expect2 "an unknown module names the modules there are" "nolib.lua:1: dsim.lib: no module 'nope' \\(the modules: liveness, scripted_faults\\)" "$tmp/nolib.lua"
# The liveness phase judges: with no quorum after the heal, the run fails.
cat >"$tmp/live.lua" <<'EOF'
local c = dsim.cluster { protocol = "raft", nodes = 3, clients = { count = 1, rate = 20 } }
c:after(400, function() c:partition { { 1 }, { 2 }, { 3 } } end)   -- cut again after the heal at 300
dsim.lib("liveness").phase(c, { nodes = 3, heal_at = 300, recovery = 1500, until_ms = 1800 })
c:run { until_ms = 1800 }
return c:check { "invariants" }
EOF
"$bin" run "$tmp/live.lua" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "Liveness: " "$tmp/out"; then ok "the liveness phase fails a run with no leader after the heal"
else bad "liveness phase: exit $rc, $(grep -m1 Liveness "$tmp/out")"; fi
for scen in raft paxos; do
    "$bin" run "$src/scenarios/fuzz/$scen.lua" --seed 1 -D faults=partition,bogus >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -q "$scen.lua:[0-9]*: -D faults (nemesis, .*unknown fault kind 'bogus' (the kinds: partition, pause, crash, clock, net)" "$tmp/err"
    then ok "$scen.lua: an unknown fault kind exits 2 and names the kinds"
    else bad "$scen.lua -D faults=partition,bogus: exit $rc, $(head -c 300 "$tmp/err")"; fi
done

# c:partition with an empty group: no group (the scenario fuzzer's finding:
# group numbers past the endpoints tripped a kernel assertion, exit 134).
cat >"$tmp/emptygroup.lua" <<'EOF'
local c = dsim.cluster { protocol = "single", nodes = 1 }
c:partition { {}, { 1 } }
c:partition { { nil, "n1" }, { 1 } }
c:run { until_ms = 10 }
return c:check { "invariants" }
EOF
if "$bin" run "$tmp/emptygroup.lua" >"$tmp/out" 2>"$tmp/err"; then ok "an empty partition group is no group"
else bad "empty partition group: $(head -c 200 "$tmp/err")"; fi

# The nemesis's random halves of a one-node cluster put the node on side 1
# with side 0 empty: labels that are not dense (the scenario fuzzer's
# finding; it was a kernel assertion, exit 134, on seeds 3, 4 and 7).
cat >"$tmp/halves1.lua" <<'EOF'
local c = dsim.cluster { protocol = "single", nodes = 1 }
c:nemesis { faults = { "partition" }, interval = 1 }
c:run { until_ms = 200 }
return c:check { "invariants" }
EOF
for s in 3 4 7; do
    if "$bin" run "$tmp/halves1.lua" --seed $s >"$tmp/out" 2>"$tmp/err"; then ok "halves of one node, seed $s"
    else bad "halves of one node, seed $s: $(head -c 200 "$tmp/err")"; fi
done

# c:state before the first c:run: the status alone, since no node has
# booted (Dynamo and the multi-leader store asserted on their zeroed
# state blocks: the scenario fuzzer's finding).
for p in dynamo:3 multileader:3 pbft:4 raft:3 generals:4 lock:4; do
    printf 'local c = dsim.cluster { protocol = "%s", nodes = %s }\nprint("before", c:state(1).status, c:state(1).role, c:leader())\nc:run { until_ms = 1 }\n' \
        "${p%:*}" "${p#*:}" >"$tmp/before.lua"
    if "$bin" run "$tmp/before.lua" >"$tmp/out" 2>"$tmp/err" && grep -q "^before	up	nil	nil$" "$tmp/out"; then ok "c:state before the first run: ${p%:*}"
    else bad "c:state before the first run, ${p%:*}: $(head -c 200 "$tmp/err") $(grep before "$tmp/out")"; fi
done

echo "scenario_cli: $fails failure(s)"
[ "$fails" -eq 0 ]
