-- dynamo_sloppy_quorum.lua — demo S20: sloppy quorums and hinted handoff.
--
-- What it teaches: six nodes on a ring, n = 3 replicas per key, w = r = 2
-- (w + r > n). The set's key has home replicas n3, n5 and n6 (the ring
-- with 8 vnodes per node puts it there). From 500 to 2500 ms the cluster is
-- cut in two: {n1..n4} with clients c1..c4, and {n5, n6} with c5, c6. On
-- the big side only one home replica (n3) is reachable.
-- - sloppy = false (strict quorum): the big side cannot gather w = 2 home
--   replicas, so its adds fail for the whole partition (unavailable).
-- - sloppy = true (the default): the coordinator asks the next nodes of
--   the preference list (fallbacks n1, n2, n4); a fallback keeps the write
--   as a hint for the home replica it stands in for, synced to its disk,
--   and acknowledges; the adds succeed. But the small side's two home
--   replicas form a quorum of their own and answer reads without those
--   adds: stale reads despite w + r > n (counted below). After the heal
--   the fallbacks hand their hints to n5 and n6, every replica converges,
--   and no acknowledged add is lost (set-full passes).
-- - bug = hint_not_persisted: the fallbacks acknowledge hints they hold in
--   memory only. To make every copy of a write a hint, this run cuts all
--   three home replicas off ({n1, n2, n4} | {n3, n5, n6}); the fallbacks
--   crash at 2400 ms and the adds only they held are gone for good
--   (durability below w): set-full fails with lost elements.
--
-- Sloppy quorum (passes; stale reads during the partition are counted):
--            dsim run scenarios/demos/dynamo_sloppy_quorum.lua
-- Strict quorum (passes; the big side is unavailable):
--            dsim run scenarios/demos/dynamo_sloppy_quorum.lua -D sloppy=false
-- Lost hints (fails: set-full, acknowledged adds lost):
--            dsim run scenarios/demos/dynamo_sloppy_quorum.lua -D bug=hint_not_persisted

local sloppy = dsim.param("sloppy", true)
local c = dsim.cluster {
  protocol = "dynamo", nodes = 6,
  options  = { n = 3, w = 2, r = 2, sloppy = sloppy, type = "set", keys = 1,
               hint_retry = 100, anti_entropy = 200 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 6, workload = "set", read = 40, rate = 10, timeout = 300, send = "own",
               stop = 4000 },
}

local hints, handoffs = 0, 0
c:on("hint", function() hints = hints + 1 end)
c:on("handoff", function() handoffs = handoffs + 1 end)
local lose = dsim.param("bug", "") == "hint_not_persisted"
local big = lose and { 1, 2, 4 } or { 1, 2, 3, 4 }
c:at(500, function()
  if lose then c:partition { {1, 2, 4, "c1", "c2", "c4"}, {3, 5, 6, "c3", "c5", "c6"} }
  else c:partition { {1, 2, 3, 4, "c1", "c2", "c3", "c4"}, {5, 6, "c5", "c6"} } end
end)
if lose then
  c:at(2400, function() for _, n in ipairs { 1, 2, 4 } do c:crash(n) end end)
  c:at(2450, function() for _, n in ipairs { 1, 2, 4 } do c:restart(n) end end)
end
c:at(2500, function() c:heal() end)
c:run { until_ms = 5000 }

-- Availability on the big side during the partition, and stale reads:
-- reads that missed an add acknowledged before they began.
local on_big = {}
for _, b in ipairs(big) do on_big[b - 1] = true end
local open, acked, big_ok, big_fail, reads, stale = {}, {}, 0, 0, 0, 0
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty, f, p = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"'), tonumber(line:match('"process":(%d+)'))
  local t = tonumber(line:match('"time":(%d+)')) / 1e6
  if ty == "invoke" then open[p] = t
  elseif f == "add" and open[p] then
    local during = on_big[p % 6] and open[p] > 500 and open[p] < 2500
    if ty == "ok" then acked[#acked + 1] = { v = tonumber(line:match('"value":(%-?%d+)')), t = t } end
    if during then if ty == "ok" then big_ok = big_ok + 1 else big_fail = big_fail + 1 end end
  elseif f == "read" and ty == "ok" then
    local held = {}
    for x in string.gmatch(line:match('"value":%[([^%]]*)%]') or "", "(%-?%d+)") do held[tonumber(x)] = true end
    local missed = false
    for _, a in ipairs(acked) do missed = missed or (a.t < open[p] and not held[a.v]) end
    reads = reads + 1
    if missed then stale = stale + 1 end
  end
end
print(string.format("sloppy=%s: big side during the partition: %d adds ok, %d not; %d hints stored, "
  .. "%d handed off; %d of %d reads stale", tostring(sloppy), big_ok, big_fail, hints, handoffs, stale, reads))
return c:check { "set-full", "convergence", held = true }
