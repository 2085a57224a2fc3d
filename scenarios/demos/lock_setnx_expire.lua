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

local atomic = dsim.param("bug", "") ~= "setnx_expire"   -- also the planted bug (-D)
local n4_at = nil
local function say(fmt, ...) print(string.format("%8.1f ms  " .. fmt, c:now(), ...)) end

-- n3 crashes the moment it has the lock, before its second command.
c:on("lock_acquired", function(ev)
  say("n%d holds the lock", ev.client)
  if ev.client == 3 then
    say("n3 crashes %s", atomic and "(its key was set with its expiry, SET NX PX 500)"
      or "between SETNX and EXPIRE: the key has no expiry")
    c:crash(3)
  end
  if ev.client == 4 then n4_at = c:now() end
end)
c:on("lock_released", function(ev) say("n%d releases the lock (%s)", ev.client, ev.why) end)
c:at(100, function() say("n3 asks for the lock"); c:control(3, "acquire", { work_ms = 50 }) end)
c:at(300, function() say("n4 asks for the lock (and retries every 100 ms while it is taken)")
  c:control(4, "acquire", { work_ms = 50 }) end)

c:run { until_ms = 4000 }
if n4_at then
  print(string.format("why it passes: n3's key expired 500 ms after it was set, although n3 never\n" ..
    "  released it; n4 got the lock at %.1f ms", n4_at))
else
  print("what happened: n3's key has no expiry and n3 is gone, so nobody ever deletes it; n4 asked\n" ..
        "  at 300 ms and is still waiting. Fix: set the key and its expiry in one command (SET NX PX).")
end
return c:check { "mutex", liveness_ms = 2000 }
