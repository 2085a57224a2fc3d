-- The finalizer crash reached from a data file: 'dsim replay' runs the
-- scenario a schedule file names, and this one leaves a finalizer that
-- drives the cluster after the run was handed off.
local c = dsim.cluster { protocol = "single", nodes = 3, clients = { count = 2 } }
KEEP = setmetatable({}, { __gc = function() c:run { until_ms = 9000 } end })
local until_ms = c:nemesis { faults = { "partition", "crash" }, interval = 200, stop = 1000, recovery = 300 }
c:run { until_ms = until_ms }
return c:check { "linearizable" }
