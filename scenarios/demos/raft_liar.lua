-- raft_liar.lua — B2 (raft_with_liar in DEMOS.md): Raft with one Byzantine
-- node. Raft tolerates crashes, not lies.
--
-- What it teaches: every Raft safety property rests on each node following
-- the protocol. Three servers; n3 lies (c:byzantine, one of the behaviours
-- in raft's 'byzantine' table: dsim list protocols). -D lie= picks which:
--   double_vote (default): n3 says yes to every vote request of a term.
--     n3 leads term 1; then n1 and n2 cannot reach each other (both links
--     cut) and both campaign in term 2; each counts itself and n3: two
--     leaders of one term. The invariants fail with "Election Safety".
--   fake_last_term: n3 is cut off while the clients write, then returns and
--     campaigns claiming a log of its campaign's term. The others vote for
--     its stale log; as leader it overwrites the entries they had
--     committed. The invariants fail (Leader Completeness, or State
--     Machine Safety).
--   split_entries: n3 leads and sends n2 entries with other values than
--     the ones n1 gets and it keeps itself: at one index and term the logs
--     differ. The invariants fail with "Log Matching".
-- Correct (passes): -D liar=false runs the same script with n3 honest: one
-- vote per term, the up-to-date check holds, one log.
-- There is no fix inside Raft: a Byzantine fault-tolerant protocol (PBFT,
-- 3f+1 nodes, signed messages) is the answer; the crash-fault assumption
-- is part of the algorithm.
--
-- Broken (fails):   dsim run scenarios/demos/raft_liar.lua
--                   dsim run scenarios/demos/raft_liar.lua -D lie=fake_last_term
--                   dsim run scenarios/demos/raft_liar.lua -D lie=split_entries
-- Correct (passes): dsim run scenarios/demos/raft_liar.lua -D liar=false

local lie = dsim.param("lie", "double_vote")
local liar = dsim.param("liar", true)
local c = dsim.cluster {
  protocol = "raft", nodes = 3,
  options  = { election_timeout = { 300, 600 }, heartbeat = 50, prevote = false },
  net      = { latency = dsim.uniform(1, 5) },
  clients  = { count = 2, workload = "kv", keys = 2, rate = 20, timeout = 300 },
  invariants = "every",
}

local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
local function show()
  for i = 1, 3 do
    local s = c:state(i)
    say("n%d: %-9s term %d, log to %d, commit %d", i, s.role or "down", s.term or 0, s.log_length or 0,
        s.commit or 0)
  end
end
if liar then
  c:byzantine(3, lie)
  say("n3 is Byzantine: %s", lie)
else
  say("n3 is honest (-D liar=false)")
end

if lie == "double_vote" then
  c:run { until_ms = 300 }
  c:control(3, "campaign")   -- n3 leads first, so n1 and n2 are both followers of one term
  c:run { until_ms = 1000 }
  show()
  c:cut(1, 2); c:cut(2, 1)
  say("n1 and n2 cut from each other; both campaign")
  c:control(1, "campaign"); c:control(2, "campaign")
  c:run { until_ms = 1200 }
elseif lie == "fake_last_term" then
  c:run { until_ms = 600 }
  c:isolate(3)
  say("n3 cut off; the clients write to n1 and n2")
  c:run { until_ms = 2000 }
  c:heal()
  show()
  say("n3 is back and campaigns")
  c:control(3, "campaign")
  c:run { until_ms = 2600 }
else
  c:run { until_ms = 300 }
  c:control(3, "campaign")
  say("n3 campaigns and leads; the clients write")
  c:run { until_ms = 2000 }
end
show()
return c:check { "invariants", "linearizable" }
