-- bank.lua — the bank workload on Raft: transfers between accounts and reads of every balance.
--
-- What it shows: 5 accounts open with 10 each (the store's initial state,
-- not operations); 4 clients transfer 1..5 between two accounts (one
-- transaction: a debit and a credit, refused whole when it would overdraw)
-- and read all five balances in one transaction. 5 Raft nodes serve them
-- through a partition that strands the old leader B with one follower and
-- client c1, then a heal. Raft applies a transaction in one log entry, so
-- Jepsen's bank check passes: every read sums to 50, none is negative.
--
-- Correct (passes):  dsim run scenarios/workloads/bank.lua
--                    dsim run scenarios/workloads/bank.lua -D protocol=single
-- Broken (fails bank): the reference server persists only a transfer's
-- debit (bug=txn_first_key); it crashes at 3 s and restarts from its disk:
-- the credits are gone, and every later read sums to less than 50:
--                    dsim run scenarios/workloads/bank.lua -D protocol=single -D bug=txn_first_key
-- A stale read (-D bug=stale_read) passes: a stale snapshot of balances
-- still sums to the total; the bank check judges money, not freshness.
-- Also: --history h.jsonl, then dsim check --workload bank h.jsonl

local protocol = dsim.param("protocol", "raft")
local c = dsim.cluster {
  protocol = protocol, nodes = 5,
  options  = protocol == "raft" and { election_timeout = {150, 300}, heartbeat = 50 } or { flush = 200 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 4, workload = "bank", rate = 60, timeout = 300,
               accounts = 5, balance = 10, transfer_max = 5 },
}

c:at(1000, function()
  local B = c:leader() or 1
  local other = B % 5 + 1
  local rest = {}
  for i = 1, 5 do if i ~= B and i ~= other then rest[#rest + 1] = i end end
  for k = 2, 4 do rest[#rest + 1] = "c" .. k end
  c:partition { {B, other, "c1"}, rest }
end)
c:at(2500, function() c:heal() end)
if protocol == "single" then   -- the server keeps only what it put on disk
  c:at(3000, function() c:crash(1) end)
  c:at(3100, function() c:restart(1) end)
end
c:run { until_ms = 4000 }
local checks = c:workload().checks
checks[#checks + 1] = "invariants"
return c:check(checks)
