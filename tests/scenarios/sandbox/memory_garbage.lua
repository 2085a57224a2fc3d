-- Garbage alone must not trip the memory limit: Lua collects when an
-- allocation is refused and retries; only live memory over the limit ends
-- the run. 200 MB of short-lived strings under an 8 MiB limit pass.
local c = dsim.cluster { protocol = "single", nodes = 1, limits = { memory = 8 * 1048576 } }

for i = 1, 200 do
  local s = ("x"):rep(1000000) .. i
  assert(#s > 1000000)
end
c:run { until_ms = 10 }
print("ok")
