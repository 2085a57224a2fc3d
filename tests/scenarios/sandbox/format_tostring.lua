-- The sandbox's tostring and string.format keep Lua's results for every
-- value that has no address.
assert(tostring(1) == "1" and tostring(1.5) == "1.5" and tostring(nil) == "nil")
assert(tostring(true) == "true" and tostring("s") == "s")
assert(tostring(setmetatable({}, { __tostring = function() return "T" end })) == "T")
assert(tostring(setmetatable({}, { __name = "N" })) == "N")
assert(string.format("%5.2f|%d|%s|%q|%%|%x", 1.5, 3, "a", "b\n", 255) == " 1.50|3|a|\"b\\\n\"|%|ff")
assert(string.format("%s %s", 1, setmetatable({}, { __tostring = function() return "T" end })) == "1 T")
assert(string.format("%-5s|", {}) == "table|")
assert(not pcall(string.format, "%d", {}))
assert(("x"):format() == "x")
print("ok")
