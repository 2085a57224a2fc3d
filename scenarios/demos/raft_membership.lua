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
-- Afterwards (the script asks again every 100 ms until the changes are
-- taken) n5 is removed while cut off. A removed server that never learns
-- it was removed times out and campaigns with ever higher terms, deposing
-- the leader again and again; -D check_quorum=true makes servers that hear
-- from a leader ignore it (dissertation §4.2.3). The script counts n5's
-- campaigns and the new leaders after the removal, and says why.
--
-- Safe (passes):    dsim run scenarios/demos/raft_membership.lua
-- Safe, and the removed server disrupts nobody (passes, 0 new leaders):
--                   dsim run scenarios/demos/raft_membership.lua -D check_quorum=true
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
  local by_term = {}
  for i = 1, 5 do
    local st = c:state(i)
    if st.role == "leader" then
      by_term[st.term] = by_term[st.term] or {}
      table.insert(by_term[st.term], i)
    end
  end
  for term, ls in pairs(by_term) do
    if #ls > 1 then
      print(string.format("           two leaders of term %d: n%d and n%d, each elected by a majority of the\n" ..
        "           configuration it holds ({%s} and {%s}); the two majorities share no server",
        term, ls[1], ls[2], members(ls[1]), members(ls[2])))
    end
  end
  if method ~= "direct" then
    print("           one leader at most per term: every majority of the old configuration meets\n" ..
          "           every majority of the new one (they differ by one server)")
  end
  c:heal()
  print("  300.0 ms  heal")
end)
-- After the heal: n4 and n5 join, one at a time. A change is refused while
-- the previous one is uncommitted, or before the leader committed an entry
-- of its term, or when there is no leader; so the script asks again every
-- 100 ms until both are members.
local function leader_members()
  local l = c:leader()
  return l and c:state(l).members or {}
end
local function has(list, x) for _, v in ipairs(list) do if v == x then return true end end return false end
local answers = {}
local function ask(what, fn)   -- prints the first answer and every change of it
  local ok, err = pcall(fn)
  local said = ok and "accepted" or tostring(err)
  if said ~= answers[what] then print(string.format("%7.1f ms  %s: %s", c:now(), what, said)) end
  answers[what] = said
end
if method ~= "direct" then
  c:every(100, function()
    if c:now() >= 1500 then return end
    local m = leader_members()
    if #m > 0 and not has(m, 4) then ask("add n4", function() c:add_node(4) end)
    elseif #m > 0 and not has(m, 5) then ask("add n5", function() c:add_node(5) end) end
  end, 400)
end

-- Then n5 is removed while it is cut off, so it never learns it was.
local removed_at, n5_campaigns, new_leaders = nil, 0, 0
c:on("election", function(ev) if removed_at and ev.node == 5 then n5_campaigns = n5_campaigns + 1 end end)
c:on("leader", function() if removed_at then new_leaders = new_leaders + 1 end end)
c:every(100, function()
  if method == "direct" or removed_at or c:now() >= 2500 then return end
  local m = leader_members()
  if not has(m, 5) then return end
  c:isolate(5)
  local ok, err = pcall(function() c:remove_node(5) end)
  print(string.format("%7.1f ms  members {%s}; n5 cut off, then remove n5: %s", c:now(),
    table.concat(m, ","), ok and "accepted" or tostring(err)))
  if ok then
    removed_at = c:now()
    c:after(200, function() print(string.format("%7.1f ms  heal: n5 hears nothing (it is not a member)", c:now())); c:heal() end)
  else
    c:heal()
  end
end, 1500)

c:at(3900, function()
  local l = c:leader()
  local now = l and string.format("leader n%d, term %d, members {%s}", l, c:state(l).term, members(l))
    or "no leader at this instant"
  print(string.format("%7.1f ms  %s; n5 is at term %d", c:now(), now, c:state(5).term))
  if method == "direct" then return end
  if not removed_at then
    print("           n5 was never removed (no leader took the change): nothing to compare")
  elseif new_leaders > 0 then
    print(string.format("           since n5 was removed it campaigned %d times with ever higher terms; its\n" ..
      "           RequestVotes carried them to the members, who stepped down: %d new leaders.\n" ..
      "           With -D check_quorum=true members that hear a leader ignore them.", n5_campaigns, new_leaders))
  else
    print(string.format("           since n5 was removed it campaigned %d times, up to term %d, but the members\n" ..
      "           hear their leader and ignore its RequestVotes: %d new leaders.", n5_campaigns,
      c:state(5).term, new_leaders))
  end
end)

c:run { until_ms = 4000 }
return c:check { "linearizable", "invariants" }
