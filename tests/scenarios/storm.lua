local c = dsim.cluster { nodes = 3, limits = { events = 100000 } }
c:every(0.000001, function() end)
c:run { until_ms = 1000 }
