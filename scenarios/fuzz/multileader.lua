-- multileader.lua — randomized multi-leader replication with CRDTs under
-- every kind of fault.
--
-- What it does: 3 to 6 nodes in 1 to 3 data centres (-D nodes=N, -D
-- dcs=D; the seed draws them), each data centre with fast links inside
-- (0.2-1 ms) and slow, lossy ones between (5-60 ms, 2% loss), one client
-- per node that stays with its node (a session), and for 'duration' ms
-- (default 6000)
-- the kernel's nemesis with every fault kind (partitions, pauses, crashes
-- with torn writes, clock drift, offsets and steps, loss, duplication,
-- delay spikes, reordering, disk read faults): its schedule is data, so a
-- failing seed shrinks and replays. The seed also draws (swarm testing;
-- -D wins over a draw) the workload (kv, counter or set), the topology,
-- the delivery (state or ops, with or without causal delivery), the
-- conflict resolution of registers (crdt, merge, lww), the counter CRDT
-- (pn or g) and the gossip interval. Beside the clients, the scenario
-- adds to and removes from the OR-Set cart at random leaders
-- (c:control), remembering which tags each remove observed, when
-- replication is causal (state delivery, or ops with causal delivery: an
-- op-based remove that overtakes the add it observed would leave that add
-- alive at the replica, which is why op-based CRDTs need causal delivery).
-- Failover: one seed in three (when a data centre has a follower; -D
-- failover=true|false) also fails a data centre over 1 to 3 times at
-- random moments of the fault phase, as an orchestrator would
-- (c:control(f, "failover") at a random follower f of a random data
-- centre with one; half the time its leader is crashed first, down
-- 100..1500 ms). The old leader's acknowledged but unreplicated updates
-- reach the new one late (handed over once it hears of it), and until it
-- hears both take writes: a read at the new leader can miss an
-- acknowledged write, even the reading client's own. So those seeds drop
-- the one-leader checks and the causal check and keep what failover
-- promises: nothing acknowledged is lost (the counter, set and cart
-- checks on the converged state), convergence, the invariants, and after
-- the quiet phase every node routes each data centre to one leader. The gate
-- is a hash of the seed, not a math.random draw, and the failover's draws
-- come after every other set-up draw: a seed without failover runs
-- exactly as before.
-- Then a quiet phase: clients stop, faults heal, every node is up, for
-- 'quiet' ms (default 3000). The checks, each where the options promise it:
--   invariants  always (origin bounds, counter bounds, OR-Set tags,
--               concurrent siblings, and with causal replication no update
--               held before what it depends on), every 'invariants' events;
--   convergence every up replica holds the same state after the quiet
--               phase;
--   one leader  with dcs = 1 (and no LWW, no failover): linearizable (kv), Jepsen's
--               counter bounds (counter), set-full with linearizable =
--               true (set): one leader orders everything;
--   causal      (kv, no failover) CC, when replication is causal: state delivery, or
--               ops with causal delivery, and registers that keep
--               concurrent writes (resolve crdt or merge: LWW by wall
--               clock is not causal under skew);
--   counter     (counter) the converged value lies between the
--               acknowledged and the attempted sums, and no read exceeds
--               the sum of the adds attempted before it ended;
--   set         (set) the converged set holds every acknowledged add that
--               no remove can have seen (the workload removes too, -D
--               remove, on two seeds in three, under causal replication) and
--               nothing that was never added or whose add failed (Jepsen's
--               set-full would need final reads after quiescence, which
--               clients that stop cannot make);
--   cart        the converged cart holds exactly the items with an add
--               tag no remove observed (add wins), when replication is
--               causal (an op-based remove needs its adds delivered first).
--
--   dsim run scenarios/fuzz/multileader.lua --seed 7
--   dsim fuzz scenarios/fuzz/multileader.lua --seeds 1..1000 -D bug=causal_skip
--   dsim shrink scenarios/fuzz/multileader.lua --seed N -D bug=gcounter_sum_merge
-- Parameters: bug, nodes, dcs, workload (kv, counter, set), remove (set), duration,
-- quiet, interval, invariants, cart (true/false), failover (true/false), show
-- (true: print the draws), and every multileader
-- option (topology, resolve, counter, delivery, causal, gossip).

local function pick(list) return list[math.random(1, #list)] end
local nodes     = dsim.param("nodes", pick { 3, 3, 4, 6 })
-- -D failover=true: a data centre with a follower (reading the
-- parameter draws nothing; without it the draws are as they always were)
local fo_forced = dsim.param("failover") == "true"
local dcs       = dsim.param("dcs", pick((fo_forced and nodes == 3) and { 1, 2 } or { 1, 2, 3, 3 }))
local workload  = dsim.param("workload", pick { "kv", "kv", "counter", "set" })
local duration  = dsim.param("duration", 6000)
local quiet     = dsim.param("quiet", 3000)
local interval  = dsim.param("interval", pick { 150, 300, 600 })
local every     = dsim.param("invariants", 10)
local delivery  = dsim.param("delivery", pick { "state", "ops" })
local causal    = dsim.param("causal", delivery == "ops" and math.random() < 0.6)
local resolve   = dsim.param("resolve", workload == "kv" and pick { "crdt", "merge", "lww" } or pick { "crdt", "merge" })
local counter   = dsim.param("counter", pick { "pn", "g" })
local cart      = dsim.param("cart", true)
local options   = {
  dcs = dcs, delivery = delivery, causal = causal, resolve = resolve, counter = counter,
  topology = dsim.param("topology", pick { "all-to-all", "ring", "star" }),
  gossip   = dsim.param("gossip", pick { 20, 50, 150 }),
  data     = workload == "counter" and "counters" or "registers",
}
local causal_repl = delivery == "state" or causal

local clients = { count = nodes, send = "own", rate = 25, timeout = 300, stop = duration }
if workload == "kv" then
  clients.workload, clients.keys, clients.read, clients.write, clients.cas = "kv", 2, 60, 40, 0
  clients.rate = 40
elseif workload == "counter" then
  clients.workload, clients.negative = "counter", counter == "pn" and 30 or 0
else
  -- removes from the clients too (a remove of one of the last elements
  -- added; then half the adds put a removed element back), on two seeds
  -- in three, and only when replication is causal: an op-based remove
  -- that overtakes an add it observed leaves that add alive at the
  -- replica, so without causal delivery the replicas rightly diverge
  clients.workload, clients.rate = "set", 12
  clients.remove = dsim.param("remove", pick { 0, 20, 40 })
  if not causal_repl then clients.remove = 0 end
end

local c = dsim.cluster {
  protocol = "multileader", nodes = nodes, options = options,
  net = { latency = dsim.uniform(1, 3) },
  clients = clients, invariants = every,
}

-- Data centres: the protocol's grouping (consecutive ids), fast inside,
-- slow between.
local function dc_nodes(d)
  local t = {}
  for i = d * nodes // dcs + 1, (d + 1) * nodes // dcs do t[#t + 1] = i end
  return t
end
for a = 0, dcs - 1 do
  for b = 0, dcs - 1 do
    c:net { from = dc_nodes(a), to = dc_nodes(b),
            latency = a == b and dsim.uniform(0.2, 1) or dsim.uniform(5, 60),
            drop = a == b and 0 or 0.02 }
  end
end
local leaders = {}
for d = 0, dcs - 1 do leaders[#leaders + 1] = dc_nodes(d)[1] end

local until_ms = c:nemesis { faults = "all", interval = interval, start = interval, stop = duration,
                             recovery = quiet }

local function up(n) return c:state(n, "status") == "up" end

-- Failover, drawn after every set-up draw above; the gate is the seed's
-- hash (a seed without failover draws nothing more). leaders[] follows
-- the failovers (the cart's adds go to the data centres' leaders).
local function seed_roll()   -- uniform in [0, 1), from the seed alone
  local x = (dsim.seed + 0x27d4eb2f) * 0x9E3779B97F4A7C15
  x = (x ~ (x >> 31)) * 0xBF58476D1CE4E5B9
  return ((x ~ (x >> 29)) >> 11) / 2.0 ^ 53
end
local with_followers = {}   -- data centres (0-based) with a follower
for d = 0, dcs - 1 do
  if #dc_nodes(d) >= 2 then with_followers[#with_followers + 1] = d end
end
local failover = dsim.param("failover", #with_followers > 0 and seed_roll() < 1 / 3)
if failover and #with_followers == 0 then
  error("-D failover=true: no data centre has a follower (nodes=" .. nodes .. ", dcs=" .. dcs .. ")")
end
if dsim.param("show", false) then   -- -D show=true: what this seed drew
  print(string.format("drawn: nodes=%d dcs=%d workload=%s delivery=%s causal=%s resolve=%s counter=%s " ..
                      "topology=%s failover=%s", nodes, dcs, workload, delivery, tostring(causal), resolve,
                      counter, options.topology, tostring(failover)))
end
if failover then
  local function fail_over()
    local d = with_followers[math.random(1, #with_followers)]
    local old, others = leaders[d + 1], {}
    for _, i in ipairs(dc_nodes(d)) do if i ~= old then others[#others + 1] = i end end
    local f = others[math.random(1, #others)]
    if math.random() < 0.5 and up(old) then   -- the leader failed: the orchestrator's cue
      c:crash(old)
      c:after(math.random(100, 1500), function()
        if c:state(old, "status") == "crashed" then c:restart(old) end
      end)
    end
    -- f may still lead in its own view (an earlier failover to it it has
    -- not heard was undone): then it keeps leading, and leaders[] says so
    if up(f) and c:state(f, "role") ~= "leader" then c:control(f, "failover") end
    if up(f) then leaders[d + 1] = f end
  end
  for _ = 1, math.random(1, 3) do c:at(math.random(interval, duration - 300), fail_over) end
end

-- The cart: adds and removes at random leaders, with an add-wins oracle.
local adds, observed = {}, {}   -- adds[item] = {tag...}; observed["n.s"] = true
if cart and causal_repl then   -- an op-based remove needs its adds delivered first
  c:every(97, function()
    if c:now() >= duration then return end
    local n, item = pick(leaders), math.random(1, 4)
    if not up(n) then return end
    -- after a failover n may have learnt of a newer leader (or not yet)
    if failover and c:state(n, "role") ~= "leader" then return end
    if math.random() < 0.55 then
      local r = c:control(n, "cart_add", { item = item })
      adds[item] = adds[item] or {}
      adds[item][#adds[item] + 1] = r.tag[1] .. "." .. r.tag[2]
    else
      local r = c:control(n, "cart_remove", { item = item })
      for _, t in ipairs(r.removed) do observed[t[1] .. "." .. t[2]] = true end
    end
  end, 50)
end

-- The counter's bounds, from the history: reads never exceed what was
-- attempted before they ended (plus what a negative add may have taken),
-- and the converged value lies between the acknowledged and attempted sums.
local function counter_problem(final)
  local open, acked, lo, hi = {}, 0, 0, 0
  local attempted_pos = 0
  for line in string.gmatch(c:history(), "[^\n]+") do
    local p = tonumber(string.match(line, '"process":(%d+)'))
    local ty, f = string.match(line, '"type":"(%a+)","f":"(%a+)"')
    local v = string.match(line, '"value":(-?%d+)')
    if f == "add" and ty == "invoke" then
      open[p] = tonumber(v)
      if tonumber(v) > 0 then attempted_pos = attempted_pos + tonumber(v) end
    elseif f == "add" and ty == "ok" then
      acked = acked + open[p]; open[p] = nil
    elseif f == "add" and ty == "fail" then
      if open[p] > 0 then attempted_pos = attempted_pos - open[p] end
      open[p] = nil
    elseif f == "add" and ty == "info" then
      if open[p] < 0 then lo = lo + open[p] else hi = hi + open[p] end
      open[p] = nil
    elseif f == "read" and ty == "ok" and v and tonumber(v) > attempted_pos then
      return "read " .. v .. " exceeds the " .. attempted_pos .. " added before it ended"
    end
  end
  if final < acked + lo or final > acked + hi then
    return "converged value " .. final .. " outside [" .. (acked + lo) .. ", " .. (acked + hi) ..
           "] (acknowledged " .. acked .. ")"
  end
end

-- The set: nothing in the converged set that no add attempted (or whose
-- every add failed), and every acknowledged add in it that no remove can
-- have observed: one that began after every remove of its element had
-- ended (an OR-Set keeps an add its removes never saw; "remove wins" does
-- not). Removes that ended before the add began cannot have seen it.
local function set_problem(final)
  local open, adds, rems, tried = {}, {}, {}, {}   -- per element: {t0, t1, status}
  for line in string.gmatch(c:history(), "[^\n]+") do
    local p = tonumber(string.match(line, '"process":(%d+)'))
    local ty, f, v = string.match(line, '"type":"(%a+)","f":"(%a+)","value":(-?%d+)')
    local t = tonumber(string.match(line, '"time":(%d+)'))
    if ty == "invoke" then open[p] = t
    elseif ty and (f == "add" or f == "remove") then
      local list = f == "add" and adds or rems
      v = tonumber(v)
      list[v] = list[v] or {}
      table.insert(list[v], { t0 = open[p], t1 = ty == "ok" and t or math.huge, status = ty })
      if f == "add" and ty ~= "fail" then tried[v] = true end
    end
  end
  local have = {}
  for _, x in ipairs(final or {}) do
    have[x] = true
    if not tried[x] then
      return "Set: element " .. x .. " is in the converged set but its add " ..
             (adds[x] and "failed" or "was never attempted")
    end
  end
  for x, list in pairs(adds) do
    for _, a in ipairs(list) do
      local unseen = true
      for _, r in ipairs(rems[x] or {}) do
        if r.status ~= "fail" and r.t1 > a.t0 then unseen = false end
      end
      if a.status == "ok" and unseen and not have[x] then
        return "Set: acknowledged add of " .. x .. (rems[x] and ", begun after every remove of it ended," or "") ..
               " was lost"
      end
    end
  end
end

c:at(until_ms - 1, function()
  local problem
  for n = 1, nodes do
    if not up(n) then problem = "n" .. n .. " is not up after the quiet phase" end
  end
  local kv = c:state(1).kv
  if not problem and failover then   -- the announcements reached everyone: one view of the leaders
    local first = c:state(1).leaders
    for n = 2, nodes do
      for d, l in ipairs(c:state(n).leaders) do
        if not problem and l ~= first[d] then
          problem = "Leaders: n1 routes DC" .. d .. " to n" .. first[d] .. ", n" .. n .. " to n" .. l ..
                    " after the quiet phase"
        end
      end
    end
  end
  if not problem and cart and causal_repl then
    for item = 1, 4 do
      local want = false
      for _, t in ipairs(adds[item] or {}) do want = want or not observed[t] end
      local have = false
      for _, x in ipairs(kv.cart or {}) do have = have or x == item end
      if want ~= have then
        problem = "Cart: item " .. item .. (want and " has an add no remove observed, but is gone"
                                                 or " is present though every add was removed")
      end
    end
  end
  if not problem and workload == "counter" then problem = counter_problem(kv.c0 or 0) end
  if not problem and workload == "set" then problem = set_problem(kv.set) end
  if problem then c:control(1, "violation", { why = problem }) end
end)

c:run { until_ms = until_ms }
local checks = { "invariants", "convergence" }
if failover then
  -- two leaders of one data centre until the old one hears of the new,
  -- and acknowledged writes reach the new one late: neither one order
  -- nor causal order (a client's own write may be missing), only what
  -- the checks above and convergence judge
elseif dcs == 1 and resolve ~= "lww" then
  -- one leader for the world: every operation is ordered by it, so the
  -- history is linearizable and Jepsen's counter and set-full bounds hold
  checks[#checks + 1] = workload == "kv" and "linearizable" or workload == "counter" and "counter" or "set-full"
  checks.linearizable = true
elseif workload == "kv" and causal_repl and resolve ~= "lww" then
  checks[#checks + 1] = "causal"
  checks.criterion = "cc"
end
return c:check(checks)
