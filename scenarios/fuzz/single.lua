-- single.lua — the reference protocol under a nemesis of every fault kind.
--
-- What it is for: the fuzzer's own test target. The correct variant passes
-- on every seed; the planted bug (-D bug=ack_before_sync: acknowledge a
-- write, fsync it later in a group commit) loses acknowledged writes when
-- the server crashes in between, and the linearizability checker sees the
-- loss. Each seed draws its own schedule (swarm testing: which fault kinds,
-- modes and intensities this seed uses), bursts of faults with quiet
-- periods, then a final recovery.
--
--   dsim fuzz scenarios/fuzz/single.lua --seeds 1..200 --jobs 2 -D bug=ack_before_sync
--   dsim shrink scenarios/fuzz/single.lua --seed N -D bug=ack_before_sync
--
-- Parameters: -D clients=K (the shrinker uses it), -D stop=MS (end of the
-- fault phase), -D interval=MS (mean time between faults), -D workload=NAME
-- (kv; bank when -D bug=txn_first_key).
-- Two faults are narrowed so that the correct variant passes on every seed:
-- disk read corruption hits the forwarders only (n1 holds the one copy of
-- the data, and one copy cannot survive a lost read), and the network does
-- not duplicate messages (single does not deduplicate: a duplicated Forward
-- applies a write twice, which the checker rightly flags). The fault tests
-- in tests/scenarios/ show both effects.

local clients  = dsim.param("clients", 4)
-- The workload: kv, or bank for the planted bug that only transactions
-- reach (-D bug=txn_first_key: a transfer's credit is never persisted);
-- -D workload=NAME for any other.
local workload = dsim.param("workload", dsim.param("bug", "") == "txn_first_key" and "bank" or "kv")
local stop     = dsim.param("stop", 8000)
local interval = dsim.param("interval", 150)

local c = dsim.cluster {
  protocol = "single",
  nodes    = 3,
  options  = { flush = 40 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = clients, workload = workload, keys = workload == "kv" and 4 or nil, rate = 50,
               timeout = 300 },
}

local until_ms = c:nemesis {
  faults = {
    partition = {},
    crash     = { dur = {20, 400} },
    pause     = { dur = {20, 400} },
    clock     = {},
    net       = { modes = {"loss", "spike", "reorder"} },
    disk      = { nodes = {2, 3} },
  },
  interval = interval, start = 200, stop = stop, recovery = 1500,
}

c:run { until_ms = until_ms }
if workload == "kv" then
  return c:check { "linearizable", budget_states = 100000 }
end
return c:check(c:workload().checks)
