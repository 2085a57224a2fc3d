-- 40 strings of 2 GiB would be 86 GB: the memory limit stops the run here.
local t = {}
for i = 1, 40 do t[i] = string.rep("x", 2 ^ 31 - 100) end
