-- dynamo_nwr_sweep.lua — demo S18: n, w, r and the stale-read rate.
--
-- What it teaches: with n replicas per key, a write waits for w of them
-- and a read for r. When w + r <= n a read quorum can miss every replica
-- that took the latest acknowledged write: stale reads. When w + r > n
-- every read quorum meets every write quorum, and in this simple fault
-- case (one replica down for a while, random delays) no read is stale —
-- the rate falls to 0 (demo C2 shows why that is still not
-- linearizability). Larger w and r cost availability: with n3 down, w = 3
-- or r = 3 cannot finish (failed or timed-out operations, counted below).
-- Read repair and anti-entropy shrink the window a stale replica stays
-- stale; turn them off to see more stale reads at w + r <= n.
-- One configuration per run; sweep by hand:
--
--   dsim run scenarios/demos/dynamo_nwr_sweep.lua                 (w=1 r=1: stale reads)
--   dsim run scenarios/demos/dynamo_nwr_sweep.lua -D w=2 -D r=2   (none)
--   dsim run scenarios/demos/dynamo_nwr_sweep.lua -D w=3 -D r=1   (none; writes stall while n3 is down)
--   dsim run scenarios/demos/dynamo_nwr_sweep.lua -D w=1 -D r=1 -D read_repair=false -D anti_entropy=0
--   dsim run scenarios/demos/dynamo_nwr_sweep.lua -D n=5 -D nodes=5 -D w=2 -D r=3
-- A stale read: one that returned a value although another write, invoked
-- after that value's write was acknowledged, had itself been acknowledged
-- before the read began. (The run passes either way: the number is the
-- lesson; tests/dynamo_demos.sh pins it.)

local nodes = dsim.param("nodes", 3)
local n, w, r = dsim.param("n", 3), dsim.param("w", 1), dsim.param("r", 1)
local c = dsim.cluster {
  protocol = "dynamo", nodes = nodes,
  options  = { n = n, w = w, r = r, sloppy = false, versioning = "lww", keys = 1,
               read_repair = dsim.param("read_repair", true), anti_entropy = dsim.param("anti_entropy", 200) },
  net      = { latency = dsim.uniform(1, 20) },
  clients  = { count = 6, workload = "register", read = 60, write = 40, rate = 40, timeout = 300,
               send = "random" },
}
c:at(500, function() c:crash(3) end)
c:at(2000, function() c:restart(3) end)
c:run { until_ms = 8000 }

local open, writes, reads, stale, failed = {}, {}, 0, 0, 0
local ok_reads = {}
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty, f, p = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"'), tonumber(line:match('"process":(%d+)'))
  local t, v = tonumber(line:match('"time":(%d+)')) / 1e6, tonumber(line:match('"value":(%-?%d+)'))
  if ty == "invoke" then open[p] = { t = t, v = v }
  elseif f == "write" then   -- a write not acknowledged never ends (t1 = infinity)
    writes[#writes + 1] = { v = open[p].v, t0 = open[p].t, t1 = ty == "ok" and t or math.huge }
    if ty ~= "ok" then failed = failed + 1 end
  elseif ty ~= "ok" then failed = failed + 1
  elseif f == "read" then ok_reads[#ok_reads + 1] = { v = v, t0 = open[p].t } end
end
for _, rd in ipairs(ok_reads) do
  local mine = nil
  for _, wr in ipairs(writes) do if wr.v == rd.v then mine = wr end end
  local is_stale = false
  for _, wr in ipairs(writes) do
    if wr.t1 < rd.t0 and (mine == nil or wr.t0 > mine.t1) then is_stale = true end
  end
  reads = reads + 1
  if is_stale then stale = stale + 1 end
end
print(string.format("n=%d w=%d r=%d (w + r %s n): %d of %d reads stale (%.1f%%), %d operations failed or timed out",
  n, w, r, w + r > n and ">" or "<=", stale, reads, reads > 0 and 100 * stale / reads or 0, failed))
return c:check { "invariants" }
