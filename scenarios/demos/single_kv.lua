-- single_kv.lua — the default demo: a key-value store on one server.
--
-- What it teaches: a store that acknowledges a write before the write is on
-- disk loses it when the server crashes, and a linearizability checker sees
-- the loss in the clients' history: a read returns an older value than a
-- write that had already been acknowledged.
--
-- Run the correct variant (passes):
--   tools/dsim run scenarios/demos/single_kv.lua
-- Run the broken variant (fails; the checker names the operations):
--   tools/dsim run scenarios/demos/single_kv.lua -D bug=ack_before_sync
-- Other seeds: --seed N. Trace for the viewer: --trace run.jsonl.

local crash_at = dsim.param("crash_at", 1500)   -- ms
local down_for = dsim.param("down_for", 200)    -- ms

local c = dsim.cluster {
  protocol = "single",
  nodes    = 3,
  options  = { flush = 50 },
  net      = { latency = dsim.uniform(1, 5), drop = 0.0 },
  clients  = { count = 4, workload = "cas-register", rate = 100, timeout = 300 },
}

-- The server (n1) crashes and restarts: only what it synced survives.
c:at(crash_at, function() c:crash(1) end)
c:at(crash_at + down_for, function() c:restart(1) end)
c:at(2500, function() c:crash(1) end)
c:at(2600, function() c:restart(1) end)

c:run { until_ms = 4000 }
return c:check { "linearizable", "invariants" }
