-- repl_lag_anomalies.lua — S10 (replication_lag_anomalies in DEMOS.md):
-- what replication lag does to a session that reads from followers, and
-- the fix of each anomaly. Judged by the session-guarantees check
-- (c:check{"session"}: read-your-writes, monotonic reads, monotonic
-- writes, writes-follow-reads, consistent prefix; Terry et al. 1994).
--
-- A leader n1 and three asynchronous followers that answer reads
-- (follower_reads) with different lag: the links n1 -> n2, n3, n4 take 5,
-- 80 and 250 ms. Four clients on a kv workload of 2 keys (60 % reads, 40 %
-- writes, no compare-and-set, which would read at the leader), 60 ops/s each.
-- Writes always end at the leader (followers redirect them).
--   -D anomaly=ryw (default): every operation goes to a node drawn at
--      random (a load balancer). A user writes, then reads at a follower
--      that has not applied the write yet: "violated: read-your-writes".
--      Fix (-D fix=true): read what you may have written from the leader
--      (here: all reads at the leader, follower_reads=false): all kept.
--      Fix (-D fix=token): a session token, the client's last LSN
--      (session_token=true): every answer carries the LSN it reflects, the
--      client sends the highest it has seen with each operation, and a
--      follower holds a read until it has applied that LSN. Reads stay at
--      the followers (only later at the lagging ones): all kept, since
--      the token also orders a session's reads (monotonic reads).
--   -D anomaly=mr: the same routing; a user reads a new value at n2, then
--      an older one at n4 (a comment appears, then disappears):
--      "violated: ... monotonic-reads". Fix (-D fix=true): a sticky
--      replica per user (send = "own": every read at the user's own node,
--      hash(user) in DDIA's words): monotonic-reads is kept (the user's
--      own follower only moves forward; read-your-writes still fails when
--      that follower lags: the fixes are separate). -D fix=token fixes
--      both here too.
-- Consistent prefix holds in every run here: one leader writes one log
-- and every follower shows a prefix of it. The anomaly of DDIA's figure
-- 5-5 needs two partitions replicated independently, whose fix is to put
-- causally related writes in one partition, which this engine is.
--
--   dsim run scenarios/demos/repl_lag_anomalies.lua                      # exit 1: read-your-writes
--   dsim run scenarios/demos/repl_lag_anomalies.lua -D fix=true          # exit 0
--   dsim run scenarios/demos/repl_lag_anomalies.lua -D fix=token         # exit 0, reads at followers
--   dsim run scenarios/demos/repl_lag_anomalies.lua -D anomaly=mr        # exit 1: monotonic-reads
--   dsim run scenarios/demos/repl_lag_anomalies.lua -D anomaly=mr -D fix=true   # monotonic-reads kept
-- Look for the session report's "kept:" and "violated:" lines.

local anomaly = dsim.param("anomaly", "ryw")
local fix = dsim.param("fix", "false")
if anomaly ~= "ryw" and anomaly ~= "mr" then error("-D anomaly: ryw or mr, got '" .. anomaly .. "'") end
if fix ~= "false" and fix ~= "true" and fix ~= "token" then
  error("-D fix: true, false or token, got '" .. fix .. "'")
end
local send, follower_reads, token = "random", true, fix == "token"
if fix == "true" and anomaly == "ryw" then follower_reads = false end
if fix == "true" and anomaly == "mr" then send = "own" end
local c = dsim.cluster {
  protocol = "replication", nodes = 4,
  options  = { mode = "async", follower_reads = follower_reads, session_token = token },
  net      = { latency = 2 },
  clients  = { count = 4, workload = "kv", keys = 2, read = 60, write = 40, cas = 0, rate = 60, timeout = 500,
               send = send },
}
c:net { from = { 1 }, to = { 2 }, latency = 5 }
c:net { from = { 1 }, to = { 3 }, latency = 80 }
c:net { from = { 1 }, to = { 4 }, latency = 250 }
c:run { until_ms = 3000 }
print(string.format("LSNs at the end: leader %d, followers %d, %d, %d",
  c:state(1).lsn, c:state(2).lsn, c:state(3).lsn, c:state(4).lsn))
local at = { 0, 0, 0, 0 }
for line in string.gmatch(c:history(), "[^\n]+") do
  local node = tonumber(line:match('"type":"ok","f":"read".*"node":"n(%d)"'))
  if node then at[node] = at[node] + 1 end
end
print(string.format("reads answered by n1 %d, n2 %d, n3 %d, n4 %d", at[1], at[2], at[3], at[4]))
return c:check { "session", "invariants" }
