-- checks_history.lua — the history checks a scenario can ask for, on one run.
local c = dsim.cluster { protocol = "single", nodes = 3, clients = { count = 3, workload = "kv", keys = 4, rate = 50, read = 50, write = 50, cas = 0 } }
c:run { until_ms = 2000 }
return c:check { "linearizable", "causal", "sequential" }
