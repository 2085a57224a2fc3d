local c = dsim.cluster { nodes = 3 }
c:at(5, function()
  local x = nil
  return x.field   -- line 4: indexing nil inside a scheduled callback
end)
c:run { until_ms = 10 }
