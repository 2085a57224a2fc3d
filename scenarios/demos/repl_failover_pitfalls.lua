-- repl_failover_pitfalls.lua — S13 (failover_pitfalls in DEMOS.md): an
-- automatic failover that loses acknowledged writes, and an
-- auto-increment that hands out the same IDs twice.
--
-- A MySQL-like leader n1 with two followers, n2 (near) and n3 (lagging:
-- its link from n1 takes 200 ms), and a failover manager, the master n4,
-- whose heartbeat detector promotes a replica after 300 ms of silence.
-- The clients allocate IDs from an auto-increment counter (the counter
-- workload: an add is an insert that takes the next IDs, a read the
-- highest ID handed out); the IDs also go to an external cache (Redis)
-- keyed by primary key, which nobody rolls back. At 900 ms n1 loses its
-- links to both followers, at 1000 ms it crashes for good.
--   -D mode=async (default): n1 acknowledged inserts of 900..1000 ms on its
--      own fsync; the master promotes the most up-to-date follower, which
--      lacks them; the new leader's counter is lower than IDs already
--      handed out and cached: it hands them out again (GitHub, 2012). The
--      counter check fails (exit 1).
--   -D mode=semisync: those inserts waited for a follower and were never
--      acknowledged; the master promotes the most up-to-date follower (n2,
--      which acknowledged every insert): nothing is lost (exit 0).
--   -D mode=semisync -D promote=lagging: an operator (failover=manual)
--      promotes the lagging n3 at 1400 ms instead; n3 was not the follower
--      that acknowledged, so IDs are reused again (exit 1). Promote the most
--      up-to-date replica.
--   -D part=spike: (d) no crash at all: at 1000 ms a load spike stalls n1
--      for 400 ms (a pause), longer than the detector's 300 ms, and the
--      master promotes n2 although n1 was alive: an unnecessary failover
--      (epochs fence n1 when it resumes, so nothing is lost, but every
--      client's writes wait out the switch). The run prints the count of
--      failovers whose old leader had not crashed. -D fd_timeout=1000
--      rides out the spike (0 unnecessary failovers), at the price of a
--      real crash going unnoticed for a second. Both exit 0: the lesson is
--      the count, not a broken guarantee.
-- The paused-primary pitfall (c) is repl_split_brain.lua (F13).
--
--   dsim run scenarios/demos/repl_failover_pitfalls.lua                  # exit 1
--   dsim run scenarios/demos/repl_failover_pitfalls.lua -D mode=semisync # exit 0
--   dsim run scenarios/demos/repl_failover_pitfalls.lua -D mode=semisync -D promote=lagging   # exit 1
--   dsim run scenarios/demos/repl_failover_pitfalls.lua -D part=spike                        # 1 unnecessary
--   dsim run scenarios/demos/repl_failover_pitfalls.lua -D part=spike -D fd_timeout=1000     # 0

local mode = dsim.param("mode", "async")
local promote = dsim.param("promote", "master")
local part = dsim.param("part", "crash")
local fd_timeout = dsim.param("fd_timeout", 300)
if part ~= "crash" and part ~= "spike" then
  error("-D part: crash or spike, got '" .. part .. "'")
end
if promote ~= "master" and promote ~= "lagging" then
  error("-D promote: master or lagging, got '" .. promote .. "'")
end
local c = dsim.cluster {
  protocol = "replication", nodes = 4,
  options  = { mode = mode, semisync_k = 1, semisync_timeout = 60000, master = 4,
               failover = promote == "master" and "auto" or "manual", fd_timeout = fd_timeout, lease = 100 },
  net      = { latency = 2 },
  clients  = { count = 2, workload = "counter", rate = 40, timeout = 300 },
}
c:net { from = { 1 }, to = { 3 }, latency = 200 }
local at_crash = { 0, 0, 0 }   -- each replica's LSN when n1 crashed
local leader, crashed, unnecessary = 1, {}, 0
c:on("promoted", function(ev)
  if part == "crash" then
    print(string.format("%7.1f ms  n%d promoted at epoch %d with LSN %d (n1 had %d, n2 %d, n3 %d at the crash)",
      c:now(), ev.node, ev.epoch, ev.lsn, at_crash[1], at_crash[2], at_crash[3]))
  else
    print(string.format("%7.1f ms  n%d promoted at epoch %d; the old leader n%d %s", c:now(), ev.node,
      ev.epoch, leader, crashed[leader] and "had crashed" or "was alive (stalled, not dead)"))
  end
  if not crashed[leader] then unnecessary = unnecessary + 1 end
  leader = ev.node
end)
if part == "crash" then
  c:at(900, function() c:cut(1, 2); c:cut(1, 3) end)
  c:at(1000, function()
    for i = 1, 3 do at_crash[i] = c:state(i).lsn end
    crashed[1] = true
    c:crash(1)
  end)
else
  c:at(1000, function()
    print(string.format("%7.1f ms  a load spike stalls n1 for 400 ms (the detector gives up after %d ms)",
      c:now(), fd_timeout))
    c:pause(1, 400)
  end)
end
if promote == "lagging" then c:at(1400, function() c:control(3, "promote") end) end
c:run { until_ms = 3000 }
if part == "spike" then
  print(string.format("unnecessary failovers: %d (failovers whose old leader had not crashed)", unnecessary))
end
return c:check { "counter", "invariants" }
