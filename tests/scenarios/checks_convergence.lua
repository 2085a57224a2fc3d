-- checks_convergence.lua — raft replicas converge after a heal; with
-- -D heal=false n1 stays cut off to the end and convergence fails.
local heal = dsim.param("heal", true)
local c = dsim.cluster { protocol = "raft", nodes = 3, clients = { count = 2, workload = "kv", rate = 50, stop = 1500 } }
c:at(300, function() c:partition { { 1 }, { 2, 3 } } end)
if heal then c:at(800, function() c:heal() end) end
c:run { until_ms = 3000 }
return c:check { "convergence" }
