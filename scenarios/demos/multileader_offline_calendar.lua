-- multileader_offline_calendar.lua — S17: devices as leaders, offline for long.
--
-- What it teaches: a calendar app whose every device (phone n1, laptop n2,
-- tablet n3) is a leader of its own replica — multi-leader replication
-- taken to its extreme — keeps working offline for many minutes, and on
-- reconnection the devices converge; but edits made to the same slot while
-- apart are conflicts, and only keeping them as siblings lets the user see
-- and settle them. Four slots (k0..k3, Monday to Thursday); every 20 s one
-- device books one slot with a new appointment (numbered 1, 2, ...).
-- Devices sync every second when they can reach each other. The phone is
-- offline from minute 2 to minute 9, the laptop from minute 5 to minute 11;
-- booking stops at minute 12, and at minute 13 each device shows its
-- calendar.
--   -D resolve=merge  (the default) every slot booked on two devices apart
--                     shows both appointments ("k1: 17 | 19 (conflict: the
--                     user chooses)"), the same on every device: passes.
--   -D resolve=lww    the devices converge too, but each conflict was
--                     settled by the devices' wall clocks and the other
--                     booking is gone: the scenario's lost-write check fails
--                     ("Lost writes: N bookings were discarded by
--                     last-writer-wins").
--
-- Siblings (passes):  dsim run scenarios/demos/multileader_offline_calendar.lua
-- LWW (fails):        dsim run scenarios/demos/multileader_offline_calendar.lua -D resolve=lww

local resolve = dsim.param("resolve", "merge")
local c = dsim.cluster {
  protocol = "multileader", nodes = 3,
  options  = { dcs = 3, resolve = resolve, gossip = 1000 },
  net      = { latency = dsim.uniform(20, 200) },
  clients  = { count = 0 },
  invariants = "every",
}
local MIN = 60000
c:at(2 * MIN, function() c:partition { { 1 }, { 2, 3 } } end)
c:at(5 * MIN, function() c:partition { { 1 }, { 2 }, { 3 } } end)
c:at(9 * MIN, function() c:partition { { 1, 3 }, { 2 } } end)
c:at(11 * MIN, function() c:heal() end)

local booking = 0
c:every(20000, function()
  if c:now() >= 12 * MIN then return end
  booking = booking + 1
  c:control(math.random(1, 3), "write", { key = math.random(0, 3), value = booking })
end, 10000)
local lost, seen = 0, {}
c:on("lww_lost", function(ev)
  if not seen[ev.lost] then seen[ev.lost] = true; lost = lost + 1 end
end)

c:at(13 * MIN, function()
  local days = { "Mon", "Tue", "Wed", "Thu" }
  for n = 1, 3 do
    local row = {}
    for k = 0, 3 do
      local sib = c:control(n, "read", { key = k }).siblings
      row[#row + 1] = days[k + 1] .. " " .. (#sib == 0 and "-" or table.concat(sib, " | ")) ..
                      (#sib > 1 and " (conflict: the user chooses)" or "")
    end
    print(({ "phone ", "laptop", "tablet" })[n] .. ": " .. table.concat(row, "; "))
  end
  if resolve == "lww" then
    print("last-writer-wins discarded " .. lost .. " bookings")
    if lost > 0 then
      c:control(1, "violation", { why = "Lost writes: " .. lost ..
        " bookings were discarded by last-writer-wins" })
    end
  end
end)
c:run { until_ms = 13 * MIN + 1 }
return c:check { "convergence", "invariants" }
