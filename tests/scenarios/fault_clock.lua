-- fault_clock.lua — each clock mode once: drift on n1, offset on n2, a
-- backward step on n3, a strobe on n1; every fault ends with a resync.
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  clients  = { count = 1, workload = "register", rate = 10, timeout = 300 },
}
c:nemesis { schedule = {
  { at_ms = 500, kind = "clock", dur_ms = 500, node = 1, mode = "drift", ppm = 100000 },
  { at_ms = 500, kind = "clock", dur_ms = 500, node = 2, mode = "offset", offset_ms = 1000 },
  { at_ms = 1200, kind = "clock", dur_ms = 300, node = 3, mode = "step", step_ms = -700 },
  { at_ms = 1700, kind = "clock", dur_ms = 200, node = 1, mode = "strobe", step_ms = 50, period_ms = 20 },
} }
c:run { until_ms = 2500 }
