-- Over the host's memory (a ulimit in the test) but under limits.memory:
-- that is not bad input, it is an internal error (exit 3, "out of memory").
local c = dsim.cluster { protocol = "single", nodes = 1, limits = { memory = 2 ^ 40 } }
local big = string.rep("x", 2 ^ 30)
