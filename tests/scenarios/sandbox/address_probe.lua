-- Every way a scenario could observe an address. Run several times (with
-- address-space randomisation on): outputs and fingerprints must agree.
local c = dsim.cluster { protocol = "single", nodes = 3, clients = { count = 2 } }
local out = {}
local function say(...) local t = table.pack(...) for i = 1, t.n do out[#out + 1] = tostring(t[i]) end end
say(tostring({}), tostring(print), tostring(c), tostring(coroutine.create(print)))
say(tostring(setmetatable({}, { __name = "x" })), string.format("%s|%s|%s", {}, print, c))
say(pcall(string.format, "%p", {}))
say(pcall(string.format, "%5p", print))
say(pcall(c.crash, c, {}))
say(pcall(c.crash, c, setmetatable({}, { __name = "y" })))
say(pcall(c.net, c, { [{}] = 1 }))
say(pcall(error, {}))
-- table, function, thread and userdata keys visit in creation order
local t, fs = {}, {}
for i = 1, 200 do t[{}] = i; fs[function() return i end] = i end
t[coroutine.create(print)] = 201; t[c] = 202; t[print] = 203; t[ipairs({})] = 204
for k, v in pairs(t) do out[#out + 1] = v end
for k, v in pairs(fs) do out[#out + 1] = v end
local k = nil
repeat k = next(t, k); if k then out[#out + 1] = t[k] end until k == nil
-- memory counts and finalizer timing follow string-keyed tables with
-- deletions (Lua's string hash is seeded from time and addresses)
local h = {}
for r = 1, 30 do
  for i = 1, 300 do h["key" .. i .. "_" .. r] = i end
  for i = 1, 300, 2 do h["key" .. i .. "_" .. r] = nil end
end
local fin = {}
for i = 1, 2000 do setmetatable({}, { __gc = function() fin[#fin + 1] = i end }); local x = { "k" .. i } end
out[#out + 1] = collectgarbage("count")
out[#out + 1] = #fin .. ":" .. tostring(fin[1]) .. ":" .. tostring(fin[#fin])
local s = table.concat(out, " ")
assert(not s:find("0x"), "an address: " .. s)
print(s)
c:at(10, function() c:partition { { 1 }, { 2, 3 } } end)
c:run { until_ms = 500 }
return c:check { "linearizable" }
