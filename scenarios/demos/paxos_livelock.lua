-- paxos_livelock.lua — P2: duelling proposers, a livelock without any failure.
--
-- What it teaches: Paxos is always safe but not always live (FLP in
-- practice). Two proposers, n1 and n5, each retry on a fixed, symmetric
-- timer (-D backoff=fixed: a new round exactly 25 ms after the last one
-- began). Links take exactly 10 ms, and n5 starts 10 ms after n1, so each
-- new Prepare reaches the acceptors just before the other proposer's
-- Accept: every Accept is refused, every round pre-empted, for ever. No
-- message is lost, no node fails. The termination watchdog reports that
-- nothing was decided within 2 s (the invariants check fails with
-- "Liveness: ..."), while Agreement still holds.
-- The fix: randomised back-off (-D backoff=random): a refused proposer
-- waits a random time in the election timeout range, one of them gets a
-- clear run, and the value is decided within a few rounds. (The other
-- classic fix is a distinguished leader: Multi-Paxos.)
--
-- Broken (fails: Liveness):  dsim run scenarios/demos/paxos_livelock.lua
-- Fixed (passes):            dsim run scenarios/demos/paxos_livelock.lua -D backoff=random
-- Watch: the rounds printed every 250 ms climb while nobody decides; in
-- the viewer the Prepare and Accept arrows cross in a regular lattice.

local backoff = dsim.param("backoff", "fixed")
local c = dsim.cluster {
  protocol = "paxos", nodes = 5,
  options  = { variant = "basic", proposers = "1,5", backoff = backoff, election_timeout = {25, 60} },
  net      = { latency = dsim.constant(10) },
  clients  = { count = 0 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
local rounds, decided = 0, nil
c:on("election", function(ev) rounds = rounds + 1 end)
c:on("decide", function(ev)
  if not decided then
    decided = ev.value
    say("n%d decides %d at ballot %d.n%d after %d rounds", ev.node, ev.value, ev.ballot >> 8,
        (ev.ballot & 255) + 1, rounds)
  end
end)

c:at(0, function() c:control(1, "propose", { value = 10 }) end)
c:at(10, function() c:control(5, "propose", { value = 20 }) end)
c:every(250, function()
  if not decided then
    say("%d rounds so far, n1 has promised %s, n5 %s, nothing decided",
        rounds, c:state(1).promised, c:state(5).promised)
  end
end, 250)
c:at(2000, function()
  if not decided then
    c:control(1, "liveness_failed", { why = "no decision within 2000 ms after " .. rounds ..
      " rounds (duelling proposers; no fault at all)" })
  end
end)
c:run { until_ms = 2001 }
return c:check { "invariants" }
