-- ghost_total_crash.lua — the invariant checker's memory survives a crash
-- of every node between two checks (Raft's record is the world's checker
-- state, dsim_checker_state, not a copy in each node's state block).
--
-- n1 leads term 1 with n2's vote; n3 never hears of term 1 (cut both
-- ways). Then every node crashes in one event and restarts. n3 campaigns
-- in term 1: with -D bug=vote_not_persisted, n2 forgot its vote and grants
-- it, so n1 and n3 both lead term 1, an Election Safety violation that only
-- a record from before the total crash can see. Without the bug n2 refuses
-- (its vote is on disk) and the run passes.
local c = dsim.cluster {
  protocol = "raft", nodes = 3,
  options  = { election_timeout = {60000, 70000}, heartbeat = 50, noop = false },
  net      = { latency = 5 },
  invariants = "every",
}
c:at(5, function() c:cut(1, 3); c:cut(3, 1) end)
c:at(10, function() c:control(1, "campaign") end)
c:at(100, function()
  assert(c:leader() == 1, "n1 should lead term 1")
  for i = 1, 3 do c:crash(i) end
end)
c:at(110, function() for i = 1, 3 do c:restart(i) end end)
c:at(120, function() c:control(3, "campaign") end)
c:run { until_ms = 300 }
return c:check { "invariants" }
