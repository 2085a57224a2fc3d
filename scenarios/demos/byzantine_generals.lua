-- byzantine_generals.lua — B1 (byzantine_generals in DEMOS.md): oral
-- messages OM(1), one traitor; three generals fail, four succeed.
--
-- What it teaches: Lamport, Shostak and Pease (1982) — with oral
-- (unsigned) messages, m traitors need 3m+1 generals. n1 commands "attack";
-- every lieutenant relays the order it got to the other lieutenants and
-- decides by majority (a tie or a missing value means retreat). One
-- general is a traitor (c:byzantine(k, "traitor"), the generals protocol's
-- behaviour): a traitorous lieutenant relays the opposite of its order, a
-- traitorous commander tells half the lieutenants attack and half retreat.
-- With 3 generals and traitor n3, loyal n2 hears "attack" from n1 and
-- "n1 said retreat" from n3: a tie, it retreats, and the loyal commander
-- was disobeyed: IC2 fails. n2 cannot tell this from a traitorous
-- commander (try -D traitor=1: then retreating was right). With 4 generals
-- each loyal lieutenant hears 2 of 3 values from loyal generals, so the
-- majority is right whoever the traitor is: IC1 and IC2 hold.
-- The check is the protocol's invariants: IC1 (the loyal lieutenants decide
-- alike) and IC2 (a loyal commander is obeyed).
--
-- Broken (fails, IC2):  dsim run scenarios/demos/byzantine_generals.lua
-- Correct (passes):     dsim run scenarios/demos/byzantine_generals.lua -D generals=4
--                       dsim run scenarios/demos/byzantine_generals.lua -D generals=4 -D traitor=1
-- Oral messages also assume the receiver knows who sent each message (the
-- paper's A2): -D forge=true makes the traitor a "forger" that sends
-- "retreat" in the other lieutenants' names, on a network that lets a node
-- forge the sender (dsim.cluster{net = {forge = true}}); then even four
-- generals fail. Without forge the channels are authenticated and drop
-- the forgeries ("forged" in the trace), and four generals pass.
--   dsim run scenarios/demos/byzantine_generals.lua -D generals=4 -D forge=true   (fails)
--   dsim run scenarios/demos/byzantine_generals.lua -D generals=4 -D forge=true -D net_forge=false   (passes)
-- Signed messages (SM(m), the same paper) need only m+2 generals: a relay
-- carries the commander's signature (dsim_sign), so a lie is caught.

local generals = dsim.param("generals", 3)
local traitor = dsim.param("traitor", generals)
local forge = dsim.param("forge", false)
local channels_forgeable = dsim.param("net_forge", forge)   -- -D net_forge=false: forger, authenticated channels
local c = dsim.cluster {
  protocol = "generals", nodes = generals,
  options  = { order = "attack" },
  net      = { latency = dsim.uniform(1, 5), forge = channels_forgeable },
  invariants = "every",
}
local function say(fmt, ...) print(string.format("%7.1f ms  " .. fmt, c:now(), ...)) end
if traitor > 0 then
  c:byzantine(traitor, forge and "forger" or "traitor")
  say("%d generals; n1 commands attack; n%d is a traitor%s", generals, traitor,
      forge and " that forges the others' relays" or "")
end
c:on("decide", function(ev)
  say("n%d%s decides %s", ev.node, ev.node == traitor and " (traitor)" or "", ev.value)
end)
c:run { until_ms = 200 }
return c:check { "invariants" }
