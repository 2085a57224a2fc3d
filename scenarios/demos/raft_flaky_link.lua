-- raft_flaky_link.lua — R7: one lossy link, and needless elections.
--
-- What it teaches: only the link between the leader and one follower F
-- drops messages (80% each way). F misses heartbeats, times out, and
-- campaigns with a higher term. Every other server hears the leader fine,
-- but the higher term alone deposes it: elections, lost writes in flight
-- (clients see 'info'), lower throughput. Nothing unsafe happens; the cost
-- is availability. PreVote stops the churn: F first asks whether it could
-- win, and the others, hearing a leader, say no, so F's term never rises.
-- CheckQuorum alone does NOT help here, it makes things worse (seeds 1..6:
-- as many or more campaigns and new leaders): with leader stickiness the
-- others ignore F's RequestVote without answering, so F times out again and
-- again and its term climbs with each campaign; the first reply of F that
-- crosses the lossy link carries that term to the leader, which steps down.
-- CheckQuorum is for a leader cut off from a majority (it steps down) and
-- for removed servers (raft_membership.lua), not for a flaky link.
-- The script prints F's campaigns and the new leaders per simulated minute,
-- the terms of F and of the leader at the end, acknowledged ops, and why.
--
-- Plain Raft (passes, with churn):  dsim run scenarios/demos/raft_flaky_link.lua
-- With PreVote (no churn):          dsim run scenarios/demos/raft_flaky_link.lua -D prevote=true
-- With CheckQuorum (more churn):    dsim run scenarios/demos/raft_flaky_link.lua -D check_quorum=true
-- With both (no churn):             dsim run scenarios/demos/raft_flaky_link.lua -D prevote=true -D check_quorum=true

local duration = dsim.param("duration", 10000)
local cq = dsim.param("check_quorum", false)   -- also the Raft option (-D)

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 3, workload = "register", rate = 30, timeout = 300 },
  invariants = 10,
}

local elections, f_campaigns, leaders, flaky_from, f = 0, 0, 0, nil, nil
c:on("election", function(ev)
  if not flaky_from then return end
  elections = elections + 1
  if ev.node == f then f_campaigns = f_campaigns + 1 end
end)
c:on("leader", function(ev)
  if not flaky_from then return end
  leaders = leaders + 1
  if leaders <= 5 then
    print(string.format("%7.1f ms  n%d is leader of term %d (n%d is at term %d)", c:now(), ev.node, ev.term,
      f, c:state(f).term))
  end
end)

c:at(1000, function()
  local l = c:leader()
  f = l % 5 + 1
  flaky_from = c:now()
  print(string.format(" 1000.0 ms  the link n%d <-> n%d (leader <-> follower F) drops 80%%; leader term %d",
    l, f, c:state(l).term))
  c:net { from = l, to = f, drop = 0.8 }
  c:net { from = f, to = l, drop = 0.8 }
end)

c:run { until_ms = duration }
local st = c:stats()
local minutes = (duration - 1000) / 60000
local l = c:leader()
print(string.format("per minute: %.1f campaigns (%.1f by F = n%d), %.1f new leaders; ok ops: %d, info: %d",
  elections / minutes, f_campaigns / minutes, f, leaders / minutes, st.ok, st.info))
print(string.format("at the end: %s; F (n%d) at term %d",
  l and string.format("leader n%d of term %d", l, c:state(l).term) or "no leader", f, c:state(f).term))
if leaders == 0 then
  print("why: F's pre-votes were refused (the others hear a leader), so its term never rose and\n" ..
        "     nobody was deposed")
elseif cq then
  print("why: the others ignored F's RequestVotes (leader stickiness), so F campaigned again after\n" ..
        "     every timeout, its term climbing; each reply of F that crossed the link carried that\n" ..
        "     term to the leader, which stepped down. PreVote (-D prevote=true) keeps F's term down.")
else
  print("why: F's RequestVotes carried a higher term to every server; the leader learned it and\n" ..
        "     stepped down, and a new election followed. PreVote (-D prevote=true) keeps F's term down.")
end
return c:check { "linearizable", "invariants" }
