-- twins_kernel.lua — the kernel's Twins (dsim.cluster{twins = ...}) on
-- PBFT: the twin instance is a node of its own (crash, restart, state),
-- speaks as its identity, and the 'twins' fault puts the two instances on
-- opposite sides. tests/twins.sh reads the trace: messages to n1 reach n1
-- and n1' alike, and no message crosses the split while it holds.
local c = dsim.cluster {
  protocol = "pbft", nodes = 4, twins = { "n1" },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 4, rate = 20, timeout = 1000,
               send = "all", replies = 2, retransmit = 250 },
}
c:nemesis { schedule = {
  { at_ms = 500, kind = "twins", dur_ms = 700, groups = { { 1, 2 }, { 3, 4 } } },
} }
c:run { until_ms = 1500 }
assert(c:state("n1'", "status") == "up", "the twin boots with the others")
local a, b = c:state("n1"), c:state("n1'")
assert(a.last_executed > 0 and b.last_executed > 0, "both instances run the protocol")
-- c:state(n, key) is c:state(n)[key]; "status" alone skips the inspect
assert(a.status == "up" and c:state("n1'", "last_executed") == b.last_executed)
assert(c:state(2, "view") == c:state(2).view and c:state(2, "no such key") == nil)
c:crash("n1'")
assert(c:state("n1'", "status") == "crashed" and c:state("n1", "status") == "up", "a twin crashes alone")
assert(c:state("n1'").status == "crashed" and c:state("n1'", "last_executed") == nil, "a crashed node shows its status only")
c:run { until_ms = 1800 }
c:restart("n1'")
assert(c:state("n1'", "status") == "up")
local ok, err = pcall(function() c:crash("n3'") end)
assert(not ok and tostring(err):find("n3 has no twin"), "a twin that does not exist is refused: " .. tostring(err))
c:run { until_ms = 3000 }
return c:check { "invariants", "linearizable" }
