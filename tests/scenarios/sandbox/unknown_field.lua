-- Unknown fields: the message lists the known ones, and names a key that is
-- not a string by its type.
local key = dsim.param("key", "bogus")
local t = { protocol = "single", nodes = 1 }
if key == "table" then t[{}] = 1 else t[key] = 1 end
dsim.cluster(t)
