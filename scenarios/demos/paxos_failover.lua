-- paxos_failover.lua — P3 (multipaxos_failover in DEMOS.md): a Multi-Paxos leader fails over and recovers
-- the slots it never saw.
--
-- What it teaches: a new Multi-Paxos leader runs phase 1 once for every
-- slot above its commit point, and must propose again, in each slot, the
-- value of the highest ballot its promises report; holes that nobody
-- reports become no-ops. Paxos logs may have holes; Raft's may not.
-- The chapter's example, three servers A=n1, B=n2, C=n3, all slots
-- accepted at leader A's ballot 1.n1 (value 100+slot):
--   A holds slots {1..6}, B holds {1, 2, 6} (a hole at 3..5), C holds {1..5}.
-- Slots 1..5 are chosen (A and C, a majority), 6 too (A and B). A crashes.
-- B campaigns with ballot 2.n2; C's promise reports 1..5; B recovers 3..5
-- from C, keeps its own 6, proposes all of them at 2.n2, and the clients'
-- first command lands in slot 7.
-- Broken: -D bug=skip_recovery: B starts at its own last slot, proposing
-- only what it holds: no-ops in 3..5, which were chosen; the invariants
-- fail with "Agreement: slot 3 was chosen (seen at n1) with another
-- command than n2 now holds chosen there: no-op".
--
-- Correct (passes):  dsim run scenarios/demos/paxos_failover.lua
-- Broken (fails):    dsim run scenarios/demos/paxos_failover.lua -D bug=skip_recovery
-- Compare: scenarios/demos/raft_log_repair.lua, where the leader's log
-- overwrites the followers' and no log ever has a hole.

local c = dsim.cluster {
  protocol = "paxos", nodes = 3,
  options  = { election_timeout = {400, 800}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 1, workload = "register", rate = 20, timeout = 300 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
local function show()
  for i, name in ipairs { "A", "B", "C" } do
    local s = c:state(i)
    if not s.role then say("%s=n%d: down", name, i) else
      say("%s=n%d: %-8s promised %-6s commit %d, log %s", name, i, s.role, s.promised or "none",
          s.commit, table.concat(c:control(i, "log").log, " "))
    end
  end
end
local function slots(list) local t = {} for _, k in ipairs(list) do t[#t + 1] = { k, 100 + k } end return t end

c:at(0, function()
  c:control(1, "set_log", { slots = slots { 1, 2, 3, 4, 5, 6 }, round = 1, node = 1 })
  c:control(2, "set_log", { slots = slots { 1, 2, 6 }, round = 1, node = 1 })
  c:control(3, "set_log", { slots = slots { 1, 2, 3, 4, 5 }, round = 1, node = 1 })
  for i = 1, 3 do c:crash(i) end
end)
c:at(1, function() for i = 1, 3 do c:restart(i) end end)
c:at(2, function()
  say("the chapter's logs:"); show()
  say("A=n1 crashes; B=n2 campaigns"); c:crash(1)
  c:control(2, "campaign")
end)
c:on("leader", function(ev)
  say("n%d leads with ballot %d.n%d: recovers and proposes slots %d..%d", ev.node, ev.ballot >> 8,
      (ev.ballot & 255) + 1, ev.from, ev.to)
end)
c:at(300, function() say("after recovery and the first client writes:"); show() end)
c:at(600, function() c:restart(1) end)
c:at(1500, function() say("A back as a follower:"); show() end)
c:run { until_ms = 1600 }
return c:check { "linearizable", "invariants" }
