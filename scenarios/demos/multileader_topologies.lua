-- multileader_topologies.lua — S15: replication topologies of four leaders.
--
-- What it teaches: the path an update takes between leaders decides what a
-- failure does to it. Four data centres, one leader each (n1..n4), links
-- of 10 ms; DC1's leader writes a fresh value every 50 ms (scripted, key
-- k5), and every leader's client runs a kv workload on k0..k3.
--   -D case=crash (the default): n2 crashes at 1000 ms and restarts at
--      3000 ms. A watchdog at 2500 ms compares how many of n1's updates
--      each up leader holds.
--        topology=ring        n1 -> n2 -> n3 -> n4 -> n1: n1's updates go
--                             only through n2, so n3 and n4 stall until it
--                             returns: the watchdog fails ("Propagation
--                             stalled: n3 holds 23 of n1's 59 updates ...").
--        topology=all-to-all  every leader sends to every other: n3 and n4
--                             keep up; passes. (topology=star: the hub is
--                             n1 and only n2 misses out; passes.)
--      After the restart every replica converges either way.
--   -D case=overtake: all-to-all with operation-based delivery, the n1 -> n3
--      link slow (200 ms). n1 inserts a row (k5 := 1); n2 sees it and
--      updates it (k6 := 2, "row k5 edited"); n3 gets the update first, an
--      update of a row it does not have: the scenario's check fails
--      ("Causal order: n3 applied the update of row k5 at 135 ms before
--      its insert"). With -D causal=true the update waits for the insert.
--
-- Ring stalls (fails):      dsim run scenarios/demos/multileader_topologies.lua
-- All-to-all (passes):      dsim run scenarios/demos/multileader_topologies.lua -D topology=all-to-all
-- Overtaken (fails):        dsim run scenarios/demos/multileader_topologies.lua -D case=overtake
-- Causal delivery (passes): dsim run scenarios/demos/multileader_topologies.lua -D case=overtake -D causal=true

local case = dsim.param("case", "crash")
local overtake = case == "overtake"
if case ~= "crash" and case ~= "overtake" then error("case must be crash or overtake, got " .. case) end
local topology = dsim.param("topology", overtake and "all-to-all" or "ring")
local causal = dsim.param("causal", false)
local c = dsim.cluster {
  protocol = "multileader", nodes = 4,
  options  = { dcs = 4, topology = topology, delivery = overtake and "ops" or "state", causal = causal,
               gossip = overtake and 1000 or 50 },
  net      = { latency = dsim.constant(10) },
  clients  = { count = 4, workload = "kv", keys = 4, read = 50, write = 50, cas = 0, rate = 10,
               timeout = 300, send = "own", stop = 3500 },
  invariants = "every",
}

local problem
if not overtake then
  local v = 0
  c:every(50, function()
    if c:now() < 3500 then v = v + 1; c:control(1, "write", { key = 5, value = v }) end
  end, 50)
  c:at(1000, function() c:crash(2); print("t=1000 n2 crashes") end)
  c:at(2500, function()
    local issued = c:state(1).vc[1]
    for n = 3, 4 do
      local held = c:state(n).vc[1]
      print(string.format("t=2500 n%d holds %d of n1's %d updates", n, held, issued))
      if not problem and held < issued - 5 then
        problem = string.format("Propagation stalled: n%d holds %d of n1's %d updates 1500 ms after n2 crashed",
                                n, held, issued)
      end
    end
  end)
  c:at(3000, function() c:restart(2); print("t=3000 n2 restarts") end)
else
  c:net { from = { 1 }, to = { 3 }, latency = dsim.constant(200) }
  c:at(100, function() c:control(1, "write", { key = 5, value = 1 }); print("t=100 n1 inserts row k5") end)
  c:at(125, function()
    if c:control(2, "read", { key = 5 }).value == 1 then
      c:control(2, "write", { key = 6, value = 2 }); print("t=125 n2 sees the row and updates it (k6 := 2)")
    end
  end)
  c:every(5, function()
    if problem or c:now() > 400 then return end
    if c:control(3, "read", { key = 6 }).value == 2 and c:control(3, "read", { key = 5 }).value ~= 1 then
      problem = string.format("Causal order: n3 applied the update of row k5 at %d ms before its insert",
                              math.floor(c:now()))
      print("t=" .. math.floor(c:now()) .. " n3 has the update of row k5 but not the row")
    end
  end, 100)
end
c:at(4999, function() if problem then c:control(1, "violation", { why = problem }) end end)
c:run { until_ms = 5000 }
return c:check { "convergence", "invariants" }
