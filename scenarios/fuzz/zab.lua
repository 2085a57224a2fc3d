-- zab.lua — randomized ZAB: a KV store on ZooKeeper's atomic broadcast
-- under every kind of fault.
--
-- What it does: 3, 4, 5 or 7 ZAB servers (drawn from the seed; -D nodes=N),
-- some of them observers (-D observers=K; drawn 0 or 1 when not given),
-- 3 clients (-D clients=C) on the kv workload (-D workload=NAME for any
-- other), and for 'duration' ms (default 10000) faults of every kind from
-- the kernel's nemesis: partitions of every shape, crashes (some tearing
-- the last unsynced write, many of the leader), pauses, clock drift,
-- offsets and steps, message loss, duplication, delay spikes and
-- reordering, disk read faults. Its schedule is data: dsim shrink cuts a
-- failing run down to the faults that matter and dsim replay reruns it.
-- Aimed faults, drawn here when protocol events happen: a leader crashes
-- just after it is elected, just after it establishes its epoch and just
-- after a commit (mid-proposal: what synchronisation must keep or drop);
-- a leader is cut off from the others for a little longer than the
-- followers' patience, then rejoins (a deposed leader still proposing).
-- They are part of the scenario, not of the schedule: dsim shrink keeps
-- them.
-- The seed also draws the ZAB options (swarm testing; each -D given on the
-- command line wins): tick, limits, snapshots, reads through the log or by
-- sync.
-- Then a liveness phase: faults healed, every node up, for 'recovery' ms;
-- a leader must be established and every client must complete an op.
-- The verdict: the workload's default checks (kv: linearizability), the
-- ZAB invariants (zab_invariants.c) every 'invariants' events (default
-- 10), and liveness (reported through the invariants check).
--
--   dsim run scenarios/fuzz/zab.lua --seed 7
--   dsim fuzz scenarios/fuzz/zab.lua --seeds 1..1000 --jobs 2 -D bug=skip_sync
--   dsim shrink scenarios/fuzz/zab.lua --seed N -D bug=commit_before_quorum
-- First failing seed of 1..1000 at the defaults, per planted bug: see
-- tests/zab_fuzz.sh, which pins them.
-- The correct ZAB passed seeds 1..10000 at the defaults (tests/zab_fuzz.sh
-- runs 1..300).
-- Parameters: bug, nodes, observers, clients, duration, interval,
-- recovery, workload, aim (mixed, off), invariants, any ZAB option.

local function pick(list) return list[math.random(1, #list)] end
local nodes    = dsim.param("nodes", 0)
local clients  = dsim.param("clients", 3)
local duration = dsim.param("duration", 10000)
local interval = dsim.param("interval", pick { 100, 200, 400 })
local recovery = dsim.param("recovery", 3000)
local every    = dsim.param("invariants", 10)
local aim      = dsim.param("aim", "mixed")
if aim ~= "mixed" and aim ~= "off" then error("-D aim: unknown '" .. aim .. "' (mixed or off)") end
local options  = {
  tick           = pick { 20, 50 },
  init_limit     = pick { 5, 10 },
  sync_limit     = pick { 3, 5 },
  snapshot_every = pick { 10, 50, 200 },
  read           = pick { "log", "sync" },
}
if nodes == 0 then nodes = pick { 3, 4, 5, 7 } end
options.observers = dsim.param("observers", (nodes >= 4 and math.random() < 0.5) and 1 or 0)

local workload = dsim.param("workload", "kv")
local wl_table = { count = clients, workload = workload, rate = 40, timeout = 400 }
if workload == "kv" then wl_table.keys = 8 end
if workload == "queue" then wl_table.drain = duration end

local c = dsim.cluster {
  protocol   = "zab", nodes = nodes,
  options    = options,
  net        = { latency = dsim.uniform(1, 8), fifo = true },   -- TCP, as ZooKeeper assumes
  clients    = wl_table,
  invariants = every,
}

local heal_at = duration
local until_ms = c:nemesis {
  faults = {
    partition = { dur = { 100, 1500 } },
    crash     = { dur = { 1, 600 }, leader = 0.5, tear = 0.3 },
    pause     = { dur = { 50, 600 }, leader = 0.5 },
    clock     = { drift_ppm = 100000, step_ms = 300, offset_ms = 1000, dur = { 300, 3000 } },
    net       = { loss = 0.05, dup = 0.1, spike_ms = 100, window_ms = 20 },
    disk      = {},
  },
  interval = interval, start = interval, stop = duration, recovery = recovery,
}

-- ---- aimed faults -----------------------------------------------------------
local function bounce(n, after, down)
  c:after(after, function()
    if c:now() >= heal_at or c:state(n, "status") == "crashed" then return end
    c:crash(n)
    c:after(down, function() if c:state(n, "status") == "crashed" then c:restart(n) end end)
  end)
end

-- The leader 'l' alone for 'ms' (longer than the others wait for it), then
-- back: a deposed leader whose proposals reach servers of a newer epoch.
local function depose(l, ms)
  if c:now() >= heal_at then return end
  local rest = {}
  for i = 1, nodes do if i ~= l then rest[#rest + 1] = i end end
  c:partition { { l }, rest }
  c:after(ms, function() if c:now() < heal_at then c:heal() end end)
end

if aim == "mixed" then
  c:on("elected", function(ev)
    if c:now() < heal_at and math.random() < 0.1 then bounce(ev.node, math.random(0, 20), math.random(1, 300)) end
  end)
  c:on("established", function(ev)
    if c:now() >= heal_at then return end
    local r = math.random()
    if r < 0.2 then bounce(ev.node, math.random(0, 30), math.random(1, 1000))
    elseif r < 0.4 then
      local tick = options.tick
      c:after(math.random(100, 600), function() depose(ev.node, tick * options.sync_limit + math.random(0, 300)) end)
    end
  end)
  c:on("commit", function(ev)
    if c:now() < heal_at and math.random() < 0.01 then bounce(ev.node, math.random(0, 3), math.random(1, 1000)) end
  end)
end

-- ---- liveness phase: everything healed and up, then judged (scenarios/lib/liveness.lua).
dsim.lib("liveness").phase(c, { nodes = nodes, heal_at = heal_at, recovery = recovery, until_ms = until_ms })
c:run { until_ms = until_ms }
local checks = c:workload().checks
checks[#checks + 1] = "invariants"
checks.linearizable = workload == "set"
return c:check(checks)
