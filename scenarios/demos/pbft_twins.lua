-- pbft_twins.lua — Twins (Bano, Sonnino, Chursin, Perelman, Malkhi,
-- "Twins: BFT Systems Made Robust", 2022) on PBFT: a replica runs twice,
-- with one identity and one key, and equivocation comes out of honest code.
--
-- What it teaches: a Byzantine node need not run evil code. Two copies of
-- a correct replica, with the same key, each in a different partition,
-- each sign what the honest protocol tells them: together they sign two
-- different requests for one sequence number, which is equivocation. The
-- kernel runs the second instance (n1') as a node of its own (state,
-- disk, clock, timers) that other nodes address as n1; the partition puts
-- n1 and n1' on opposite sides. A twin is one faulty replica: PBFT with
-- f = 1 survives it, and with two twinned replicas (f + 1 faulty) it does
-- not, nor with a quorum one short (quorum_2f) -- which is how Twins finds
-- safety bugs in BFT protocols without writing any Byzantine behaviour.
-- Phase 1 (0-1500 ms): sides {n1, n2, n3} and {n1', n4}. Both instances
-- of the primary order the clients' requests as they arrive, and they
-- arrive in different orders: at 250 ms the scenario prints sequence
-- numbers where n1 and n1' pre-prepared different requests, both signed
-- by n1. Side 1 has 2f+1 = 3 replicas and commits; side 2 (n1', n4)
-- cannot, and its view-change timers fire in vain (no 2f+1 there).
-- Phase 2 (heal): every replica now hears both instances of n1. Backups
-- accept one pre-prepare per (view, seq), so the second version is refused;
-- n4, which holds n1''s versions, cannot commit them, its timer fires, and
-- it catches up by state transfer or a view change; the correct replicas
-- agree on every sequence number and the clients' history is linearizable.
-- Broken, two twins (-D twins=2, n1 and n2): sides {n1, n2, n3} and
-- {n1', n2', n4} both hold 3 = 2f+1 signers: n3 and n4 execute different
-- requests at one sequence number ("Agreement: ...").
-- Broken, the planted bug (-D bug=quorum_2f): a quorum of 2 lets side 2
-- (n1', n4) commit on its own: "Agreement: ..." again.
--
-- Correct (passes): dsim run scenarios/demos/pbft_twins.lua
-- Broken (fails):   dsim run scenarios/demos/pbft_twins.lua -D twins=2
-- Broken (fails):   dsim run scenarios/demos/pbft_twins.lua -D bug=quorum_2f

local ntwins = dsim.param("twins", 1)
local twins = {}
for i = 1, ntwins do twins[i] = "n" .. i end
local c = dsim.cluster {
  protocol = "pbft", nodes = 4, twins = twins,
  options  = { view_timeout = 300, status = 500, checkpoint_every = 16 },
  net      = { latency = dsim.uniform(1, 15) },
  clients  = { count = 4, workload = "kv", keys = 4, rate = 50, timeout = 1500,
               send = "all", replies = 2, retransmit = 400 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
local side1, side2 = { "n3" }, { "n4" }
for _, t in ipairs(twins) do
  table.insert(side1, t)
  table.insert(side2, t .. "'")
end
if ntwins == 1 then table.insert(side1, "n2") end
say("4 replicas tolerate f = 1 Byzantine; twinned: %s (each twin is one faulty replica)",
    table.concat(twins, ", "))
say("partition {%s} | {%s}", table.concat(side1, " "), table.concat(side2, " "))
c:partition { side1, side2 }

-- ev.node is the identity; ev.instance names a twin instance ("n1'").
local function who(ev) return ev.instance or ("n" .. ev.node) end
c:on("view_change", function(ev)
  say("%s: VIEW-CHANGE to view %d", who(ev), ev.view)
end)
c:on("new_view", function(ev)
  say("%s: NEW-VIEW for view %d accepted, primary n%d", who(ev), ev.view, ev.primary)
end)

c:run { until_ms = 250 }
local a, b = c:state("n1"), c:state("n1'")
local shown = 0
for seq = 1, 32 do
  local k = tostring(seq)
  local x, y = a.ordered[k], b.ordered[k]
  if x and y and x ~= y and shown < 3 then
    say("sequence number %d: n1 pre-prepared request %d, n1' pre-prepared request %d: one key, two requests",
        seq, x, y)
    shown = shown + 1
  end
end
if shown == 0 then say("the twins pre-prepared no differing requests yet") end
c:run { until_ms = 1500 }
for _, i in ipairs { "n1", "n1'", "n2", "n3", "n4" } do
  say("%-3s executed %d", i, c:state(i).last_executed)
end

say("heal: every replica hears both instances of n1")
c:heal()
c:run { until_ms = 5000 }
for _, i in ipairs { "n2", "n3", "n4" } do
  local s = c:state(i)
  say("%s: view %d, primary n%d, executed %d", i, s.view, s.primary, s.last_executed)
end
return c:check { "invariants", "linearizable" }
