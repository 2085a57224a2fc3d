-- fault_disk.lua — the server's next reads fail their checksum, then it
-- crashes and restarts: single forgets the keys it cannot read back, so
-- even the correct variant loses data and the checker fails. With
-- -D disk=false the same crash alone passes.
local disk = dsim.param("disk", true)
local faults = {
  { at_ms = 1100, kind = "crash", dur_ms = 100, node = 1, tear = false },
}
if disk then
  table.insert(faults, 1, { at_ms = 1000, kind = "disk", dur_ms = 0, node = 1, reads = 8 })
end
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 4, rate = 100, timeout = 300 },
}
c:nemesis { schedule = faults }
c:run { until_ms = 2000 }
return c:check { "linearizable" }
