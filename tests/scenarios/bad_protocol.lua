local c = dsim.cluster { protocol = "nonesuch", nodes = 3 }
