local c = dsim.cluster { nodes = 3, options = { flush = "soon" } }
