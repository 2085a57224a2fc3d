-- lock_setnx_expire.lua — L1: SETNX and EXPIRE as two commands, and a crash
-- between them leaves a lock that nobody can ever take again.
--
-- What it teaches: a lease is only a lease if the expiry is set in the same
-- atomic step as the key. Client n3 takes the lock with a plain SETNX and
-- means to send EXPIRE next, but crashes in between: the key has no expiry,
-- and n4 waits for ever (the mutex checker's liveness argument reports n4
-- as stuck). The fix is one command, SET key value NX PX ttl: after n3's
-- crash the lease runs out and n4 gets the lock.
--
-- Roles: n1 lock server, n2 storage server, n3 and n4 clients.
-- Broken (exit 1: n4 is stuck):
--   tools/dsim run scenarios/demos/lock_setnx_expire.lua -D bug=setnx_expire
-- Fixed (exit 0: the atomic SET NX PX expires after 500 ms):
--   tools/dsim run scenarios/demos/lock_setnx_expire.lua
-- In the viewer: n3's lane ends in a crash right after its grant; n4 keeps
-- sending Set and getting "busy".

local c = dsim.cluster {
  protocol = "lock",
  nodes    = 4,
  options  = { variant = "redis-lease", ttl = 500, autostart = false, retry = 100 },
  net      = { latency = dsim.constant(2) },
}
c:control(1, "validate", { delay_ms = 2 })

-- n3 crashes the moment it has the lock, before its second command.
c:on("lock_acquired", function(ev)
  if ev.client == 3 then c:crash(3) end
end)
c:at(100, function() c:control(3, "acquire", { work_ms = 50 }) end)
c:at(300, function() c:control(4, "acquire", { work_ms = 50 }) end)

c:run { until_ms = 4000 }
return c:check { "mutex", liveness_ms = 2000 }
