-- raft_split_vote.lua — with PreVote on, three nodes campaign at the same
-- instant over constant-latency links: every pre-vote succeeds, all three
-- become candidates of term 1 and vote for themselves (a split vote).
-- Liveness needs a candidate whose election timed out to run its next
-- pre-vote and count the grants (once they were ignored because it was
-- still a candidate: no leader, ever; fuzz seeds 4109 and 5429).
-- Exit 0 when a leader was elected in a later term; 1 (the invariants
-- check reports "Liveness: ...") when not, or when the split did not happen.
local c = dsim.cluster {
  protocol = "raft", nodes = 3,
  options  = { prevote = true, election_timeout = {150, 300} },
  net      = { latency = dsim.constant(5) },
}
local candidates = 0
c:on("election", function(ev) if ev.term == 1 then candidates = candidates + 1 end end)
c:at(10, function() for n = 1, 3 do c:control(n, "campaign") end end)
c:run { until_ms = 60 }
print("candidates in term 1: " .. candidates)
-- Judged before the end, so that the invariants check (after every
-- event) sees the verdict.
c:at(2900, function()
  local l = c:leader()
  if l then print("leader n" .. l .. " term " .. c:state(l).term) else print("no leader") end
  if candidates ~= 3 then
    c:control(1, "liveness_failed", { why = "no split vote: " .. candidates .. " candidates in term 1" })
  elseif not l then
    c:control(1, "liveness_failed", { why = "no leader 2.9 s after a split vote with PreVote" })
  end
end)
c:run { until_ms = 3000 }
return c:check { "invariants" }
