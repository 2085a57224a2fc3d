-- Finalizers that try to drive the world after the scenario finished: Lua
-- runs them in lua_close, after the history and summary were handed off.
-- The run must end normally (exit 0) with its own summary.
local c = dsim.cluster { protocol = "single", nodes = 3, clients = { count = 2 } }
setmetatable({}, { __gc = function() c:run { until_ms = 5000 } end })
KEEP = setmetatable({}, { __gc = function() c:run { until_ms = 6000 }; print("finalizer ran") end })
KEEP2 = setmetatable({ protocol = "single" }, { __gc = dsim.cluster })
KEEP3 = setmetatable({}, { __gc = function() c:check { "linearizable" } end })
c:run { until_ms = 1000 }
return c:check { "linearizable" }
