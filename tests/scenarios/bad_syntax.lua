local c = dsim.cluster { nodes = 3 }
c:run { until_ms = 10
return c
