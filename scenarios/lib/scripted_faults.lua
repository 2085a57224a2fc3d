-- scripted_faults.lua — the fault source the consensus fuzz scenarios drew
-- themselves before the kernel's nemesis existed (raft.lua -D faults=scripted,
-- paxos.lua -D faults=all). Kept because the seeds it found replay only
-- with it. Loaded with dsim.lib("scripted_faults").
--
-- The draws come from the scenario's own math.random stream, in the order
-- the scenarios drew them, so a seed gives the run it always gave.
--
--   local sf = dsim.lib("scripted_faults")
--   local f = sf.new(c, { nodes = N, servers = {1..N}, drift_max = PPM, crashed = {} })
--   f.schedule("partition,crash", interval, duration, "-D faults")
-- 'crashed' is the caller's table of nodes this source keeps down (at most
-- a minority); the caller restarts them when it heals.
local M = {}

-- 1..n in a random order.
function M.shuffled(n)
  local t = {}
  for i = 1, n do t[i] = i end
  for i = n, 2, -1 do local j = math.random(1, i); t[i], t[j] = t[j], t[i] end
  return t
end

M.kinds = { "partition", "pause", "crash", "clock", "net" }

function M.new(c, o)
  local nodes, servers, drift_max, crashed = o.nodes, o.servers, o.drift_max, o.crashed
  assert(nodes and servers and drift_max and crashed, "scripted_faults.new wants nodes, servers, drift_max, crashed")
  local function random_node() return math.random(1, nodes) end
  local actions = {
    partition = function()
      local shape = math.random(1, 7)
      if shape == 1 then
        local t, k = M.shuffled(nodes), math.random(1, nodes - 1)
        local a, b = {}, {}
        for i = 1, nodes do if i <= k then a[#a + 1] = t[i] else b[#b + 1] = t[i] end end
        c:partition { a, b }
      elseif shape == 2 then c:isolate(random_node())
      elseif shape == 3 then
        local a, b = random_node(), random_node()
        if a ~= b then c:cut(a, b) end
      elseif shape == 6 and c:leader() then   -- the leader alone; clients reach all
        local l, rest = c:leader(), {}
        for i = 1, nodes do if i ~= l then rest[#rest + 1] = i end end
        c:partition { {l}, rest }
        if math.random() < 0.5 then   -- and its clock slow, the others fast
          for i = 1, nodes do c:clock(i, { drift = i == l and -drift_max or drift_max }) end
        end
      elseif shape == 4 and nodes >= 3 then c:bridge()
      elseif shape == 5 and nodes >= 3 then c:ring()
      else c:heal() end
    end,
    pause = function()
      local n = random_node()
      if not crashed[n] then c:pause(n, math.random(50, 600)) end
    end,
    crash = function()
      local n = random_node()
      if not crashed[n] and math.random() < 0.4 then   -- a quick bounce
        c:crash(n, { tear = math.random() < 0.3 })
        c:after(math.random(1, 40), function() c:restart(n) end)
        return
      end
      if crashed[n] then
        c:restart(n); crashed[n] = nil
      else
        local down = 0
        for _ in pairs(crashed) do down = down + 1 end
        if down < (nodes - 1) // 2 + 1 then
          c:crash(n, { tear = math.random() < 0.3 }); crashed[n] = true
        end
      end
    end,
    clock = function()
      local n, roll = random_node(), math.random(1, 4)
      if roll == 4 and c:leader() then   -- the leader slow, the others fast
        for i = 1, nodes do c:clock(i, { drift = i == c:leader() and -drift_max or drift_max }) end
      elseif roll == 1 then c:clock(n, { drift = math.random(-drift_max, drift_max) })
      elseif roll == 2 then c:clock(n, { step = math.random(-300, 300) })
      else c:clock(n, { drift = 0 }) end
    end,
    -- Duplication only between servers: a client that follows a duplicated
    -- redirect sends its request twice, and after 'redirects' attempts
    -- records 'fail' although a copy may still be in flight (client.c).
    net = function()
      local roll = math.random(1, 3)
      if roll == 1 then c:net { drop = math.random() * 0.1 }
      elseif roll == 2 then c:net { from = servers, to = servers, dup = math.random() * 0.1 }
      else c:net { drop = 0 }; c:net { from = servers, to = servers, drop = 0, dup = 0 } end
    end,
  }
  local f = { actions = actions }
  -- One fault every 'interval' ms until 'stop', its kind drawn from the
  -- comma list 'list' (an unknown kind is an error naming 'param').
  function f.schedule(list, interval, stop, param)
    local kinds = {}
    for k in string.gmatch(list, "[^,]+") do
      if not actions[k] then
        error(param .. ": unknown fault kind '" .. k .. "' (the kinds: " .. table.concat(M.kinds, ", ") .. ")", 2)
      end
      kinds[#kinds + 1] = k
    end
    for t = interval, stop - interval, interval do
      c:at(t, function() actions[kinds[math.random(1, #kinds)]]() end)
    end
  end
  return f
end

return M
