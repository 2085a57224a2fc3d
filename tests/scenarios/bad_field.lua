local c = dsim.cluster { nodes = 3, nodez = 4 }
