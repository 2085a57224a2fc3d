-- multileader_conflicts.lua — S14: write conflicts between data-centre leaders.
--
-- What it teaches: with a leader in every data centre, two users can edit
-- the same record at the same time, and the system must resolve the
-- conflict. Last-writer-wins converges, but silently throws acknowledged
-- writes away (and a slow clock decides who "wrote last"); keeping the
-- concurrent versions as siblings (an MV-Register) loses nothing and lets
-- the reader merge. Three data centres, one leader each (n1, n2, n3), one
-- client per DC editing the same wiki title (the register workload: one
-- key). Links take 1 ms inside a DC and 40 ms between; DC3's wall clock
-- runs 80 ms behind. From 1000 to 2500 ms DC3 is cut off (its client
-- with it), so its edits and the others' pile up as conflicts, merged
-- after the heal.
--   -D resolve=lww    (the default) converges, but the "lww_lost" events
--                     show acknowledged edits discarded: the scenario's
--                     lost-write check fails through the invariants check
--                     ("Lost writes: N acknowledged edits were discarded by
--                     last-writer-wins"); which edit "wins" is decided by
--                     wall clocks, and DC3's runs slow.
--   -D resolve=merge  keeps concurrent edits as siblings ("siblings" events:
--                     up to 3 side by side after the heal) until an edit
--                     that has seen them all replaces them; nothing is lost:
--                     passes. A read shows one sibling (the newest by clock);
--                     inspect's kv shows all of them.
--
-- Loses writes (fails):  dsim run scenarios/demos/multileader_conflicts.lua
-- Siblings (passes):     dsim run scenarios/demos/multileader_conflicts.lua -D resolve=merge

local resolve = dsim.param("resolve", "lww")
local c = dsim.cluster {
  protocol = "multileader", nodes = 3,
  options  = { dcs = 3, resolve = resolve },
  net      = { latency = dsim.constant(1) },
  clients  = { count = 3, workload = "register", rate = 10, timeout = 300, send = "own", stop = 3500 },
  invariants = "every",
}
for a = 1, 3 do
  for b = 1, 3 do
    if a ~= b then c:net { from = { a }, to = { b }, latency = dsim.constant(40) } end
  end
end
c:clock(3, { offset = -80 })

c:at(1000, function() c:partition { { 1, 2, "c1", "c2" }, { 3, "c3" } } end)
c:at(2500, function() c:heal() end)

local lost, seen, siblings = 0, {}, 0
c:on("lww_lost", function(ev)   -- each replica reports what it discards: count each edit once
  if seen[ev.lost] then return end
  seen[ev.lost] = true
  lost = lost + 1
end)
c:on("siblings", function(ev) if ev.count > siblings then siblings = ev.count end end)

c:at(4999, function()
  for n = 1, 3 do
    local t = c:state(n).kv.k0
    print(string.format("DC%d's title: %s", n, type(t) == "table" and ("siblings " .. table.concat(t, ", ")) or tostring(t)))
  end
  if resolve == "lww" then
    print("last-writer-wins discarded " .. lost .. " acknowledged edits")
    if lost > 0 then
      c:control(1, "violation", { why = "Lost writes: " .. lost ..
        " acknowledged edits were discarded by last-writer-wins" })
    end
  else
    print("at most " .. siblings .. " concurrent edits were kept side by side as siblings")
  end
end)
c:run { until_ms = 5000 }
return c:check { "convergence", "invariants" }
