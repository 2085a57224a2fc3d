-- big_trace.lua — a long, busy run whose trace has about 10^5 events, for
-- the viewer's scale test (tests/browser): the page must open it in a few
-- seconds and pan smoothly. Not a teaching demo and not a correctness
-- test: it runs no history check (checking 30 concurrent clients is the
-- checker's own benchmark, not the viewer's).
--   tools/dsim run scenarios/regress/big_trace.lua --trace big.jsonl
-- Knobs: -D clients=N -D until_ms=MS (defaults give ~10^5 events).

local clients  = dsim.param("clients", 30)
local until_ms = dsim.param("until_ms", 10000)

local c = dsim.cluster {
  protocol = "single",
  nodes    = 3,
  options  = { flush = 50 },
  net      = { latency = dsim.uniform(1, 5), drop = 0.001 },
  clients  = { count = clients, workload = "cas-register", rate = 100, timeout = 300 },
}

-- A few faults so every kind of mark shows up at scale.
c:at(2000, function() c:crash(1) end)
c:at(2200, function() c:restart(1) end)
c:at(5000, function() c:partition { {1, 2}, {3} } end)
c:at(5500, function() c:heal() end)
c:at(7000, function() c:pause(1, 150) end)
c:at(8000, function() c:clock(2, { step = -200 }) end)

c:run { until_ms = until_ms }
return c:check { "invariants" }
