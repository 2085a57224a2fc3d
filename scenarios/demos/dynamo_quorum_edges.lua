-- dynamo_quorum_edges.lua — demo S19: quorum edge cases under w + r > n.
--
-- What it teaches: quorums are tuning, not a guarantee. Two of the
-- chapter's cases, by -D case (C2, dynamo_quorum_race.lua, is the third:
-- a read concurrent with a write):
--
-- case=failed_write (the default): n = 3, w = 3, r = 2, and replica n3 is
-- down from 500 to 2500 ms. A write cannot gather its three
-- acknowledgements, so its client times out and records it as unknown
-- (info) — the write "failed" as far as the client can tell. But nothing
-- rolls it back: n1 and n2 took it, and later reads return it. The
-- history shows writes that were never acknowledged and yet are read
-- (counted below), and the number of replicas holding the latest value
-- stays below w while n3 is down. Reads stay quorum reads: with w + r > n
-- they are still never older than the last acknowledged write, but a
-- "failed" write is not a write that did not happen.
--
-- case=restore: n = 3, w = 2, r = 2. Four times, n3 is cut off for 600 ms
-- (it misses every write: w = 2 is met by n1 and n2), then one of the
-- nodes holding the newest value "fails" and an operator restores its
-- data from n3 (control restore: drop the records, copy n3's). The newest
-- acknowledged value is now on one replica, fewer than w: the detector
-- below counts the replicas holding it before and after each restore. A
-- read answered by the restored node and n3 — a quorum of two, w + r > n —
-- returns the older value after a newer one was read: linearizability
-- fails. Read repair mends a replica only when a read happens to ask it
-- together with the one good copy; anti-entropy, off here, would mend it
-- in the background (-D anti_entropy=50 shrinks the window, not the risk).
--
--   dsim run scenarios/demos/dynamo_quorum_edges.lua           (failed writes later visible)
--   dsim run scenarios/demos/dynamo_quorum_edges.lua -D w=2    (writes succeed; only
--                                   those sent to n3 itself time out, and none is read)
--   dsim run scenarios/demos/dynamo_quorum_edges.lua -D case=restore
--                                   (fails: linearizable; the newest value on 1 replica < w)
--   dsim run scenarios/demos/dynamo_quorum_edges.lua -D case=restore -D from=fresh
--                                   (restored from a current replica: passes)

local case = dsim.param("case", "failed_write")
if case ~= "failed_write" and case ~= "restore" then
  error("-D case: unknown '" .. case .. "' (failed_write or restore)")
end

if case == "restore" then
  local from = dsim.param("from", "stale")
  if from ~= "stale" and from ~= "fresh" then error("-D from: stale or fresh, got '" .. from .. "'") end
  local w = dsim.param("w", 2)
  local c = dsim.cluster {
    protocol = "dynamo", nodes = 3,
    options  = { n = 3, w = w, r = 2, sloppy = false, versioning = "lww", keys = 1, timeout = 250,
                 anti_entropy = dsim.param("anti_entropy", 0), read_repair = dsim.param("read_repair", false) },
    net      = { latency = dsim.uniform(1, 10) },
    clients  = { count = 3, workload = "register", read = 80, write = 20, rate = 20, timeout = 200,
                 send = "random" },
  }
  -- The version n'i' holds: its lww timestamp and writer ("v@ts:by #digest").
  local function version(i)
    local rec = c:state(i).kv["0"]
    if not rec then return nil end
    local v, ts, by = rec:match("^(%-?%d+)@(%-?%d+):(%d+)")
    return { value = tonumber(v), ts = tonumber(ts), by = tonumber(by) }
  end
  -- The replicas holding 'ver' or a newer version.
  local function holders(ver)
    local list = {}
    for i = 1, 3 do
      local h = version(i)
      if h and (h.ts > ver.ts or (h.ts == ver.ts and h.by >= ver.by)) then list[#list + 1] = "n" .. i end
    end
    return list
  end
  local fewest = 3
  for round = 0, 3 do
    local t0 = 300 + 1000 * round
    local victim = round % 2 + 1   -- n1, n2, n1, n2: a node holding the newest value
    local source = from == "stale" and 3 or 3 - victim
    c:at(t0, function() c:partition { { 3 }, { 1, 2, "c1", "c2", "c3" } } end)
    c:at(t0 + 600, function()
      c:heal()
      local newest = version(victim)
      local before = holders(newest)
      c:control(victim, "restore", { from = source })   -- its disk failed: copied from 'source'
      c:after(30, function()   -- the copy has arrived
        local after = holders(newest)
        if #after < fewest then fewest = #after end
        print(string.format("round %d: newest value %d on %s (%d, w = %d); n%d restored from n%d: %s (%d%s)",
          round + 1, newest.value, table.concat(before, ", "), #before, w, victim, source,
          #after > 0 and "on " .. table.concat(after, ", ") or "on none", #after, #after < w and " < w" or ""))
      end)
    end)
  end
  c:run { until_ms = 4500 }
  print(string.format("fewest replicas holding the newest acknowledged value after a restore: %d (w = %d)",
    fewest, w))
  return c:check { "linearizable", "invariants" }
end

local w = dsim.param("w", 3)
local c = dsim.cluster {
  protocol = "dynamo", nodes = 3,
  options  = { n = 3, w = w, r = 2, sloppy = false, versioning = "lww", keys = 1, timeout = 250 },
  net      = { latency = dsim.uniform(1, 10) },
  clients  = { count = 3, workload = "register", read = 60, write = 40, rate = 20, timeout = 200,
               send = "own" },
}
c:at(500, function() c:crash(3) end)
c:at(2500, function() c:restart(3) end)
c:run { until_ms = 3500 }

local open, unacked, seen = {}, {}, {}
local count_unacked = 0
for line in string.gmatch(c:history(), "[^\n]+") do
  local ty, f, p = line:match('"type":"(%a+)"'), line:match('"f":"(%a+)"'), tonumber(line:match('"process":(%d+)'))
  local v = tonumber(line:match('"value":(%-?%d+)'))
  if ty == "invoke" then open[p] = v
  elseif f == "write" and ty ~= "ok" then unacked[open[p]] = true; count_unacked = count_unacked + 1
  elseif f == "read" and ty == "ok" and v then seen[v] = true end
end
local visible = 0
for v in pairs(unacked) do if seen[v] then visible = visible + 1 end end
print(string.format("w=%d: %d writes not acknowledged, %d of them read later", w, count_unacked, visible))
return c:check { "invariants" }
