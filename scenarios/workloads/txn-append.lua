-- txn-append.lua — the txn-append workload on Raft: transactions of appends and list reads, in Elle's shape.
--
-- What it shows: 5 Raft nodes serve the 'txn-append' workload (dsim list
-- workloads) through a partition that leaves the old leader B, one
-- follower and clients c1, c2 on the minority side, while the majority
-- elects a new leader and goes on serving c3, c4; then a heal. Raft applies every
-- operation atomically in one log entry (a transaction is one entry), so
-- the workload's default check, strict-serializable (the txn checker), passes.
--
-- Correct (passes):  dsim run scenarios/workloads/txn-append.lua
-- Broken (fails strict-serializable: the server loses acknowledged appends):
--                    dsim run scenarios/workloads/txn-append.lua -D protocol=single -D bug=ack_before_sync
-- Broken (fails strict-serializable): B answers read-only transactions from
-- its stale state (bug=stale_read); c1 and c2, stranded with it, miss what
-- the majority committed before their reads began:
--                    dsim run scenarios/workloads/txn-append.lua -D bug=stale_read
-- (On Raft clients time out after 100 ms: a stranded client's writes hang until
-- then, and with 300 ms and c1 alone on B's side it drew so few read-only
-- transactions that 17 of the first 30 seeds passed.)
-- Also: -D protocol=single (the reference server; it crashes and restarts
--       at 3 s, which -D bug=ack_before_sync turns into lost writes),
--       --history h.jsonl (or h.edn), then
--       dsim check --workload txn-append h.jsonl

local protocol = dsim.param("protocol", "raft")
-- Raft: c1 and c2 are stranded with the old leader and time out after
-- 100 ms; single keeps the run it always had (c1 stranded, 300 ms).
local stranded = protocol == "raft" and 2 or 1
local c = dsim.cluster {
  protocol = protocol, nodes = 5,
  options  = protocol == "raft" and { election_timeout = {150, 300}, heartbeat = 50 } or { flush = 200 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 4, workload = "txn-append", rate = 60, timeout = protocol == "raft" and 100 or 300, keys = 3, txn_max = 4 },
}

local B
c:at(1000, function()
  B = c:leader() or 1
  local other = B % 5 + 1
  local rest = {}
  for i = 1, 5 do if i ~= B and i ~= other then rest[#rest + 1] = i end end
  local minority = {B, other}
  for k = 1, stranded do minority[#minority + 1] = "c" .. k end
  for k = stranded + 1, 4 do rest[#rest + 1] = "c" .. k end
  c:partition { minority, rest }
end)
c:at(2500, function() c:heal() end)
if protocol == "single" then   -- the server loses what it had not synced
  c:at(3000, function() c:crash(1) end)
  c:at(3100, function() c:restart(1) end)
end
c:run { until_ms = 4000 }
-- The txn checker judges the history as strict-serializable (Raft's
-- promise): Elle's anomalies, each with its cycle.
local checks = c:workload().checks
checks[#checks + 1] = "invariants"
return c:check(checks)
