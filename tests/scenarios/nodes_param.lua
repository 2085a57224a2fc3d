local c = dsim.cluster { nodes = dsim.param("nodes", 3) }
c:run { until_ms = 10 }
