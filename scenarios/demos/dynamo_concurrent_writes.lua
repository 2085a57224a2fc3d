-- dynamo_concurrent_writes.lua — demo S21: concurrent writes to one key
-- (a shopping cart), three ways to resolve them.
--
-- What it teaches: two clients add items to the same cart (a set) at the
-- same time through different coordinators, over links with variable
-- delays. Each add reads the cart at r = 2 replicas, adds its item and
-- writes the cart back to w = 2 of n = 3 (intersecting quorums: stale
-- reads are not the problem here; concurrency is).
-- - versioning = overwrite: each replica keeps the cart that arrived last.
--   Two concurrent adds each write a cart without the other's item: one
--   item vanishes, and the replicas may keep different carts for good.
-- - versioning = lww: every cart carries the coordinator's wall clock;
--   replicas converge on the largest timestamp, and the other concurrent
--   add is silently discarded although it was acknowledged.
-- - versioning = vv (the default): version vectors tell "happened before"
--   from "concurrent"; concurrent carts are siblings, merged by the set's
--   rule (union) — the final cart holds every item (Dynamo's shopping cart;
--   for a register the siblings go to the reader, see dynamo.h).
-- The set-full check is the lost-write detector: an acknowledged add that
-- no later read of the cart shows.
--
-- Version vectors (passes):   dsim run scenarios/demos/dynamo_concurrent_writes.lua
-- LWW (fails: set-full, acknowledged adds lost; the replicas converge):
--                             dsim run scenarios/demos/dynamo_concurrent_writes.lua -D versioning=lww
-- Overwrite on receive (fails: set-full):
--                             dsim run scenarios/demos/dynamo_concurrent_writes.lua -D versioning=overwrite

local versioning = dsim.param("versioning", "vv")
local c = dsim.cluster {
  protocol = "dynamo", nodes = 3,
  options  = { n = 3, w = 2, r = 2, sloppy = false, versioning = versioning, keys = 1,
               type = "set", read_repair = false, anti_entropy = 100 },
  net      = { latency = dsim.uniform(1, 30) },
  clients  = { count = 2, workload = "set", read = 50, rate = 40, timeout = 500, send = "own",
               stop = 3000 },
}
c:run { until_ms = 3500 }
local rec = c:state(1).kv["0"] or "nothing"
print(string.format("versioning=%s: n1's cart: %s", versioning, rec:match("%[([^%]]*)") or rec))
return c:check { "set-full", "convergence", held = true }
