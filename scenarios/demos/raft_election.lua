-- raft_election.lua — R1: leader election, re-election, and a double vote.
--
-- What it teaches:
-- 1. Randomised election timeouts, U(150, 300) ms, elect one leader
--    quickly; when it crashes, the others notice the missing heartbeats
--    and elect another. Raft's Election Safety: at most one leader per term.
-- 2. That safety rests on every server casting ONE vote per term, and
--    remembering it across a crash: the vote must be on disk before the
--    grant is sent. At 2000 ms the script makes server V vote for A,
--    crash, restart, and be asked by B for a vote in the same term. With
--    the vote persisted, V refuses; with it forgotten, B wins too, and A
--    and B lead the same term.
-- 3. Fixed timeouts (-D election_timeout=150) make servers time out
--    together: split votes, more elections (the count printed at the end).
--
-- Correct (passes):     dsim run scenarios/demos/raft_election.lua
-- Broken (fails: Election Safety, two leaders in one term):
--                       dsim run scenarios/demos/raft_election.lua -D bug=vote_not_persisted
-- Liveness knob:        dsim run scenarios/demos/raft_election.lua -D election_timeout=150
-- The network has a constant 5 ms latency so the double-vote schedule is
-- exact; the timeouts stay random.

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = 5 },
}

local leaders, by_term = 0, {}
c:on("leader", function(ev)
  leaders = leaders + 1
  by_term[ev.term] = by_term[ev.term] or {}
  table.insert(by_term[ev.term], ev.node)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)

-- Phase 1: the leader crashes; the others elect another.
local crashed
c:at(1000, function()
  crashed = c:leader()
  if not crashed then print(string.format("%7.1f ms  no leader (split votes?)", c:now())); return end
  print(string.format("%7.1f ms  crash n%d (the leader)", c:now(), crashed))
  c:crash(crashed)
end)
c:at(1300, function() if crashed then c:restart(crashed) end end)

-- Phase 2: the double vote. L leads; A, V, W, B are the others.
local X = 2000
local L, A, V, W, B, v_term, v_vote
c:at(X, function()
  L = c:leader()
  if not L then print(string.format("%7.1f ms  no leader: the double-vote schedule is skipped", c:now())); return end
  local others = {}
  for i = 1, 5 do if i ~= L then others[#others + 1] = i end end
  A, V, W, B = others[1], others[2], others[3], others[4]
  print(string.format("%7.1f ms  partition {A=n%d, V=n%d, W=n%d} | {B=n%d, old leader n%d}; A campaigns",
    c:now(), A, V, W, B, L))
  c:partition { {A, V, W}, {B, L} }
  c:control(A, "campaign")
end)
-- V granted its vote at X+5; A's first AppendEntries would reach it at X+15.
c:at(X + 12, function() if not L then return end; print(string.format("%7.1f ms  crash V=n%d", c:now(), V)); c:crash(V) end)
c:at(X + 20, function()
  if not L then return end
  c:partition { {A, W}, {V, B, L} }
  c:restart(V)
  v_term, v_vote = c:state(V).term, c:state(V).vote
  print(string.format("%7.1f ms  V=n%d restarts in term %d, vote %s; B=n%d campaigns", c:now(), V,
    c:state(V).term, tostring(c:state(V).vote), B))
  c:control(B, "campaign")
end)
c:at(X + 300, function() c:heal() end)

c:run { until_ms = 4000 }
local elections = 0
for i = 1, 5 do elections = elections + c:state(i).elections end
print(string.format("elections started: %d, leaders elected: %d", elections, leaders))
local two = nil
for term, ls in pairs(by_term) do if #ls > 1 then two = { term, ls[1], ls[2] } end end
if two then
  print(string.format("what happened: n%d and n%d both lead term %d. V=n%s voted for A in term %d, crashed,\n" ..
    "  and came back without its vote (it was never on disk), so it voted for B in the same term:\n" ..
    "  A won with {A, V, W}, B with {B, V, old leader}. Fix: write the vote to disk before replying.",
    two[2], two[3], two[1], tostring(V), two[1]))
elseif v_term then
  print(string.format("why it passes: V=n%d came back from its crash in term %d remembering its vote\n" ..
    "  for n%s (on disk before it replied), so it refused B, and B could not win that term.",
    V, v_term, tostring(v_vote)))
end
return c:check { "invariants" }
