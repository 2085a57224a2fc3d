-- repl_split_brain.lua — F13 (failover_split_brain in DEMOS.md): a paused
-- primary resumes after a failover and keeps accepting writes, unless
-- generation numbers (epochs) fence it.
--
-- Three replicas in semisync mode (a write is acknowledged once one
-- follower has it; no fallback to async here) and a master, n4, whose
-- heartbeat failure detector promotes the most up-to-date replica after
-- 300 ms of silence. Two clients, each starting every operation at its own
-- node (c1 at n1, c2 at n2) and following redirects; one register.
-- At 1000 ms the primary n1 pauses for 800 ms (a long GC pause) and the
-- master loses its link to n1 (the node it declared dead). The master
-- promotes n2 at epoch 2; n3 follows n2. At 1800 ms n1 resumes believing
-- it still leads epoch 1 and sends its followers the writes c1 gives it.
--   epochs (default): n3 refuses an append of epoch 1 < 2 and says so; n1
--            steps down ("deposed") without acknowledging anything: at
--            most one primary accepts writes; linearizable (exit 0).
--   -D epochs=false: n3 follows whoever sends it an append; n1 commits
--            c1's writes with n3's acknowledgement while n2 commits c2's:
--            two primaries, each losing the other's acknowledged writes.
--            The linearizability check fails (exit 1).
--
--   dsim run scenarios/demos/repl_split_brain.lua                    # exit 0
--   dsim run scenarios/demos/repl_split_brain.lua -D epochs=false    # exit 1: split brain
-- Look for: "n1 deposed" (or its absence), and the counts of writes each
-- primary acknowledged after 1800 ms.

local epochs = dsim.param("epochs", true)
local c = dsim.cluster {
  protocol = "replication", nodes = 4,
  options  = { mode = "semisync", semisync_k = 1, semisync_timeout = 60000, master = 4,
               failover = "auto", fd_timeout = 300, lease = 100, epochs = epochs },
  net      = { latency = 2 },
  clients  = { count = 2, workload = "register", send = "own", rate = 50, timeout = 300 },
}

c:on("promoted", function(ev)
  print(string.format("%7.1f ms  n%d promoted at epoch %d (LSN %d)", c:now(), ev.node, ev.epoch, ev.lsn))
end)
c:on("deposed", function(ev)
  print(string.format("%7.1f ms  n%d deposed: it learnt of epoch %d", c:now(), ev.node, ev.epoch))
end)
c:at(1000, function()
  c:pause(1, 800)
  c:cut(4, 1); c:cut(1, 4)
end)
local acked = {}
c:at(1800, function() acked = { c:clients()[1].ok, c:clients()[2].ok } end)
c:at(2600, function()
  print(string.format("after n1 resumed: c1 (at n1) got %d answers, c2 (at n2) got %d; n1 is %s at epoch %d",
    c:clients()[1].ok - acked[1], c:clients()[2].ok - acked[2], c:state(1).role, c:state(1).term))
  c:heal()
end)
c:run { until_ms = 4000 }
return c:check { "linearizable", "invariants" }
