-- repl_add_follower.lua — S12 (add_follower_catchup in DEMOS.md): adding a
-- follower while writes continue, from a snapshot plus the log after it.
--
-- A leader n1 and a follower n2 in sync mode; n3 starts outside the
-- membership (standby = "3"). Three clients write and read through the
-- leader all along (kv workload, 4 keys). Every replica snapshots every 10
-- applied entries, so the leader no longer holds the early log. At 1000 ms
-- the script adds n3 (c:add_node(3)): the leader sends its state as a
-- snapshot tagged with the LSN it was taken at, then the log after that
-- LSN, while writes go on. At 2000 ms n3 crashes and comes back at 2100 ms
-- (it recovers its snapshot and log from its own disk); at 2500 ms n3 is
-- promoted and serves the clients from then on.
--   correct: n3's state equals the leader's at every LSN (the invariants
--            compare each replica's state digest per applied LSN); every
--            read after the promotion sees every acknowledged write (exit 0).
--   -D bug=catchup_gap: the snapshot is tagged with the leader's last LSN
--            instead of the LSN of the state it holds; the entries between
--            are never applied at n3: "High watermark: n3 showed LSN 116
--            with state ... but n1 shows state ... at LSN 116" (exit 1): n3
--            now holds a state no history produced (here the lost entries
--            happen to be overwritten before anyone reads them at n3).
--   The fix: tie the snapshot to the LSN it was taken at.
--
--   dsim run scenarios/demos/repl_add_follower.lua                     # exit 0
--   dsim run scenarios/demos/repl_add_follower.lua -D bug=catchup_gap  # exit 1

local c = dsim.cluster {
  protocol = "replication", nodes = 3,
  options  = { mode = "sync", standby = "3", snapshot_every = 10 },
  net      = { latency = dsim.uniform(1, 4) },
  clients  = { count = 3, workload = "kv", keys = 4, rate = 60, timeout = 300, send = "leader" },
}
c:at(1000, function()
  print(string.format("%7.1f ms  add n3: the leader is at LSN %d, its snapshot at %d", c:now(),
    c:state(1).lsn, c:state(1).snapshot_lsn))
  c:add_node(3)
end)
c:at(1500, function()
  print(string.format("%7.1f ms  n3 caught up to LSN %d (leader %d), applied %d", c:now(), c:state(3).lsn,
    c:state(1).lsn, c:state(3).applied))
end)
c:at(2000, function() c:crash(3) end)
c:at(2100, function() c:restart(3) end)
c:at(2500, function() c:control(3, "promote") end)
c:run { until_ms = 4000 }
return c:check { "linearizable", "invariants" }
