-- lock_wrong_unlock.lua — L2: a holder that outlives its lease, and a
-- release that deletes somebody else's lock.
--
-- What it teaches: two separate mistakes with one lease lock.
-- (1) n3's work takes 1.5 s, longer than the 1 s lease. The lease runs out
--     while n3 is still working, n4 takes the lock: n3 and n4 overlap (A∩B).
-- (2) With a plain DEL as the release (planted bug unsafe_unlock), n3's
--     release deletes n4's lock, and n5 takes it while n4 still works (B∩C).
-- A unique lock value and a compare-and-delete release (the default) fix
-- (2) but not (1). A watchdog that renews the lease every ttl/3 while the
-- holder is alive fixes (1) for a client that is slow but running; it does
-- not help a client that is paused (see lock_gc_pause.lua).
--
-- Roles: n1 lock server, n2 storage, n3 (A), n4 (B), n5 (C) clients.
-- Broken twice (exit 1, two overlaps: n3/n4 and n4/n5):
--   tools/dsim run scenarios/demos/lock_wrong_unlock.lua -D bug=unsafe_unlock
-- Half fixed, compare-and-delete (exit 1, one overlap: n3/n4):
--   tools/dsim run scenarios/demos/lock_wrong_unlock.lua
-- Fixed, compare-and-delete and the renewing watchdog (exit 0):
--   tools/dsim run scenarios/demos/lock_wrong_unlock.lua -D renew=true
-- In the viewer: the server's lock_foreign_delete event marks the wrong DEL.

local c = dsim.cluster {
  protocol = "lock",
  nodes    = 5,
  options  = { variant = "redis-lease", ttl = 1000, autostart = false, retry = 50 },
  net      = { latency = dsim.constant(2) },
}
c:control(1, "validate", { delay_ms = 2 })

c:at(100, function() c:control(3, "acquire", { work_ms = 1500 }) end)
c:at(1200, function() c:control(4, "acquire", { work_ms = 800 }) end)
c:at(1700, function() c:control(5, "acquire", { work_ms = 100 }) end)
c:on("lock_foreign_delete", function(ev)
  print(string.format("%8.1f ms  n%d's DEL removed n%d's lock", c:now(), ev.client, ev.holder))
end)
local renew = dsim.param("renew", false)   -- also the lock option (-D)
local holding, overlaps = {}, {}
c:on("lock_acquired", function(ev)
  for other in pairs(holding) do overlaps[#overlaps + 1] = string.format("n%d/n%d", other, ev.client) end
  holding[ev.client] = true
  print(string.format("%8.1f ms  n%d holds the lock%s", c:now(), ev.client,
    next(holding, next(holding)) and " (while another client still believes it holds it)" or ""))
end)
c:on("lock_released", function(ev)
  holding[ev.client] = nil
  print(string.format("%8.1f ms  n%d stops holding (%s)", c:now(), ev.client, ev.why))
end)

c:run { until_ms = 5000 }
if #overlaps == 0 then
  print("why it passes: the watchdog renewed n3's lease every ttl/3 while n3 worked (renew=" ..
        tostring(renew) .. "),\n  so n4 waited for n3's release, and n5 for n4's; the release only deletes\n" ..
        "  the caller's own key (compare-and-delete)")
else
  print("what happened: overlapping holders " .. table.concat(overlaps, ", ") .. ": n3's lease ran out while\n" ..
        "  it still worked (1.5 s of work, 1 s lease)" .. (#overlaps > 1 and
        ", and n3's plain DEL then removed n4's key, letting n5 in" or "") .. ".\n" ..
        (#overlaps > 1 and "  Fix: compare-and-delete (drop -D bug=unsafe_unlock) and -D renew=true."
          or "  Fix: -D renew=true (a watchdog renews the lease while the holder works)."))
end
return c:check { "mutex" }
