local c = dsim.cluster { nodes = 1 }
c:run { until_ms = 1 }
return c:check { "nonesuch" }
