-- dynamo_local_quorum.lua — demo S22: two data centres, local quorums.
--
-- What it teaches: a store spread over two data centres can answer from
-- the nearest one alone, and pays for it in staleness. Six nodes, dcs = 2
-- (n1-n3 in DC1, n4-n6 in DC2, 1-4 ms apart inside a data centre, 40-60
-- ms across), n = 6: every key has three home replicas in each. Clients
-- c1-c3 talk to n1-n3, c4-c6 to n4-n6, one register. With
-- consistency=local_quorum (Cassandra's LOCAL_QUORUM) a request waits for
-- two of the three replicas of its own data centre; the other data centre
-- gets the write in the background. From 1500 to 4000 ms the link between
-- the data centres is cut: each side keeps answering (availability
-- counted below), but a read in one data centre cannot see what the other
-- acknowledged, during the cut and for a moment after any write even
-- without it (stale reads counted below). Global quorums
-- (consistency=quorum, r = w = 4 of 6: they intersect) never read stale,
-- but during the cut no side holds four replicas: nothing completes.
--
--   dsim run scenarios/demos/dynamo_local_quorum.lua                         (local: available, stale)
--   dsim run scenarios/demos/dynamo_local_quorum.lua -D consistency=quorum   (global: unavailable during the cut)
-- A stale read: one that returned a value although another write, invoked
-- after that value's write was acknowledged, had itself been acknowledged
-- before the read began. Availability: operations invoked during the cut
-- that completed ok. (The run passes either way: the numbers are the
-- lesson; tests/dynamo_demos.sh pins them.)

local consistency = dsim.param("consistency", "local_quorum")
local quorum = dsim.param("quorum", 4)   -- r and w with consistency=quorum
local cut_from, cut_to = 1500, 4000
local c = dsim.cluster {
  protocol = "dynamo", nodes = 6,
  options  = { n = 6, dcs = 2, consistency = consistency, r = quorum, w = quorum, sloppy = false,
               versioning = "lww", keys = 1, timeout = 400 },
  net      = { latency = dsim.uniform(1, 4) },
  clients  = { count = 6, workload = "register", read = 60, write = 40, rate = 10, timeout = 500,
               send = "own" },
}
local dc1, dc2 = { 1, 2, 3 }, { 4, 5, 6 }
c:net { from = dc1, to = dc2, latency = dsim.uniform(40, 60) }
c:net { from = dc2, to = dc1, latency = dsim.uniform(40, 60) }
c:at(cut_from, function() c:partition { { 1, 2, 3, "c1", "c2", "c3" }, { 4, 5, 6, "c4", "c5", "c6" } } end)
c:at(cut_to, function() c:heal() end)
c:run { until_ms = 5500 }

local open, writes, ok_reads = {}, {}, {}
local during, during_ok = 0, 0
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty, f, p = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"'), tonumber(line:match('"process":(%d+)'))
  local t, v = tonumber(line:match('"time":(%d+)')) / 1e6, tonumber(line:match('"value":(%-?%d+)'))
  if ty == "invoke" then open[p] = { t = t, v = v }
  else
    local t0 = open[p].t
    if t0 >= cut_from and t0 < cut_to then
      during = during + 1
      if ty == "ok" then during_ok = during_ok + 1 end
    end
    if f == "write" then   -- a write not acknowledged never ends (t1 = infinity)
      writes[#writes + 1] = { v = open[p].v, t0 = t0, t1 = ty == "ok" and t or math.huge }
    elseif ty == "ok" then ok_reads[#ok_reads + 1] = { v = v, t0 = t0 } end
  end
end
local stale_in, stale_out, reads_in, reads_out = 0, 0, 0, 0
for _, rd in ipairs(ok_reads) do
  local mine = nil
  for _, wr in ipairs(writes) do if wr.v == rd.v then mine = wr end end
  local is_stale = false
  for _, wr in ipairs(writes) do
    if wr.t1 < rd.t0 and (mine == nil or wr.t0 > mine.t1) then is_stale = true end
  end
  local inside = rd.t0 >= cut_from and rd.t0 < cut_to
  if inside then reads_in = reads_in + 1 else reads_out = reads_out + 1 end
  if is_stale and inside then stale_in = stale_in + 1 end
  if is_stale and not inside then stale_out = stale_out + 1 end
end
local what = consistency == "local_quorum" and "local_quorum" or string.format("quorum r=w=%d of 6", quorum)
print(string.format("%s: during the cut %d of %d operations ok (%.0f%%); stale reads: %d of %d during the cut, %d of %d outside it",
  what, during_ok, during, during > 0 and 100 * during_ok / during or 0, stale_in, reads_in, stale_out, reads_out))
return c:check { "invariants" }
