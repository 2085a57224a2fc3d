-- raft_log_repair.lua — R2: a new leader repairs divergent logs.
--
-- What it teaches: the Raft paper's Figure 7. Seven servers start with
-- the logs of the figure (the numbers are the terms of the entries):
--   n1 leader  1 1 1 4 4 5 5 6 6 6
--   n2 (a)     1 1 1 4 4 5 5 6 6          missing an entry
--   n3 (b)     1 1 1 4                    missing many
--   n4 (c)     1 1 1 4 4 5 5 6 6 6 6      an extra uncommitted entry
--   n5 (d)     1 1 1 4 4 5 5 6 6 6 7 7    extra entries of a later term
--   n6 (e)     1 1 1 4 4 4 4              extra entries of an old term
--   n7 (f)     1 1 1 2 2 2 3 3 3 3 3      a whole divergent history
-- n1 wins term 8 (votes from a, b, e, f). Every AppendEntries carries the
-- index and term of the entry before the new ones; a follower whose entry
-- there differs refuses, and says which term conflicts and where that term
-- starts, so the leader's nextIndex for it walks backward a term at a time
-- (watch prev_index fall with --log). Where they agree, the follower
-- deletes its conflicting suffix and takes the leader's entries: Log
-- Matching holds, and every log ends equal to the leader's.
--
-- Correct (passes):  dsim run scenarios/demos/raft_log_repair.lua
-- Broken (fails: Log Matching / State Machine Safety; followers splice
-- the leader's entries onto their own divergent prefix):
--                    dsim run scenarios/demos/raft_log_repair.lua -D bug=no_prev_check

local c = dsim.cluster {
  protocol = "raft", nodes = 7,
  options  = { election_timeout = {150, 300}, heartbeat = 50, batch = 4 },
  net      = { latency = 5 },
  clients  = { count = 2, workload = "register", rate = 20, timeout = 400 },
}

local logs = {
  {1, 1, 1, 4, 4, 5, 5, 6, 6, 6},
  {1, 1, 1, 4, 4, 5, 5, 6, 6},
  {1, 1, 1, 4},
  {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
  {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
  {1, 1, 1, 4, 4, 4, 4},
  {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
}
for i = 1, 7 do c:control(i, "set_log", { terms = logs[i], term = 7 }) end

local function show(label)
  for i = 1, 7 do
    local s = c:state(i)
    print(string.format("%7.1f ms  %s n%d %-9s term %d, log length %2d, last term %d, commit %d",
      c:now(), label, i, s.role, s.term, s.log_length, s.last_term, s.commit))
  end
end

c:on("leader", function(ev)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)
c:at(1, function() show("start"); c:control(1, "campaign") end)
c:every(10, function()
  local l = c:leader()
  if l and c:now() <= 60 then
    local s = c:state(l)
    print(string.format("%7.1f ms  leader n%d nextIndex: %s", c:now(), l, table.concat(s.next, " ")))
  end
end)
c:at(1000, function()
  show("end  ")
  -- Log Matching: equal (index, term) must mean equal logs up to there.
  local lead = c:state(1).log_terms
  local bad = {}
  for i = 2, 7 do
    local t = c:state(i).log_terms
    if #t == #lead and t[#t] == lead[#lead] and table.concat(t, " ") ~= table.concat(lead, " ") then
      bad[#bad + 1] = string.format("  n%d: %s", i, table.concat(t, " "))
    end
  end
  if #bad > 0 then
    print("what happened: these logs end like the leader's, at the same index and term, but differ\n" ..
          "  before it (leader n1: " .. table.concat(lead, " ") .. "):\n" .. table.concat(bad, "\n") .. "\n" ..
          "  the followers took new entries without checking the entry before them (prev_index and\n" ..
          "  prev_term), so they spliced the leader's suffix onto their own divergent prefix.")
  else
    print("why it passes: every log now reads " .. table.concat(lead, " ") .. ": each follower\n" ..
          "  refused entries until the leader's nextIndex reached a point where their logs agreed, then\n" ..
          "  dropped its conflicting suffix and took the leader's entries.")
  end
end)

c:run { until_ms = 1500 }
return c:check { "linearizable", "invariants" }
