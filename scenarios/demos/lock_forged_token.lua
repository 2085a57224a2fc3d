-- lock_forged_token.lua — B4 (forged_token in DEMOS.md): a client forges a
-- higher fencing token and the storage accepts it. Fencing is not security.
--
-- What it teaches: fencing tokens (lock_gc_pause.lua) stop an honest
-- client that lost its lease without knowing it. They do not stop a
-- client that lies: the storage compares numbers, and nothing ties the
-- number to the lock service. The story of lock_gc_pause.lua with fencing
-- on: n3 takes the lock (token 33), pauses past its lease; n4 takes it
-- (token 34) and writes. n3 wakes up, and, Byzantine (c:byzantine(3,
-- "forge_token"): lock's 'byzantine' table), writes with token 33 + one
-- epoch (1000033). The storage has seen 34 only: it accepts. The mutex
-- check finds the two holders' writes overlapping.
-- The fix is outside the lock: tokens the lock service signs (dsim_sign,
-- dsim_verify) and the storage verifies, so a node can present only a
-- token it was given; and a client that holds a valid lock can still write
-- garbage: authorisation, not mutual exclusion.
--
-- Roles: n1 lock server (fencing), n2 storage server, n3 and n4 clients.
-- Broken (exit 1: n3's forged 1000033 accepted after n4's 34):
--   tools/dsim run scenarios/demos/lock_forged_token.lua
-- Honest (exit 0: n3's stale 33 is rejected, as in lock_gc_pause.lua):
--   tools/dsim run scenarios/demos/lock_forged_token.lua -D liar=false

local liar = dsim.param("liar", true)
local c = dsim.cluster {
  protocol = "lock",
  nodes    = 4,
  options  = { variant = "redis-lease", ttl = 1000, token_start = 33, autostart = false,
               session_timeout = 1000, fencing = true },
  net      = { latency = dsim.constant(2) },
}
c:control(1, "validate", { delay_ms = 2 })

local function say(fmt, ...) print(string.format("%8.1f ms  " .. fmt, c:now(), ...)) end
if liar then
  c:byzantine(3, "forge_token")
  say("n3 is Byzantine: it forges its fencing token (+1 epoch)")
end
c:on("lock_acquired", function(ev)
  say("n%d holds the lock%s", ev.client, ev.token and string.format(" (token %d)", ev.token) or "")
end)
c:at(100, function() c:control(3, "acquire", { work_ms = 300 }) end)
c:at(200, function() say("n3 pauses for 1500 ms"); c:pause(3, 1500) end)
c:at(1300, function() c:control(4, "acquire", { work_ms = 100 }) end)
local forged_ok = false
c:on("storage_write", function(ev)
  if ev.client == 3 and ev.accepted and liar then forged_ok = true end
  say("storage: n%d writes with token %d: %s", ev.client, ev.token,
      ev.accepted and "accepted" or "REJECTED (stale token)")
end)

c:run { until_ms = 3000 }
if forged_ok then
  print("what happened: n3's lease ran out while it was paused and n4 wrote with token 34;\n" ..
        "  n3 then wrote with a token it made up, higher than 34, and the storage took it.\n" ..
        "  Fencing checks a number, not who issued it: fencing is not security.")
else
  print("why it passes: honest n3 wrote with its stale token 33 and the storage, having seen 34,\n" ..
        "  rejected it (fencing works against mistakes, not against liars: run without -D liar=false)")
end
return c:check { "mutex" }
