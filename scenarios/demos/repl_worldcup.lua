-- repl_worldcup.lua — C1 (lin_worldcup in DEMOS.md): a score read from a
-- lagging follower after an out-of-band message.
--
-- A leader n1 and an asynchronous follower n2 (protocol "replication",
-- mode async, followers answer reads: follower_reads). The link n1 -> n2
-- is slow (150 ms), so n2 applies the log 150 ms late. Alice (c1) talks to
-- the leader: she updates the score (writes) and reads it; Bob (c2) reads
-- at his own node, the follower (send = "own": every operation starts at
-- the client's own node; his writes are redirected to the leader). One
-- register: the score.
-- Alice reads the final score at the leader and tells Bob (the phone call,
-- the out-of-band message: in the history it is simply that her read ended
-- before his began). Bob reads the follower and sees the score from before.
-- The linearizability check fails and reports the minimal pair: Alice's
-- operation at the leader completed before Bob's read at n2 began (the
-- real-time edge Alice -> Bob), yet Bob's read returned a value her
-- operation had already overwritten ("c2's read returned null, a value
-- overwritten at 63.9 ms by c1's write of 1").
-- The fix: read from the leader (-D follower_reads=false: the follower
-- redirects reads to the leader; linearizable, exit 0), or through a
-- protocol that confirms its leadership for every read (Raft's ReadIndex).
--
--   dsim run scenarios/demos/repl_worldcup.lua                          # exit 1
--   dsim run scenarios/demos/repl_worldcup.lua -D follower_reads=false  # exit 0

local follower_reads = dsim.param("follower_reads", true)
local c = dsim.cluster {
  protocol = "replication", nodes = 2,
  options  = { mode = "async", follower_reads = follower_reads },
  net      = { latency = 2 },
  clients  = { count = 2, workload = "register", send = "own", rate = 20, timeout = 500 },
}
c:net { from = { 1 }, to = { 2 }, latency = 150 }
c:run { until_ms = 3000 }
print(string.format("follower n2 lags the leader by %d entries at the end (LSN %d against %d)",
  c:state(1).lsn - c:state(2).lsn, c:state(2).lsn, c:state(1).lsn))
return c:check { "linearizable", "invariants" }
