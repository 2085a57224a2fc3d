-- fault_crash.lua — n1 (the single server) crashes at 1000 ms and restarts
-- at 1200 ms, and again from 1650 to 1750 ms. With -D bug=ack_before_sync the crash loses acknowledged,
-- unsynced writes and the checker fails; the correct variant passes.
local c = dsim.cluster {
  protocol = "single", nodes = 3, options = { flush = 300 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 3, workload = "kv", keys = 2, read = 70, write = 30, cas = 0, rate = 100, timeout = 300 },
}
c:nemesis { schedule = {
  { at_ms = 1000, kind = "crash", dur_ms = 200, node = 1, tear = true },
  { at_ms = 1650, kind = "crash", dur_ms = 100, node = 1, tear = false },
} }
c:run { until_ms = 2000 }
return c:check { "linearizable" }
