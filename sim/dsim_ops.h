/*
** dsim_ops.h — the kernel's operations: every change a scenario or a fault
** can make to a running world, and what they may look at.
**
** Who includes it: the fault kinds and the nemesis (faults/), the Lua
** binding (sim/lua/), the command (sim/cli/). Protocols never do: they
** see dsim.h only. The world stays opaque ('dsim_world' from dsim.h); the
** kernel's own header (sim/kernel/world.h) is for the kernel alone.
**
** Contract of every operation that changes the world:
** - it is the only code that makes that change: a Lua verb or a fault kind
**   is a thin adapter that checks its arguments and calls one of these;
** - it mixes the change into the fingerprint, always, and writes its trace
**   event when tracing is on, so tracing never changes a run;
** - it consumes no randomness (a fault schedule replayed forces the same
**   operations and gets the same fingerprint);
** - its arguments are valid (node ids 0..nodes-1, endpoints 0..nodes+
**   clients-1, drifts within DSIM_DRIFT_PPM_MAX): callers check user input
**   first, the kernel asserts.
** Nodes are 0-based here; scenarios and traces name them n1..nN, clients
** c1..cC (endpoints nodes..nodes+clients-1).
** Adding an operation (a Byzantine behaviour switch, a membership change):
** one function here and in sim/kernel/ops.c, keeping the contract above,
** then its Lua verb and its fault kind call it.
*/
#ifndef DSIM_OPS_H
#define DSIM_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dsim.h"
#include "latency.h"
#include "rng.h"

#define DSIM_DRIFT_PPM_MAX 500000   /* |clock drift| bound: half or 1.5 times speed */

typedef enum dsim_node_status {
    DSIM_NODE_UP = 0,
    DSIM_NODE_PAUSED = 1,
    DSIM_NODE_CRASHED = 2,
} dsim_node_status;

/* ---- looking ------------------------------------------------------------- */

uint64_t dsim_seed(const dsim_world *w);
int dsim_client_count(const dsim_world *w);
int dsim_endpoint_count(const dsim_world *w);          /* nodes + clients */
dsim_node_status dsim_node_status_of(const dsim_world *w, int node);
/* The node that orders writes now, or -1: among up nodes, the one whose
** 'inspect' role is "leader" with the highest "term" (equal terms, which
** only a broken protocol shows: the lowest id); when no node says
** "leader", the lowest-id node whose role is "primary" or "server"
** (protocols with a fixed coordinator). Reads only. */
int dsim_leader(dsim_world *w);
/* The protocol's 'inspect' of 'node' into 'out' (crashed: {"status"}). */
void dsim_inspect(dsim_world *w, int node, json_t *out);
/* Twins (docs/DESIGN.md "Twins"): node arguments of the operations below
** are slots, 0..nodes-1 the identities' first instances and nodes.. the
** twins' instances; endpoints put the twins after the clients. */
int dsim_slot_count(const dsim_world *w);              /* nodes + twins */
/* The slot of identity 'node''s twin instance, or -1 when it has none. */
int dsim_twin_slot(const dsim_world *w, int node);
int dsim_slot_endpoint(const dsim_world *w, int slot);
/* "n3", "n3'" (a twin) or "c2" into 'buf'; returns 'buf'. */
const char *dsim_endpoint_name(const dsim_world *w, int ep, char *buf, size_t cap);

/* ---- network shapes (sim/kernel/partition.c) ----------------------------- */
/* Every shape but 'cut' replaces the previous one; 'cut' adds up. */

/* 'group_of[ep]' (per endpoint) is a group label >= 0, or -1: unlisted
** nodes form one more group, an unlisted client reaches everyone. Labels
** need not be dense; groups are numbered in label order. */
void dsim_partition_groups(dsim_world *w, const int *group_of);
/* 'side_of[node]' is 0, 1 or -1: side 0 cannot send to side 1; the other
** direction, nodes on neither side and clients are untouched. */
void dsim_partition_oneway(dsim_world *w, const int *side_of);
void dsim_partition_isolate(dsim_world *w, int node);   /* clients too */
void dsim_partition_cut(dsim_world *w, int from, int to);   /* one way */
void dsim_partition_bridge(dsim_world *w, int bridge);     /* >= 3 nodes */
void dsim_partition_ring(dsim_world *w);                  /* majorities ring */
void dsim_partition_heal(dsim_world *w);

/* ---- links (sim/kernel/ops.c) --------------------------------------------- */

typedef struct dsim_link {     /* how one directed link behaves */
    latency_model latency;
    double drop, dup;          /* probabilities */
} dsim_link;

typedef struct dsim_link_set { /* the fields of a change; unset ones stay */
    bool latency_set, drop_set, dup_set, fifo_set;
    latency_model latency;
    double drop, dup;
    bool fifo;                 /* TCP-like connections on every link */
} dsim_link_set;

/* Changes the default link ('from' and 'to' NULL), or every link from an
** endpoint of 'from' to one of 'to'. 0, or -1 with a message when the
** links would need more distinct settings than the kernel holds (then
** some listed links may have changed already). */
int dsim_net_change(dsim_world *w, const dsim_link_set *c, const int *from, int from_len,
                    const int *to, int to_len, char *err, size_t cap);
/* The distinct link settings in force (the default is setting 0). */
int dsim_links_len(const dsim_world *w);
dsim_link dsim_link_at(const dsim_world *w, int i);
/* Replaces settings 0..len-1 at once (settings made since, by c:net, stay)
** and traces the default one with 'why' (a fault degrading or restoring
** the network). */
void dsim_links_replace(dsim_world *w, const dsim_link *links, int len, const char *why);

/* ---- processes (sim/kernel/ops.c) ----------------------------------------- */
/* A token names one crash or one pause: a later restart or resume given
** that token acts only if the node is still in that very crash or pause
** (overlapping faults stay well defined); token 0 acts on any. */

/* Crashes 'node'; the token, or 0 when it was crashed already. */
uint32_t dsim_crash(dsim_world *w, int node, bool tear);
/* Restarts a crashed node (before the first run: marks it up, to boot with
** the others); false when it was not down (from that crash). */
bool dsim_restart(dsim_world *w, int node, uint32_t token);
/* Pauses an up node, resuming it after 'dur_ns' (< 0: until dsim_resume);
** the token, or 0 when the node was not up. */
uint32_t dsim_pause(dsim_world *w, int node, int64_t dur_ns);
bool dsim_resume(dsim_world *w, int node, uint32_t token);

/* ---- clocks (sim/kernel/ops.c) --------------------------------------------- */

typedef struct dsim_clock_set {   /* the fields of a change; unset ones stay */
    bool mono_drift_set, wall_drift_set, wall_offset_set, step_set;
    int64_t mono_drift_ppm, wall_drift_ppm;   /* |x| <= DSIM_DRIFT_PPM_MAX */
    int64_t wall_offset_ns;                   /* wall = true time + offset */
    int64_t step_ns;                          /* the wall clock jumps by it */
} dsim_clock_set;

void dsim_clock_change(dsim_world *w, int node, const dsim_clock_set *c);
/* Drift 0 on both clocks, the wall clock back on true time. */
void dsim_clock_resync(dsim_world *w, int node);

/* ---- disks and protocols (sim/kernel/ops.c) ------------------------------- */

/* The next 'reads' reads of the node's disk fail their checksum. */
void dsim_disk_fail_reads(dsim_world *w, int node, uint32_t reads);
/* An administrative command to an up or paused node (membership, scripted
** set-ups) into 'result'; 0, -1 when the protocol refused ('result'
** "error" may say why), -2 when it cannot be asked (no 'control', or the
** node is crashed: 'result' "error" says which). Takes 'args'. */
int dsim_control(dsim_world *w, int node, const char *verb, json_t *args, json_t *result);

/* ---- Byzantine behaviour (sim/kernel/byzantine.c) -------------------------- */

/* The behaviours the kernel acts out for any protocol, NULL-terminated. */
extern const char *const dsim_byzantine_generic[];
/* Whether 'behaviour' is a generic one or one of the running protocol's,
** and applies to it ("corrupt" only to a protocol that validates input). */
bool dsim_byzantine_known(const dsim_world *w, const char *behaviour);
/* The running protocol's own behaviours (its 'byzantine' table), or NULL. */
const char *const *dsim_byzantine_own(const dsim_world *w);
/* Makes 'node' Byzantine with 'behaviour' (a generic one or one in the
** protocol's 'byzantine' table) and 'params' (an object, or NULL; the
** kernel keeps a copy, with the generic behaviours' defaults filled in);
** traces "byzantine". Returns a token for dsim_honest, or 0 with a message
** in 'err' when the behaviour is unknown or a generic one's parameters are
** wrong (silent: none; mute_to: peers = list of nodes 1..N; replay and
** corrupt: rate = probability, default 0.3). */
uint32_t dsim_byzantine_set(dsim_world *w, int node, const char *behaviour, json_t *params,
                            char *err, size_t cap);
/* Makes 'node' honest again if it is still in the Byzantine spell that
** 'token' names (0: any); traces "honest". False when it was not. */
bool dsim_honest(dsim_world *w, int node, uint32_t token);

/* ---- scheduling and recording ------------------------------------------- */

typedef void (*dsim_call_fn)(dsim_world *w, uint64_t a, uint64_t b);
/* Calls 'fn(w, a, b)' at true time 'at_ns' (>= now), after the events
** already due then. */
void dsim_call_at(dsim_world *w, int64_t at_ns, dsim_call_fn fn, uint64_t a, uint64_t b);
/* For a front end's own events (a fault starting): mix into the
** fingerprint, and a trace event {"t", "ev"} to fill (NULL when tracing is
** off) then hand to dsim_trace_emit, which takes it. */
void dsim_fp(dsim_world *w, uint64_t x);
void dsim_fp_bytes(dsim_world *w, const void *p, size_t len);
json_t *dsim_trace_event(dsim_world *w, const char *ev);
void dsim_trace_emit(dsim_world *w, json_t *e);

#endif
