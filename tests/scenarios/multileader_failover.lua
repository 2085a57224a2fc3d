-- multileader_failover.lua — a data centre's leader fails and a follower
-- of the same data centre takes over (control "failover").
--
-- Four nodes, two data centres (n1 leads n1-n2, n3 leads n3-n4), PN-counter
-- adds from one client per node. At 500 ms n1 is cut off with its client:
-- it keeps acknowledging adds that reach no one (replication is
-- asynchronous inside a data centre too). At 800 ms n1 crashes; at 850 ms
-- the operator promotes n2, which serves DC1 from its replicated state
-- (without n1's pending adds): its client's adds succeed again. At 1000 ms
-- the cut heals, at 1500 ms n1 restarts still believing it leads, hears n2's
-- announcement, steps down and hands its own updates to n2: the pending
-- adds are kept, late. The run prints what each part did and fails (through
-- the invariants) if an acknowledged add is missing from the converged
-- counter or a node still routes DC1 to n1.
--   dsim run tests/scenarios/multileader_failover.lua
--   dsim run tests/scenarios/multileader_failover.lua -D failover=false   (DC1 stays down until n1 returns)
local failover = dsim.param("failover", true)
local c = dsim.cluster {
  protocol = "multileader", nodes = 4,
  options = { dcs = 2, data = "counters", delivery = "state", gossip = 50 },
  net = { latency = dsim.uniform(1, 5) },
  clients = { count = 4, workload = "counter", send = "own", rate = 20, timeout = 200, stop = 3500 },
}
local events = {}
c:on("failover", function(ev) events[#events + 1] = string.format("t=%d failover n%d from n%d epoch %d", math.floor(c:now()), ev.node, ev.from, ev.epoch) end)
c:on("stepdown", function(ev) events[#events + 1] = string.format("t=%d n%d steps down for n%d", math.floor(c:now()), ev.node, ev.leader) end)
c:at(500, function() c:partition { { 1, "c1" }, { 2, 3, 4, "c2", "c3", "c4" } } end)
local pending
c:at(800, function()
  pending = c:state(1).vc[1] - c:state(2).vc[1]
  c:crash(1)
end)
c:at(850, function() if failover then c:control(2, "failover") end end)
c:at(1000, function() c:heal() end)
c:at(1500, function() c:restart(1) end)

local function acked_between(t0, t1, process)
  local open, ok = {}, 0
  for line in string.gmatch(c:history(), "[^\n]+") do
    local p = tonumber(line:match('"process":(%d+)'))
    local ty, f = line:match('"type":"(%a+)","f":"(%a+)"')
    local t = tonumber(line:match('"time":(%d+)')) / 1e6
    if ty == "invoke" then open[p] = t
    elseif f == "add" and ty == "ok" and open[p] >= t0 and open[p] < t1 and p % 4 == process then ok = ok + 1 end
  end
  return ok
end
local problem
c:at(4900, function()
  local sum, acked, open = 0, 0, {}
  for line in string.gmatch(c:history(), "[^\n]+") do
    local p = tonumber(line:match('"process":(%d+)'))
    local ty, f = line:match('"type":"(%a+)","f":"(%a+)"')
    local v = tonumber(line:match('"value":(%-?%d+)'))
    if ty == "invoke" then open[p] = v
    elseif f == "add" and ty == "ok" then acked = acked + open[p] end
  end
  local final = c:state(3).kv.c0 or 0   -- the other data centre: what reached everyone
  for i = 1, 4 do
    if c:state(i).leaders[1] ~= (failover and 2 or 1) then problem = "n" .. i .. " routes DC1 to n" .. c:state(i).leaders[1] end
  end
  print(string.format("n1 held %d adds of its own that n2 lacked when it crashed", pending))
  print(string.format("DC1's client c2 between 850 and 1500 ms: %d adds ok", acked_between(850, 1500, 1)))
  for _, e in ipairs(events) do print(e) end
  print(string.format("converged counter %d, acknowledged adds sum %d", final, acked))
  if not problem and final < acked then problem = "acknowledged adds lost: counter " .. final .. " < " .. acked end
  if problem then c:control(2, "violation", { why = "Failover: " .. problem }) end
end)
c:run { until_ms = 5000 }
return c:check { "invariants", "convergence" }
