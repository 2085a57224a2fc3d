-- multileader_cap.lua — F1: CAP with two data centres.
--
-- What it teaches: during a partition between data centres a system either
-- keeps answering (AP) or stays linearizable (CP), not both. Four nodes,
-- DC1 = {n1, n2}, DC2 = {n3, n4}; one client per node (c1, c2 in DC1;
-- c3, c4 in DC2), each staying with its node, on a kv workload. Links take
-- 1 ms inside a DC and 30 ms between. From 1000 to 3000 ms the DCs are cut
-- apart (clients stay with their DC); then the partition heals and the run
-- goes quiet.
--   -D mode=cp  one leader for the world (dcs = 1: n1 leads, n2..n4 forward
--               to it). DC2's clients time out during the partition (their
--               availability drops), but every operation that completed is
--               linearizable: the run passes.
--   -D mode=ap  one leader per DC (dcs = 2, the default mode). Every client
--               is answered by its own DC (availability 100 %), the replicas
--               converge after the heal, but the history is not linearizable:
--               a DC2 read misses a DC1 write that completed before it began
--               (exit 1, "linearizable: FAILED").
-- With -D resolve=lww concurrent writes to one key during the partition are
-- settled by wall clock: the scenario counts the acknowledged writes that
-- last-writer-wins discarded (the protocol's "lww_lost" events); with the
-- default MV-Register they stay as siblings.
--
-- AP (fails: not linearizable, available):  dsim run scenarios/demos/multileader_cap.lua
-- CP (passes, DC2 unavailable):             dsim run scenarios/demos/multileader_cap.lua -D mode=cp
-- AP with LWW (lost writes counted):        dsim run scenarios/demos/multileader_cap.lua -D resolve=lww

local mode = dsim.param("mode", "ap")
local resolve = dsim.param("resolve", "crdt")
if mode ~= "ap" and mode ~= "cp" then error("mode must be ap or cp, got " .. mode) end
local c = dsim.cluster {
  protocol = "multileader", nodes = 4,
  options  = { dcs = mode == "ap" and 2 or 1, resolve = resolve },
  net      = { latency = dsim.constant(1) },
  clients  = { count = 4, workload = "kv", keys = 2, read = 50, write = 50, cas = 0, rate = 20,
               timeout = 200, send = "own", stop = 4500 },
  invariants = "every",
}
c:net { from = { 1, 2 }, to = { 3, 4 }, latency = dsim.constant(30) }
c:net { from = { 3, 4 }, to = { 1, 2 }, latency = dsim.constant(30) }

local t0, t1 = 1000, 3000
c:at(t0, function() c:partition { { 1, 2, "c1", "c2" }, { 3, 4, "c3", "c4" } } end)
c:at(t1, function() c:heal() end)
local lost, seen = 0, {}
c:on("lww_lost", function(ev)   -- each replica reports what it discards: count each write once
  local k = ev.key .. "=" .. ev.lost
  if not seen[k] then seen[k] = true; lost = lost + 1 end
end)

c:at(5999, function()
  -- availability per DC: of the operations invoked during the partition,
  -- how many completed ok (the rest timed out: info)
  local dc_of = { 1, 1, 2, 2 }
  local invoked, ok, open = { 0, 0 }, { 0, 0 }, {}
  for line in string.gmatch(c:history(), "[^\n]+") do
    local p = tonumber(string.match(line, '"process":(%d+)'))
    local ty = string.match(line, '"type":"(%a+)"')
    local t = tonumber(string.match(line, '"time":(%d+)')) / 1e6
    local dc = dc_of[p % 4 + 1]
    if ty == "invoke" then
      open[p] = t >= t0 and t < t1
      if open[p] then invoked[dc] = invoked[dc] + 1 end
    elseif open[p] then
      if ty == "ok" then ok[dc] = ok[dc] + 1 end
      open[p] = nil
    end
  end
  print(string.format("mode %s: during the partition DC1 answered %d of %d operations (%d %%), "
                      .. "DC2 %d of %d (%d %%)", mode, ok[1], invoked[1], ok[1] * 100 // invoked[1],
                      ok[2], invoked[2], ok[2] * 100 // invoked[2]))
  if resolve == "lww" then print("last-writer-wins discarded " .. lost .. " acknowledged writes") end
end)
c:run { until_ms = 6000 }
return c:check { "linearizable", "convergence", "invariants" }
