-- -D values for a number parameter must be finite numbers.
local x = dsim.param("case", 1)
print(x)
