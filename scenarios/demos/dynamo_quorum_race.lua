-- dynamo_quorum_race.lua — demo C2: w + r > n is not linearizability.
--
-- What it teaches: with n = 3 replicas, w = 3 and r = 2 every read quorum
-- meets every write quorum, yet the store is not linearizable. A write is
-- acknowledged only once all three replicas have it, but until then it is
-- visible at some replicas and not others: reader A's quorum includes a
-- replica that already has the new value and returns it; reader B starts
-- after A finished, its quorum holds two replicas the write has not
-- reached yet, and it returns the old value. Here what n1 sends the other
-- servers is slow and variable (1 to 100 ms, drawn per message) while
-- everything else is fast: a write coordinated by n1 sits on n1 alone for
-- tens of milliseconds, a reader on n1 (A) sees it there, a reader on n2
-- or n3 (B) reads the two old replicas. Six clients, two per node ('send = own'),
-- race on their own; the checker finds such a pair of reads.
-- The fix (ABD, Attiya, Bar-Noy and Dolev): a reader writes the value it
-- is about to return back to a write quorum before answering (so no later
-- reader can miss it), and a writer reads a quorum first to pick a tag
-- above every tag it saw.
--
-- Quorum reads, no write-back (fails: linearizability, a later read older):
--            dsim run scenarios/demos/dynamo_quorum_race.lua
-- ABD (passes):   dsim run scenarios/demos/dynamo_quorum_race.lua -D abd=true
-- ABD without its write-back (fails again):
--            dsim run scenarios/demos/dynamo_quorum_race.lua -D abd=true -D bug=no_write_back

local abd = dsim.param("abd", false)
local c = dsim.cluster {
  protocol = "dynamo", nodes = 3,
  options  = { n = 3, w = 3, r = 2, sloppy = false, versioning = "lww", abd = abd,
               read_repair = false, anti_entropy = 0 },
  net      = { latency = dsim.uniform(1, 2) },
  clients  = { count = 6, workload = "register", read = 70, write = 30, rate = 50, timeout = 1000,
               send = "own" },
}
-- n1 far from the others, both ways; n2 and n3 close (clients at their node).
c:net { from = {1}, to = {2, 3}, latency = dsim.uniform(1, 100) }

c:run { until_ms = 15000 }

-- The race in the history: a read returned the old value, reader A then
-- the new one, and reader B, which began after A ended, the old one again
-- (each value is written once, so the register went back in time).
local open, reads, first_end = {}, {}, {}
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty, f, p = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"'), tonumber(line:match('"process":(%d+)'))
  local t, v = tonumber(line:match('"time":(%d+)')) / 1e6, tonumber(line:match('"value":(%-?%d+)'))
  if ty == "invoke" then open[p] = t
  elseif ty == "ok" and f == "read" and v then
    reads[#reads + 1] = { v = v, t0 = open[p], t1 = t, who = "c" .. (p % 6 + 1), node = line:match('"node":"(n%d)"') }
    if not first_end[v] or t < first_end[v] then first_end[v] = t end
  end
end
local found = false
for i = 1, #reads do
  local a = reads[i]
  for j = i + 1, #reads do
    local b = reads[j]
    if found or b.t0 > a.t1 + 100 then break end
    if b.t0 > a.t1 and b.v ~= a.v and first_end[b.v] < a.t0 then
      found = true
      print(string.format("a read returned %d by %.1f ms; reader A (%s via %s) then read %d "
        .. "(%.1f-%.1f ms); reader B (%s via %s) began at %.1f ms, after A ended, and read %d again",
        b.v, first_end[b.v], a.who, a.node, a.v, a.t0, a.t1, b.who, b.node, b.t0, b.v))
    end
  end
end
if not found then print("no reader saw a value go back after another reader saw a newer one") end
return c:check { "linearizable" }
