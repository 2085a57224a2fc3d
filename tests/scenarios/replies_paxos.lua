-- replies_paxos.lua — the clients' 'replies = k' on a real protocol: in
-- single-decree Paxos every proposer answers an operation once it knows
-- the decision, so a client that sends to all nodes (send = "all") gets
-- identical answers from every live proposer. n5 is down for the whole run:
-- replies = 4 completes operations, replies = 5 can never (every operation
-- times out, info). tests/workloads_cli.sh runs both.
local c = dsim.cluster {
  protocol = "paxos", nodes = 5, options = { variant = "basic" },
  net = { latency = dsim.uniform(1, 5) },
  clients = { count = 3, workload = "register", rate = 20, timeout = 500, send = "all",
              replies = dsim.param("replies", 4) },
}
c:at(0, function() c:crash(5) end)
c:run { until_ms = 3000 }
return c:check { "consensus", "invariants" }
