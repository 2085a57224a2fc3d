-- lock_failover.lua — L4: a lock lost in an asynchronous failover.
--
-- What it teaches: replicating the lock server asynchronously does not make
-- the lock safe. n1 (master) grants n4 the lock and crashes before its copy
-- reaches the standby n2 (replication runs 100 ms behind). The standby's
-- sentinel promotes it after 300 ms of silence; it has never heard of n4's
-- lock and grants it to n5. Both hold the lock and both write.
-- Redlock (lock_redlock.lua) avoids a single master but has failures of its
-- own; in any case the resource must fence: the promoted standby starts a
-- new epoch, so its tokens are higher than any the old master gave out, and
-- with -D fencing=true the storage rejects n4's late write.
--
-- Roles: n1 master, n2 standby (sentinel inside), n3 storage, n4 and n5
-- clients.
-- Broken (exit 1: n4 and n5 overlap):
--   tools/dsim run scenarios/demos/lock_failover.lua
-- Fixed (exit 0: n4's token 1 is rejected after n5's 1000001):
--   tools/dsim run scenarios/demos/lock_failover.lua -D fencing=true
-- In the viewer: n1 crashes at 150 ms with its Repl message never sent; n2
-- becomes leader (term 1); n5's first Set to n1 times out and goes to n2.

local c = dsim.cluster {
  protocol = "lock",
  nodes    = 5,
  options  = { variant = "redis-lease", standby = true, ttl = 2000, repl_delay = 100,
               failover = 300, req_timeout = 200, autostart = false, retry = 50 },
  net      = { latency = dsim.constant(2) },
}
c:control(1, "validate", { delay_ms = 2 })

c:at(100, function() c:control(4, "acquire", { work_ms = 1000 }) end)
c:at(150, function() c:crash(1) end)
c:at(700, function() c:control(5, "acquire", { work_ms = 100 }) end)
c:on("failover", function(ev)
  print(string.format("%8.1f ms  standby promoted, epoch %d, knows holder %d", c:now(), ev.epoch, ev.holder))
end)
local rejected = 0
c:on("storage_write", function(ev)
  if not ev.accepted then rejected = rejected + 1 end
  print(string.format("%8.1f ms  storage: n%d writes with token %d: %s", c:now(), ev.client,
    ev.token, ev.accepted and "accepted" or "REJECTED (stale token)"))
end)
c:on("lock_acquired", function(ev)
  print(string.format("%8.1f ms  n%d holds the lock (token %d)", c:now(), ev.client, ev.token or 0))
end)
c:at(150, function() print("   150.0 ms  the master n1 crashes before replicating n4's lock") end)

c:run { until_ms = 3000 }
if rejected > 0 then
  print("why it passes: the promoted standby started a new epoch, so n5's token is higher than any\n" ..
        "  the old master gave out; the storage rejected n4's late write with its older token")
else
  print("what happened: the standby never heard of n4's lock (replication runs behind), so after the\n" ..
        "  failover it granted the lock to n5; both wrote. Fix: -D fencing=true.")
end
return c:check { "mutex" }
