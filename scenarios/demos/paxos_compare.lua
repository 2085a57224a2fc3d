-- paxos_compare.lua — K1 (consensus_compare in DEMOS.md): the same
-- workload and the same fault on Raft and on Multi-Paxos, measured.
--
-- What it teaches: the two protocols cost about the same in the common
-- case (one leader, one round trip to a majority per command), and differ
-- in what a leader change costs: Raft elects the most up-to-date node and
-- needs no recovery round; a Multi-Paxos leader runs phase 1 for every
-- slot above its commit point and proposes again what it recovers.
-- Workload: 5 nodes, 3 clients on the kv workload (8 keys, 40 ops/s
-- each), links U(1, 8) ms, election timeout U(150, 300) ms, heartbeats
-- every 50 ms; reads go through the log in Multi-Paxos and through
-- ReadIndex in Raft (the defaults). At 3 s the leader crashes (it comes
-- back at 4 s). Measured: messages sent per completed client operation,
-- the mean and 99th-percentile latency of completed operations, and the
-- unavailability after the crash (until a new leader commits a command).
-- The table (one row per protocol; the runs are deterministic per seed):
--
--   for p in raft paxos; do
--     dsim run scenarios/demos/paxos_compare.lua -D protocol=$p | grep '^|'
--   done | awk '!seen[$0]++'
--
-- Both rows must pass linearizability and their invariants (exit 0).

local protocol = dsim.param("protocol", "paxos")
local crash_at = 3000
local c = dsim.cluster {
  protocol = protocol, nodes = 5,
  options  = { election_timeout = {150, 300}, heartbeat = 50 },
  net      = { latency = dsim.uniform(1, 8) },
  clients  = { count = 3, workload = "kv", keys = 8, rate = 40, timeout = 500 },
}

local crashed, back_at = nil, nil
c:on(protocol == "raft" and "commit" or "chosen", function(ev)
  if crashed and not back_at and ev.node ~= crashed then back_at = c:now() end
end)
c:at(crash_at, function() crashed = c:leader(); if crashed then c:crash(crashed) end end)
c:at(crash_at + 1000, function() if crashed then c:restart(crashed) end end)
c:run { until_ms = 8000 }

-- Latencies of completed operations, from the history (JSON lines).
local started, lat = {}, {}
for line in string.gmatch(c:history(), "[^\n]+") do
  local p, ty = string.match(line, '"process":(%d+),"type":"(%a+)"')
  local t = tonumber(string.match(line, '"time":(%d+)'))
  if ty == "invoke" then started[p] = t
  elseif ty == "ok" and started[p] then lat[#lat + 1] = (t - started[p]) / 1e6 end
end
table.sort(lat)
local sum = 0
for _, x in ipairs(lat) do sum = sum + x end
local st = c:stats()
print("| protocol | ok ops | messages/op | mean latency ms | p99 latency ms | unavailable ms |")
print("|---|---|---|---|---|---|")
print(string.format("| %s | %d | %.1f | %.1f | %.1f | %s |", protocol, st.ok, st.sent / math.max(st.ok, 1),
  sum / math.max(#lat, 1), lat[math.max(1, math.ceil(#lat * 0.99))] or 0,
  back_at and string.format("%.0f", back_at - crash_at) or "never"))
return c:check { "linearizable", "invariants" }
