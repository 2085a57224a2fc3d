-- dynamo.lua — randomized Dynamo-style store under every kind of fault.
--
-- What it does: a ring of 3 to 6 nodes (-D nodes=N), 3 clients sending
-- each operation to a random node (any node coordinates), and for
-- 'duration' ms (default 8000) the kernel's nemesis with every fault kind
-- (partitions of every shape, pauses, crashes with torn writes, clock
-- drift and steps, loss and duplication, disk read faults) every
-- 'interval' ms; its schedule is data, so a failing seed shrinks with
-- dsim shrink and replays with dsim replay. Swarm testing: the seed draws
-- the cluster size, n, r, w (w + r <= n included), sloppy quorums, read
-- repair, the anti-entropy period and one of four profiles, each with the
-- checks its promises allow:
--   abd       linearizable register (abd=true, r + w > n, strict quorums),
--             kv workload: linearizable;
--   counter   PN-counter over version vectors: the counter check when the
--             quorums are strict and intersect (r + w > n, sloppy=false),
--             since a sloppy or non-intersecting read may miss an
--             acknowledged add;
--   set       grow-only set over version vectors: set-full (no acknowledged
--             add lost; stale reads allowed) — sloppy quorums and hinted
--             handoff must not lose a write a fallback acknowledged;
--   register  kv registers, "vv" or "lww": convergence only (lww loses
--             updates by design; see demo F6).
-- With sloppy quorums, two seeds in three also aim faults at hinted
-- handoff (-D aim=handoff, below): a key's home replicas cut off, and
-- fallbacks crashed right after they stored a hint.
-- Data centres: one seed in four (when n has a divisor 2 or 3 that the
-- nodes can hold: n/dcs home replicas in each) runs with dcs = 2 or 3
-- (-D dcs=D; consecutive ids, 5-30 ms between data centres, 1-8 ms
-- inside; fallbacks asked 60 ms later than drawn, once a remote home
-- replica had time to answer), and half of those that are not abd with
-- consistency=local_quorum (-D consistency=...; Cassandra's
-- LOCAL_QUORUM: a majority of the coordinator's data centre's home
-- replicas, r and w unused). Those seeds also see aimed inter-data-centre
-- cuts (-D dc_cuts=false turns them off): every second, maybe, one data
-- centre (or, with three, each) is cut off from the others for 200..1500
-- ms, clients still reaching every node, so each side keeps answering
-- from its own replicas. The checks: with consistency=quorum the quorums
-- still intersect across data centres, so every check above stands
-- (abd linearizable, counter bounds); local_quorum is not linearizable
-- and a read may miss an add acknowledged in another data centre, so a
-- counter is judged by convergence only; what it does promise is judged:
-- no acknowledged write lost (set-full for sets: an add acknowledged by
-- one data centre's majority is on disk there and reaches the others by
-- read repair, hints and anti-entropy), convergence after healing, the
-- invariants. After healing every coordinator switches to level quorum
-- with r = n (control 'consistency'), so the last reads see every data
-- centre. The gate (which seeds get data centres) is a hash of the seed,
-- not a math.random draw, and the new options are drawn after every other
-- set-up draw: a seed without data centres runs exactly as before.
-- Then a liveness phase: faults healed, every node up, reads at r = n; every client must
-- complete an operation; clients stop 'quiet' ms before the end, and after
-- that quiet period every key's home replicas must hold equal records
-- (convergence with held = true: hints handed off, anti-entropy done).
-- Always: the protocol's invariants (well-formed records, liveness).
--
--   dsim run scenarios/fuzz/dynamo.lua --seed 7
--   dsim fuzz scenarios/fuzz/dynamo.lua --seeds 1..1000 -D bug=no_write_back
--   dsim shrink scenarios/fuzz/dynamo.lua --seed N -D bug=vv_merge_min
-- Parameters: profile (abd, counter, set, register), bug, nodes, clients,
-- duration, interval, recovery, quiet, aim (handoff, off), crash_p, dc_cuts, show (true: print the draws), and any dynamo option
-- (n, r, w, sloppy, read_repair, versioning, anti_entropy, dcs, consistency, ...).

local function pick(list) return list[math.random(1, #list)] end
-- -D consistency=local_quorum: no abd (it needs quorums that intersect
-- across data centres); reading the parameter draws nothing
local lq_forced = dsim.param("consistency") == "local_quorum"
local profile  = dsim.param("profile", pick(lq_forced and { "counter", "set", "register" }
                                            or { "abd", "counter", "set", "register" }))
local nodes    = dsim.param("nodes", pick { 3, 4, 5, 5, 6 })
local clients  = dsim.param("clients", 3)
local duration = dsim.param("duration", 8000)
local interval = dsim.param("interval", pick { 100, 200, 400 })
local recovery = dsim.param("recovery", 4000)
local quiet    = dsim.param("quiet", 1500)
local n = dsim.param("n", math.min(nodes, pick { 2, 3, 3, 3, 4 }))
local strict = profile == "abd" or (profile == "counter" and math.random() < 0.6)
local r, w
if strict then   -- intersecting quorums
  r = dsim.param("r", math.random(1, n))
  w = dsim.param("w", math.random(n + 1 - r, n))
else
  r = dsim.param("r", math.random(1, n))
  w = dsim.param("w", math.random(1, n))
end
local sloppy = dsim.param("sloppy", not strict and math.random() < 0.7)
local versioning = profile == "register" and pick { "vv", "lww" } or "vv"
local options = {
  n = n, r = r, w = w, sloppy = sloppy,
  type = ({ abd = "register", counter = "counter", set = "set", register = "register" })[profile],
  abd = profile == "abd",
  versioning = versioning,
  read_repair = math.random() < 0.7,
  anti_entropy = pick { 100, 200, 500 },
  hint_retry = pick { 50, 100, 300 },
  sloppy_after = pick { 20, 40 },
}
local stop = duration + recovery - quiet
local cl = { count = clients, rate = 30, timeout = 400, send = "random", stop = stop }
if profile == "counter" then cl.workload = "counter"
elseif profile == "set" then cl.workload = "set"; cl.rate = 15
else cl.workload = "kv"; cl.keys = 6; cl.read = 50; cl.write = 50; cl.cas = 0 end

-- The aimed faults' draws (below) at their old place in the stream.
local aim = dsim.param("aim", sloppy and pick { "off", "handoff", "handoff" } or "off")
if aim ~= "off" and aim ~= "handoff" then error("-D aim: unknown '" .. aim .. "' (handoff or off)") end
local aim_first = aim == "handoff" and math.random(interval, 1000)

-- Data centres, drawn after every draw above (the gate is the seed's
-- hash, so a seed without them draws nothing more): dcs must divide n and
-- each data centre hold n/dcs of a key's home replicas.
local function seed_roll()   -- uniform in [0, 1), from the seed alone
  local x = (dsim.seed + 0x5bd1e995) * 0x9E3779B97F4A7C15
  x = (x ~ (x >> 31)) * 0xBF58476D1CE4E5B9
  return ((x ~ (x >> 29)) >> 11) / 2.0 ^ 53
end
local dc_choices = {}
for d = 2, 3 do
  local fits = n % d == 0 and d <= nodes
  for k = 0, d - 1 do fits = fits and (k + 1) * nodes // d - k * nodes // d >= n // d end
  if fits then dc_choices[#dc_choices + 1] = d end
end
local dc_gate = (lq_forced or seed_roll() < 0.25) and #dc_choices > 0
local dcs = dsim.param("dcs", dc_gate and pick(dc_choices) or 1)
local consistency = dsim.param("consistency",
  dcs > 1 and profile ~= "abd" and math.random() < 0.5 and "local_quorum" or "quorum")
local local_quorum = consistency == "local_quorum"
local dc_cuts = dsim.param("dc_cuts", dcs > 1)
local dc_first = dc_cuts and dcs > 1 and math.random(interval, 1000)
if dcs > 1 then
  options.dcs = dcs
  -- a healthy remote home replica answers within 2 x 30 ms: asking
  -- fallbacks sooner would hand its part to a fallback on every request
  -- (after healing, a read at r = n answered partly by fallbacks misses
  -- the last adds: seed 1109 with -D consistency=local_quorum)
  options.sloppy_after = options.sloppy_after + 60
end
if consistency ~= "quorum" then options.consistency = consistency end
if dsim.param("show", false) then   -- -D show=true: what this seed drew
  print(string.format("drawn: profile=%s nodes=%d n=%d r=%d w=%d sloppy=%s versioning=%s aim=%s dcs=%d " ..
                      "consistency=%s dc_cuts=%s", profile, nodes, n, r, w, tostring(sloppy), versioning, aim,
                      dcs, consistency, tostring(dc_cuts and dcs > 1)))
end
local function dc_nodes(d)   -- data centre d (0-based): consecutive ids, as the protocol places them
  local t = {}
  for i = d * nodes // dcs + 1, (d + 1) * nodes // dcs do t[#t + 1] = i end
  return t
end

local c = dsim.cluster {
  protocol = "dynamo", nodes = nodes, options = options,
  net = { latency = dsim.uniform(1, 8) },
  clients = cl,
  invariants = 10,
}
for a = 0, dcs - 1 do
  for b = 0, dcs - 1 do
    if a ~= b then c:net { from = dc_nodes(a), to = dc_nodes(b), latency = dsim.uniform(5, 30) } end
  end
end

c:nemesis { faults = "all", interval = interval, start = interval, stop = duration, recovery = 0 }

local servers = {}
for i = 1, nodes do servers[i] = i end
c:at(duration, function()
  c:heal()
  c:net { drop = 0, dup = 0 }
  c:net { from = servers, to = servers, drop = 0, dup = 0 }
  for i = 1, nodes do
    c:resume(i)
    if c:state(i, "status") == "crashed" then c:restart(i) end
    c:clock(i, { drift = 0 })
  end
end)
-- Reads at ALL once healed (a per-request consistency level): set-full
-- calls an element lost when the last read missed it, and with r + w <= n
-- (or a local quorum: another data centre's add not there yet) the last
-- read of a run could otherwise be merely stale (it raced the last add).
-- Every up node coordinates with r = n (level quorum) from then on.
c:at(duration + 1, function()
  for i = 1, nodes do c:control(i, "consistency", local_quorum and { r = n, level = "quorum" } or { r = n }) end
end)

c:at(stop, function()
  for k, client in ipairs(c:clients()) do
    if not (client.last_ok_ms and client.last_ok_ms > duration + 500) then
      c:control(1, "liveness_failed", { why = "client c" .. k .. " completed nothing in the liveness phase" })
      return
    end
  end
end)

-- Aimed faults (-D aim=handoff|off; drawn only with sloppy quorums, two
-- seeds in three "handoff"): the moments hinted handoff exists for, which
-- a time-based schedule rarely lines up. Every second, maybe, one key's
-- home replicas are cut off from every other node and every client for
-- 200..1000 ms, so that writes land on fallbacks only (sloppy quorums);
-- and a fallback that just stored a hint crashes 0..5 ms later, before it
-- can hand the hint off (probability -D crash_p, default 0.8), down for
-- 20..600 ms: an acknowledged write then lives in that fallback's disk
-- alone. Like the nemesis's faults they end at 'duration'. They are drawn
-- in Lua when the events happen, outside the schedule: dsim shrink keeps
-- them.
if aim == "handoff" then
  local crash_p = dsim.param("crash_p", 0.8)
  local homes_of = {}   -- [key] = its home replicas (inspect's home_keys)
  c:at(1, function()      -- before any fault: every node is up
    for i = 1, nodes do
      for _, k in ipairs(c:state(i).home_keys) do
        homes_of[k] = homes_of[k] or {}
        table.insert(homes_of[k], i)
      end
    end
  end)
  local down = {}   -- [node] = true while an aimed crash of it is pending or on
  c:on("hint", function(ev)
    local v = ev.node
    if c:now() >= duration or down[v] or math.random() >= crash_p then return end
    down[v] = true
    c:after(math.random(0, 5), function()
      if c:now() >= duration or c:state(v, "status") == "crashed" then down[v] = nil; return end
      c:crash(v)
      c:after(math.random(20, 600), function()
        down[v] = nil
        if c:now() < duration and c:state(v, "status") == "crashed" then c:restart(v) end
      end)
    end)
  end)
  c:every(1000, function()
    if c:now() >= duration - 500 or math.random() >= 0.6 then return end
    local h, rest, home = homes_of[math.random(0, (cl.keys or 1) - 1)], {}, {}
    for _, i in ipairs(h) do home[i] = true end
    for i = 1, nodes do if not home[i] then rest[#rest + 1] = i end end
    for i = 1, clients do rest[#rest + 1] = "c" .. i end
    c:partition { h, rest }
    c:after(math.random(200, 1000), function() if c:now() < duration then c:heal() end end)
  end, aim_first)
end

-- Aimed inter-data-centre cuts (-D dc_cuts=true|false; on with dcs > 1):
-- every second, maybe, one data centre is cut off from the others (with
-- three, one time in two each from both others) for 200..1500 ms; clients
-- are not listed, so they reach every node and each side keeps taking
-- requests. Like the other aimed faults they end at 'duration' and are
-- drawn in Lua, outside the schedule (dsim shrink keeps them).
if dc_first then
  c:every(1000, function()
    if c:now() >= duration - 500 or math.random() >= 0.6 then return end
    local groups = {}
    if dcs > 2 and math.random() < 0.5 then
      for d = 0, dcs - 1 do groups[#groups + 1] = dc_nodes(d) end
    else
      local d, rest = math.random(0, dcs - 1), {}
      for e = 0, dcs - 1 do
        if e ~= d then for _, i in ipairs(dc_nodes(e)) do rest[#rest + 1] = i end end
      end
      groups = { dc_nodes(d), rest }
    end
    c:partition(groups)
    c:after(math.random(200, 1500), function() if c:now() < duration then c:heal() end end)
  end, dc_first)
end

c:run { until_ms = duration + recovery }

local checks = { "convergence", "invariants", held = true }
if profile == "abd" then checks[#checks + 1] = "linearizable" end
if profile == "counter" and strict and not local_quorum then checks[#checks + 1] = "counter" end
if profile == "set" then checks[#checks + 1] = "set-full" end
return c:check(checks)
