-- dynamo_quorum_edges.lua — demo S19: a quorum edge case under w + r > n.
--
-- What it teaches: quorums are tuning, not a guarantee. n = 3, w = 3,
-- r = 2, and replica n3 is down from 500 to 2500 ms. A write cannot gather
-- its three acknowledgements, so its client times out and records it as
-- unknown (info) — the write "failed" as far as the client can tell. But
-- nothing rolls it back: n1 and n2 took it, and later reads return it.
-- The history shows writes that were never acknowledged and yet are read
-- (counted below), and the number of replicas holding the latest value
-- stays below w while n3 is down. Reads stay quorum reads: with w + r > n
-- they are still never older than the last acknowledged write, but a
-- "failed" write is not a write that did not happen (demo C2 shows a
-- concurrent read and write; S20 a sloppy quorum's stale read).
--
--   dsim run scenarios/demos/dynamo_quorum_edges.lua           (failed writes later visible)
--   dsim run scenarios/demos/dynamo_quorum_edges.lua -D w=2    (writes succeed; only
--                                   those sent to n3 itself time out, and none is read)

local w = dsim.param("w", 3)
local c = dsim.cluster {
  protocol = "dynamo", nodes = 3,
  options  = { n = 3, w = w, r = 2, sloppy = false, versioning = "lww", keys = 1, timeout = 250 },
  net      = { latency = dsim.uniform(1, 10) },
  clients  = { count = 3, workload = "register", read = 60, write = 40, rate = 20, timeout = 200,
               send = "own" },
}
c:at(500, function() c:crash(3) end)
c:at(2500, function() c:restart(3) end)
c:run { until_ms = 3500 }

local open, unacked, seen = {}, {}, {}
local count_unacked = 0
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty, f, p = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"'), tonumber(line:match('"process":(%d+)'))
  local v = tonumber(line:match('"value":(%-?%d+)'))
  if ty == "invoke" then open[p] = v
  elseif f == "write" and ty ~= "ok" then unacked[open[p]] = true; count_unacked = count_unacked + 1
  elseif f == "read" and ty == "ok" and v then seen[v] = true end
end
local visible = 0
for v in pairs(unacked) do if seen[v] then visible = visible + 1 end end
print(string.format("w=%d: %d writes not acknowledged, %d of them read later", w, count_unacked, visible))
return c:check { "invariants" }
