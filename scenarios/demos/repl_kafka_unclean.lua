-- repl_kafka_unclean.lua — S9 (kafka_isr_unclean in DEMOS.md): an ISR that
-- shrinks to the leader, and an unclean leader election.
--
-- Kafka-style replication (mode isr): leader n1, followers n2 and n3, and
-- the controller n4 (the master: it keeps the ISR and elects leaders after
-- 300 ms of silence). A follower leaves the ISR after 200 ms behind.
-- Three clients write and read through the leader (kv, 4 keys).
-- At 500 ms n3 loses its link from n1 (out of sync); at 1500 ms n2 does
-- too: the ISR shrinks towards {n1}. At 2500 ms n1 loses its controller
-- session (cut off from n4 and from the followers; clients still reach
-- it). At 3500 ms everything heals.
--   -D min_insync=1 -D unclean=true (Kafka's old defaults): n1 goes on
--            committing with itself as the whole ISR; the controller, not
--            hearing n1 and finding no live ISR member, elects the
--            out-of-sync n2 (unclean); when n1 returns, its acknowledged
--            writes since 1500 ms are truncated: linearizability fails
--            (exit 1).
--   defaults (min_insync=2, no unclean election): with fewer than two in
--            sync n1 refuses writes (NotEnoughReplicas: 'fail', never
--            applied) and the controller elects nobody outside the ISR: the
--            partition is unavailable for a while, and nothing acknowledged
--            is lost (exit 0).
--
--   dsim run scenarios/demos/repl_kafka_unclean.lua -D min_insync=1 -D unclean=true   # exit 1
--   dsim run scenarios/demos/repl_kafka_unclean.lua                                   # exit 0

local c = dsim.cluster {
  protocol = "replication", nodes = 4,
  options  = { mode = "isr", min_insync = dsim.param("min_insync", 2), unclean = dsim.param("unclean", false),
               master = 4, failover = "auto", fd_timeout = 300, lease = 100, replica_lag = 200 },
  net      = { latency = 2 },
  clients  = { count = 3, workload = "kv", keys = 4, rate = 40, timeout = 300 },
}
c:on("isr_shrink", function(ev)
  print(string.format("%7.1f ms  ISR shrinks: n%d out, %d in sync", c:now(), ev.member, ev.size))
end)
c:on("promoted", function(ev)
  print(string.format("%7.1f ms  n%d leads epoch %d with LSN %d", c:now(), ev.node, ev.epoch, ev.lsn))
end)
c:at(500, function() c:cut(1, 3) end)
c:at(1500, function() c:cut(1, 2) end)
c:at(2500, function()
  for _, p in ipairs { 2, 3, 4 } do c:cut(1, p); c:cut(p, 1) end
end)
c:at(3500, function()
  local s = c:state(1)
  print(string.format("%7.1f ms  heal; n1 is at LSN %d, high watermark %d", c:now(), s.lsn, s.hwm))
  c:heal()
end)
c:run { until_ms = 5000 }
local st = c:stats()
print(string.format("operations: ok %d, refused %d, unknown %d", st.ok, st.fail, st.info))
return c:check { "linearizable", "invariants" }
