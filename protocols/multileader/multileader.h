/*
** multileader.h — multi-leader replication across data centres, with CRDTs.
**
** The cluster's nodes are split into 'dcs' data centres of consecutive ids
** (n1..nk the first, and so on); the lowest id of each is its leader, the
** rest its followers, until a failover makes a follower the leader
** (ml_failover.c). A client may talk to any node: a follower forwards
** to its leader. A leader applies a write to its own replica, syncs it,
** acknowledges it at once, and replicates it asynchronously to the other
** leaders over the 'topology' (all-to-all, ring, star) and to its own
** followers. Reads are answered from the leader's replica.
**
** The replica ('ml_data') holds one CRDT per key and kind: registers
** (MV-Register, or LWW-Register with resolve=lww), counters (PN-Counter,
** G-Counter with counter=g, or an LWW register of the sum with
** resolve=lww), the set of the set workload (OR-Set, key 0) and the
** scenario's cart (OR-Set, c:control). Its vector clock counts the updates
** of each origin the replica holds; every origin's updates are numbered
** 1, 2, 3... and held as a prefix. 'deps' joins the dependencies of the
** updates it holds: with causal replication deps <= vc always (an
** invariant), so no update is visible before what it depends on.
**
** Delivery:
**   state  every 'gossip' ms a leader sends its whole replica to each
**          neighbour whose acknowledged clock is behind its own; the
**          receiver merges (a join), so order, loss and duplication do not
**          matter and what arrives is causally closed.
**   ops    each update goes out at once as one small message ('ml_rop')
**          and is applied in per-origin order; with causal=true it is also
**          withheld until the updates it depends on (its vector clock)
**          have been applied (an OR-Set remove needs that: one that
**          overtakes an add it observed leaves the add alive there). A
**          neighbour whose acknowledgement lags for a
**          whole gossip interval gets the replica (state) instead.
** Loop prevention: an update is applied once (seq <= vc[origin] is a
** duplicate) and forwarded only when applied, never back to its origin or
** sender; over all-to-all only the origin sends it.
**
** Durability: a leader syncs the replica before acknowledging a client; a
** node syncs before acknowledging replication. The replica is written to
** two alternating disk slots with a generation ("replica.0/1"), so a torn
** write loses only an unsynced one. Recovery reads the newer valid slot.
*/
#ifndef MULTILEADER_H
#define MULTILEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "crdt.h"
#include "dsim.h"

#define ML_KEYS 8           /* register and counter keys */
#define ML_PENDING 128      /* withheld updates (ops delivery) */
#define ML_CLIENTS_MAX 64   /* clients whose duplicates a leader recognises */
#define ML_SEQ_MAX 0x7fffffffu

enum { MSG_FORWARD = 0, MSG_OP = 1, MSG_STATE = 2, MSG_ACK = 3, MSG_LEADER = 4 };
enum { TIMER_GOSSIP = 1 };
enum { TOPO_ALL, TOPO_RING, TOPO_STAR };
enum { RES_CRDT, RES_LWW, RES_MERGE };

/* The kinds of update. */
enum { ROP_REG = 1, ROP_CNT, ROP_CNT_LWW, ROP_SET_ADD, ROP_SET_REM, ROP_CART_ADD, ROP_CART_REM };

/* One update as it travels (ops delivery) and as a leader applies it
** locally: its origin, number and the origin's clock before it ('deps').
** REG/CNT_LWW: a version (value, wall); CNT: the origin's new p and n
** entries (a delta-state: merged by max); SET/CART_ADD: the element, tag
** (origin, seq); SET/CART_REM: the element, removing the tags deps covers. */
typedef struct ml_rop {
    uint32_t kind;
    uint32_t key;
    uint32_t origin;
    uint32_t seq;
    int64_t value;
    int64_t value2;
    int64_t wall;
    vclock deps;
} ml_rop;

typedef struct ml_data {
    vclock vc;
    vclock deps;    /* join of the dependencies of every update held */
    mvreg reg[ML_KEYS];
    pncounter cnt[ML_KEYS];
    mvreg cnt_lww[ML_KEYS];
    orset set;
    orset cart;
} ml_data;

/* The options, read once at start. */
typedef struct ml_conf {
    int dcs, topology, resolve;
    bool gcounter, ops, causal, counters;
    int64_t gossip_ns;
    bool bug_remove_wins, bug_sum_merge, bug_causal_skip;
    /* Who leads each data centre as this node knows it: the lowest id at
    ** epoch 0, changed by failover (ml_failover.c); on disk once changed. */
    int leader[ML_NODES_MAX];
    uint32_t epoch[ML_NODES_MAX];
} ml_conf;

typedef struct ml_state {
    ml_conf conf;
    ml_data d;
    uint64_t gen;               /* disk generation of the last write */
    vclock ack[ML_NODES_MAX];   /* per peer: its acknowledged clock */
    vclock prev;                /* vc at the previous gossip tick */
    ml_rop pending[ML_PENDING]; /* withheld updates */
    uint32_t pending_n;
    bool dirty;                 /* replica changed since the last sync */
    bool ticking;               /* the gossip timer runs */
    uint64_t client_seq[ML_CLIENTS_MAX];   /* last update applied per client (volatile) */
    uint64_t applied, withheld, merges, lww_lost;
    char violation[200];        /* a scenario-side check's failure */
    _Alignas(8) uint8_t buf[sizeof(ml_data) + 64];   /* encoding scratch */
} ml_state;

/* ml_topo.c: data centres and the replication graph */
int ml_dc_of(const ml_conf *c, int nodes, int id);     /* 0-based */
int ml_leader_of_dc(const ml_conf *c, int nodes, int dc);
bool ml_is_leader(const ml_conf *c, int nodes, int id);
/* Where 'n' sends: leaders' topology neighbours and its own followers. */
int ml_downstream(const ml_conf *c, int nodes, int id, int *out);
/* Whether 'n' forwards update 'r' (received from 'from', -1 if local) to 'to'. */
bool ml_forwards(const ml_conf *c, int nodes, int id, const ml_rop *r, int from, int to);

/* ml_apply.c: updates and merges on the replica */
void ml_conf_read(dsim_node *n, ml_conf *c);
/* Applies 'r' (its seq must be vc[origin] + 1); false when it does not
** fit (a full set: nothing changed). */
bool ml_apply(dsim_node *n, ml_state *s, const ml_rop *r);
void ml_merge(dsim_node *n, ml_state *s, const ml_data *other);
/* Whether 'r' may be applied now (ops delivery): next from its origin,
** and with causal delivery its dependencies held. */
bool ml_deliverable(const ml_state *s, const ml_rop *r);
/* The 'kv' view of inspect: every key that holds something. */
void ml_kv(const ml_data *d, json_t *kv);

/* ml_persist.c */
uint32_t ml_encode(const ml_data *d, uint8_t *buf, uint32_t cap);
bool ml_decode(const uint8_t *buf, uint32_t len, ml_data *d);
bool ml_peek_vc(const uint8_t *buf, uint32_t len, vclock *vc);   /* an encoding's clock */
void ml_persist(dsim_node *n, ml_state *s);   /* writes and syncs when dirty */
void ml_recover(dsim_node *n, ml_state *s);

/* ml_repl.c: replication */
void ml_local_update(dsim_node *n, ml_state *s, const ml_rop *r);   /* after ml_apply + persist */
void ml_on_op(dsim_node *n, ml_state *s, int from, const ml_rop *r);
void ml_on_state(dsim_node *n, ml_state *s, int from, const uint8_t *buf, uint32_t len);
void ml_on_ack(dsim_node *n, ml_state *s, int from, const vclock *vc);
void ml_gossip(dsim_node *n, ml_state *s);

/* ml_failover.c: a follower takes over its data centre */
/* Control "failover" at follower 'n': it leads its data centre from now. */
int ml_failover(dsim_node *n, ml_state *s, json_t *result);
void ml_on_leader(dsim_node *n, ml_state *s, int from, const uint8_t *buf, uint32_t len);
/* Reloads the leaders this node knew (start). */
void ml_leaders_load(dsim_node *n, ml_state *s);
/* Every gossip tick: a leader after a failover announces itself; a node
** that issued updates and no longer leads hands its replica to its data
** centre's leader until acknowledged. */
void ml_failover_tick(dsim_node *n, ml_state *s);

/* ml_serve.c: client operations and the scenario's cart */
void ml_serve(dsim_node *n, ml_state *s, const dsim_op *op);
int ml_cart(dsim_node *n, ml_state *s, bool add, int64_t item, json_t *result);
/* The scenario's scripted operations at a leader: "write" {key, value},
** "add" {key, value} (a counter), "read" {key} (value and siblings),
** "counter" {key}. */
int ml_script_op(dsim_node *n, ml_state *s, const char *verb, int64_t key, int64_t value, json_t *result);

#endif
