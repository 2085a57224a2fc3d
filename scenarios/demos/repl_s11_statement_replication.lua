-- repl_s11_statement_replication.lua — S11 (statement_replication in
-- DEMOS.md): statement-based versus row-based replication of statements
-- that are not deterministic.
--
-- A leader n1 and two synchronous followers n2, n3 (protocol
-- "replication", mode sync). The table has computed columns (option
-- columns = "now,rand"): every write of row k is the statement
--   UPDATE t SET v = ?, updated_at = NOW(), nonce = RAND() WHERE id = k
-- (the row k and its columns "k.now", the executing node's wall clock in
-- ms, and "k.rand", a draw from the executing node's randomness). The
-- followers' clocks are off by +40 and -25 ms (NTP never gets them equal).
-- Three clients write and read 4 rows for 2.5 s, then stop; at 3 s every
-- replica has applied the same log.
--   -D shipping=statement (default here): the log carries the statement;
--      each replica runs NOW() and RAND() itself when it applies it, with
--      its own clock and its own randomness. The logs are equal, the
--      states are not: the convergence check (replica state equality after
--      quiescence) fails and names a column and each replica's value.
--   -D shipping=row: the fix, a row-based (logical) log: the leader runs
--      the statement once and ships the resulting values (the row image);
--      every replica applies the same values: convergence holds.
-- Auto-increment is not shown: this engine runs one statement at a time
-- in log order (see protocols/replication/repl_stmt.c).
--
--   dsim run scenarios/demos/repl_s11_statement_replication.lua                  # exit 1
--   dsim run scenarios/demos/repl_s11_statement_replication.lua -D shipping=row  # exit 0

local shipping = dsim.param("shipping", "statement")
local c = dsim.cluster {
  protocol = "replication", nodes = 3,
  options  = { mode = "sync", shipping = shipping, columns = "now,rand" },
  net      = { latency = dsim.uniform(1, 10) },
  clients  = { count = 3, workload = "kv", keys = 4, rate = 20, timeout = 500, stop = 2500 },
}
c:clock(2, { offset = 40 })
c:clock(3, { offset = -25 })
c:run { until_ms = 3000 }
local s1, s2, s3 = c:state(1), c:state(2), c:state(3)
print(string.format("LSNs applied at the end: n1 %d, n2 %d, n3 %d", s1.applied, s2.applied, s3.applied))
print(string.format("row k0 at n1, n2, n3: v = %s, %s, %s; updated_at = %s, %s, %s",
  s1.kv.k0, s2.kv.k0, s3.kv.k0, s1.kv["k0.now"], s2.kv["k0.now"], s3.kv["k0.now"]))
return c:check { "convergence", "linearizable", "invariants" }
