-- raft_partition_stale_leader.lua — R5: the old leader in the minority.
--
-- What it teaches: a partition leaves the old leader B, one follower and
-- client c1 on one side, the majority and client c2 on the other. The
-- majority elects a new leader and goes on accepting c2's writes. B still
-- believes it leads (it hears no higher term), but it cannot commit: c1's
-- writes and reads through B time out ('info': unknown outcome) instead of
-- being acknowledged. After the heal B sees the higher term, steps down,
-- and its uncommitted entries are overwritten. Reads are linearizable
-- because B answers a read only after a heartbeat round that a majority
-- acknowledged (ReadIndex, §6.4), which B in the minority never gets.
--
-- Correct (passes):  dsim run scenarios/demos/raft_partition_stale_leader.lua
-- Broken (fails: linearizability, c1 reads an old value after c2's newer
-- write was acknowledged):
--                    dsim run scenarios/demos/raft_partition_stale_leader.lua -D bug=stale_read
-- Fixes shown elsewhere: raft_lease_read.lua (leases with a drift bound).

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "register", rate = 60, timeout = 300 },
}

c:on("leader", function(ev)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)

local B
c:at(1000, function()
  B = c:leader()
  local other = B % 5 + 1
  local rest = {}
  for i = 1, 5 do if i ~= B and i ~= other then rest[#rest + 1] = i end end
  rest[#rest + 1] = "c2"
  print(string.format("%7.1f ms  partition {B=n%d, n%d, c1} | {n%d, n%d, n%d, c2}",
    c:now(), B, other, rest[1], rest[2], rest[3]))
  c:partition { {B, other, "c1"}, rest }
end)
c:at(2500, function()
  local s = c:state(B)
  print(string.format("%7.1f ms  heal; B=n%d is %s of term %d with log length %d (commit %d)",
    c:now(), B, s.role, s.term, s.log_length, s.commit))
  c:heal()
end)
c:at(3000, function()
  local s = c:state(B)
  print(string.format("%7.1f ms  B=n%d is now %s of term %d", c:now(), B, s.role, s.term))
end)

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

c:run { until_ms = 4000 }
local st = c:stats()
print(string.format("ops: ok %d, fail %d, info %d", st.ok, st.fail, st.info))
local r, w = first_stale_read(c:history(), 2)
if r then
  print(string.format("what happened: at %.1f ms c%d read %d from B=n%d, although c%d's write of %d had been\n" ..
    "  acknowledged by the new leader at %.1f ms: B answered from its own state without asking a\n" ..
    "  majority, and in the minority it could not know it had been replaced.", r.t1, r.client, r.v, B,
    w.client, w.v, w.t1))
else
  print(string.format("why it passes: no read returned an old value: B=n%d answers a read only after a\n" ..
    "  heartbeat round that a majority acknowledged (ReadIndex), which it never gets in the minority;\n" ..
    "  c1's reads through it time out ('info') instead.", B))
end
return c:check { "linearizable", "invariants" }
