-- protocol_nodes.lua — a protocol refuses a cluster it cannot run (exit 2
-- from its validate hook, before any node boots).
local c = dsim.cluster { protocol = dsim.param("protocol", "raft"), nodes = dsim.param("nodes", 3) }
c:run { until_ms = 10 }
