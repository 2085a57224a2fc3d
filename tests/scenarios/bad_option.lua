local c = dsim.cluster { nodes = 3, options = { nonsense = 1 } }
