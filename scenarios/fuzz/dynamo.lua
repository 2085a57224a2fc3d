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
-- duration, interval, recovery, quiet, aim (handoff, off), crash_p, and any dynamo option (n, r, w,
-- sloppy, read_repair, versioning, anti_entropy, ...).

local function pick(list) return list[math.random(1, #list)] end
local profile  = dsim.param("profile", pick { "abd", "counter", "set", "register" })
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

local c = dsim.cluster {
  protocol = "dynamo", nodes = nodes, options = options,
  net = { latency = dsim.uniform(1, 8) },
  clients = cl,
  invariants = 10,
}

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
-- the last read of a run could otherwise be merely stale (it raced the
-- last add). Every up node coordinates with r = n from then on.
c:at(duration + 1, function()
  for i = 1, nodes do c:control(i, "consistency", { r = n }) end
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
local aim = dsim.param("aim", sloppy and pick { "off", "handoff", "handoff" } or "off")
if aim ~= "off" and aim ~= "handoff" then error("-D aim: unknown '" .. aim .. "' (handoff or off)") end
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
  end, math.random(interval, 1000))
end

c:run { until_ms = duration + recovery }

local checks = { "convergence", "invariants", held = true }
if profile == "abd" then checks[#checks + 1] = "linearizable" end
if profile == "counter" and strict then checks[#checks + 1] = "counter" end
if profile == "set" then checks[#checks + 1] = "set-full" end
return c:check(checks)
