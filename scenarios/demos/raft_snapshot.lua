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
-- snapshot is labelled with an entry whose effect it does not hold):
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
c:at(2600, function() show("heal") end)
c:run { until_ms = 4500 }
show("end ")
return c:check { "linearizable", "invariants" }
