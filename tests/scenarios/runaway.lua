local c = dsim.cluster { nodes = 3, limits = { instructions = 100000 } }
local i = 0
while true do i = i + 1 end
