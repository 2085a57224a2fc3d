-- determinism.lua — a busy run with every kind of scripted fault and the
-- scenario's own math.random, for fingerprint comparisons.
local c = dsim.cluster {
  protocol = "single", nodes = 5,
  options = { flush = 20 },
  net = { latency = dsim.lognormal(3, 0.5), drop = 0.02, dup = 0.02 },
  clients = { count = 4, workload = "kv", keys = 4, rate = 100, timeout = 200 },
}
c:at(100, function() c:partition { { 1, 2 }, { 3, 4, 5 } } end)
c:at(200, function() c:heal() end)
c:at(250, function() c:pause(math.random(2, 5), 50) end)
c:at(300, function() c:crash(1) end)
c:at(330, function() c:restart(1) end)
c:at(350, function() c:clock(2, { drift = 200, step = -30 }) end)
c:at(400, function() c:net { latency = dsim.pareto(1, 1.5), from = { 1 }, to = { 2, 3 } } end)
c:every(50, function() local a = math.random(1, 5); c:cut(a, a % 5 + 1) end, 420)
c:at(600, function() c:ring() end)
c:at(700, function() c:bridge(3) end)
c:at(800, function() c:heal() end)
c:run { until_ms = 1000 }
return c:check { "linearizable", "invariants" }
