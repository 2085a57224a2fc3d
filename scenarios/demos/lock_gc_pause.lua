-- lock_gc_pause.lua — L3: a garbage-collection pause outlives the lease, and
-- only fencing tokens keep the stale holder's write out.
--
-- What it teaches: a lease lock cannot promise mutual exclusion to a client
-- that can stop. Client n3 takes the lock (token 33) and starts its work;
-- a stop-the-world pause of 1.5 s strikes. The lease (1 s, on the lock
-- server's clock) runs out, n4 takes the lock (token 34), writes and
-- releases. Then n3 wakes up, still in its critical section as far as it
-- knows, and writes with token 33. Renewing the lease from a watchdog thread
-- would not help: the watchdog is paused too (try -D renew=true). The mutex
-- checker reports both holders, their tokens and the times.
-- The fix is on the resource side: the storage server remembers the highest
-- token it has seen and rejects 33 after 34 (fencing), so the run passes.
--
-- Roles: n1 lock server (redis-lease), n2 storage server, n3 and n4 clients.
-- Broken (exit 1, the checker names n3/token 33 and n4/token 34):
--   tools/dsim run scenarios/demos/lock_gc_pause.lua
-- Fixed (exit 0: the storage rejects the stale write):
--   tools/dsim run scenarios/demos/lock_gc_pause.lua -D fencing=true
-- The same story on the zk-like service (tokens are entry numbers):
--   tools/dsim run scenarios/demos/lock_gc_pause.lua -D variant=zk-lock [-D fencing=true]
-- In the viewer (--trace t.jsonl, then dsim view): n3's lane is shaded
-- while paused; the two storage_write events carry tokens 33 and 34.

local pause_ms = dsim.param("pause_ms", 1500)

local c = dsim.cluster {
  protocol = "lock",
  nodes    = 4,
  options  = { variant = "redis-lease", ttl = 1000, token_start = 33, autostart = false,
               session_timeout = 1000 },
  net      = { latency = dsim.constant(2) },
}
c:control(1, "validate", { delay_ms = 2 })

local function say(fmt, ...) print(string.format("%8.1f ms  " .. fmt, c:now(), ...)) end
c:on("lock_acquired", function(ev)
  say("n%d holds the lock%s", ev.client, ev.token and string.format(" (token %d)", ev.token) or "")
end)
c:at(100, function() c:control(3, "acquire", { work_ms = 300 }) end)
c:at(200, function() say("n3 pauses for %d ms (stop the world)", pause_ms); c:pause(3, pause_ms) end)
c:at(1300, function() c:control(4, "acquire", { work_ms = 100 }) end)
local rejected = 0
c:on("storage_write", function(ev)
  if not ev.accepted then rejected = rejected + 1 end
  print(string.format("%8.1f ms  storage: n%d writes with token %d: %s", c:now(), ev.client,
    ev.token, ev.accepted and "accepted" or "REJECTED (stale token)"))
end)

c:run { until_ms = 3000 }
if rejected > 0 then
  print("why it passes: n3 still wrote after its lease ran out, but the storage had seen a higher\n" ..
        "  token from n4 and rejected n3's lower one (fencing): the resource decides, not the lock")
else
  print("what happened: the lease (zk-lock: the session) ran out while n3 was paused; n4 took the\n" ..
        "  lock and wrote, then n3 woke up believing it still held the lock and wrote too.\n" ..
        "  Fix: -D fencing=true.")
end
return c:check { "mutex" }
