-- fault_pause.lua — the server n1 pauses from 1000 to 1300 ms: nothing runs
-- on it meanwhile, and what arrived runs at 1300 ms, late.
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 3, workload = "register", rate = 100, timeout = 500 },
}
c:nemesis { schedule = {
  { at_ms = 1000, kind = "pause", dur_ms = 300, node = 1 },
} }
c:run { until_ms = 2000 }
return c:check { "linearizable" }
