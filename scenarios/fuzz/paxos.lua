-- paxos.lua — randomized Paxos: Multi-Paxos KV (or single-decree Paxos)
-- under every kind of fault.
--
-- What it does: 5 Paxos nodes (-D nodes=N; the seed draws 3, 4 or 5 when
-- not given), 3 clients (-D clients=C), and for 'duration' ms (default
-- 10000) a fault every 'interval' ms: by default the kernel's nemesis
-- (partitions of every shape, pauses, crashes with torn writes, clock
-- drift and steps, loss and duplication, disk read faults), whose
-- schedule is data, so every failing seed shrinks with dsim shrink and
-- replays with dsim replay; -D faults=all uses the scenario's own draws
-- instead, with aimed crashes (just after a campaign starts, a leader
-- wins, a slot is chosen). The seed also draws the Paxos options (swarm
-- testing): election timeouts, batch, snapshots, lease reads, flexible
-- quorums (q2 smaller than a majority, q1 what meets it). Then a liveness
-- phase: faults healed, every node up, for 'recovery' ms; a leader must
-- be elected (multi) and every client must complete an operation.
-- The verdict: the workload's default checks of the clients' history
-- (multi: the kv workload, linearizable, or -D workload=NAME: counter, set,
-- list-append, txn-append, txn-rw, queue, bank, each applied through the
-- kernel's reference store, a transaction in one slot; basic: a register
-- whose one write is the chosen value), the 'consensus' check (basic), the Paxos invariants every 'invariants'
-- events (default 10; -D invariants=1 for every event), and liveness
-- (reported through the invariants check as "Liveness: ...").
--
--   dsim run scenarios/fuzz/paxos.lua --seed 7
--   dsim run scenarios/fuzz/paxos.lua --seed 7 -D variant=basic
--   dsim fuzz scenarios/fuzz/paxos.lua --seeds 1..1000 -D bug=skip_recovery
--   dsim shrink scenarios/fuzz/paxos.lua --seed N -D bug=no_persist_promise
-- Parameters: variant (multi or basic), bug (a planted bug), nodes,
-- clients, workload, duration, interval, recovery, faults ("nemesis", the default;
-- "all"; or a comma list of: partition, pause, crash, clock, net),
-- invariants (check every N events), any Paxos option.

-- Swarm testing: the seed also draws the cluster size, the fault rate and
-- the Paxos options (each -D given on the command line wins over the draw).
local function pick(list) return list[math.random(1, #list)] end
local variant  = dsim.param("variant", "multi")
local nodes    = dsim.param("nodes", pick { 3, 4, 5, 5 })
local clients  = dsim.param("clients", 3)
local duration = dsim.param("duration", 10000)
local interval = dsim.param("interval", pick { 100, 200, 400 })
local recovery = dsim.param("recovery", 3000)
local faults   = dsim.param("faults", "nemesis")
local every    = dsim.param("invariants", 10)
local drift_max = pick { 20000, 200000 }   -- the clock drift bound of this run (ppm)
local options  = {
  variant          = variant,
  election_timeout = pick { {150, 300}, {400, 800} },
  lease_drift_ppm  = drift_max,
  snapshot_every   = pick { 20, 50, 200 },
  batch            = pick { 1, 4, 64 },
  lease_read       = math.random() < 0.4,
  -- flexible quorums: small phase-2 quorums, phase 1 sized to meet them
  q2               = (nodes >= 4 and math.random() < 0.4) and 2 or 0,
}
local basic = variant == "basic"

-- The clients' workload (dsim list workloads; multi only: basic decides
-- one value): kv by default; 'keys' only where the workload has it; a
-- queue drains in the liveness phase, as in raft.lua.
local workload = dsim.param("workload", basic and "register" or "kv")
if basic and workload ~= "register" then
  error("variant=basic decides one value: its workload is register, not " .. workload)
end
local wl_table = { count = clients, workload = workload, rate = basic and 20 or 40, timeout = 400 }
if workload == "kv" then wl_table.keys = 8 end
if workload == "queue" then wl_table.drain = duration end

local c = dsim.cluster {
  protocol   = "paxos", nodes = nodes,
  options    = options,
  net        = { latency = dsim.uniform(1, 8) },
  clients    = wl_table,
  invariants = every,
}

-- The scenario's own fault source (-D faults=all or a list of kinds), shared
-- with raft.lua (scenarios/lib/scripted_faults.lua); 'crashed' holds the
-- nodes it keeps down until the heal.
local crashed = {}
local servers = {}
for i = 1, nodes do servers[i] = i end
local function random_node() return math.random(1, nodes) end

local function bounce(n, after)
  c:after(after, function()
    if crashed[n] or c:now() >= duration then return end
    c:crash(n)
    c:after(math.random(1, 30), function() if not crashed[n] then c:restart(n) end end)
  end)
end
if faults == "nemesis" then
  -- The kernel's nemesis: its schedule is data, so dsim shrink can cut a
  -- failing run down and dsim replay can rerun it.
  c:nemesis { faults = "all", interval = interval, start = interval, stop = duration, recovery = 0 }
else
  -- Aimed crashes: where a forgotten promise or a skipped recovery bites.
  c:on("election", function(ev)
    if c:now() < duration and math.random() < 0.2 then bounce(random_node(), math.random(0, 10)) end
  end)
  c:on("leader", function(ev)
    if c:now() < duration and math.random() < 0.2 then bounce(ev.node, math.random(1, 30)) end
  end)
  c:on("chosen", function(ev)
    if c:now() < duration and math.random() < 0.01 then bounce(ev.node, math.random(0, 3)) end
  end)
  dsim.lib("scripted_faults").new(c, { nodes = nodes, servers = servers, drift_max = drift_max, crashed = crashed })
    .schedule(faults == "all" and "partition,pause,crash,clock,net" or faults, interval, duration,
              "-D faults (nemesis, all, or a comma list of fault kinds)")
end

-- Liveness phase: everything healed and up, then judged (scenarios/lib/liveness.lua).
dsim.lib("liveness").phase(c, { nodes = nodes, servers = servers, crashed = crashed, leader_seen = basic,
                               heal_at = duration, recovery = recovery, until_ms = duration + recovery })
c:run { until_ms = duration + recovery }
-- The workload's default checks (c:workload().checks), a set's judged
-- linearizably (Multi-Paxos promises it); basic also 'consensus'.
local checks = c:workload().checks
if basic then checks[#checks + 1] = "consensus" end
checks[#checks + 1] = "invariants"
checks.linearizable = workload == "set"
return c:check(checks)
