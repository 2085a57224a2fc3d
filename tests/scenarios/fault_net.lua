-- fault_net.lua — each network degradation once: loss, duplication, a
-- delay spike, a reordering window; base latency is 1..5 ms.
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 9, workload = "register", rate = 200, timeout = 100 },
}
c:nemesis { schedule = {
  { at_ms = 500, kind = "net", dur_ms = 500, mode = "loss", p = 0.5 },
  { at_ms = 1200, kind = "net", dur_ms = 300, mode = "dup", p = 0.5 },
  { at_ms = 1700, kind = "net", dur_ms = 300, mode = "spike", spike_ms = 200 },
  { at_ms = 2200, kind = "net", dur_ms = 300, mode = "reorder", window_ms = 50 },
} }
c:run { until_ms = 3000 }
