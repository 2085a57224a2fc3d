-- generals.lua — randomized Byzantine generals, OM(1): one traitor among
-- 4..7 generals, whatever it does, never breaks IC1 or IC2.
--
-- What it does: N generals (drawn from {4, 5, 6, 7}; -D generals=N), n1
-- commands attack or retreat (drawn), one general (drawn; -D traitor=K) is
-- Byzantine in spells the nemesis draws (fault kind 'byzantine', max 1,
-- only that node): the generals protocol's 'traitor' and 'forger' (on
-- authenticated channels, so its forgeries are dropped) or the kernel's
-- silent, mute_to, replay, corrupt. A spell may begin after the node has
-- relayed, or end before the others decide: the invariants count a node
-- that was ever Byzantine as a traitor. Latencies stay below the decision
-- time (OM(1) assumes synchronous rounds), so no other fault is drawn.
-- With -D generals=3 the same sweep fails (3m+1 generals are needed for m
-- traitors): the first failing seed of 1..1000 is 4 (178 of 1000 fail),
-- pinned by tests/byz_demos.sh. The correct setting passed 1..10000.
-- -D fault=crash makes that one general crash instead (and restart, silent
-- from then on: a crashed general is a faulty one), -D fault=both draws
-- either; the default is byzantine.
--
--   dsim fuzz scenarios/fuzz/generals.lua --seeds 1..10000 --jobs 2
--   dsim fuzz scenarios/fuzz/generals.lua --seeds 1..100 -D generals=3
--   dsim shrink scenarios/fuzz/generals.lua --seed 4 -D generals=3
-- Parameters: generals, traitor, order (attack or retreat), fault
-- (byzantine, crash or both).
local function pick(list) return list[math.random(1, #list)] end
local generals = dsim.param("generals", pick { 4, 5, 6, 7 })
local traitor = dsim.param("traitor", math.random(1, generals))
local order = dsim.param("order", pick { "attack", "retreat" })
local c = dsim.cluster {
  protocol = "generals", nodes = generals,
  options  = { order = order, decide = 100 },
  net      = { latency = dsim.uniform(1, 10) },
  invariants = "every",
}
local fault = dsim.param("fault", "byzantine")
local kinds = {
  byzantine = { byzantine = { nodes = { traitor }, max = 1, dur = { 1, 150 } } },
  crash = { crash = { nodes = { traitor }, leader = 0, dur = { 1, 150 } } },
}
kinds.both = { byzantine = kinds.byzantine.byzantine, crash = kinds.crash.crash }
if not kinds[fault] then error("-D fault must be byzantine, crash or both, not " .. tostring(fault)) end
local until_ms = c:nemesis {
  faults = kinds[fault],
  interval = 4, start = 0, stop = 120, recovery = 30,
}
c:run { until_ms = until_ms }
return c:check { "invariants" }
