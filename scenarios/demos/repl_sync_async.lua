-- repl_sync_async.lua — S8 (sync_async_semisync in DEMOS.md): what a
-- replication mode promises when the leader dies, and what it costs when
-- a follower does.
--
-- Three replicas (n1 leads, n2 and n3 follow), protocol "replication" in
-- the mode -D mode=async|semisync|sync (default async), one client reading
-- (70 %) and writing one register through the leader, links 2 ms.
-- Part (a) (-D part=a, the default): at 900 ms the leader is cut off from
-- both followers (clients still reach it); at 1000 ms it crashes for good;
-- at 1100 ms the operator promotes the most up-to-date follower (the one
-- with the highest LSN: the best anyone can do).
--   async    acknowledged the writes of 900..1000 ms on its own fsync; no
--            follower has them; the promoted one serves older values: the
--            linearizability check fails and names the lost write (exit 1).
--   semisync (k = 1) and sync did not acknowledge them (no follower had
--            them; the client records timeouts, 'info', which may or may
--            not have happened): nothing acknowledged is lost (exit 0).
-- Part (b) (-D part=b): n3 is down from 1000 to 3000 ms.
--   sync     acknowledges nothing while it is down ("operations
--            acknowledged while n3 was down ...: 0"; reads go through the
--            log in sync mode): a down sync follower blocks writes.
--   semisync and async go on (n2 is enough for k = 1).
--
--   dsim run scenarios/demos/repl_sync_async.lua                     # exit 1: a lost write
--   dsim run scenarios/demos/repl_sync_async.lua -D mode=semisync    # exit 0
--   dsim run scenarios/demos/repl_sync_async.lua -D mode=sync -D part=b   # 0 writes while n3 is down
--   dsim run scenarios/demos/repl_sync_async.lua -D mode=semisync -D part=b
-- Look for: the "promote" line (which follower, its LSN against the dead
-- leader's), the report's lost write, and the count of part (b).

local mode = dsim.param("mode", "async")
local part = dsim.param("part", "a")
local c = dsim.cluster {
  protocol = "replication", nodes = 3,
  options  = { mode = mode, semisync_k = 1, semisync_timeout = 5000 },
  net      = { latency = 2 },
  clients  = { count = 1, workload = "register", read = 70, write = 30, rate = 50, timeout = 300 },
}

if part == "a" then
  c:at(900, function() c:cut(1, 2); c:cut(1, 3) end)
  local leader_lsn, leader_commit = 0, 0
  c:at(1000, function() leader_lsn, leader_commit = c:state(1).lsn, c:state(1).commit; c:crash(1) end)
  c:at(1100, function()
    local best, lsn = 2, c:state(2).lsn
    if c:state(3).lsn > lsn then best, lsn = 3, c:state(3).lsn end
    print(string.format("%s: leader n1 crashed at LSN %d (acknowledged up to %d); promote n%d, the most up-to-date follower, at LSN %d",
      mode, leader_lsn, leader_commit, best, lsn))
    c:control(best, "promote")
  end)
  c:run { until_ms = 3000 }
elseif part == "b" then
  local before = 0
  c:at(1000, function() c:crash(3) end)
  c:at(1100, function() before = c:clients()[1].ok end)   -- what was in flight has settled
  c:at(3000, function()
    print(string.format("%s: operations acknowledged while n3 was down (1100..3000 ms): %d", mode,
      c:clients()[1].ok - before))
    c:restart(3)
  end)
  c:run { until_ms = 4000 }
else
  error("-D part: a or b, got '" .. part .. "'")
end
return c:check { "linearizable", "invariants" }
