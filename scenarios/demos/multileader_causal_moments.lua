-- multileader_causal_moments.lua — C4: a reply seen before its parent.
--
-- What it teaches: asynchronous multi-leader replication without causal
-- delivery shows effects before their causes, and a vector-clock
-- causal-delivery buffer fixes it. Three data centres, one leader each
-- (n1, n2, n3), replicating every update to every other leader (all-to-
-- all, one message per update: delivery = "ops"). Links inside the
-- world take 10 ms, but DC1 -> DC3 takes 200 ms.
--   t=100  A (at DC1) posts:             k5 := 1  (the post; clients use k0..k3)
--   t=130  B (at DC2) reads the post (it arrived at 110) and comments:
--                                        k6 := 2   (the comment, after the post)
--   t=160  C (at DC3) has the comment (arrived at 140) but not yet the
--          post (due at 300), and replies to the comment:  k7 := 3
--   t=100..400  a reader at DC3 polls k5 and k6 every 5 ms.
-- Without causal delivery (the default) DC3 applies the comment at 140
-- and the reader sees a comment whose post does not exist: the
-- scenario's consistent-prefix check reports it through the invariants
-- check ("Consistent prefix: DC3 showed the comment (k6 = 2) at 140 ms
-- without its post (k5)"). With -D causal=true, DC3 withholds the comment
-- (the "withheld" event: it depends on DC1's first update) until the post
-- arrives at 300, and then shows both; C, who could not see the comment
-- before, replies later. Kv clients (one per DC, sticky, on k0..k3) run
-- alongside and the causal (CC) check judges their history too: it passes
-- with causal delivery; without it, whether their random operations hit
-- such a moment depends on timing (here they do not, the script does).
--
-- Wrong (fails):  dsim run scenarios/demos/multileader_causal_moments.lua
-- Fixed (passes): dsim run scenarios/demos/multileader_causal_moments.lua -D causal=true
-- Planted bug:    dsim run scenarios/demos/multileader_causal_moments.lua -D causal=true -D bug=causal_skip
--                 (an off-by-one in the buffer releases the comment early)
-- The viewer (--html) shows the slow DC1 -> DC3 arrow overtaken by the
-- DC1 -> DC2 -> DC3 path.

local causal = dsim.param("causal", false)
local c = dsim.cluster {
  protocol = "multileader", nodes = 3,
  options  = { dcs = 3, delivery = "ops", causal = causal, topology = "all-to-all", gossip = 1000 },
  net      = { latency = dsim.constant(10) },
  clients  = { count = 3, workload = "kv", keys = 4, read = 50, write = 50, cas = 0, rate = 20,
               timeout = 500, send = "own" },
  invariants = "every",
}
c:net { from = { 1 }, to = { 3 }, latency = dsim.constant(200) }

local first_bad
local function show(v) return v == nil and "nil" or tostring(v) end
c:at(100, function() c:control(1, "write", { key = 5, value = 1 }); print("t=100 DC1 posts k5 = 1") end)
c:at(130, function()
  local post = c:control(2, "read", { key = 5 }).value
  print("t=130 DC2 reads the post: k5 = " .. show(post))
  if post == 1 then c:control(2, "write", { key = 6, value = 2 }); print("t=130 DC2 comments k6 = 2") end
end)
c:at(160, function()
  local comment = c:control(3, "read", { key = 6 }).value
  print("t=160 DC3 reads the comment: k6 = " .. show(comment))
  if comment == 2 then c:control(3, "write", { key = 7, value = 3 }); print("t=160 DC3 replies k7 = 3") end
end)
c:every(5, function()
  if c:now() > 400 then return end
  local post = c:control(3, "read", { key = 5 }).value
  local comment = c:control(3, "read", { key = 6 }).value
  if comment == 2 and post ~= 1 and not first_bad then
    first_bad = math.floor(c:now())
    print(string.format("t=%d DC3 shows the comment k6 = 2 but the post k5 = %s", first_bad, show(post)))
  end
end, 100)
c:on("withheld", function(ev)
  if c:now() > 400 then return end
  print(string.format("t=%d n%d withholds n%d's update %d until what it depends on arrives",
                      math.floor(c:now()), ev.node, ev.origin, ev.seq))
end)
c:at(400, function()
  local s = c:state(3).kv
  print(string.format("t=400 DC3 holds post k5 = %s, comment k6 = %s", show(s.k5), show(s.k6)))
  if first_bad then
    c:control(1, "violation", { why = string.format(
      "Consistent prefix: DC3 showed the comment (k6 = 2) at %d ms without its post (k5)", first_bad) })
  end
end)
c:run { until_ms = 3000 }
return c:check { "invariants", "causal", criterion = "cc" }
