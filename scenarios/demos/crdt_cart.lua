-- crdt_cart.lua — S16: a shopping cart, a counter and a register as CRDTs.
--
-- What it teaches: replicas that accept updates while cut off from each
-- other still end up equal, whatever order, duplication or delay the
-- merges come in, when their state is a CRDT; and what goes wrong when a
-- merge is not a join. Three replicas (n1..n3, each a leader of its own
-- data centre) take updates for 3 s: cart adds and removes of items 1..3
-- (an OR-Set), counter increments (a PN-Counter) and register writes (an
-- MV-Register), each at a random replica every 40 ms. Meanwhile the
-- network duplicates 30 % of the messages between replicas and delays them
-- by 1-80 ms (reordering), and the replicas are offline from each other
-- from 500 to 1500 ms, and n3 alone from 2000 to 2600 ms. Then a quiet
-- second. The checks:
--   convergence  every replica holds the same cart, counter and register;
--   cart         add wins: an item is in the cart exactly when one of its
--                adds was seen by no remove (the scenario remembers the
--                tags each remove observed), so an item removed with no
--                concurrent re-add never reappears, and a concurrent
--                re-add is never lost;
--   counter      the counter equals the sum of every increment, once.
-- The last two report through the invariants check.
--   -D bug=orset_remove_wins   a merge lets a remove delete adds it never
--                              saw: "Cart: item 1 has an add no remove
--                              observed, but is gone" (the cart ends empty)
--   -D bug=gcounter_sum_merge  merging adds the entries instead of taking
--                              the larger: every duplicated or repeated
--                              merge counts the increments again: the
--                              invariants see it at the first merge
--                              ("Counter bound: n2 counts 6 up and 0 down
--                              for n3 on c0, which counted only 3 and 0")
--   -D delivery=ops            the same updates as one message each: the
--                              duplicates are dropped by their numbers.
--
-- Correct (passes):  dsim run scenarios/demos/crdt_cart.lua
-- Broken (fails):    dsim run scenarios/demos/crdt_cart.lua -D bug=orset_remove_wins
--                    dsim run scenarios/demos/crdt_cart.lua -D bug=gcounter_sum_merge

local c = dsim.cluster {
  protocol = "multileader", nodes = 3,
  options  = { dcs = 3, delivery = dsim.param("delivery", "state"), gossip = 30 },
  net      = { latency = dsim.uniform(1, 80), dup = 0.3 },
  clients  = { count = 0 },
  invariants = "every",
}

local adds, observed, total, v = {}, {}, 0, 0
c:every(40, function()
  if c:now() >= 3000 then return end
  local n, roll = math.random(1, 3), math.random(1, 10)
  local item = math.random(1, 3)
  if roll <= 4 then
    local r = c:control(n, "cart_add", { item = item })
    adds[item] = adds[item] or {}
    adds[item][#adds[item] + 1] = r.tag[1] .. "." .. r.tag[2]
  elseif roll <= 6 then
    for _, t in ipairs(c:control(n, "cart_remove", { item = item }).removed) do
      observed[t[1] .. "." .. t[2]] = true
    end
  elseif roll <= 8 then
    local d = math.random(1, 3)
    c:control(n, "add", { key = 0, value = d }); total = total + d
  else
    v = v + 1; c:control(n, "write", { key = 0, value = v })
  end
end, 20)
c:at(500, function() c:partition { { 1 }, { 2 }, { 3 } } end)
c:at(1500, function() c:heal() end)
c:at(2000, function() c:partition { { 1, 2 }, { 3 } } end)
c:at(2600, function() c:heal() end)
c:at(3000, function() c:net { dup = 0 } end)

c:at(3999, function()
  local problem
  for n = 1, 3 do
    local kv = c:state(n).kv
    local reg = type(kv.k0) == "table" and ("siblings " .. table.concat(kv.k0, ",")) or tostring(kv.k0)
    print(string.format("n%d: cart {%s}, counter %s, register %s", n, table.concat(kv.cart or {}, ", "),
                        tostring(kv.c0), reg))
  end
  local kv = c:state(1).kv
  for item = 1, 3 do
    local want, have = false, false
    for _, t in ipairs(adds[item] or {}) do want = want or not observed[t] end
    for _, x in ipairs(kv.cart or {}) do have = have or x == item end
    if want ~= have and not problem then
      problem = "Cart: item " .. item .. (want and " has an add no remove observed, but is gone"
                                               or " is present though every add was removed")
    end
  end
  print("the increments sum to " .. total)
  if not problem and kv.c0 ~= total then
    problem = "Counter: the increments sum to " .. total .. " but n1 counted " .. tostring(kv.c0)
  end
  if problem then c:control(1, "violation", { why = problem }) end
end)
c:run { until_ms = 4000 }
return c:check { "convergence", "invariants" }
