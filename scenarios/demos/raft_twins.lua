-- raft_twins.lua — Twins (Bano et al., 2022) on Raft: run one server
-- twice, with one identity, and a crash-tolerant protocol breaks though
-- every line of code it runs is correct.
--
-- What it teaches: Raft assumes a server does what the protocol says and
-- nothing more; a twin does exactly what the protocol says, twice. n1 and
-- its twin n1' (the same server id, each with its own state and disk)
-- sit on opposite sides of a partition {n1, n2} | {n1', n3}. Each side
-- holds a majority of the identities (two of three), and each instance of
-- n1 grants one vote per term -- one vote on each side, two in all. So two
-- servers win the same term: the invariants fail with "Election Safety:
-- ... both leaders of term 1". That is one Byzantine server (a double
-- vote) made without any Byzantine code, which is how Twins tests BFT
-- protocols: PBFT with one twin survives (scenarios/demos/pbft_twins.lua),
-- Raft cannot (a crash-fault protocol needs no lie to fall to a twin).
-- Correct (passes): -D twins=0 runs the same script without the twin: the
-- side {n1', n3} is just n3, which cannot win a vote alone.
--
-- Broken (fails):   dsim run scenarios/demos/raft_twins.lua --seed 1
-- Correct (passes): dsim run scenarios/demos/raft_twins.lua --seed 1 -D twins=0

local twinned = dsim.param("twins", 1) > 0
local c = dsim.cluster {
  protocol = "raft", nodes = 3, twins = twinned and { "n1" } or {},
  options  = { election_timeout = { 300, 600 }, heartbeat = 50, prevote = false },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 2, rate = 20, timeout = 300 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
c:on("leader", function(ev)
  say("%s leads term %d", ev.instance or ("n" .. ev.node), ev.term)
end)
if twinned then
  say("partition {n1 n2} | {n1' n3}: n1 and its twin n1' (one server id) on opposite sides")
  c:partition { { "n1", "n2" }, { "n1'", "n3" } }
else
  say("partition {n1 n2} | {n3}: no twin")
  c:partition { { "n1", "n2" }, { "n3" } }
end
c:run { until_ms = 3000 }
c:heal()
c:run { until_ms = 4000 }
return c:check { "invariants", "linearizable" }
