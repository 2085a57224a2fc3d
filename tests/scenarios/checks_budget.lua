-- checks_budget.lua — a linearizability search allowed a handful of states
-- cannot decide a busy history: the verdict is unknown (exit 4), never ok.
local c = dsim.cluster { protocol = "single", nodes = 3,
  clients = { count = 6, workload = "cas-register", rate = 200, timeout = 50 } }
c:at(200, function() c:crash(1) end)
c:at(260, function() c:restart(1) end)
c:run { until_ms = 1000 }
return c:check { "linearizable", budget_states = 3 }
