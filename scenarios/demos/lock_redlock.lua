-- lock_redlock.lua — L5: Redlock's three classic failures.
--
-- What it teaches: a majority of independent lock servers is not consensus.
-- Five servers n1..n5, storage n6, clients n7, n8 (and n9 in part a).
-- Pick the part with -D part=a|b|c:
--  a  split votes: three clients start together, each near a different
--     group of servers, and get 2, 2 and 1 votes. Nobody has a majority;
--     all release and retry after the same fixed delay, and the split
--     repeats for ever (the liveness argument reports them stuck).
--     Fix: a random retry delay breaks the symmetry (-D retry=10,200).
--  b  lost key on restart: n7 holds n1, n2, n3 (n4, n5 were unreachable);
--     n3 crashes and restarts with 'appendfsync everysec', having lost the
--     key; n8 gets n3, n4, n5. Both hold a majority and both write.
--     Fix: fsync every grant (-D aof=always), or keep a restarted server
--     out for a whole ttl.
--  c  clock jump: n7 holds n1, n2, n3; n3's wall clock steps 5 s forward
--     and the key expires early; n8 gets n3, n4, n5 and both write.
--     Fix inside Redlock: expire on a monotonic clock (-D expiry_clock=mono)
--     which steps cannot touch; drift still can. Redlock has no fencing
--     token (-D fencing=true is refused, with the reason): the teaching
--     conclusion is that a lock is for efficiency unless the resource
--     fences, and fencing needs a service that orders grants.
-- Broken (exit 1):  tools/dsim run scenarios/demos/lock_redlock.lua -D part=b
-- Fixed (exit 0):   tools/dsim run scenarios/demos/lock_redlock.lua -D part=b -D aof=always
-- (part a: -D retry=10,200; part c: -D expiry_clock=mono)
-- In the viewer: redlock_failed events with their vote counts (a); n3's
-- crash and restart (b) or its clock step (c) between the two grants.

local part = dsim.param("part", "b")
if part ~= "a" and part ~= "b" and part ~= "c" then
  error("-D part must be a, b or c, not " .. tostring(part))
end

local c = dsim.cluster {
  protocol = "lock",
  nodes    = part == "a" and 9 or 8,
  options  = { variant = "redlock", ttl = 3000, autostart = false, retry = 100,
               acquire_timeout = 100, aof = "everysec", expiry_clock = "wall" },
  net      = { latency = dsim.constant(part == "a" and 10 or 2) },
}
c:control(1, "validate", { delay_ms = 10 })

if part == "a" then
  -- n7 is near n1 and n2, n8 near n3 and n4, n9 near n5.
  local near = { [7] = { 1, 2 }, [8] = { 3, 4 }, [9] = { 5 } }
  for client, servers in pairs(near) do
    c:net { from = { client }, to = servers, latency = dsim.constant(1) }
    c:net { from = servers, to = { client }, latency = dsim.constant(1) }
  end
  for client = 7, 9 do
    c:at(100, function() c:control(client, "acquire", { work_ms = 50 }) end)
  end
  c:run { until_ms = 3000 }
  return c:check { "mutex", liveness_ms = 1500 }
end

-- Parts b and c: n7 cannot reach n4 and n5 while it acquires.
for _, s in ipairs { 4, 5 } do c:cut(7, s); c:cut(s, 7) end
c:at(100, function() c:control(7, "acquire", { work_ms = 1000 }) end)
c:at(150, function() c:heal() end)
if part == "b" then
  c:at(300, function() c:crash(3) end)
  c:at(400, function() c:restart(3) end)
else
  c:at(300, function() c:clock(3, { step = 5000 }) end)
end
c:at(500, function() c:control(8, "acquire", { work_ms = 100 }) end)
c:on("storage_write", function(ev)
  print(string.format("%8.1f ms  storage: n%d writes: %s", c:now(), ev.client,
    ev.accepted and "accepted" or "rejected"))
end)

c:run { until_ms = 4000 }
return c:check { "mutex" }
