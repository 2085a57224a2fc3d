-- raft_flaky_link.lua — R7: one lossy link, and needless elections.
--
-- What it teaches: only the link between the leader and one follower F
-- drops messages (80% each way). F misses heartbeats, times out, and
-- campaigns with a higher term. Every other server hears the leader fine,
-- but the higher term alone deposes it: elections, lost writes in flight
-- (clients see 'info'), lower throughput. Nothing unsafe happens; the cost
-- is availability. PreVote stops the churn: F first asks whether it could
-- win, and the others, hearing a leader, say no, so F's term never rises.
-- CheckQuorum with leader stickiness (servers that hear a leader ignore
-- F's RequestVote) only reduces it: F's term still rises, and its replies
-- carry that term to the leader, which steps down.
-- The script prints campaigns and new leaders per simulated minute, and
-- acknowledged ops.
--
-- Plain Raft (passes, with churn):  dsim run scenarios/demos/raft_flaky_link.lua
-- With PreVote:                     dsim run scenarios/demos/raft_flaky_link.lua -D prevote=true
-- With CheckQuorum:                 dsim run scenarios/demos/raft_flaky_link.lua -D check_quorum=true

local duration = dsim.param("duration", 10000)

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 3, workload = "register", rate = 30, timeout = 300 },
  invariants = 10,
}

local elections, leaders, flaky_from = 0, 0, nil
c:on("election", function() if flaky_from then elections = elections + 1 end end)
c:on("leader", function() if flaky_from then leaders = leaders + 1 end end)

c:at(1000, function()
  local l = c:leader()
  local f = l % 5 + 1
  flaky_from = c:now()
  print(string.format(" 1000.0 ms  the link n%d <-> n%d (leader <-> follower) drops 80%%", l, f))
  c:net { from = l, to = f, drop = 0.8 }
  c:net { from = f, to = l, drop = 0.8 }
end)

c:run { until_ms = duration }
local st = c:stats()
local minutes = (duration - 1000) / 60000
print(string.format("per minute: %.1f campaigns, %.1f new leaders; ok ops: %d, info: %d",
  elections / minutes, leaders / minutes, st.ok, st.info))
return c:check { "linearizable", "invariants" }
