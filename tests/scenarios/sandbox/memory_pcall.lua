-- A script that catches the memory error and carries on is still stopped:
-- the limit ends the run.
local c = dsim.cluster { protocol = "single", nodes = 1, limits = { memory = 8 * 1024 * 1024 } }
local keep = {}
for i = 1, 1e9 do
  pcall(function() keep[#keep + 1] = ("x"):rep(1e5) .. i end)
end
