-- set.lua — the set workload on Raft: a set: add unique elements, read the whole set.
--
-- What it shows: 5 Raft nodes serve the 'set' workload (dsim list
-- workloads) through a partition that leaves the old leader B, one
-- follower and client c1 on the minority side, while the majority elects a
-- new leader and goes on serving c2..c4; then a heal. Raft applies every
-- operation atomically in one log entry (a transaction is one entry), so
-- the workload's default checks (c:workload().checks) pass.
--
-- Correct (passes):  dsim run scenarios/workloads/set.lua
-- Broken (fails: set-full: an acknowledged add missing from a later read (stale)):
--                    dsim run scenarios/workloads/set.lua -D bug=stale_read
-- Also: -D protocol=single (the reference server; it crashes and restarts
--       at 3 s, which -D bug=ack_before_sync turns into lost writes),
--       --history h.jsonl (or h.edn), then
--       dsim check --workload set h.jsonl

local protocol = dsim.param("protocol", "raft")
local c = dsim.cluster {
  protocol = protocol, nodes = 5,
  options  = protocol == "raft" and { election_timeout = {150, 300}, heartbeat = 50 } or { flush = 200 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 4, workload = "set", rate = 60, timeout = 300, read = 30 },
}

local B
c:at(1000, function()
  B = c:leader() or 1
  local other = B % 5 + 1
  local rest = {}
  for i = 1, 5 do if i ~= B and i ~= other then rest[#rest + 1] = i end end
  for k = 2, 4 do rest[#rest + 1] = "c" .. k end
  c:partition { {B, other, "c1"}, rest }
end)
c:at(2500, function() c:heal() end)
if protocol == "single" then   -- the server loses what it had not synced
  c:at(3000, function() c:crash(1) end)
  c:at(3100, function() c:restart(1) end)
end
c:run { until_ms = 4000 }
local checks = c:workload().checks
checks[#checks + 1] = "invariants"
checks.linearizable = true
return c:check(checks)
