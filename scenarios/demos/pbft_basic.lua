-- pbft_basic.lua — S7 (pbft_basic in DEMOS.md): PBFT's three phases with
-- n = 3f+1 replicas, an equivocating primary, and the view change that
-- replaces it.
--
-- What it teaches: with f Byzantine replicas, n = 3f+1 and quorums of
-- 2f+1 are enough: any two quorums share f+1 replicas, so at least one
-- correct one, which never signs two digests for one sequence number.
-- Phase 1, all honest: one client writes; the scenario counts the
-- messages of each phase per executed request and prints them next to
-- the formula: PRE-PREPARE n-1, PREPARE (n-1)^2, COMMIT n(n-1): O(n^2)
-- (Raft needs 2(n-1) per entry).
-- Phase 2: the primary n1 equivocates: for each sequence number it sends
-- half the backups the client's request and the other half a null request,
-- with its own COMMIT for each version. No version gathers 2f prepares,
-- nothing commits, the backups' view-change timers fire, and 2f+1
-- VIEW-CHANGEs let n2 (primary of view 1) send NEW-VIEW; the clients
-- (f+1 identical replies) carry on. The correct replicas agree on every
-- sequence number: the invariants pass.
-- Broken: -D bug=quorum_2f: prepared and committed with 2f. For n = 4
-- that is 2: a backup's own prepare and commit plus the liar's commit
-- already make a quorum, so n2 executes the request and n3, n4 the null
-- request at the same sequence number; the invariants fail with
-- "Agreement: sequence number 74 executed request 74 (...) at n2 and the
-- null request at n4".
-- -D f=2 runs it with 7 replicas (and 2 liars: n1 equivocates, n7 is silent).
--
-- Correct (passes): dsim run scenarios/demos/pbft_basic.lua
-- Broken (fails):   dsim run scenarios/demos/pbft_basic.lua -D bug=quorum_2f
-- Bigger:           dsim run scenarios/demos/pbft_basic.lua -D f=2

local f = dsim.param("f", 1)
local n = 3 * f + 1
local c = dsim.cluster {
  protocol = "pbft", nodes = n,
  options  = { view_timeout = 200, status = 1000, checkpoint_every = 8 },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 4, rate = 20, timeout = 1500,
               send = "all", replies = f + 1, retransmit = 400 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
local phases = { "PrePrepare", "Prepare", "Commit" }
local function counts()
  local t, executed = { PrePrepare = 0, Prepare = 0, Commit = 0 }, 0
  for i = 1, n do
    local s = c:state(i)
    for _, p in ipairs(phases) do t[p] = t[p] + s.sent[p] end
    executed = math.max(executed, s.last_executed)
  end
  return t, executed
end

say("%d replicas tolerate f = %d Byzantine; quorums of 2f+1 = %d", n, f, 2 * f + 1)
c:run { until_ms = 2000 }
local t, executed = counts()
local total = 0
say("all honest: %d requests executed; messages per request:", executed)
local formula = { PrePrepare = n - 1, Prepare = (n - 1) * (n - 1), Commit = n * (n - 1) }
for _, p in ipairs(phases) do
  say("  %-10s %6.1f   (formula %d)", p, t[p] / executed, formula[p])
  total = total + t[p] / executed
end
say("  total      %6.1f   (formula 2n(n-1) = %d: O(n^2); Raft: 2(n-1) = %d)", total, 2 * n * (n - 1),
    2 * (n - 1))

c:on("view_change", function(ev)
  say("n%d: timer fired or f+1 joined: VIEW-CHANGE to view %d (%d prepared certificates)", ev.node, ev.view,
      ev.prepared)
end)
c:on("new_view", function(ev)
  say("n%d: NEW-VIEW for view %d accepted, primary n%d, %d pre-prepares re-issued", ev.node, ev.view,
      ev.primary, ev.reissued)
end)
c:byzantine(1, "equivocate")
if f >= 2 then c:byzantine(n, "silent") end
say("n1 (the primary of view 0) now equivocates%s", f >= 2 and "; n" .. n .. " is silent" or "")
local before = executed
c:run { until_ms = 5000 }
local _, after = counts()
for i = 2, n do
  local s = c:state(i)
  say("n%d: view %d, primary n%d, executed %d, stable checkpoint %d", i, s.view, s.primary,
      s.last_executed, s.stable_checkpoint)
end
say("executed since the equivocation: %d more requests", after - before)
return c:check { "invariants", "linearizable" }
