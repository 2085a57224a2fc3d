-- zab_z1_broadcast.lua — Z1 (zab_like_broadcast in DEMOS.md): ZooKeeper's atomic broadcast, a leader
-- crash mid-proposal, and what the next leader's synchronisation keeps and discards.
--
-- What it teaches: ZAB delivers one total order of transactions, named by
-- zxid = (epoch, counter). A leader's proposal that reached some
-- follower's log may survive the leader even if it never committed: the
-- next leader is the server with the newest history (election votes are
-- ordered by epoch, then last zxid), and its synchronisation (DIFF) gives
-- that history to everyone before it broadcasts anything new. A proposal
-- that reached nobody but the dead leader is discarded: when that server
-- comes back, the new leader TRUNCates it. An observer receives the whole
-- stream but never votes: the quorums are counted among n1..n3 only.
-- The run, four servers, n4 an observer:
--   1. n3 wins the first election (equal histories: the highest id) and
--      commits k0=1 as 1.1.
--   2. n3 cannot reach n1; it proposes k0=2 (1.2), which reaches n2 and
--      the observer, and crashes before any ACK returns: 1.2 never
--      committed.
--   3. n2 has the newest history (1.2 > n1's 1.1): it wins, proposes
--      epoch 2, syncs n1 by DIFF (1.2), and once a quorum acks NEWLEADER
--      commits 1.2: kept. It then commits k0=3 as 2.1.
--   4. n2 is cut off, proposes k0=4 (2.2) to no one and crashes: only its
--      own log holds 2.2. n1 and n3 (back) elect n3, epoch 3, which commits
--      k0=5 as 3.1. n2 comes back: TRUNC to 2.1 discards 2.2, then DIFF.
-- Every server, the observer too, ends with k0=5 and the same state.
-- Broken: -D bug=skip_sync: the new leader sends NEWLEADER without
-- synchronising; n1 never gets 1.2, which n2 committed, and delivers 2.1
-- right after 1.1: the invariants fail with "Total order: after 1.1 a
-- server delivered 1.2, n1 delivered 2.1 (a committed transaction
-- disappeared)".
--
-- Correct (passes):  dsim run scenarios/demos/zab_z1_broadcast.lua
-- Broken (fails):    dsim run scenarios/demos/zab_z1_broadcast.lua -D bug=skip_sync
-- Compare: scenarios/demos/raft_log_repair.lua (Raft repairs logs entry
-- by entry after the election; ZAB syncs whole histories before it
-- broadcasts) and scenarios/demos/paxos_failover.lua.

local c = dsim.cluster {
  protocol = "zab", nodes = 4,
  options  = { observers = 1, tick = 50 },
  net      = { latency = dsim.uniform(1, 5), fifo = true },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
local function show(why)
  say("%s", why)
  for i = 1, 4 do
    local s = c:state(i)
    if s.status == "crashed" then say("  n%d: down", i) else
      say("  n%d: %-8s epoch %d  log %s", i, s.role, s.term, table.concat(c:control(i, "log").log, " "))
    end
  end
end
local function propose(n, value)
  local r = c:control(n, "propose", { key = 0, value = value })
  say("n%d proposes k0=%d as %s", n, value, r.zxid)
end

c:on("elected", function(ev) say("election: n%d will lead (round %d)", ev.node, ev.round) end)
c:on("sync", function(ev)
  if ev.mode == "DIFF" then say("n%d syncs n%d: DIFF after %s", ev.node, ev.learner, ev.zxid)
  elseif ev.mode == "TRUNC" then say("n%d syncs n%d: TRUNC to %s, then DIFF", ev.node, ev.learner, ev.zxid)
  elseif ev.mode == "SNAP" then say("n%d syncs n%d: SNAP up to %s", ev.node, ev.learner, ev.zxid)
  else say("n%d sends n%d NEWLEADER without syncing it", ev.node, ev.learner) end
end)
c:on("established", function(ev)
  say("n%d established epoch %d (a quorum acked NEWLEADER) over a history up to %s", ev.node, ev.epoch, ev.zxid)
end)

c:at(500, function() propose(3, 1) end)
c:at(600, function() show("1. k0=1 committed everywhere:") end)
c:at(700, function()
  c:cut(3, 1)
  propose(3, 2)
  c:crash(3)
  say("n3 crashes before any ACK comes back")
end)
c:at(710, function() show("2. 1.2 is on n2 and the observer, not committed:") end)
c:at(1500, function() c:heal(); c:restart(3) end)
c:at(1800, function() show("3. n2 leads epoch 2; 1.2 kept and committed:"); propose(2, 3) end)
c:at(2000, function()
  c:isolate(2)
  propose(2, 4)
  c:crash(2)
  say("n2 crashes, cut off: 2.2 is only in its own log")
end)
c:at(3000, function() propose(3, 5) end)
c:at(3100, function() c:heal(); c:restart(2) end)
c:at(3800, function() show("4. n3 leads epoch 3; n2 back: 2.2 discarded by TRUNC:") end)
c:run { until_ms = 4000 }
return c:check { "invariants", "convergence" }
