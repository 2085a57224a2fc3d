-- raft_snapshot.lua — R8: a follower too far behind gets a snapshot.
--
-- What it teaches: servers compact their logs (§7): after 'snapshot_every'
-- applied entries (here 20) each writes its state machine to disk and
-- drops the entries the snapshot covers. A follower cut off for a long
-- time needs entries its leader no longer has, so the leader sends its
-- snapshot (InstallSnapshot) and then the entries after it. At the end
-- all servers hold equal states: the same digest at the same applied
-- index, which the invariants check compares at every index. PreVote is
-- on, so the cut-off server does not depose the leader when it returns.
--
-- Correct (passes):  dsim run scenarios/demos/raft_snapshot.lua
-- Broken (fails: State Machine Safety, states differ at one index; the
-- snapshot is labelled with an entry whose effect it does not hold; the
-- script prints the two states at that index, which later writes may make
-- equal again by the end):
--                    dsim run scenarios/demos/raft_snapshot.lua -D bug=snapshot_off_by_one

local c = dsim.cluster {
  protocol = "raft", nodes = 3,
  options  = { election_timeout = {150, 300}, heartbeat = 50, snapshot_every = 20,
               prevote = true },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 3, workload = "kv", keys = 4, rate = 50, timeout = 400, stop = 3000 },
}

local function show(label)
  for i = 1, 3 do
    local s = c:state(i)
    print(string.format("%7.1f ms  %s n%d %-8s log %3d..%3d, applied %3d, state %s", c:now(), label, i,
      s.role, s.snapshot_index + 1, s.log_length, s.applied, s.state_digest))
  end
end

local lagger
c:at(500, function()
  local l = c:leader()
  lagger = l % 3 + 1
  print(string.format("  500.0 ms  isolate n%d", lagger))
  c:isolate(lagger)
end)
c:at(2500, function() show("cut "); c:heal(); print(" 2500.0 ms  heal") end)

-- Every millisecond around the heal: each server's state digest by applied
-- index, and the moment the lagging server installs the leader's snapshot.
-- The final digests may agree again (later writes overwrite the key the
-- bad snapshot lost), so the comparison that matters is at the snapshot.
local seen, installed = { {}, {}, {} }, nil
c:every(1, function()
  if c:now() > 2700 then return end
  for i = 1, 3 do
    local st = c:state(i)
    if st.applied and not seen[i][st.applied] then seen[i][st.applied] = st.state_digest end
  end
  local st = c:state(lagger)
  if not installed and st.snapshot_index and st.snapshot_index > 100 then
    installed = { t = c:now(), index = st.snapshot_index, applied = st.applied, digest = st.state_digest }
  end
end, 1500)

c:at(2700, function()
  show("heal")
  if not installed then print("           n" .. lagger .. " installed no snapshot"); return end
  local other = lagger % 3 + 1
  local theirs = seen[other][installed.applied]
  print(string.format("%7.1f ms  n%d installed the leader's snapshot of index %d; right after, at applied index %d,\n" ..
    "           its state is %s; n%d's state at index %d was %s", installed.t, lagger, installed.index,
    installed.applied, installed.digest, other, installed.applied, theirs or "(not seen)"))
  if theirs and theirs ~= installed.digest then
    print("           they differ: the snapshot says it holds entries up to its index, but it holds\n" ..
          "           the state from before the last one (taken before applying it); that entry's\n" ..
          "           effect is lost on n" .. lagger .. ", though later writes may hide it in the end")
  elseif theirs then
    print("           they are equal: the snapshot holds exactly the effect of every entry up to its index")
  end
end)
c:run { until_ms = 4500 }
show("end ")
return c:check { "linearizable", "invariants" }
