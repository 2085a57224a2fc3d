#!/usr/bin/env python3
"""faults_check.py KIND TRACE — asserts from a dsim trace (JSON lines) that
the fault kind KIND did what it says, for the pinned schedules of
tests/scenarios/fault_KIND.lua. Used by tests/faults_cli.sh.

Windows are taken from the trace's own "fault" start/end events, in trace
(execution) order, so an event at the same instant as the fault's start is
judged by whether it ran before or after it."""
import json
import sys

MS = 1_000_000


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def windows(ev):
    """fault number -> (start index, end index, start event)."""
    out = {}
    for i, e in enumerate(ev):
        if e.get("ev") != "fault" or "fault" not in e:
            continue
        k = e["fault"]
        if e["phase"] == "start":
            out[k] = [i, None, e]
        elif e["phase"] == "end":
            out[k][1] = i
    return out


def inside(ev, win, kind):
    s, t, _ = win
    return [e for e in ev[s + 1:t] if e.get("ev") == kind]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def idx(name):
    return int(name[1:])


def check_partition(ev):
    w = windows(ev)
    if len(w) != 6:
        fail("want 6 partition windows, got %d" % len(w))

    def no_cross(win, cut, what):
        crossed = [d for d in inside(ev, win, "deliver")
                   if d["from"][0] == "n" and d["to"][0] == "n" and cut(idx(d["from"]), idx(d["to"]))]
        if crossed:
            fail("%s: %d deliveries crossed the cut, first %s" % (what, len(crossed), crossed[0]))
        drops = [d for d in inside(ev, win, "drop") if d.get("why") == "partition"]
        if not drops:
            fail("%s: nothing was dropped by the partition" % what)

    def some(win, ok, what):
        if not [d for d in inside(ev, win, "deliver")
                if d["from"][0] == "n" and d["to"][0] == "n" and ok(idx(d["from"]), idx(d["to"]))]:
            fail("%s: no delivery where the shape allows one" % what)

    a, b = {1, 2}, {3, 4, 5}
    no_cross(w[1], lambda f, t: (f in a) != (t in a), "halves")
    some(w[1], lambda f, t: f in b and t in b, "halves")
    iso = [d for d in inside(ev, w[2], "deliver") if "n3" in (d["from"], d["to"])]
    if iso:
        fail("isolate: n3 exchanged a message while isolated: %s" % iso[0])
    # leader: the node isolated is the one that led when the fault started
    leader, term = None, -1
    for e in ev[:w[3][0]]:
        if e.get("ev") == "role":
            if e["role"] == "leader" and e.get("term", -1) >= term:
                leader, term = e["node"], e.get("term", -1)
            elif e["node"] == leader:
                leader, term = None, -1
    if w[3][2].get("node") != leader:
        fail("leader: isolated %s but the leader was %s" % (w[3][2].get("node"), leader))
    if [d for d in inside(ev, w[3], "deliver") if leader in (d["from"], d["to"])]:
        fail("leader: the isolated leader exchanged a message")
    no_cross(w[4], lambda f, t: (f in {1, 2} and t in {4, 5}) or (f in {4, 5} and t in {1, 2}), "bridge")
    some(w[4], lambda f, t: 3 in (f, t), "bridge")
    # ring of 5: node i hears only i-1, i, i+1 (mod 5)
    no_cross(w[5], lambda f, t: ((f - t) % 5) not in (0, 1, 4), "ring")
    some(w[5], lambda f, t: f != t, "ring")
    no_cross(w[6], lambda f, t: f in a and t in b, "oneway")
    some(w[6], lambda f, t: f in b and t in a, "oneway (the open direction)")
    # heal: the cut direction carries messages again (which pairs talk is
    # Raft's business: only its leader sends to everyone)
    after = [d for d in ev[w[6][1]:] if d.get("ev") == "deliver" and d["from"] in ("n1", "n2")
             and d["to"] in ("n3", "n4", "n5")]
    if not after:
        fail("heal: nothing from {n1, n2} reached {n3, n4, n5} after the last partition")


def check_crash(ev):
    crash = [e for e in ev if e.get("ev") == "crash"]
    restart = [e for e in ev if e.get("ev") == "restart"]
    if [(e["t"], e["node"]) for e in crash] != [(1000 * MS, "n1"), (1650 * MS, "n1")]:
        fail("crash events: %s" % crash)
    if [(e["t"], e["node"]) for e in restart] != [(1200 * MS, "n1"), (1750 * MS, "n1")]:
        fail("restart events: %s" % restart)
    w = windows(ev)
    got = [d for d in inside(ev, w[1], "deliver") if d["to"] == "n1"]
    if got:
        fail("a crashed node received %s" % got[0])
    if not [d for d in inside(ev, w[1], "drop") if d["to"] == "n1" and d.get("why") in ("crashed", "restarted")]:
        fail("nothing addressed to the crashed node was dropped")


def check_pause(ev):
    w = windows(ev)[1]
    pause = [e for e in ev if e.get("ev") == "pause"]
    resume = [e for e in ev if e.get("ev") == "resume"]
    if [(e["t"], e["node"]) for e in pause] != [(1000 * MS, "n1")] or \
       [(e["t"], e["node"]) for e in resume] != [(1300 * MS, "n1")]:
        fail("pause/resume events: %s %s" % (pause, resume))
    ri = ev.index(resume[0])
    ran = [e for e in ev[w[0] + 1:ri] if e.get("ev") in ("deliver", "timer") and
           (e.get("to") == "n1" or e.get("node") == "n1")]
    if ran:
        fail("the paused node ran %s" % ran[0])
    late = [e for e in ev[ri:] if e.get("ev") == "deliver" and e["to"] == "n1" and e["t"] == 1300 * MS]
    if not late:
        fail("nothing held by the pause ran at resume time")


def clock_events(ev, node):
    return [e for e in ev if e.get("ev") == "clock" and e["node"] == node]


def check_clock(ev):
    n1, n2, n3 = clock_events(ev, "n1"), clock_events(ev, "n2"), clock_events(ev, "n3")
    if not (n1[0]["t"] == 500 * MS and n1[0]["mono_drift_ppm"] == 100000 and
            n1[0]["wall_drift_ppm"] == 100000):
        fail("drift did not start: %s" % n1[0])
    if not (n1[1]["t"] == 1000 * MS and n1[1]["mono_drift_ppm"] == 0 and n1[1]["wall_minus_true_ns"] == 0):
        fail("drift did not end with a resync: %s" % n1[1])
    if not (n2[0]["t"] == 500 * MS and n2[0]["wall_minus_true_ns"] == 1000 * MS and
            n2[1]["t"] == 1000 * MS and n2[1]["wall_minus_true_ns"] == 0):
        fail("offset: %s" % n2[:2])
    if not (n3[0]["t"] == 1200 * MS and n3[0]["wall_minus_true_ns"] == -700 * MS and
            n3[0].get("step_ns") == -700 * MS and n3[1]["wall_minus_true_ns"] == 0):
        fail("backward step: %s" % n3[:2])
    strobe = [e for e in n1 if 1700 * MS <= e["t"] < 1900 * MS]
    offs = [e["wall_minus_true_ns"] for e in strobe]
    if len(strobe) < 8 or offs[0] != 50 * MS or any(o not in (0, 50 * MS) for o in offs) or \
            any(offs[i] == offs[i + 1] for i in range(len(offs) - 1)):
        fail("strobe should flip the wall clock +50 ms / 0 every 20 ms: %s" % offs)


def check_net(ev):
    w = windows(ev)
    sends = {}
    for e in ev:
        if e.get("ev") == "send" and e["from"] != e["to"]:
            sends.setdefault(e["id"], e["t"])

    def t_in(t, win):
        return win[2]["t"] <= t < ev[win[1]]["t"]

    loss = [e for e in ev if e.get("ev") == "drop" and e.get("why") == "loss"]
    if not loss or any(not t_in(e["t"], w[1]) for e in loss):
        fail("loss drops must happen, and only in the loss window (%d)" % len(loss))
    dups = [e for e in ev if e.get("ev") == "dup"]
    if not dups or any(not t_in(e["t"], w[2]) for e in dups):
        fail("duplicates must happen, and only in the dup window (%d)" % len(dups))
    lat = {}
    for e in ev:
        if e.get("ev") == "deliver" and e["id"] in sends and not e.get("dup"):
            lat[e["id"]] = (sends[e["id"]], e["t"] - sends[e["id"]], e["from"], e["to"])
    spike = [v for v in lat.values() if t_in(v[0], w[3])]
    normal = [v for v in lat.values() if not t_in(v[0], w[3]) and not t_in(v[0], w[4])]
    if not spike or min(v[1] for v in spike) < 100 * MS:
        fail("spike: messages sent in the window must take >= 100 ms")
    if max(v[1] for v in normal) > 5 * MS:
        fail("outside spike/reorder windows latency must stay <= 5 ms")
    reo = sorted((v for v in lat.values() if t_in(v[0], w[4])), key=lambda v: v[0])
    if not reo or max(v[1] for v in reo) > 51 * MS:
        fail("reorder: latency must stay within the 50 ms window")
    inversions = 0
    last = {}
    for sent, l, f, t in reo:
        arr = sent + l
        if (f, t) in last and arr < last[(f, t)]:
            inversions += 1
        last[(f, t)] = max(arr, last.get((f, t), 0))
    if inversions == 0:
        fail("reorder: no message overtook an earlier one on the same link")


def check_disk(ev):
    starts = [e for e in ev if e.get("ev") == "fault" and e.get("phase") == "start" and e.get("kind") == "disk"]
    if len(starts) != 1 or starts[0]["node"] != "n1" or starts[0]["reads"] != 8:
        fail("disk fault start: %s" % starts)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    globals()["check_" + kind](load(path))
    print("ok:", kind)


if __name__ == "__main__":
    main()
