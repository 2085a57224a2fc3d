-- warn_faults.lua — faults that do nothing (a restart of a running node, a
-- crash of a crashed one) and no c:check: the run passes and warns.
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  clients = { count = 1, workload = "register", rate = 50, timeout = 200 },
}
c:at(100, function() c:restart(2) end)
c:at(200, function() c:crash(1) end)
c:at(250, function() c:crash(1) end)
c:at(300, function() c:restart(1) end)
c:run { until_ms = 400 }
