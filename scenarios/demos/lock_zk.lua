-- lock_zk.lua — L6: the ZooKeeper-style sequential lock: the herd effect,
-- the watch race, and a session that expires during a pause.
--
-- What it teaches: each waiter creates an ephemeral sequential entry and
-- watches only the entry just before its own; when that one goes, exactly
-- one waiter wakes. Service n1 (lock_zk.c), storage n2, clients n3..n7.
-- Pick the part with -D part=a|b|c:
--  a  herd: with -D bug=herd every waiter watches the parent, so every
--     change wakes them all and they all list the parent again. The checker
--     limits wakeups per acquisition to 1.5 and reports the herd.
--     Fixed (default): predecessor watches, at most one wakeup each. Both
--     grant in arrival order (the checker's FIFO argument).
--  b  watch race: n4 lists the entries, sees n3's entry before its own and
--     asks exists() with a watch, but n3 released in between. With
--     -D bug=watch_race the client waits for a watch that never fires and
--     is stuck for ever. Fixed (default): on "no such entry", list again.
--  c  session expiry during a pause: n3 holds the lock and pauses for 2 s,
--     longer than the 1 s session timeout; the service deletes its entry,
--     n4 gets the lock and writes; n3 wakes and writes too.
--     Fixed: -D fencing=true, the entry number is the token (zxid-like).
-- -D service=zab runs parts a and c on the coordination service on ZAB
-- (below); the default is the single server.
-- Broken (exit 1):  tools/dsim run scenarios/demos/lock_zk.lua -D part=a -D bug=herd
-- Fixed (exit 0):   tools/dsim run scenarios/demos/lock_zk.lua -D part=a
-- (part b: broken -D bug=watch_race; part c: fixed -D fencing=true)
-- The summary's message count shows the herd's cost (compare part a with
-- and without the bug).

local part = dsim.param("part", "c")
if part ~= "a" and part ~= "b" and part ~= "c" then
  error("-D part must be a, b or c, not " .. tostring(part))
end
local service = dsim.param("service", "single")
if service ~= "single" and service ~= "zab" then
  error("-D service must be single (lock_zk.c, the default) or zab (the coordination service on ZAB), not "
    .. tostring(service))
end

-- ---- -D service=zab: the same recipe on the replicated service -----------------
-- Servers n1..n3 run ZAB with the coordination service (protocols/zab/zk_*.c),
-- clients n4..n8 run the lock recipe (zk_client.c); the protected resource
-- is the znode /resource, written by the holder.
--  a  herd: -D recipe=herd makes every waiter watch the parent (the checker
--     limits wakeups per acquisition to 1.5); default: predecessor watches.
--     Both grant in creation order (FIFO).
--  c  the holder pauses 2 s, past its 1 s session: the leader proposes the
--     close of its session, which deletes its entry; the next client takes
--     the lock. The paused client's write comes after the close in ZAB's
--     order and is refused (its session is gone): the session is the fence
--     when the resource lives in the service. -D bug=ephemeral_leak: the
--     leader expires the session without a close, the entry stays, and
--     every other client waits until the holder wakes (a crashed holder:
--     for ever); the checker's liveness limit catches it.
-- Broken (exit 1): dsim run scenarios/demos/lock_zk.lua -D service=zab -D part=a -D recipe=herd
--                  dsim run scenarios/demos/lock_zk.lua -D service=zab -D part=c -D bug=ephemeral_leak
-- Fixed (exit 0):  the same without the recipe / bug.
if service == "zab" then
  if part == "b" then
    error("-D part=b is the single server's watch race (-D bug=watch_race); the zab service's recipe " ..
          "lists again on \"no such entry\": use part a or c")
  end
  local c = dsim.cluster {
    protocol = "zab", nodes = 8,
    options  = { servers = 3, recipe = "lock", session_timeout = 1000,
                 rounds = part == "a" and 4 or 0, work = part == "a" and { 20, 40 } or { 100, 150 },
                 think = { 0, 30 } },
    net      = { latency = dsim.uniform(1, 5), fifo = true },
  }
  local recipe = dsim.param("recipe", "lock")
  if part == "a" then
    local wakeups, acquired = 0, 0
    c:on("lock_wakeup", function() wakeups = wakeups + 1 end)
    c:on("lock_acquired", function() acquired = acquired + 1 end)
    c:run { until_ms = 4000 }
    local s = c:stats()
    print(string.format("messages sent: %d; %d acquisitions, %d wakeups (%.1f per acquisition)",
      s.sent, acquired, wakeups, acquired > 0 and wakeups / acquired or 0))
    if recipe == "herd" then
      print("what happened: every waiter watches /lock itself, so each release wakes them all and they\n" ..
            "  all list /lock again (the herd); fix: watch only the entry just before your own")
    else
      print("why it passes: each waiter watches only its predecessor's entry, so a release wakes\n" ..
            "  exactly one waiter, and the lock goes in the order the entries were created")
    end
    return c:check { "mutex", "invariants", wakeups_per_acquire_max = 1.5, fifo = true }
  end
  local paused = nil
  c:at(600, function()
    for n = 4, 8 do
      if not paused and c:state(n).holding then paused = n end
    end
    if paused then
      print(string.format("%8.1f ms  n%d (holding the lock) pauses for 2 s; the session timeout is 1 s",
        c:now(), paused))
      c:pause(paused, 2000)
    end
  end)
  c:on("session_expired", function(ev)
    print(string.format("%8.1f ms  the leader expires n%d's session%s", c:now(), ev.client,
      dsim.param("bug", "") == "ephemeral_leak" and " (bug: without a close: its entry stays)"
        or " and proposes its close: its entry goes"))
  end)
  local after = 0
  c:on("lock_acquired", function(ev)
    if paused and ev.client ~= paused and c:now() > 600 and c:now() < 2600 then
      if after == 0 then print(string.format("%8.1f ms  n%d takes the lock", c:now(), ev.client)) end
      after = after + 1
    end
  end)
  c:on("lock_released", function(ev)
    if ev.client == paused and ev.why == "expired" then
      print(string.format("%8.1f ms  n%d wakes up; its write is refused (session expired): it lets go",
        c:now(), ev.client))
    end
  end)
  c:run { until_ms = 5000 }
  if after > 0 then
    print("why it passes: the close of n" .. tostring(paused) .. "'s session is a transaction; its write after\n" ..
          "  the pause comes later in the same order and is refused, so only one holder wrote")
  else
    print("what happened: the leader expired the paused holder's session but never proposed its close;\n" ..
          "  its ephemeral entry outlived the session, so nobody else could take the lock until the\n" ..
          "  holder woke up and let go (a crashed holder: never). Fix: expiry is a close transaction")
  end
  return c:check { "mutex", "invariants", liveness_ms = 2500 }
end

local opts = { variant = "zk-lock", session_timeout = 1000, autostart = false }
if part == "a" then
  opts.autostart, opts.rounds, opts.work, opts.think = true, 4, { 20, 40 }, { 0, 30 }
end

local c = dsim.cluster {
  protocol = "lock",
  nodes    = 7,
  options  = opts,
  net      = { latency = part == "a" and dsim.uniform(1, 5) or dsim.constant(5) },
}
c:control(1, "validate", { delay_ms = 5 })

local bug = dsim.param("bug", "")   -- also the planted bug (-D)
if part == "a" then
  local wakeups, acquired = 0, 0
  c:on("lock_wakeup", function() wakeups = wakeups + 1 end)
  c:on("lock_acquired", function() acquired = acquired + 1 end)
  c:run { until_ms = 3000 }
  local s = c:stats()
  print(string.format("messages sent: %d; %d acquisitions, %d wakeups (%.1f per acquisition)",
    s.sent, acquired, wakeups, acquired > 0 and wakeups / acquired or 0))
  if bug == "herd" then
    print("what happened: every waiter watches the parent, so each release wakes them all and they\n" ..
          "  all list the parent again (the herd); fix: watch only the entry just before your own")
  else
    print("why it passes: each waiter watches only its predecessor's entry, so a release wakes\n" ..
          "  exactly one waiter, and the lock goes in the order the entries were created")
  end
  return c:check { "mutex", wakeups_per_acquire_max = 1.5, fifo = true }
elseif part == "b" then
  -- n3 holds from 120 ms and releases at 205 ms + a round trip to the
  -- storage; n4's exists() reaches the service just after the delete.
  local n4_at = nil
  c:on("lock_acquired", function(ev)
    print(string.format("%8.1f ms  n%d holds the lock", c:now(), ev.client))
    if ev.client == 4 then n4_at = c:now() end
  end)
  c:on("lock_released", function(ev)
    print(string.format("%8.1f ms  n%d releases the lock (its entry is deleted)", c:now(), ev.client))
  end)
  c:at(100, function() c:control(3, "acquire", { work_ms = 85 }) end)
  c:at(200, function() c:control(4, "acquire", { work_ms = 50 }) end)
  c:run { until_ms = 3000 }
  if n4_at then
    print(string.format("why it passes: n4's exists() on n3's entry came back \"no such entry\" (n3 had\n" ..
      "  just released); n4 listed the entries again, found itself first and took the lock at %.1f ms", n4_at))
  else
    print("what happened: n4 saw n3's entry in its list, but n3 released before n4's exists() arrived;\n" ..
          "  n4 waits for a watch on an entry that no longer exists, which never fires: stuck.\n" ..
          "  Fix: on \"no such entry\", list again.")
  end
  return c:check { "mutex", liveness_ms = 1000 }
end

c:at(100, function() c:control(3, "acquire", { work_ms = 300 }) end)
c:at(200, function() c:pause(3, 2000) end)
c:at(300, function() c:control(4, "acquire", { work_ms = 100 }) end)
c:on("session_expired", function(ev)
  print(string.format("%8.1f ms  the service expired n%d's session", c:now(), ev.client))
end)
local rejected = 0
c:on("storage_write", function(ev)
  if not ev.accepted then rejected = rejected + 1 end
  print(string.format("%8.1f ms  storage: n%d writes with token %d: %s", c:now(), ev.client,
    ev.token, ev.accepted and "accepted" or "REJECTED (stale token)"))
end)
c:at(200, function() print("   200.0 ms  n3 (holding the lock) pauses for 2 s; the session timeout is 1 s") end)
c:run { until_ms = 4000 }
if rejected > 0 then
  print("why it passes: n3 wrote after its session expired, but its entry number (the token) is\n" ..
        "  lower than n4's, which the storage had already seen: rejected (fencing)")
else
  print("what happened: n3's session expired during its pause, the service deleted its entry and\n" ..
        "  n4 took the lock and wrote; n3 woke up still believing it held the lock and wrote too.\n" ..
        "  Fix: -D fencing=true.")
end
return c:check { "mutex" }
