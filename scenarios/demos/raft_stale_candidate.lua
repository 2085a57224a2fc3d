-- raft_stale_candidate.lua — R4: a server with a stale log must not win.
--
-- What it teaches: Raft's election restriction (§5.4.1). A voter refuses
-- a candidate whose log is less up-to-date than its own (compare the last
-- entries' terms, then the lengths). Three servers A=n1, B=n2, C=n3.
-- C is down while A commits writes with B's help (a majority of two).
-- Then A dies and C comes back and campaigns at once. B holds every
-- committed write; if B votes for C anyway, C becomes leader with a log
-- that lacks them and overwrites B's copy: acknowledged writes vanish.
-- With the check, B refuses, and B itself (the up-to-date one) wins later.
-- The client mostly reads (80%), so a lost write shows as a stale read; the
-- script prints that read, or says why there is none.
--
-- Correct (passes):  dsim run scenarios/demos/raft_stale_candidate.lua
-- Broken (fails: Leader Completeness, and a read returns a value older
-- than an acknowledged write):
--                    dsim run scenarios/demos/raft_stale_candidate.lua -D bug=vote_any_log

local c = dsim.cluster {
  protocol = "raft", nodes = 3,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 1, workload = "register", read = 80, write = 20, rate = 50, timeout = 300 },
}

c:on("leader", function(ev)
  print(string.format("%7.1f ms  n%d is leader of term %d", c:now(), ev.node, ev.term))
end)
local function show(label)
  for i = 1, 3 do
    local s = c:state(i)
    if not s.term then print(string.format("%7.1f ms  %s n%d: down", c:now(), label, i)) else
    print(string.format("%7.1f ms  %s n%d: %s term %d, log length %d (last term %d), commit %d",
      c:now(), label, i, s.role, s.term, s.log_length, s.last_term, s.commit)) end
  end
end

c:at(5, function() c:control(1, "campaign") end)              -- A leads
c:at(300, function() print("  300.0 ms  C=n3 crashes"); c:crash(3) end)
c:at(1000, function() show("before"); print(" 1000.0 ms  A=n1 crashes"); c:crash(1) end)
c:at(1010, function() print(" 1010.0 ms  C=n3 restarts and campaigns"); c:restart(3); c:control(3, "campaign") end)
c:at(1030, function() c:control(3, "campaign") end)
c:at(1500, function() c:restart(1) end)
-- From the client's history (JSON lines, times in ns): the last write
-- acknowledged before A died, and the first later read that returned a
-- value written before it (acknowledged writes lost), if any.
local function stale_read()
  local order, last, first_stale = {}, nil, nil
  for line in string.gmatch(c:history(), "[^\n]+") do
    local ty, f = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"')
    local v, t = tonumber(line:match('"value":(%-?%d+)')), tonumber(line:match('"time":(%d+)')) / 1e6
    if ty == "ok" and f == "write" and t < 1000 then
      order[v] = #order + 1; order[#order + 1] = v; last = v
    elseif ty == "ok" and f == "write" then
      break   -- a newer write: later reads prove nothing
    elseif ty == "ok" and f == "read" and t > 1000 and last and v and order[v] and order[v] < order[last] then
      first_stale = { t = t, v = v }
      break
    end
  end
  if first_stale then
    print(string.format("%7.1f ms  the client reads %d, but %d was acknowledged before A died: the writes\n" ..
      "           after %d are lost (C's log never had them, and C overwrote B's copy)",
      first_stale.t, first_stale.v, last, first_stale.v))
  elseif last then
    print(string.format("           no read returned a value older than %d, the last write acknowledged\n" ..
      "           before A died: the new leader's log holds every committed write", last))
  end
end

c:at(2000, function()
  show("after ")
  stale_read()
  local l = c:leader()
  if l then
    local b = c:state(2)
    print(string.format("           the leader is n%d (B=n2 holds %d entries, last term %d):\n           %s", l,
      b.log_length, b.last_term, l == 3 and "C won with a log missing committed entries: B voted for it anyway"
        or "B refused C (C's last entry had an older term than B's); an up-to-date server won"))
  end
end)

c:run { until_ms = 3000 }
return c:check { "linearizable", "invariants" }
