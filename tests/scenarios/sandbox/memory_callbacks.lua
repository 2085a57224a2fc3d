-- A callback that has run is garbage: 20,000 one-shot c:after callbacks,
-- each holding 1,000 numbers of its own (about 16 KB, 320 MB in all), fit
-- an 8 MiB memory limit only when each one's closure is let go once it
-- has run. A c:every callback stays (it runs again).
local c = dsim.cluster { protocol = "single", nodes = 1, limits = { memory = 8 * 1048576 } }

local ran, ticks = 0, 0
c:every(1000, function() ticks = ticks + 1 end)
local function arm(i)
  local mine = {}
  for k = 1, 1000 do mine[k] = k * i end
  c:after(1, function()
    ran = ran + #mine // 1000
    if i < 20000 then arm(i + 1) end
  end)
end
arm(1)
c:run { until_ms = 20001 }
assert(ran == 20000, ran)
assert(ticks == 20, ticks)
print("ok")
