-- checks_history.lua — the history checks a scenario can ask for, on one run.
local c = dsim.cluster { protocol = "single", nodes = 3, clients = { count = 3, workload = "kv", keys = 4, rate = 50, read = 50, write = 50, cas = 0 } }
c:run { until_ms = 2000 }
local cl = c:clients()
assert(#cl == 3, "three clients")
for i, x in ipairs(cl) do
  assert(x.ok > 0 and x.last_ok_ms > 0 and x.last_ok_ms <= 2000, "client " .. i .. " completed operations")
end
return c:check { "linearizable", "causal", "sequential" }
