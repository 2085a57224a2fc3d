-- kv_bank.lua — the bank workload on a replicating protocol (-D protocol=
-- raft|paxos|zab|replication|pbft): every replica starts from the
-- workload's opening balances (dsim_kv_init), so every read sums to the
-- total and the "bank" check passes. Replication and PBFT once started
-- from an empty store here, and every read of theirs failed the check.
local protocol = dsim.param("protocol", "replication")
local clients = { count = 3, workload = "bank", rate = 40, timeout = 1000 }
if protocol == "pbft" then   -- PBFT's clients send to all and wait for f+1 replies
  clients.send, clients.retransmit, clients.replies = "all", 250, 2
end
local c = dsim.cluster { protocol = protocol, nodes = 4, clients = clients }
c:run(protocol == "pbft" and 10000 or 3000)
c:check(c:workload().checks)
