-- pbft.lua — randomized PBFT with up to f Byzantine replicas, under every
-- kind of fault.
--
-- What it does: n = 3f+1 PBFT replicas (-D nodes=N; the seed draws 4 or 7
-- when not given), 3 clients (-D clients=C) on the kv workload that send
-- every request to every replica, retransmit, and accept an answer once
-- f+1 replicas gave the same one. 'byzantine' replicas (default f; -D
-- byzantine=K) are drawn once per seed; only they ever turn Byzantine: the
-- kernel's nemesis gives them spells of behaviours drawn (swarm testing:
-- the seed picks a subset) from PBFT's own (equivocate, bad_digest, skip,
-- lie_view_change, stale_view, slow_primary, lie_reply) and the generic
-- ones (silent, mute_to, replay, corrupt), next to every other fault kind
-- (partitions, pauses, crashes with torn writes, clocks, loss and
-- duplication, disk read faults). Its schedule is data: every failing seed
-- shrinks (dsim shrink) and replays (dsim replay). The seed also draws
-- the PBFT options: checkpoint interval, view-change timeout.
-- Then a liveness phase: faults healed, every replica up, the Byzantine
-- ones still Byzantine (each acting out one drawn behaviour) for
-- 'recovery' ms; every client must complete an operation.
-- The verdict: linearizability of the clients' history, the PBFT
-- invariants over the correct replicas (Agreement, Validity,
-- Exactly-once, Checkpoints) every 'invariants' events (default 10), and
-- liveness (reported through the invariants as "Liveness: ...").
--
-- Twins (-D twins=K, default 0): K replicas get a second instance with
-- the same identity and key (dsim.cluster{twins = ...}); both run the
-- correct code, and the nemesis's 'twins' fault splits the cluster with
-- each twin's instances on opposite sides, so the identity equivocates
-- with no Byzantine code at all. A twin counts against f: the Byzantine
-- replicas default to f - K. PBFT survives twins=f; twins=f+1 (or a
-- planted bug such as quorum_2f with one twin) fails, mostly at once
-- ("Agreement: sequence number ... executed request ... and request ..."):
--   dsim fuzz scenarios/fuzz/pbft.lua --seeds 1..300 -D nodes=4 -D twins=1
--   dsim fuzz scenarios/fuzz/pbft.lua --seeds 1..50 -D nodes=4 -D twins=2
--
-- The bound is tight: -D byzantine=f+1 (two Byzantine replicas of four)
-- is beyond what PBFT tolerates, and nearly every seed fails: a stable
-- checkpoint's 2f+1 signers may now hold only f correct replicas
-- ("Checkpoints: ..."), or the liveness phase stalls:
--   dsim fuzz scenarios/fuzz/pbft.lua --seeds 1..50 -D nodes=4 -D byzantine=2
--
--   dsim run scenarios/fuzz/pbft.lua --seed 7
--   dsim fuzz scenarios/fuzz/pbft.lua --seeds 1..1000 -D bug=quorum_2f
--   dsim shrink scenarios/fuzz/pbft.lua --seed N -D bug=no_prepared_proof
-- Planted bugs: quorum_2f, no_prepared_proof, unsigned_view_change,
-- checkpoint_f1 (in the protocol) and client_one_reply (in the client:
-- with it the clients accept the first reply, replies = 1).
-- Parameters: bug, nodes, twins, byzantine, clients, duration, interval,
-- recovery, invariants (check every N events), any PBFT option.

local function pick(list) return list[math.random(1, #list)] end
local nodes     = dsim.param("nodes", pick { 4, 4, 7 })
local f         = (nodes - 1) // 3
local ntwins    = dsim.param("twins", 0)
local byz       = dsim.param("byzantine", math.max(0, f - ntwins))
local clients   = dsim.param("clients", 3)
local duration  = dsim.param("duration", 8000)
local interval  = dsim.param("interval", pick { 150, 300, 600 })
local recovery  = dsim.param("recovery", 6000)
local every     = dsim.param("invariants", 10)
local bug       = dsim.param("bug", "none")

-- The Byzantine replicas of this seed (and the twinned ones, first):
-- node 1 (the first primary) with even odds, the rest drawn. With twins
-- the draw comes before the cluster, which must know them; without, after
-- it, where it always was (the seeds of before keep their runs).
local order = {}
local function draw_order()
  for i = 1, nodes do order[i] = i end
  for i = nodes, 2, -1 do local j = math.random(1, i); order[i], order[j] = order[j], order[i] end
  if math.random() < 0.5 then
    for i = 1, nodes do if order[i] == 1 then order[i], order[1] = order[1], order[i] end end
  end
end
if ntwins + byz > nodes then error("twins + byzantine must be at most nodes (" .. nodes .. ")") end
local twins = {}
if ntwins > 0 then
  draw_order()
  for i = 1, ntwins do twins[i] = "n" .. order[i] end
end

local c = dsim.cluster {
  protocol   = "pbft", nodes = nodes,
  options    = {
    checkpoint_every = pick { 4, 8, 16 },
    view_timeout     = pick { 150, 300 },
  },
  net        = { latency = dsim.uniform(1, 8) },
  clients    = { count = clients, workload = "kv", keys = 8, rate = 40, timeout = 1000,
                 send = "all", retransmit = 250,
                 replies = bug == "client_one_reply" and 1 or f + 1 },
  invariants = every,
  twins      = twins,
}

if ntwins == 0 then draw_order() end
local liars = {}
for i = 1, byz do liars[i] = order[ntwins + i] end

-- Swarm: this seed's behaviours.
local all = { "equivocate", "bad_digest", "skip", "lie_view_change", "stale_view", "slow_primary",
              "lie_reply", "silent", "mute_to", "replay", "corrupt" }
local behaviours = {}
for _, b in ipairs(all) do if math.random() < 0.5 then behaviours[#behaviours + 1] = b end end
if #behaviours == 0 then behaviours[1] = pick(all) end

local faults = { partition = {}, pause = {}, crash = {}, clock = {}, net = {}, disk = {} }
if ntwins > 0 then
  -- Twins from the start: two sides, each twin's instances apart, until
  -- the nemesis's first fault; its 'twins' kind splits them again later.
  faults.twins = {}
  local sides, cut = { {}, {} }, math.random(1, nodes - 1)
  for i = 1, nodes do
    local side = i <= cut and 1 or 2
    table.insert(sides[side], order[i])
    for _, t in ipairs(twins) do
      if t == "n" .. order[i] then table.insert(sides[3 - side], t .. "'") end
    end
  end
  c:partition(sides)
end
if byz > 0 then
  faults.byzantine = { nodes = liars, max = byz, behaviours = behaviours, dur = { 500, 4000 } }
  for _, n in ipairs(liars) do
    local b = pick(behaviours)
    if b ~= "mute_to" then c:byzantine(n, b) end
  end
end
c:nemesis { faults = faults, interval = interval, start = interval, stop = duration, recovery = 0 }

-- Liveness phase: everything healed and up; the Byzantine stay Byzantine.
local heal_at = duration
local steady = {}
for _, b in ipairs(behaviours) do if b ~= "mute_to" then steady[#steady + 1] = b end end
c:at(heal_at, function()
  c:heal()
  c:net { drop = 0, dup = 0 }
  for n = 1, nodes do
    c:resume(n)
    if c:state(n, "status") == "crashed" then c:restart(n) end
    c:clock(n, { drift = 0 })
  end
  for _, t in ipairs(twins) do   -- the twin instances too: both stay in the run
    local i = t .. "'"
    c:resume(i)
    if c:state(i, "status") == "crashed" then c:restart(i) end
  end
  for _, n in ipairs(liars) do
    if #steady > 0 then c:byzantine(n, pick(steady)) end
  end
end)

c:at(duration + recovery - 300, function()
  for k, cl in ipairs(c:clients()) do
    if not (cl.last_ok_ms and cl.last_ok_ms > heal_at + 500) then
      c:control(1, "liveness_failed", { why = "client c" .. k .. " completed nothing in the liveness phase" })
      return
    end
  end
end)
c:run { until_ms = duration + recovery }
return c:check { "linearizable", "invariants" }
