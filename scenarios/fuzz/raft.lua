-- raft.lua — randomized Raft: a KV store under every kind of fault.
--
-- What it does: 3, 5 or 7 Raft nodes (drawn from the seed; -D nodes=N),
-- 3 clients (-D clients=C) on the kv workload, and for 'duration' ms
-- (default 10000) faults of every kind. Two fault sources act together:
-- - the kernel's nemesis (c:nemesis; see dsim list faults): bursts of
--   partitions of every shape, crashes (some tearing the last unsynced
--   write, many of the leader), pauses, clock drift, offsets and steps,
--   message loss, duplication, delay spikes and reordering, disk read
--   faults. Its schedule is data: dsim shrink cuts a failing run down to
--   the faults that matter and dsim replay reruns it;
-- - aimed faults, drawn here when protocol events happen: crashes just
--   after an election starts, just after a leader is elected and just after
--   a leader's first commit of its term (where a hasty commit rule, Figure
--   8, loses data); a candidate cut off from a minority while a node that
--   voted for it restarts (where a forgotten vote elects two leaders); the
--   leader stranded with one client, its clock slow and the others' fast
--   (where a lease without a drift margin serves stale reads). Each seed
--   draws one aim (-D aim=mixed|commits|votes|lease|off, below). They are
--   part of the scenario, not of the schedule: dsim shrink keeps them, and
--   the --log shows them as crash, cut, partition and clock events.
-- The seed also draws the cluster size, the fault rate and the Raft options
-- (swarm testing; each -D given on the command line wins over the draw).
-- Then a liveness phase: faults healed, every node up, for 'recovery' ms; a
-- leader must be elected and every client must complete an operation.
-- The verdict: the workload's default checks of the clients' history
-- (kv: linearizability; -D workload=NAME for another workload), the Raft
-- invariants after every 'invariants' events (default every 10: checked
-- periodically while fuzzing; the ghost record of committed entries keeps a
-- violation visible until the next check; -D invariants=1 for every event),
-- and liveness (reported through the invariants check as "Liveness: ...").
--
--   dsim run scenarios/fuzz/raft.lua --seed 7
--   dsim fuzz scenarios/fuzz/raft.lua --seeds 1..1000 --jobs 2 -D bug=figure8
--   dsim shrink scenarios/fuzz/raft.lua --seed 1 -D bug=stale_read
--   dsim replay shrunk-seed-1.json
-- First failing seed of 1..1000 at the defaults, per planted bug: see
-- tests/raft_fuzz.sh, which pins them.
-- Parameters: bug (a planted bug), nodes, clients, duration, interval,
-- recovery, aim, workload (a name from dsim list workloads, default kv),
-- faults ("nemesis", the default; "scripted" for the older
-- fault source drawn here with math.random, with the older aims and no
-- schedule for dsim shrink to cut down, or a comma list of its kinds:
-- partition, pause, crash, clock, net), invariants (check every N events),
-- any Raft option.
-- The correct Raft passed seeds 1..10000 at the defaults (tests/raft_fuzz.sh
-- runs 1..200). With -D faults=scripted -D nodes=5, seeds 4109 and 5429 were
-- the runs where candidates left by a split vote never campaigned again.

local function pick(list) return list[math.random(1, #list)] end
local nodes    = dsim.param("nodes", 0)    -- 0: drawn from {3, 5, 7} below
local clients  = dsim.param("clients", 3)
local duration = dsim.param("duration", 10000)
local interval = dsim.param("interval", pick { 100, 200, 400 })
local recovery = dsim.param("recovery", 3000)
local faults   = dsim.param("faults", "nemesis")
local every    = dsim.param("invariants", 10)
local drift_max = pick { 20000, 200000 }   -- the clock drift bound of this run (ppm)
local options  = {
  election_timeout = pick { {150, 300}, {400, 800} },
  lease_drift_ppm = drift_max,
  snapshot_every = pick { 20, 50, 200 },
  batch          = pick { 1, 4, 64 },
  noop           = math.random() < 0.7,
  prevote        = math.random() < 0.3,
  check_quorum   = math.random() < 0.3,
  lease_read     = math.random() < 0.5,
}
-- Drawn after the options, and only when not given, so that a seed of the
-- older five-node scenario replays with -D faults=scripted -D nodes=5.
if nodes == 0 then nodes = pick { 3, 5, 7 } end
-- The aim of this seed (swarm testing for the aimed faults below): each
-- one leans the run towards one kind of trouble, and turns off what would
-- hide it. "mixed": a bit of everything. "commits": leaders crash right
-- after they are elected and after their first commit of a term, often for
-- long; one entry per AppendEntries, so an old-term entry can be committed
-- alone (Figure 8). "votes": a candidate cut off from a minority while a
-- node that voted for it restarts; no PreVote (which stops the second
-- candidate). "lease": lease reads with a drift bound of 40%, the leader
-- stranded with its clock slow, a light nemesis (loss, duplication, disk
-- faults), short client timeouts and 4 keys, so that stale reads are seen.
local aim = dsim.param("aim", faults == "nemesis" and pick { "mixed", "commits", "votes", "lease" } or "mixed")
if faults ~= "nemesis" then aim = "mixed" end   -- the scripted source has its own
if not ({ mixed = 1, commits = 1, votes = 1, lease = 1, off = 1 })[aim] then
  error("-D aim: unknown '" .. aim .. "' (mixed, commits, votes, lease, or off)")
end
local client_timeout, keys = 400, 8
if aim == "commits" then options.batch = 1 end
if aim == "votes" then options.prevote = false end
if aim == "lease" then
  drift_max = 400000
  options.lease_drift_ppm = drift_max
  options.lease_read = true
  client_timeout, keys = 60, 4
end

-- The clients' workload (dsim list workloads): kv by default; 'keys' only
-- where the workload has it; a queue drains in the liveness phase, so
-- total-queue can count what was lost.
local workload = dsim.param("workload", "kv")
local wl_table = { count = clients, workload = workload, rate = 40, timeout = client_timeout }
if workload == "kv" then wl_table.keys = keys end
if workload == "queue" then wl_table.drain = duration end

local c = dsim.cluster {
  protocol   = "raft", nodes = nodes,
  options    = options,
  net        = { latency = dsim.uniform(1, 8) },
  clients    = wl_table,
  invariants = every,
}

local servers = {}
for i = 1, nodes do servers[i] = i end
local function random_node() return math.random(1, nodes) end
local heal_at = duration
local until_ms = duration + recovery

-- ---- the kernel's nemesis (the default) ------------------------------------
-- Clock faults stay within the run's drift bound (leases assume it); crashes
-- are short and often hit the leader; duplication, loss and spikes are
-- moderate so that clients still get through.
local function nemesis()
  local kinds = {
    partition = { dur = { 100, 1500 } },
    crash     = { dur = { 1, 600 }, leader = 0.5, tear = 0.3 },
    pause     = { dur = { 50, 600 }, leader = 0.5 },
    clock     = { drift_ppm = drift_max, step_ms = 300, offset_ms = 1000, dur = { 300, 3000 } },
    net       = { loss = 0.1, dup = 0.1, spike_ms = 100, window_ms = 20 },
    disk      = {},
  }
  if aim == "commits" then kinds = { crash = kinds.crash, pause = kinds.pause } end
  if aim == "lease" then kinds = { net = kinds.net, disk = kinds.disk } end
  return c:nemesis {
    faults = kinds,
    interval = interval, start = interval, stop = duration, recovery = recovery,
  }
end

-- ---- the older fault source (-D faults=scripted) --------------------------
-- Shared with paxos.lua (scenarios/lib/scripted_faults.lua); 'crashed'
-- holds the nodes it keeps down until the heal.
local crashed = {}
local sf = dsim.lib("scripted_faults")
local function shuffled() return sf.shuffled(nodes) end
local function scripted()
  local list = faults == "scripted" and "partition,pause,crash,clock,net" or faults
  sf.new(c, { nodes = nodes, servers = servers, drift_max = drift_max, crashed = crashed })
    .schedule(list, interval, duration, "-D faults (nemesis, scripted, or a comma list of fault kinds)")
end

-- ---- aimed faults ------------------------------------------------------------
-- A crash of 'n' 'after' ms from now, restarted 1..down_max (default 30)
-- ms later. A node some other fault crashed is left to that fault's restart.
local function bounce(n, after, down_max)
  c:after(after, function()
    if crashed[n] or c:now() >= heal_at then return end
    local mine = c:state(n, "status") ~= "crashed"
    c:crash(n)
    c:after(math.random(1, down_max or 30), function() if mine and not crashed[n] then c:restart(n) end end)
  end)
end
-- Aim "commits": most crashes keep the node down long enough for the
-- others to elect a leader without it.
local function down_max()
  if aim ~= "commits" then return nil end
  return math.random() < 0.7 and 1000 or 30
end

-- The leader 'l' cut off from the other servers for 'ms' with one client
-- (the others reach only the other servers), its monotonic clock slow and
-- theirs fast by the drift bound.
local function strand(l, ms)
  if c:now() >= heal_at or c:leader() ~= l then return end
  local k = math.random(1, clients)
  local mine, rest = { l, "c" .. k }, {}
  for i = 1, nodes do if i ~= l then rest[#rest + 1] = i end end
  for i = 1, clients do if i ~= k then rest[#rest + 1] = "c" .. i end end
  c:partition { mine, rest }
  for i = 1, nodes do c:clock(i, { drift = i == l and -drift_max or drift_max }) end
  c:after(ms, function()
    if c:now() >= heal_at then return end
    c:heal()
    for i = 1, nodes do c:clock(i, { drift = 0 }) end
  end)
end

-- Candidate 'a' cannot reach a minority of the others for a while (they
-- will campaign in its term), and one node that voted for it restarts right
-- after voting: a second leader of the term if the restart forgot the vote.
local function forget(a)
  local t = shuffled()
  local cut, voter = {}, nil
  for _, n in ipairs(t) do
    if n ~= a then
      if #cut < (nodes - 1) // 2 then cut[#cut + 1] = n elseif not voter then voter = n end
    end
  end
  for _, n in ipairs(cut) do c:cut(a, n) end
  bounce(voter, math.random(9, 12), 3)
  c:after(math.random(300, 1000), function() if c:now() < heal_at then c:heal() end end)
end

-- How likely each aimed fault is, by aim. The scripted source keeps the
-- older aims (no stranded leader, 1% of commits), so that its seeds replay
-- as they did.
local odds = ({
  mixed   = { forget = 0.3, election = 0.2, leader = 0.2, strand = 0.1, first_commit = 0.3, commit = 0.01 },
  commits = { forget = 0, election = 0.2, leader = 0.8, strand = 0, first_commit = 1, commit = 0.02 },
  votes   = { forget = 0.9, election = 0.1, leader = 0.1, strand = 0, first_commit = 0.1, commit = 0.01 },
  lease   = { forget = 0, election = 0, leader = 0, strand = 1, first_commit = 0, commit = 0 },
  off     = { forget = 0, election = 0, leader = 0, strand = 0, first_commit = 0, commit = 0 },
})[faults == "nemesis" and aim or "scripted"] or
  { forget = 0, election = 0.2, leader = 0.2, strand = 0, first_commit = 0.01, commit = 0.01 }

local function aimed()
  local first_commit = {}   -- [node] = the term of its last first commit
  c:on("election", function(ev)
    if c:now() >= heal_at then return end
    if odds.forget > 0 and math.random() < odds.forget then forget(ev.node) end
    if math.random() < odds.election then bounce(random_node(), math.random(0, 10)) end
  end)
  c:on("leader", function(ev)
    if c:now() >= heal_at then return end
    if math.random() < odds.leader then bounce(ev.node, math.random(0, aim == "commits" and 10 or 30), down_max()) end
  end)
  -- Every second or so, maybe strand the leader of the moment.
  if odds.strand > 0 then
    c:every(1000, function()
      local l = c:leader()
      if l and c:now() < heal_at - 1000 and math.random() < odds.strand then
        local ms = math.random(300, 900)
        c:after(math.random(0, 500), function() strand(l, ms) end)
      end
    end, 1000)
  end
  -- A leader that dies just after its first commit of a term leaves its
  -- newest entries on a bare majority: the commit may cover entries of
  -- earlier terms that only this commit rule protects (Figure 8).
  c:on("commit", function(ev)
    if c:now() >= heal_at then return end
    local first = first_commit[ev.node] ~= ev.term
    first_commit[ev.node] = ev.term
    if math.random() < (first and odds.first_commit or odds.commit) then bounce(ev.node, math.random(0, 3), down_max()) end
  end)
end

if faults == "nemesis" then until_ms = nemesis() else scripted() end
aimed()

-- ---- liveness phase: everything healed and up, then judged ------------------
-- (scenarios/lib/liveness.lua) Not judged when dsim shrink cut the run
-- shorter than the full phase.
dsim.lib("liveness").phase(c, { nodes = nodes, servers = servers, crashed = crashed,
                               heal_at = heal_at, recovery = recovery, until_ms = until_ms })
c:run { until_ms = until_ms }
-- The workload's default checks (c:workload().checks: those in this
-- build), a set's judged linearizably: Raft promises it.
local checks = c:workload().checks
checks[#checks + 1] = "invariants"
checks.linearizable = workload == "set"
return c:check(checks)
