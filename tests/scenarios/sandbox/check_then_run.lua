-- c:check, then running on: the verdict would leave operations unjudged
-- (a false pass on the failing variant), so c:run after c:check is an error.
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  options = { flush = 50, bug = "ack_before_sync" },
  clients = { count = 4, workload = "cas-register", rate = 100, timeout = 300 },
}
c:at(1500, function() c:crash(1) end)
c:at(1700, function() c:restart(1) end)
local verdict = c:check { "linearizable" }
c:run { until_ms = 4000 }
return verdict
