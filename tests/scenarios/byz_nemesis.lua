-- byz_nemesis.lua — the 'byzantine' fault kind drawn by the nemesis: Raft
-- (3 or -D nodes) under partitions and crashes with Byzantine spells of
-- -D behaviours (a comma list; default: raft's own lies and the generic
-- behaviours), at most -D max at once. The invariants and linearizability
-- judge; -D swarm=false uses every kind in every seed. tests/byz_cli.sh sweeps it, shrinks a failing seed and replays.
local nodes = dsim.param("nodes", 3)
local list = dsim.param("behaviours", "")
local behaviours = {}
for b in string.gmatch(list, "[^,]+") do behaviours[#behaviours + 1] = b end
local c = dsim.cluster {
  protocol = "raft", nodes = nodes,
  options  = { election_timeout = { 150, 300 }, prevote = false },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 2, rate = 40, timeout = 300 },
  invariants = 1,
}
local until_ms = c:nemesis {
  faults = { byzantine = { behaviours = behaviours, max = dsim.param("max", 1), dur = { 300, 2000 } },
             partition = { dur = { 100, 800 } }, crash = { dur = { 50, 400 } } },
  interval = 200, start = 200, stop = dsim.param("duration", 4000), recovery = 1000,
  swarm = dsim.param("swarm", true),
}
c:run { until_ms = until_ms }
return c:check { "invariants", "linearizable" }
