-- fault_partition.lua — every partition shape once, on Raft (traffic flows
-- both ways between every pair). tests/faults_cli.sh reads the trace and
-- checks that no message crosses a cut while the shape holds.
local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "register", rate = 20, timeout = 300 },
}
c:nemesis { schedule = {
  { at_ms = 1000, kind = "partition", dur_ms = 400, shape = "halves", groups = {{1, 2}, {3, 4, 5}} },
  { at_ms = 1700, kind = "partition", dur_ms = 400, shape = "isolate", node = 3 },
  { at_ms = 2400, kind = "partition", dur_ms = 400, shape = "leader" },
  { at_ms = 3100, kind = "partition", dur_ms = 400, shape = "bridge", node = 3 },
  { at_ms = 3800, kind = "partition", dur_ms = 400, shape = "ring" },
  { at_ms = 4500, kind = "partition", dur_ms = 400, shape = "oneway", groups = {{1, 2}, {3, 4, 5}} },
} }
c:run { until_ms = 5500 }
