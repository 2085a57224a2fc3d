-- pairs.lua — iterates a string-keyed table with pairs() and lets the order
-- decide which node crashes when. Lua 5.4 seeds its string hash from time
-- and addresses, so only the sandbox's sorted pairs keeps this run the same.
local c = dsim.cluster {
  protocol = "single", nodes = 5,
  clients = { count = 3, workload = "cas-register", rate = 200, timeout = 100 },
}
local names = {}
for i = 1, 40 do names["key" .. (i * 7919 % 1000)] = i end
local t = 100
for k, v in pairs(names) do
  local node = (v % 4) + 2
  c:at(t, function() c:crash(node) end)
  c:at(t + 5, function() c:restart(node) end)
  t = t + 10
end
local order = {}
for k in pairs({ zeta = 1, alpha = 2, mid = 3, [3] = 4, [1] = 5 }) do order[#order + 1] = tostring(k) end
assert(table.concat(order, ",") == "1,3,alpha,mid,zeta", table.concat(order, ","))
local n = 0
local k = next({ b = 1, a = 2 })
assert(k == "a", "next starts at the smallest key")
c:run { until_ms = 600 }
return c:check { "linearizable" }
