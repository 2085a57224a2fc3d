-- An error object that is not a string still names the file and line.
local where = dsim.param("where", "top")
if where == "top" then
  error({})
elseif where == "coroutine" then
  local co = coroutine.wrap(function() error({}) end)
  co()
elseif where == "tostring" then
  error(setmetatable({}, { __tostring = function() return "custom error" end }))
elseif where == "callback" then
  local c = dsim.cluster { protocol = "single", nodes = 1 }
  c:at(5, function() error({}) end)
  c:run { until_ms = 10 }
end
if where == "bad_tostring" then
  error(setmetatable({}, { __tostring = function() error("again") end }))
end
