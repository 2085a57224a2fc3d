-- session.lua — session guarantees (read-your-writes, monotonic reads and
-- writes, writes-follow-reads) of a kv workload on Raft, per client process.
--
-- What it shows: 5 Raft nodes, 4 clients that send every operation to a
-- node drawn at random (send = "random": a session hops between replicas,
-- as a client behind a load balancer does). At 1 s the leader B and one
-- follower are cut off from the other three; clients still reach every
-- node. The majority elects a new leader and goes on; B still believes it
-- leads. Raft's reads go through the log (or ReadIndex), so B cannot
-- answer them and every session keeps its guarantees.
--
-- Correct (passes):  dsim run scenarios/workloads/session.lua
-- Broken (fails read-your-writes or monotonic-reads): B answers reads from
-- its own stale state; a session that wrote through the new leader, or read
-- a newer value there, then reads an older one at B:
--                    dsim run scenarios/workloads/session.lua -D bug=stale_read
-- Also: --history h.jsonl, then dsim check --check session h.jsonl

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 4, workload = "kv", keys = 2, rate = 50, timeout = 300, send = "random" },
}

c:at(1000, function()
  local B = c:leader() or 1
  local other = B % 5 + 1
  local rest = {}
  for i = 1, 5 do if i ~= B and i ~= other then rest[#rest + 1] = i end end
  c:partition { {B, other}, rest }
end)
c:at(3000, function() c:heal() end)
c:run { until_ms = 4000 }
return c:check { "session", "invariants" }
