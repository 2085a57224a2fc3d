/*
** paxos.h — the internal header of the Paxos protocol (protocols/paxos/).
**
** Two variants of one protocol (option 'variant'):
** - "basic": single-decree Paxos (Lamport, "Paxos Made Simple"): proposers,
**   acceptors and learners (roles by option; every node plays all three by
**   default). One value is chosen, once. Clients propose with 'write v'
**   (answered ok when v is the chosen value, fail when another one is) and
**   learn with 'read' (the chosen value, or nil when nothing was chosen).
** - "multi": Multi-Paxos. A distinguished leader runs phase 1 once for all
**   slots above its commit point, recovers every slot the promises report
**   (the value of the highest ballot; no-ops in the gaps), and then runs
**   phase 2 per slot. The chosen commands feed a KV state machine with
**   exactly-once client sessions; reads go through a phase-2 round (a read
**   command in the log) or, with 'lease_read', are answered under a leader
**   lease. Snapshots compact the log.
** Ballots are (round, node), ordered by round then node, packed as
** round << 8 | node so that integer order is ballot order.
**
** Files, read in this order:
**   paxos.h              types, the node state, cross-file functions
**   paxos_main.c         the 'dsim_protocol' table, options, dispatch, inspect
**   paxos_persist.c      the acceptor's disk: promise, accepted slots, snapshot
**   paxos_acceptor.c     phase 1b and 2b, for both variants
**   paxos_basic.c        single-decree proposers and learners
**   paxos_leader.c       Multi-Paxos: election by ballots, phase 1, recovery
**   paxos_replication.c  Multi-Paxos: phase 2 per slot, commit, learning
**   paxos_kv.c           the state machine, sessions, client writes and reads
**   paxos_invariants.c   agreement, validity, stability, promises, replicas
**
** Invariants of the node state:
** - The window holds slots (snap, snap + PAXOS_LOG_MAX] at log[slot % MAX];
**   an entry is valid for slot s only when its 'slot' is s and its ballot
**   is not 0 (a hole otherwise).
** - snap <= applied <= commit; every slot <= commit is known chosen (the
**   learnt prefix), and every slot <= applied is in the state machine.
** - 'promised' and every accepted entry are on disk, synced, before the
**   node sends anything that depends on them.
** - A leader holds, for every slot in (commit0, last], its own proposal
**   accepted at its ballot (its acceptor accepts locally first).
*/
#ifndef PAXOS_H
#define PAXOS_H

#include <string.h>

#include "dsim.h"

#define PAXOS_NODES_MAX 32       /* role sets are 32-bit masks */
#define PAXOS_LOG_MAX 1024       /* window of slots past the snapshot */
#define PAXOS_KEYS_MAX 256
#define PAXOS_BATCH_MAX 64       /* slots per Accept message */
#define PAXOS_PENDING_MAX 128    /* client operations waiting at a node */
#define PAXOS_LEARN_MAX 8        /* basic: ballots a learner counts at once */
#define PAXOS_ROUNDS 64          /* heartbeat rounds remembered for leases */
#define PAXOS_GHOST_SLOTS 4096   /* invariant record: chosen slots */
#define PAXOS_NONE (-1)

/* Ballots: round << 8 | node; 0 is "no ballot". */
static inline uint64_t paxos_ballot(uint64_t round, int node)
{
    return round << 8 | (uint64_t)(node & 0xff);
}
static inline uint64_t paxos_round(uint64_t ballot) { return ballot >> 8; }
static inline int paxos_ballot_node(uint64_t ballot) { return (int)(ballot & 0xff); }

typedef enum paxos_role { PAXOS_FOLLOWER = 0, PAXOS_CANDIDATE, PAXOS_LEADER } paxos_role;
typedef enum paxos_kind { PAXOS_C_NOOP = 0, PAXOS_C_OP = 1, PAXOS_C_VALUE = 2 } paxos_kind;
enum {
    PAXOS_MSG_PREPARE = 0, PAXOS_MSG_PROMISE, PAXOS_MSG_ACCEPT, PAXOS_MSG_ACCEPTED,
    PAXOS_MSG_SNAP, PAXOS_MSG_COUNT_
};
enum { PAXOS_T_ELECTION = 1, PAXOS_T_HEARTBEAT = 2, PAXOS_T_RETRY = 3 };

/* A command: a no-op, a client operation (multi) or a bare value (basic). */
typedef struct paxos_cmd {
    uint32_t kind;       /* paxos_kind */
    uint32_t pad;
    dsim_op op;          /* PAXOS_C_OP; PAXOS_C_VALUE: op.value is the value */
} paxos_cmd;

/* One accepted slot: the disk record, the window entry and the wire form. */
typedef struct paxos_entry {
    uint64_t slot;
    uint64_t ballot;     /* 0: nothing accepted (a hole) */
    paxos_cmd cmd;
} paxos_entry;

typedef struct paxos_snapshot {
    uint64_t slot;       /* the state after applying every slot <= 'slot' */
    uint64_t digest_check;
    dsim_kv kv;          /* last: a snapshot is sent and stored as a prefix */
} paxos_snapshot;

/* ---- messages ------------------------------------------------------------ */

typedef struct paxos_prepare {
    uint64_t ballot, from_slot;
} paxos_prepare;

typedef struct paxos_promise {   /* followed by [snapshot] and 'count' entries */
    uint64_t ballot;             /* the ballot it answers */
    uint64_t promised;           /* the acceptor's promise after handling it */
    uint64_t snap_slot;
    uint32_t ok, has_snap, count, pad;
} paxos_promise;

typedef struct paxos_accept {    /* followed by 'count' entries */
    uint64_t ballot, commit, round;
    uint32_t count, pad;
} paxos_accept;

typedef struct paxos_accepted {
    uint64_t ballot, promised;   /* the ballot it answers; the promise now */
    uint64_t first, last;        /* slots accepted, contiguous (multi) */
    uint64_t commit, round;      /* the acceptor's learned prefix; the round echoed */
    uint64_t sent_commit;        /* the leader's commit in the Accept answered */
    int64_t value;               /* basic: the value accepted */
    uint32_t ok, pad;
} paxos_accepted;

typedef struct paxos_snap_msg {
    uint64_t ballot, round;
    paxos_snapshot snap;
} paxos_snap_msg;

/* Message and disk bytes are hashed into the run's fingerprint: no padding. */
_Static_assert(sizeof(paxos_cmd) == 8 + sizeof(dsim_op), "paxos_cmd has padding");
_Static_assert(sizeof(paxos_entry) == 16 + sizeof(paxos_cmd), "paxos_entry has padding");
_Static_assert(sizeof(paxos_promise) == 40, "paxos_promise has padding");
_Static_assert(sizeof(paxos_accept) == 32, "paxos_accept has padding");
_Static_assert(sizeof(paxos_accepted) == 72, "paxos_accepted has padding");
_Static_assert(offsetof(paxos_snapshot, kv) + sizeof(dsim_kv) == sizeof(paxos_snapshot), "kv is last");
_Static_assert(PAXOS_KEYS_MAX <= DSIM_STORE_KEYS, "keys fit the store");

/* ---- the invariant checker's record (paxos_invariants.c) ----------------- */

typedef struct paxos_ghost_slot {
    uint64_t slot, hash;
    int32_t node, pad;   /* who first showed it chosen */
} paxos_ghost_slot;

typedef struct paxos_ghost {
    uint64_t promised[PAXOS_NODES_MAX];          /* highest promise ever seen */
    paxos_ghost_slot chosen[PAXOS_GHOST_SLOTS];  /* by slot % size */
    paxos_ghost_slot applied[PAXOS_GHOST_SLOTS]; /* state digest by slot */
    uint64_t basic_ballot;                       /* basic: first chosen ... */
    int64_t basic_value;                         /* ... and its value */
    bool basic_chosen;
    char violation[256];
} paxos_ghost;

/* ---- the node ------------------------------------------------------------ */

typedef struct paxos_config {
    bool multi;
    int64_t elect_lo_ns, elect_hi_ns, heartbeat_ns, lease_ns;
    int64_t batch, snapshot_every;
    int q1, q2;                   /* quorum sizes over the acceptors */
    uint32_t proposers, acceptors, learners;
    bool fixed_backoff, lease_read;
} paxos_config;

typedef struct paxos_pending {
    uint64_t slot, ballot;
    dsim_op op;
} paxos_pending;

typedef struct paxos_tally {     /* basic learner: acceptors of one ballot */
    uint64_t ballot;
    int64_t value;
    uint32_t mask, pad;
} paxos_tally;

typedef struct paxos_state {
    paxos_config cfg;
    bool started;
    /* persistent (paxos_persist.c) */
    uint64_t promised;            /* the acceptor's promise */
    uint64_t round_max;           /* highest round this node proposed with */
    uint64_t hard_seq;
    int snap_slot_key;            /* the latest snapshot is "snap<key>" */
    uint64_t disk_records;        /* records on disk since the last rewrite */
    /* the window of accepted slots and the snapshot below it */
    uint64_t snap;
    uint64_t last;                /* highest slot holding an entry (>= snap) */
    paxos_entry log[PAXOS_LOG_MAX];
    /* volatile */
    paxos_role role;
    int32_t leader_hint;
    uint64_t ballot;              /* the ballot this node leads or campaigns with */
    uint64_t seen_max;            /* highest ballot seen in any message */
    uint64_t accepted_max;        /* highest ballot accepted since boot (events only) */
    uint64_t commit, applied;     /* learned prefix; applied prefix */
    dsim_kv kv;                   /* the state machine: store and client sessions */
    dsim_timer_id election_timer, heartbeat_timer, retry_timer;
    int64_t leader_seen_mono;
    bool leader_seen;
    uint64_t elections;
    /* candidate (multi) or proposer (basic): phase 1 */
    uint32_t promises;            /* acceptors that promised 'ballot' */
    uint64_t from_slot;
    uint64_t rec_hi;              /* highest slot reported by a promise */
    paxos_entry rec[PAXOS_LOG_MAX];   /* best reported entry per slot */
    /* leader (multi) */
    uint64_t commit0;             /* commit when it won */
    uint64_t recover_hi;          /* last slot it recovered when it won */
    uint64_t next[PAXOS_NODES_MAX], match[PAXOS_NODES_MAX], acked_round[PAXOS_NODES_MAX];
    uint64_t round;
    int64_t round_sent_mono[PAXOS_ROUNDS];
    int64_t lease_until_mono;
    paxos_pending pending[PAXOS_PENDING_MAX];
    uint32_t pending_len;
    /* basic proposer and learner */
    bool proposing, phase2, decided;
    uint32_t accepts;             /* acceptors that accepted 'ballot' */
    uint64_t adopt_ballot;        /* highest accepted ballot reported in phase 1 */
    int64_t adopt_value, value;   /* its value; the value proposed in phase 2 */
    int64_t decided_value;
    uint64_t decided_ballot;
    paxos_tally tally[PAXOS_LEARN_MAX];
    /* the invariant checker's, never read by the protocol */
    uint64_t ghost_checked_commit, ghost_checked_applied, ghost_checked_accepted;
    char liveness[160];
} paxos_state;

static inline paxos_state *paxos_of(dsim_node *n) { return dsim_state(n); }

static inline int paxos_popcount(uint32_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

static inline bool paxos_has(uint32_t set, int id)
{
    return id >= 0 && id < PAXOS_NODES_MAX && ((set >> id) & 1u);
}

static inline uint64_t paxos_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

/* The entry of 'slot' in the window, or NULL (a hole, or out of it). */
static inline paxos_entry *paxos_entry_at(paxos_state *s, uint64_t slot)
{
    if (slot <= s->snap || slot > s->snap + PAXOS_LOG_MAX)
        return NULL;
    paxos_entry *e = &s->log[slot % PAXOS_LOG_MAX];
    return e->slot == slot && e->ballot ? e : NULL;
}

/* paxos_main.c: quorum arithmetic (also used by the unit tests) */
int paxos_majority(int acceptors);
int paxos_quorum_sizes(int acceptors, int64_t q1_opt, int64_t q2_opt, bool bad_flexible,
                       bool minority, int *q1, int *q2);
bool paxos_ballot_less(uint64_t a, uint64_t b);
uint64_t paxos_cmd_hash(const paxos_cmd *c);
const char *paxos_role_name(const paxos_state *s);

/* paxos_persist.c */
void paxos_persist_hard(dsim_node *n);
void paxos_store(dsim_node *n, const paxos_entry *e);   /* memory + disk, no sync */
void paxos_persist_snapshot(dsim_node *n, const paxos_snapshot *snap);
void paxos_recover(dsim_node *n);
void paxos_write_log(dsim_node *n, const json_t *slots, uint64_t ballot);

/* paxos_acceptor.c */
bool paxos_promise_local(dsim_node *n, uint64_t ballot);
void paxos_on_prepare(dsim_node *n, int from, const paxos_prepare *m);
void paxos_on_accept(dsim_node *n, int from, const paxos_accept *m, const paxos_entry *es);
void paxos_note_ballot(dsim_node *n, uint64_t ballot);

/* paxos_basic.c */
void paxos_basic_request(dsim_node *n, const dsim_op *op);
void paxos_basic_on_promise(dsim_node *n, int from, const paxos_promise *m, const paxos_entry *es);
void paxos_basic_on_accepted(dsim_node *n, int from, const paxos_accepted *m);
void paxos_basic_on_retry(dsim_node *n);
void paxos_basic_propose(dsim_node *n, int64_t value);
bool paxos_adopt_better(const paxos_entry *have, const paxos_entry *got, bool by_value);

/* paxos_leader.c */
void paxos_reset_election_timer(dsim_node *n, bool backoff);
void paxos_become_follower(dsim_node *n, int32_t leader);
void paxos_on_election_timer(dsim_node *n);
void paxos_rec_merge(paxos_entry *rec, uint64_t *hi, uint64_t commit, uint64_t snap,
                     const paxos_entry *e, bool by_value);
paxos_cmd paxos_rec_value(const paxos_entry *rec, const paxos_entry *own, uint64_t slot);
void paxos_on_promise(dsim_node *n, int from, const paxos_promise *m,
                      const paxos_snapshot *snap, const paxos_entry *es);

/* paxos_replication.c */
void paxos_send_accept(dsim_node *n, int peer);
void paxos_broadcast(dsim_node *n);
void paxos_on_heartbeat_timer(dsim_node *n);
void paxos_on_accepted(dsim_node *n, int from, const paxos_accepted *m);
void paxos_on_snapshot(dsim_node *n, int from, const paxos_snap_msg *m);
void paxos_advance_commit(dsim_node *n);
void paxos_learn(dsim_node *n, uint64_t ballot, uint64_t commit);
uint64_t paxos_propose(dsim_node *n, const paxos_cmd *cmd);
void paxos_install_snapshot(dsim_node *n, const paxos_snapshot *snap);

/* paxos_kv.c */
void paxos_apply_chosen(dsim_node *n);
void paxos_on_client(dsim_node *n, const dsim_op *op);
void paxos_drop_pending(dsim_node *n);
/* The bytes of 'snap' that carry meaning (the store is a prefix). */
size_t paxos_snapshot_bytes(const paxos_snapshot *snap);
void paxos_lease_progress(dsim_node *n);

/* paxos_invariants.c */
const char *paxos_invariants(dsim_world *w);

#endif
