-- paxos_tax_rate.lua — P1: single-decree Paxos decides one tax rate.
--
-- What it teaches: why phase 1 reports what acceptors already accepted,
-- and why the proposer must adopt the value of the HIGHEST ballot among
-- them. Five acceptors n1..n5 (every node also a learner); two proposers,
-- A1 = n1 proposing 10 (%) and A5 = n5 proposing 20 (%). Links have a
-- constant 10 ms latency, so the story runs like the chapter's couriers:
--   t=0    A5 prepares ballot 1.n5; n1..n5 promise.
--   t=20   A5's Accept(1.n5, 20) reaches n4 only (its couriers to n1..n3 are lost),
--          and A5 crashes: a proposer crash after a MINORITY accept.
--   t=100  {n1,n2,n3} | {n4,n5}. A1 prepares ballot 2.n1 on its side;
--          nobody there accepted anything, so A1 proposes its own 10;
--          n1, n2, n3 accept it: 10 is CHOSEN (n1..n3 decide 10).
--   t=200  A1 crashes; {n1,n2} | {n3,n4,n5}; A5 restarts and proposes 20
--          again with ballot 2.n5. Its promises: n3 reports (2.n1, 10),
--          n4 reports (1.n5, 20). The highest ballot is 2.n1, so a correct
--          A5 proposes 10, and every learner decides 10.
-- Broken variants (each: two learners decide 10 and 20; the invariants
-- check fails with "Agreement: 10 was chosen at ballot 2.n1 and 20 at
-- ballot 2.n5"):
--   (a) the proposer ignores the reported value:   -D bug=ignore_accepted
--   (b) it adopts the largest value, not ballot:   -D bug=highest_by_value
-- and (c) an acceptor forgets its promise on a restart (not on disk):
--   -D bug=no_persist_promise fails with "Promises: n5 promised ballot 1.n5
--   and now holds none" when A5 restarts; an acceptor that forgot could
--   then accept an older ballot's value after promising a newer one.
--
-- Correct (passes):  dsim run scenarios/demos/paxos_tax_rate.lua
-- Broken (fails):    dsim run scenarios/demos/paxos_tax_rate.lua -D bug=ignore_accepted
--                    dsim run scenarios/demos/paxos_tax_rate.lua -D bug=highest_by_value
--                    dsim run scenarios/demos/paxos_tax_rate.lua -D bug=no_persist_promise
-- In the viewer (--html): the Prepare/Promise/Accept arrows, n5's cut
-- courier to n3, and the decide events of each learner.

local c = dsim.cluster {
  protocol = "paxos", nodes = 5,
  options  = { variant = "basic", proposers = "1,5", election_timeout = {300, 300} },
  net      = { latency = dsim.constant(10) },
  clients  = { count = 0 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%6.1f ms  " .. fmt, c:now(), ...)) end
local function ballot(b) return string.format("%d.n%d", b >> 8, (b & 255) + 1) end
c:on("election", function(ev) say("A%d prepares ballot %s", ev.node, ballot(ev.ballot)) end)
c:on("decide", function(ev)
  say("learner n%d decides %d %% (ballot %s)", ev.node, ev.value, ballot(ev.ballot))
end)

c:at(0, function() c:control(5, "propose", { value = 20 }) end)
c:at(15, function() c:cut(5, 1); c:cut(5, 2); c:cut(5, 3) end)   -- A5's couriers lost
c:at(25, function() say("A5 crashes after its Accept reached a minority (n4)"); c:crash(5) end)
c:at(100, function()
  c:heal(); c:partition { {1, 2, 3}, {4, 5} }
  say("partition {n1,n2,n3} | {n4,n5}; A1 proposes 10")
  c:control(1, "propose", { value = 10 })
end)
c:at(200, function()
  say("A1 crashes; partition {n1,n2} | {n3,n4,n5}; A5 restarts and proposes 20")
  c:crash(1); c:partition { {1, 2}, {3, 4, 5} }; c:restart(5)
  c:control(5, "propose", { value = 20 })
end)
c:at(400, function()
  c:heal(); c:restart(1)
  for i = 1, 5 do
    local s = c:state(i)
    local acc = s.accepted and string.format("accepted (%s, %d)", s.accepted.ballot, s.accepted.value) or "accepted nothing"
    say("n%d: promised %s, %s, decided %s", i, s.promised or "none", acc, s.decided or "nothing")
  end
end)
c:run { until_ms = 500 }
return c:check { "invariants" }
