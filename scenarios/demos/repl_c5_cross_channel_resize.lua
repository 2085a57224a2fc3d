-- repl_c5_cross_channel_resize.lua — C5 (cross_channel_resize in DEMOS.md):
-- a message queue beside an asynchronously replicated store is faster than
-- the replication, and a thumbnail is made from a stale image for good.
--
-- A leader n1 and two asynchronous followers n2, n3 that answer reads
-- (follower_reads); the links n1 -> n2 and n1 -> n3 take 60 and 150 ms.
-- The "resize" workload: c1, the web server, uploads one of two images
-- drawn at random (each upload writes the image's next version at the
-- leader) and, once an upload is acknowledged, puts a message "image k
-- is at version v" on a queue. The queue is a second channel between the clients that
-- delivers at once. c2 and c3, the resizers, take the messages and read
-- the image at their own node (send = "own": n2 and n3) to make the
-- thumbnail. The followers have not applied the upload yet: the resizer
-- reads the previous version and the thumbnail is made from it.
-- Judged by check "resize": every thumbnail is made from the version its
-- message announced or a newer one. The broken run lists the stale
-- resizes and, under "permanent", the images whose last upload got a
-- thumbnail of an older version: no later message will repair it.
-- The fixes:
--   -D fix=token: the message carries the upload's session token (the LSN
--      the leader's reply gave, session_token = true) and the resizer
--      reads with it: a follower holds the read until it has applied that
--      LSN. Reads stay at the followers, only later (exit 0).
--   -D fix=leader: read the image from the leader, the node that
--      acknowledged the upload (follower_reads = false; a linearizable
--      read in a store that promises one) (exit 0).
--
--   dsim run scenarios/demos/repl_c5_cross_channel_resize.lua               # exit 1: resize
--   dsim run scenarios/demos/repl_c5_cross_channel_resize.lua -D fix=token  # exit 0
--   dsim run scenarios/demos/repl_c5_cross_channel_resize.lua -D fix=leader # exit 0
-- Look for the resize report's "stale" count and "permanent" list.

local fix = dsim.param("fix", "none")
if fix ~= "none" and fix ~= "token" and fix ~= "leader" then
  error("-D fix: none, token or leader, got '" .. fix .. "'")
end
local c = dsim.cluster {
  protocol = "replication", nodes = 3,
  options  = { mode = "async", follower_reads = fix ~= "leader", session_token = fix == "token" },
  net      = { latency = 2 },
  clients  = { count = 3, workload = "resize", keys = 2, carry = fix == "token" and 1 or 0, send = "own",
               rate = 10, timeout = 1000 },
}
c:net { from = { 1 }, to = { 2 }, latency = 60 }
c:net { from = { 1 }, to = { 3 }, latency = 150 }
c:run { until_ms = 3000 }
local at = { 0, 0, 0 }
for line in string.gmatch(c:history(), "[^\n]+") do
  local node = tonumber(line:match('"type":"ok","f":"resize".*"node":"n(%d)"'))
  if node then at[node] = at[node] + 1 end
end
print(string.format("resizes answered by n1 %d, n2 %d, n3 %d; LSNs at the end: %d, %d, %d",
  at[1], at[2], at[3], c:state(1).lsn, c:state(2).lsn, c:state(3).lsn))
return c:check { "resize", "invariants" }
