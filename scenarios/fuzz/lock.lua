-- fuzz/lock.lua — every lock variant under random faults: pauses, crashes,
-- clock steps and drift, partitions, message loss and delay.
--
-- What it shows: without fencing every variant loses mutual exclusion at the
-- resource under pauses or clock steps; with fencing (the storage rejects a
-- token lower than one it has seen) the variants that produce ordered tokens
-- stay safe. Redlock has no such tokens: -D fencing=true is refused.
--   dsim fuzz scenarios/fuzz/lock.lua --seeds 1..200 -D variant=redis-lease
--   dsim fuzz scenarios/fuzz/lock.lua --seeds 1..200 -D variant=zk-lock -D fencing=true
--   dsim run  scenarios/fuzz/lock.lua --seed 7 -D variant=fencing --trace t.jsonl
-- Parameters: -D variant=redis-lease|redlock|fencing|zk-lock,
-- -D fencing=true|false, -D faults=auto|nemesis|lua (auto: the kernel's
-- c:nemesis when this build has it, else faults drawn here with
-- math.random, which is bound to the run's seed), -D run_ms=N.
-- Seeds 1..1000 without fencing (failing seeds; the first one), when written:
--   faults=lua      redis-lease 559 (1), redlock 282 (1), fencing 535 (1), zk-lock 122 (3)
--   faults=nemesis  redis-lease 197 (2), redlock 96 (12), fencing 192 (2), zk-lock 60 (2)
-- With -D fencing=true: no failing seed in 1..1000 for either fault source
-- (and 1001..3000 with the nemesis) for redis-lease, fencing and zk-lock.
-- Shrink a failure to the faults that matter, e.g. zk-lock's seed 2 comes
-- down to one pause of client n3 for 419 ms, longer than the session:
--   dsim shrink scenarios/fuzz/lock.lua --seed 2 -D variant=zk-lock
-- Layout: lock servers first (5 for redlock, else 1), then the storage
-- server, then 3 clients. A safety phase with faults, then a quiet phase.

local variant = dsim.param("variant", "redis-lease")
local faults = dsim.param("faults", "auto")
local run_ms = dsim.param("run_ms", 4000)
local servers = variant == "redlock" and 5 or 1
local storage = servers + 1
local clients = 3
local nodes = servers + 1 + clients
local ttl = 300

local c = dsim.cluster {
  protocol = "lock",
  nodes    = nodes,
  options  = { variant = variant, ttl = ttl, session_timeout = ttl, work = { 10, 60 },
               think = { 10, 60 }, retry = { 10, 60 }, req_timeout = 100, acquire_timeout = 40 },
  net      = { latency = dsim.uniform(1, 10) },
}
c:control(1, "validate", { delay_ms = 10 })

local function pick(lo, hi) return math.random(lo, hi) end
local function client() return storage + pick(1, clients) end
local function server() return pick(1, servers) end

-- One fault drawn from the run's seed; each undoes itself later.
local function lua_fault()
  local kind = pick(1, 8)
  if kind <= 2 then                              -- GC pause of a client
    c:pause(client(), pick(20, 3 * ttl))
  elseif kind == 3 then                          -- lock server crash
    local s = server()
    c:crash(s)
    c:after(pick(20, 2 * ttl), function() c:restart(s) end)
  elseif kind == 4 then                          -- client or storage crash
    local n = pick(0, clients) == 0 and storage or client()
    c:crash(n, { tear = pick(0, 1) == 1 })
    c:after(pick(20, 2 * ttl), function() c:restart(n) end)
  elseif kind == 5 then                          -- wall clock step of a server
    c:clock(server(), { step = pick(-ttl, 4 * ttl) })
  elseif kind == 6 then                          -- clock drift of anyone
    c:clock(pick(1, nodes), { drift = pick(-200000, 200000) })
  elseif kind == 7 then                          -- isolate one node
    c:isolate(pick(1, nodes))
    c:after(pick(20, 2 * ttl), function() c:heal() end)
  else                                           -- lossy, slow links
    c:net { drop = pick(0, 20) / 100, latency = dsim.uniform(1, pick(10, 2 * ttl)) }
    c:after(pick(50, 2 * ttl), function() c:net { drop = 0, latency = dsim.uniform(1, 10) } end)
  end
end

if faults == "auto" then faults = c.nemesis and "nemesis" or "lua" end
local until_ms = run_ms + 1000
if faults == "nemesis" then
  if not c.nemesis then error("this build has no c:nemesis; use -D faults=lua") end
  until_ms = c:nemesis { faults = "all", interval = 200, start = 200, stop = run_ms, recovery = 1000 }
elseif faults == "lua" then
  c:every(150, lua_fault, 200)
  c:at(run_ms, function()
    -- the quiet phase: no new faults, everything healed and running
    for n = 1, nodes do c:restart(n); c:resume(n) end
    c:heal()
    c:net { drop = 0, latency = dsim.uniform(1, 10) }
  end)
else
  error("-D faults must be auto, nemesis or lua, not " .. tostring(faults))
end

c:run { until_ms = until_ms }
return c:check { "mutex" }
