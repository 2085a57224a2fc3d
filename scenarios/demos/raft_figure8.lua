-- raft_figure8.lua — R3: the Raft paper's Figure 8, scripted exactly.
--
-- What it teaches: a leader may not decide that an entry from an EARLIER
-- term is committed just because a majority now stores it. In (c) S1,
-- leader of term 4, finishes replicating the term-2 entry at index 2 to a
-- majority. The buggy rule ("commit whatever a majority holds") calls it
-- committed; but S5, whose last entry has term 3, can still win term 5 with
-- votes from S2, S3 and S4 and overwrite index 2 everywhere (d). The Raft
-- rule commits only entries of the leader's current term by counting;
-- earlier ones are committed indirectly, when a current-term entry after
-- them is (e). So in (d) nothing committed is lost.
--
-- Run the correct variant (passes; index 2 is overwritten, but it was
-- never committed):
--   dsim run scenarios/demos/raft_figure8.lua
-- Run the broken variant (fails: Leader Completeness, S5 leads term 5
-- without the entry S1 reported committed):
--   dsim run scenarios/demos/raft_figure8.lua -D bug=figure8
-- The paper's (e), where S1 replicates a term-4 entry first and S5 cannot
-- win:  -D schedule=e
-- Entries are scripted writes ("propose"); there is no no-op per term here
-- (noop = false), exactly as in the figure. Elections are started by the
-- script ("campaign"); the election timeout is a minute, so nothing else
-- campaigns, and one-way cuts decide who hears what.

local schedule = dsim.param("schedule", "d")

local c = dsim.cluster {
  protocol = "raft", nodes = 5,
  options  = { election_timeout = {60000, 70000}, heartbeat = 50, noop = false },
  net      = { latency = 5 },
}

local down = {}
local function show(label)
  local parts = {}
  for i = 1, 5 do
    if down[i] then
      parts[#parts + 1] = string.format("S%d down", i)
    else
      local s = c:state(i)
      parts[#parts + 1] = string.format("S%d %s t%d len%d last_t%d commit%d", i,
        string.sub(s.role, 1, 1), s.term, s.log_length, s.last_term, s.commit)
    end
  end
  print(string.format("%7.1f ms %-4s %s", c:now(), label, table.concat(parts, " | ")))
end
local function cut_from(a, list) for _, b in ipairs(list) do c:cut(a, b) end end
local function crash(i) c:crash(i); down[i] = true end
local function restart(i) c:restart(i); down[i] = nil end

local early = nil   -- the commit of index 2 by the leader of term 4, if any
c:on("commit", function(ev)
  print(string.format("%7.1f ms      S%d (leader of term %d) reports index %d committed",
    c:now(), ev.node, ev.term, ev.index))
  if ev.index == 2 and ev.term == 4 then early = c:now() end
end)

-- Index 1, term 1, on every server (S5 leads term 1).
c:at(10, function() c:control(5, "campaign") end)
c:at(50, function() c:control(5, "propose", { key = 0, value = 1 }) end)
-- (a) S1 leads term 2; index 2 reaches S2 only.
c:at(100, function() c:control(1, "campaign") end)
c:at(112, function() cut_from(1, {3, 4, 5}) end)
c:at(115, function() c:control(1, "propose", { key = 0, value = 2 }) end)
c:at(140, function() show("(a)") end)
-- (b) S1 crashes; S5 wins term 3 with S3, S4; its index 2 stays local.
c:at(150, function() crash(1) end)
c:at(160, function() c:control(5, "campaign") end)
c:at(172, function() cut_from(5, {1, 2, 3, 4}) end)
c:at(175, function() c:control(5, "propose", { key = 0, value = 3 }) end)
c:at(190, function() show("(b)") end)
-- (c) S5 crashes; S1 restarts and wins term 4 (its first try, term 3,
-- loses: S3 and S4 voted for S5 in term 3). It replicates index 2 to the
-- others, then appends index 3 of term 4, which does not leave S1 in (d).
c:at(200, function() crash(5); c:heal() end)
c:at(210, function() restart(1) end)
c:at(220, function() c:control(1, "campaign") end)
c:at(240, function() c:control(1, "campaign") end)
c:at(275, function() if schedule ~= "e" then cut_from(1, {2, 3, 4, 5}) end end)
c:at(280, function() c:control(1, "propose", { key = 0, value = 4 }) end)
c:at(295, function() show("(c)") end)
-- (d) S1 crashes; S5 restarts and wins term 5 with S2, S3, S4 (its first
-- try, term 4, loses), then overwrites index 2 with its term-3 entry.
c:at(300, function() crash(1); c:heal() end)
c:at(310, function() restart(5) end)
c:at(320, function() c:control(5, "campaign") end)
c:at(340, function() c:control(5, "campaign") end)
c:at(420, function() show(schedule == "e" and "(e)" or "(d)") end)
c:at(450, function() restart(1) end)

c:run { until_ms = 1000 }
show("end")
local s5 = c:state(5)
if early and s5.role == "leader" and s5.last_term == 3 then
  print(string.format("what happened: at %.1f ms S1, leader of term 4, called index 2 (a term-2 entry)\n" ..
    "  committed because a majority stored it. S5's last entry has term 3, newer than term 2, so\n" ..
    "  S2, S3 and S4 voted for it in term 5, and it replaced index 2 everywhere with its own entry:\n" ..
    "  a committed entry was lost. Fix: count replicas only for entries of the leader's own term.", early))
elseif schedule == "e" then
  print("why it passes: S1 replicated an entry of its own term 4 to a majority before crashing, so\n" ..
        "  S5 (last term 3) could win no election; committing it committed index 2 as well")
else
  print("why it passes: S1 never called index 2 committed (its term is 2, not 4: replicas are\n" ..
        "  counted only for current-term entries), so S5 overwriting it lost nothing committed")
end
return c:check { "invariants" }
