-- raft_membership.lua — R6: changing the cluster from 3 servers to 5.
--
-- What it teaches: a configuration change must never let two disjoint
-- majorities exist. Servers n1..n3 form the cluster (Cold); n4 and n5 join
-- (Cnew = n1..n5). Each server uses the newest configuration in its log.
-- The script cuts {n1, n2} off from {n3, n4, n5} while the leader n3
-- changes the configuration.
-- * method=direct: n3 switches to Cnew in one step. n3, n4, n5 hold Cnew
--   and are a majority of it; n1, n2 still hold Cold and are a majority of
--   it. n1 wins term 2 with n2's vote; n4 (asked by n3 to take over) wins
--   term 2 with n3 and n5: two leaders in one term.
-- * method=single (the default): one server at a time (dissertation §4.1);
--   any majority of {n1,n2,n3} and any majority of {n1..n4} intersect. The
--   leader also refuses a second change before the first commits, so while
--   the cut lasts nothing more happens; after the heal n5 joins.
-- Afterwards n5 is removed. A removed server that never learns it was
-- removed times out and campaigns with ever higher terms, deposing the
-- leader again and again; -D check_quorum=true makes servers that hear
-- from a leader ignore it (dissertation §4.2.3). Compare the terms printed.
--
-- Safe (passes):    dsim run scenarios/demos/raft_membership.lua
-- Unsafe (fails: Election Safety, two leaders of term 2):
--                   dsim run scenarios/demos/raft_membership.lua -D method=direct

local method = dsim.param("method", "single")

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50, members = 3 },
  net      = { latency = 5 },
  clients  = { count = 2, workload = "register", rate = 20, timeout = 400 },
}

c:on("leader", function(ev)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)
local function try(what, fn)
  local ok, err = pcall(fn)
  print(string.format("%7.1f ms  %s: %s", c:now(), what, ok and "accepted" or tostring(err)))
end
local function members(i) return table.concat(c:state(i).members, ",") end

c:at(5, function() c:control(3, "campaign") end)
c:at(100, function()
  print("  100.0 ms  cut {n1, n2} | {n3, n4, n5}")
  c:partition { {1, 2}, {3, 4, 5} }
  if method == "direct" then
    try("n3 switches directly to {1,2,3,4,5}", function() c:control(3, "set_config", { members = {1, 2, 3, 4, 5} }) end)
  else
    try("add n4", function() c:add_node(4, 3) end)
  end
end)
c:at(140, function()
  if method ~= "direct" then try("add n5", function() c:add_node(5, 3) end) end
end)
c:at(150, function() try("n3 transfers leadership to n4", function() c:control(3, "transfer", { node = 4 }) end) end)
c:at(160, function() try("n1 campaigns", function() c:control(1, "campaign") end) end)
c:at(300, function()
  for i = 1, 5 do print(string.format("%7.1f ms  n%d %s of term %d, members {%s}", c:now(), i,
    c:state(i).role, c:state(i).term, members(i))) end
  c:heal()
  print("  300.0 ms  heal")
end)
c:at(800, function() if method ~= "direct" then try("add n4", function() c:add_node(4) end) end end)
c:at(1000, function() if method ~= "direct" then try("add n5", function() c:add_node(5) end) end end)
c:at(1500, function()
  print(string.format("%7.1f ms  members {%s}; now remove n5 (it is cut off first, so it never hears)",
    c:now(), members(c:leader())))
  c:isolate(5)
  try("remove n5", function() c:remove_node(5) end)
end)
c:at(1700, function() c:heal() end)
c:at(3500, function()
  local l = c:leader()
  print(string.format("%7.1f ms  leader n%s, term %d, members {%s}; n5 is at term %d",
    c:now(), tostring(l), l and c:state(l).term or 0, l and members(l) or "", c:state(5).term))
end)

c:run { until_ms = 4000 }
return c:check { "linearizable", "invariants" }
