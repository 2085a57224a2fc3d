-- raft_stale_candidate.lua — R4: a server with a stale log must not win.
--
-- What it teaches: Raft's election restriction (§5.4.1). A voter refuses
-- a candidate whose log is less up-to-date than its own (compare the last
-- entries' terms, then the lengths). Three servers A=n1, B=n2, C=n3.
-- C is down while A commits writes with B's help (a majority of two).
-- Then A dies and C comes back and campaigns at once. B holds every
-- committed write; if B votes for C anyway, C becomes leader with a log
-- that lacks them and overwrites B's copy: acknowledged writes vanish.
-- With the check, B refuses, and B itself (the up-to-date one) wins later.
--
-- Correct (passes):  dsim run scenarios/demos/raft_stale_candidate.lua
-- Broken (fails: Leader Completeness, and a read returns a value older
-- than an acknowledged write):
--                    dsim run scenarios/demos/raft_stale_candidate.lua -D bug=vote_any_log

local c = dsim.cluster {
  protocol = "raft", nodes = 3,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 1, workload = "register", rate = 50, timeout = 300 },
}

c:on("leader", function(ev)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)
local function show(label)
  for i = 1, 3 do
    local s = c:state(i)
    if not s.term then print(string.format("%7.1f ms  %s n%d: down", c:now(), label, i)) else
    print(string.format("%7.1f ms  %s n%d: %s term %d, log length %d (last term %d), commit %d",
      c:now(), label, i, s.role, s.term, s.log_length, s.last_term, s.commit)) end
  end
end

c:at(5, function() c:control(1, "campaign") end)              -- A leads
c:at(300, function() print("  300.0 ms  C=n3 crashes"); c:crash(3) end)
c:at(1000, function() show("before"); print(" 1000.0 ms  A=n1 crashes"); c:crash(1) end)
c:at(1010, function() print(" 1010.0 ms  C=n3 restarts and campaigns"); c:restart(3); c:control(3, "campaign") end)
c:at(1030, function() c:control(3, "campaign") end)
c:at(1500, function() c:restart(1) end)
c:at(2000, function() show("after ") end)

c:run { until_ms = 3000 }
return c:check { "linearizable", "invariants" }
