-- repl_hwm_visibility.lua — F12 (hwm_follower_visibility in DEMOS.md): a
-- follower may show only what is below the high watermark.
--
-- Kafka-style ISR replication (mode isr, min_insync 2): leader n1,
-- followers n2 and n3 that answer reads (follower_reads), and the master
-- n4, which promotes an ISR member after 300 ms of leader silence. Three
-- clients send every operation to a node drawn at random (kv, 4 keys).
-- At 900 ms n3 loses its links to n1, and n2's acknowledgements stop
-- reaching n1: n2 still receives the leader's entries, but the high
-- watermark (the minimum over the ISR) stays where it was. At 1000 ms the
-- leader n1 and n2 crash; n2 is down until 2000 ms. The master promotes n3,
-- the one ISR member alive, which never received the entries above the
-- watermark; n2 comes back and truncates them.
--   correct: n2 applied and answered only entries at or below the high
--            watermark, which every ISR member holds: nothing it showed is
--            later lost (invariants pass, exit 0).
--   -D bug=hwm_leak: followers apply and answer everything they received;
--            n2 showed entries that the new leader's log replaced: "High
--            watermark: n2 showed LSN 77 with state ... but n2 shows state
--            ... at LSN 77" (after its restart it holds n3's LSN 77; exit 1).
--   The fix: expose only entries at or below the high watermark.
-- Only the invariants are checked: follower reads are stale by design, so
-- this history is not linearizable in either variant.
--
--   dsim run scenarios/demos/repl_hwm_visibility.lua                  # exit 0
--   dsim run scenarios/demos/repl_hwm_visibility.lua -D bug=hwm_leak  # exit 1

local c = dsim.cluster {
  protocol = "replication", nodes = 4,
  options  = { mode = "isr", min_insync = 2, follower_reads = true, master = 4, failover = "auto",
               fd_timeout = 300, lease = 100, replica_lag = 2000 },
  net      = { latency = 2 },
  clients  = { count = 3, workload = "kv", keys = 4, rate = 60, timeout = 300, send = "random" },
  invariants = "every",
}
c:on("promoted", function(ev)
  print(string.format("%7.1f ms  n%d promoted at epoch %d with LSN %d", c:now(), ev.node, ev.epoch, ev.lsn))
end)
c:at(900, function() c:cut(1, 3); c:cut(3, 1); c:cut(2, 1) end)
c:at(1000, function()
  local s1, s2 = c:state(1), c:state(2)
  print(string.format("%7.1f ms  crash n1 (LSN %d, high watermark %d) and n2 (LSN %d, applied %d)", c:now(),
    s1.lsn, s1.hwm, s2.lsn, s2.applied))
  c:crash(1); c:crash(2)
end)
c:at(1100, function() c:heal() end)
c:at(2000, function() c:restart(2) end)
c:run { until_ms = 3000 }
return c:check { "invariants" }
