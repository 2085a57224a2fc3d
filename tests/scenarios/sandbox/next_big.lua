-- 'next' in sorted order must cost O(1) amortised per step: this walk over
-- 20,000 string keys used to re-sort all keys on every call.
local t = {}
for i = 1, 20000 do t["k" .. i] = i end
local n, sum = 0, 0
for k, v in next, t do n = n + 1; sum = sum + v end
assert(n == 20000 and sum == 20000 * 20001 // 2, "walk incomplete")
-- deleting during a walk is allowed and skips the deleted keys
local m = 0
for k in next, t do t[k] = nil; m = m + 1 end
assert(m == 20000 and next(t) == nil, "delete during walk")
-- the order is sorted, and a key inserted between walks is seen
local u = { b = 1, a = 2, c = 3 }
local order = {}
for k in next, u do order[#order + 1] = k end
u.aa = 4
for k in next, u do order[#order + 1] = k end
assert(table.concat(order, ",") == "a,b,c,a,aa,b,c", table.concat(order, ","))
assert(not pcall(next, u, "nope"), "an unknown key is an error")
print("ok")
