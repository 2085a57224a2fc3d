-- Each of these must be absent in the sandbox.
assert(io == nil, "io is available")
assert(os == nil, "os is available")
assert(require == nil, "require is available")
assert(dofile == nil and loadfile == nil, "dofile/loadfile are available")
assert(load("return 1")() == 1, "text chunks still load")
assert(load(string.dump(function() end)) == nil, "binary chunks must not load")
assert(tostring({}) == "table", "tostring shows an address")
assert(not pcall(math.randomseed, 1), "math.randomseed is available")
local r = math.random(1, 6)
assert(r >= 1 and r <= 6)
local c = dsim.cluster { nodes = 1 }
c:run { until_ms = 1 }
