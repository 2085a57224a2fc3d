-- liveness.lua — the liveness phase of the leader-based fuzz scenarios
-- (raft, paxos, zab, replication), loaded with dsim.lib("liveness").
--
-- At 'heal_at' every fault ends: partitions healed, loss and duplication
-- off (between servers too when 'servers' is given), every node resumed,
-- restarted (the caller's 'crashed' table, or any node the nemesis left
-- crashed) and its clock drift reset. Then, 300 ms before heal_at +
-- recovery, the phase is judged: a leader must have been seen after the
-- heal, and every client must have completed an operation from heal_at +
-- 1 s on. A failure goes to the protocol as control "liveness_failed"
-- {why = ...}, which its invariants report. Not judged when the run ends
-- before heal_at + recovery (dsim shrink cut it short).
--
--   dsim.lib("liveness").phase(c, { nodes = N, heal_at = T, recovery = R,
--     until_ms = U, servers = {1..N}, crashed = {}, leader_seen = false })
local M = {}

function M.phase(c, o)
  local nodes, heal_at, recovery, until_ms = o.nodes, o.heal_at, o.recovery, o.until_ms
  assert(nodes and heal_at and recovery and until_ms, "liveness.phase wants nodes, heal_at, recovery, until_ms")
  local crashed = o.crashed or {}
  c:at(heal_at, function()
    c:heal()
    c:net { drop = 0, dup = 0 }
    if o.servers then c:net { from = o.servers, to = o.servers, drop = 0, dup = 0 } end
    for n = 1, nodes do
      c:resume(n)
      if crashed[n] or c:state(n, "status") == "crashed" then c:restart(n); crashed[n] = nil end
      c:clock(n, { drift = 0 })
    end
  end)

  local leader_seen = o.leader_seen or false
  c:every(50, function() if c:now() > heal_at and c:leader() then leader_seen = true end end, heal_at)

  if until_ms >= heal_at + recovery then
    c:at(heal_at + recovery - 300, function()
      local problem = nil
      if not leader_seen then problem = "no leader within " .. (recovery - 300) .. " ms after healing" end
      for k, cl in ipairs(c:clients()) do
        if not problem and not (cl.last_ok_ms and cl.last_ok_ms > heal_at + 1000) then
          problem = "client c" .. k .. " completed nothing in the liveness phase"
        end
      end
      if problem then c:control(1, "liveness_failed", { why = problem }) end
    end)
  end
end

return M
