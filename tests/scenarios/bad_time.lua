local c = dsim.cluster { nodes = 3 }
c:at(-5, function() end)
