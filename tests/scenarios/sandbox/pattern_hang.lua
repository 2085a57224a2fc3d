-- Backtracking in the pattern matcher is charged to the instruction budget:
-- this used to run for hours inside Lua's C matcher.
local s = ("a"):rep(2000)
local found = string.find(s, ("a-"):rep(6) .. "b")
print("not reached", found)
