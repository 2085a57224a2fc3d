-- raft_lease_read.lua — reads under a leader lease, and clock drift.
--
-- What it teaches: a leader may answer reads from its own state without a
-- round of messages while it holds a lease: a majority acknowledged a
-- heartbeat sent at time T, and none of them will vote for anyone else
-- until a minimum election timeout after receiving it. But the leader
-- measures its lease on ITS clock and the followers their timeouts on
-- THEIRS. Here the leader's clock runs 30% slow and the others' 30% fast,
-- the leader is cut off with clients c1 and c3 at 1000 ms. The others elect a
-- new leader and accept c2's and c4's writes while the old leader, by its own
-- clock, still holds its lease and answers c1 and c3 with old values (they try
-- the other servers in turn, in vain, and comes back to n1).
-- The lease must be shortened by the drift it assumes (lease_drift_ppm,
-- here 40% per clock: lease = timeout * (1 - 2 * 0.4)); then it expires
-- before any follower can vote. ReadIndex needs no clock at all.
-- (The drifts are extreme, 30% either way, so the effect is easy to see.)
--
-- Correct lease (passes):   dsim run scenarios/demos/raft_lease_read.lua
-- No drift margin (fails: linearizability, stale reads from the old leader):
--                           dsim run scenarios/demos/raft_lease_read.lua -D bug=lease_no_drift_margin
-- Assuming perfect clocks (fails the same way):
--                           dsim run scenarios/demos/raft_lease_read.lua -D lease_drift_ppm=0
-- ReadIndex instead of leases (passes, whatever the clocks):
--                           dsim run scenarios/demos/raft_lease_read.lua -D lease_read=false

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {500, 600}, heartbeat = 50, lease_read = true,
               lease_drift_ppm = 400000 },
  net      = { latency = dsim.uniform(1, 3) },
  clients  = { count = 4, workload = "register", read = 60, write = 40, rate = 60, timeout = 100 },
}

c:on("leader", function(ev)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)

c:at(0, function()
  c:clock(1, { drift = -300000 })
  for i = 2, 5 do c:clock(i, { drift = 300000 }) end
end)
c:at(5, function() c:control(1, "campaign") end)
c:at(1000, function()
  print(" 1000.0 ms  cut {n1, c1, c3} | {n2, n3, n4, n5, c2, c4}")
  c:partition { {1, "c1", "c3"}, {2, 3, 4, 5, "c2", "c4"} }
end)
c:at(2000, function() c:heal() end)

-- The first stale read in the history (JSON lines, times in ns): a read
-- that returned value v although a write invoked after v's write was
-- acknowledged had itself been acknowledged before the read began.
local function first_stale_read(history, clients)
  local ops, writes, reads = {}, {}, {}
  for line in string.gmatch(history, "[^\n]+") do
    local p, ty, f = tonumber(line:match('"process":(%d+)')), line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"')
    local v, t = tonumber(line:match('"value":(%-?%d+)')), tonumber(line:match('"time":(%d+)')) / 1e6
    if ty == "invoke" then ops[p] = { f = f, v = v, t0 = t }
    elseif ty == "ok" and ops[p] then
      local o = ops[p]
      o.t1, o.client = t, p % clients + 1
      if f == "write" then writes[#writes + 1] = o; o.v = o.v or v
      elseif f == "read" then o.v = v; reads[#reads + 1] = o end
      ops[p] = nil
    end
  end
  for _, r in ipairs(reads) do
    local src = nil
    for _, w in ipairs(writes) do if w.v == r.v then src = w end end
    for _, x in ipairs(writes) do
      if src and x.t1 < r.t0 and x.t0 > src.t1 then return r, x end
    end
  end
end

c:run { until_ms = 2500 }
local r, w = first_stale_read(c:history(), 4)
local lease = dsim.param("lease_read", true)   -- also Raft options and the bug (-D)
local drift = dsim.param("lease_drift_ppm", 400000)
if r then
  print(string.format("what happened: at %.1f ms c%d read %d from the old leader n1, although c%d's write of %d\n" ..
    "  was acknowledged by the new leader at %.1f ms: n1's lease, measured on its slow clock, had\n" ..
    "  not run out, while the others' fast clocks had already ended their election timeouts.\n" ..
    "  The lease must be shortened by the drift it assumes (%s).",
    r.t1, r.client, r.v, w.client, w.v, w.t1, dsim.param("bug", "") == "lease_no_drift_margin" and
      "the planted bug leaves that margin out" or drift == 0 and "lease_drift_ppm=0 assumes perfect clocks"
      or string.format("lease_drift_ppm=%d is less than the drift here", drift)))
elseif lease then
  print(string.format("why it passes: no read returned an old value: n1's lease is the election timeout\n" ..
    "  shortened by twice the assumed drift (lease_drift_ppm=%d), so it ran out, even on n1's slow\n" ..
    "  clock, before any follower's fast clock let it vote for someone else.", drift))
else
  print("why it passes: no read returned an old value: without leases (ReadIndex) n1 asks a majority\n" ..
        "  for every read, which it cannot reach after the cut; no clock is involved.")
end
return c:check { "linearizable", "invariants" }
