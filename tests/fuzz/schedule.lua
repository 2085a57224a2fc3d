-- schedule.lua — the scenario the schedule harness (fuzz_schedule.c) replays
-- a fuzzed fault schedule against: small and short, every fault kind on, so
-- each input exercises the schedule reader and the fault engine quickly.
local c = dsim.cluster {
  protocol = "single", nodes = 3,
  options  = { flush = 40 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 2, rate = 50, timeout = 300 },
  limits   = { events = 200000, instructions = 1000000 },
}
local until_ms = c:nemesis {
  faults = {
    partition = {}, crash = { dur = {20, 400} }, pause = { dur = {20, 400} },
    clock = {}, net = { modes = {"loss", "spike", "reorder", "dup"} }, disk = {},
  },
  interval = 150, start = 100, stop = 1000, recovery = 300,
}
-- At most 1.5 s of simulated time: the schedule's first faults run (the
-- corpus's start at 100-200 ms), and the input rather than a long run is the cost.
c:run { until_ms = math.min(until_ms, 1500) }
return c:check { "linearizable", budget_states = 20000 }
