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
-- The run prints each server's grants, the failed attempts with their votes,
-- the fault, who holds the lock when, the storage's writes, and at the end
-- what happened (or why the fixed variant passes). In the viewer: the
-- redlock_failed events with their vote counts (a); n3's crash and restart
-- (b) or its clock step (c) between the two grants.

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

-- What the run prints: the grants of each server, each failed attempt with
-- its votes, acquisitions and releases, the fault, the storage's writes,
-- and at the end what happened and why (the verdict's reasons, in words).
local retry = dsim.param("retry", "100")        -- also the lock options (-D)
local aof = dsim.param("aof", "everysec")
local expiry_clock = dsim.param("expiry_clock", "wall")
local holding, overlap, failed, acquired = {}, nil, 0, {}
local function say(fmt, ...) print(string.format("%8.1f ms  " .. fmt, c:now(), ...)) end
local granted = {}   -- granted[server][client]
c:on("lock_grant", function(ev)
  granted[ev.node] = granted[ev.node] or {}
  granted[ev.node][ev.client] = true
  if failed < 6 then say("n%d grants the key to n%d", ev.node, ev.client) end
end)
c:on("redlock_failed", function(ev)
  failed = failed + 1
  if failed <= 6 then
    say("n%d has %d of 5 votes (%d answers), needs 3: the attempt fails (%s), it releases and retries",
      ev.client, ev.votes, ev.answers, ev.why)
  elseif failed == 7 then
    say("... (the same again; further failed attempts are only counted)")
  end
end)
c:on("lock_acquired", function(ev)
  for other in pairs(holding) do overlap = overlap or { other, ev.node, c:now() } end
  holding[ev.node] = true
  acquired[#acquired + 1] = ev.node
  say("n%d holds the lock (a majority granted it)", ev.node)
end)
c:on("lock_released", function(ev)
  holding[ev.node] = nil
  say("n%d releases the lock (%s)", ev.node, ev.why)
end)

local function summary()
  if part == "a" then
    if #acquired == 0 then
      print(string.format("what happened: %d attempts failed, every round split the votes 2/2/1: all three clients\n" ..
        "  start together, each nearest a different group, release together and retry after the same\n" ..
        "  fixed delay (retry=%s ms), so the split repeats. Fix: -D retry=10,200 (a random delay).", failed, retry))
    else
      print(string.format("why it passes: %d attempts failed, then the random retry delays (retry=%s ms)\n" ..
        "  let one client ask first and collect a majority; the others follow one at a time (%d holders).",
        failed, retry, #acquired))
    end
  elseif overlap then
    local both = {}
    for server = 1, 5 do
      if granted[server] and granted[server][overlap[1]] and granted[server][overlap[2]] then
        both[#both + 1] = "n" .. server
      end
    end
    print(string.format("what happened: n%d and n%d both held the lock from %.1f ms; %s granted it to both:\n  %s",
      overlap[1], overlap[2], overlap[3], table.concat(both, ", "), part == "b" and
      "its grant to n7 was not yet fsynced (aof=everysec) when it crashed, so it restarted without the key.\n" ..
      "  Fix: -D aof=always (fsync every grant)." or
      "its wall clock stepped 5 s forward, so n7's key expired early (expiry_clock=wall).\n" ..
      "  Fix: -D expiry_clock=mono (expire on the monotonic clock, which steps cannot touch)."))
  else
    print(string.format("why it passes: n3 still held n7's key when n8 asked\n  (%s),\n" ..
      "  so n8 got at most 2 votes (n4, n5) and waited until n7 released; the holders never overlapped.",
      part == "b" and "aof=" .. aof .. ": the grant was on disk before the crash" or
      "expiry_clock=" .. expiry_clock .. ": the wall clock step did not shorten the key"))
  end
end

if part == "a" then
  -- n7 is near n1 and n2, n8 near n3 and n4, n9 near n5.
  local near = { [7] = { 1, 2 }, [8] = { 3, 4 }, [9] = { 5 } }
  for client, servers in pairs(near) do
    c:net { from = { client }, to = servers, latency = dsim.constant(1) }
    c:net { from = servers, to = { client }, latency = dsim.constant(1) }
  end
  c:at(100, function()
    say("n7 (near n1, n2), n8 (near n3, n4) and n9 (near n5) ask for the lock at once")
    for client = 7, 9 do c:control(client, "acquire", { work_ms = 50 }) end
  end)
  c:run { until_ms = 3000 }
  summary()
  return c:check { "mutex", liveness_ms = 1500 }
end

-- Parts b and c: n7 cannot reach n4 and n5 while it acquires.
for _, s in ipairs { 4, 5 } do c:cut(7, s); c:cut(s, 7) end
c:at(100, function()
  say("n7 asks for the lock; it cannot reach n4 and n5")
  c:control(7, "acquire", { work_ms = 1000 })
end)
c:at(150, function() c:heal() end)
if part == "b" then
  c:at(300, function() say("n3 crashes (aof=%s: %s)", aof, aof == "always" and "every grant was fsynced"
    or "its last second of grants may not be on disk"); c:crash(3) end)
  c:at(400, function() say("n3 restarts"); c:restart(3) end)
else
  c:at(300, function() say("n3's wall clock steps 5 s forward (keys expire on the %s clock)", expiry_clock)
    c:clock(3, { step = 5000 }) end)
end
c:at(500, function() say("n8 asks for the lock"); c:control(8, "acquire", { work_ms = 100 }) end)
c:on("storage_write", function(ev)
  print(string.format("%8.1f ms  storage: n%d writes: %s", c:now(), ev.client,
    ev.accepted and "accepted" or "rejected"))
end)

c:run { until_ms = 4000 }
summary()
return c:check { "mutex" }
