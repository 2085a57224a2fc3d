-- repl_election_strategies.lua — F14 (election_strategies in DEMOS.md): the
-- same leader crash under three ways of choosing the next leader, and the
-- downtime each costs.
--
-- Three replicas in semisync mode (k = 1: every acknowledged write is on a
-- follower, so promoting the most up-to-date one loses nothing) and a
-- master n4. Three clients (kv, 4 keys) through the leader. At 1000 ms the
-- leader n1 crashes; it restarts at 4000 ms.
--   -D strategy=wait:   nobody takes over; the system waits for n1 to come
--                       back (and lead again from its disk).
--   -D strategy=manual: an operator is paged and promotes the most
--                       up-to-date follower after -D delay=1500 ms.
--   -D strategy=auto (default): the master's heartbeat detector promotes it
--                       after fd_timeout (300 ms) of silence.
-- Printed: the downtime, from the crash to the first operation answered
-- after it. Every strategy is safe here (linearizable, exit 0); they differ
-- in downtime (auto < manual < wait) and in what can go wrong: auto
-- fires on a slow leader too (repl_split_brain.lua), wait never ends if
-- the leader never returns.
--
--   for s in wait manual auto; do
--     dsim run scenarios/demos/repl_election_strategies.lua -D strategy=$s | grep downtime
--   done

local strategy = dsim.param("strategy", "auto")
local delay = dsim.param("delay", 1500)
if strategy ~= "wait" and strategy ~= "manual" and strategy ~= "auto" then
  error("-D strategy: wait, manual or auto, got '" .. strategy .. "'")
end
local c = dsim.cluster {
  protocol = "replication", nodes = 4,
  options  = { mode = "semisync", semisync_k = 1, semisync_timeout = 60000, master = 4,
               failover = strategy == "auto" and "auto" or "manual", fd_timeout = 300, lease = 100 },
  net      = { latency = dsim.uniform(1, 4) },
  clients  = { count = 3, workload = "kv", keys = 4, rate = 40, timeout = 300 },
}
local crash_at = 1000
c:at(crash_at, function() c:crash(1) end)
if strategy == "manual" then
  c:at(crash_at + delay, function()
    local best = c:state(2).lsn >= c:state(3).lsn and 2 or 3
    c:control(best, "promote")
  end)
end
c:at(4000, function() c:restart(1) end)
c:run { until_ms = 6000 }
local first = nil
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty = string.match(line, '"type":"(%a+)"')
  local t = tonumber(string.match(line, '"time":(%d+)'))
  if ty == "ok" and t / 1e6 > crash_at + 20 and not first then first = t / 1e6 end
end
print(string.format("%s: downtime %s ms after the leader crashed", strategy,
  first and string.format("%.0f", first - crash_at) or "unbounded"))
return c:check { "linearizable", "invariants" }
