/*
** repl.h — the internal header of the leader-based replication protocol
** (protocols/replication/): one engine, five modes (option 'mode').
**
** A log of client operations, numbered by LSN (1, 2, ...), is written by one
** node and shipped to the others, which apply it in order to a 'dsim_store'.
** The modes differ only in the topology of shipping and in the commit rule
** (when the writer answers a client, and which prefix followers may show):
** - sync:     the leader ships to every member; commit = min of every
**             member's acknowledged LSN (a down member blocks writes).
** - semisync: commit = the k-th highest follower acknowledgement (MySQL's
**             rpl_semi_sync_master_wait_for_slave_count); a write that waits
**             longer than 'semisync_timeout' switches the leader to async
**             (event "fallback") until k followers have caught up again
**             (event "semisync").
** - async:    commit = the leader's own synced LSN.
** - chain:    van Renesse and Schneider (OSDI 2004): writes enter at the
**             head and flow down the chain; the tail's LSN is the commit
**             point, passed back up in acknowledgements; reads at the tail
**             (or, with 'craq', at any node whose copy of the key is clean).
** - isr:      Kafka: the leader keeps an in-sync replica set (confirmed by
**             the master, the controller); high watermark = min over the
**             ISR of acknowledged LSNs, advanced only with >= 'min_insync'
**             members; followers lagging more than 'replica_lag' ms leave it
**             (event "isr_shrink") and rejoin when caught up ("isr_expand").
** Every entry carries the epoch (generation) of the leader that wrote it and
** a chained hash of the log up to it, so two logs that hold the same (LSN,
** epoch) hold the same prefix (log matching, checked in repl_invariants.c).
** Epochs fence a deposed leader (option 'epochs'): a follower refuses
** appends of an older epoch and says so, and the sender steps down.
** Failover: scripted (control "promote") or by the master (option
** 'master' = node k, which holds no data): a heartbeat failure detector
** ('fd_timeout') that promotes the most up-to-date eligible replica (the
** ISR in isr mode, unless 'unclean'), or removes and re-adds chain nodes.
**
** Files, read in this order:
**   repl.h            types, node state, cross-file functions
**   repl_main.c       the 'dsim_protocol' table, options, bugs, events, dispatch
**   repl_view.c       inspect, describe and control
**   repl_persist.c    meta (epoch, config), snapshots, log records; recovery
**   repl_ship.c       shipping a log downstream, acknowledgements, commit rules
**   repl_follow.c     receiving appends and snapshots; log matching
**   repl_master.c     the failure detector, promotions, chain and ISR changes
**   repl_kv.c         the state machine, sessions, client requests and reads
**   repl_read.c       local reads; session tokens (read-your-writes by LSN)
**   repl_stmt.c       computed columns; statement- versus row-based shipping
**   repl_invariants.c epochs, log matching, exposure of lost entries
**
** Invariants of the node state:
** - The window holds LSNs (snap, last] at log[lsn % REPL_LOG_MAX].
** - snap <= applied <= max(commit, snap); every entry <= applied is in 'kv'.
** - A follower's 'match_ok' is the highest LSN known to equal its upstream's
**   log at the current epoch; it never acknowledges beyond it.
** - Every entry, the epoch and the configuration are synced before any
**   message that depends on them is sent.
*/
#ifndef REPL_H
#define REPL_H

#include <string.h>

#include "dsim.h"

#define REPL_NODES_MAX 32
#define REPL_LOG_MAX 1024
#define REPL_BATCH_MAX 32
#define REPL_PENDING_MAX 128
#define REPL_RING 64            /* applied (lsn, digest) pairs kept for the invariants */
#define REPL_GHOST 4096
#define REPL_ROWS 64              /* columns on: rows 0..63, then their columns */
#define REPL_WAIT_MAX 64          /* reads waiting for their session token */
#define REPL_NONE (-1)

typedef enum repl_mode { REPL_SYNC = 0, REPL_SEMISYNC, REPL_ASYNC, REPL_CHAIN, REPL_ISR } repl_mode;
typedef enum repl_role { REPL_FOLLOWER = 0, REPL_LEADER, REPL_STANDBY, REPL_MASTER } repl_role;
enum { REPL_E_OP = 1, REPL_E_NOOP = 2 };
enum { REPL_COL_NOW = 1, REPL_COL_RAND = 2 };   /* option 'columns' (repl_stmt.c) */
enum {
    REPL_MSG_APPEND = 0, REPL_MSG_ACK, REPL_MSG_SNAP, REPL_MSG_STATUS, REPL_MSG_STATUS_ACK,
    REPL_MSG_CONFIG, REPL_MSG_ISR_REQ, REPL_MSG_ISR_ACK, REPL_MSG_COUNT_
};
enum { REPL_T_TICK = 1 };

typedef struct repl_entry {
    uint64_t lsn, epoch, hash;   /* hash: chained over the log up to this entry */
    uint32_t kind, pad;
    int64_t now, rnd;            /* shipping = row: the columns the leader computed (repl_stmt.c) */
    dsim_op op;
} repl_entry;

typedef struct repl_snapshot {
    uint64_t lsn, epoch, hash;   /* the state after applying every LSN <= 'lsn' */
    dsim_kv kv;                  /* last: records carry only its used prefix */
} repl_snapshot;

/* The configuration: who leads (heads), in what order the chain runs, the
** ISR. Written by the master (or a scripted promotion), persisted by all. */
typedef struct repl_config {
    uint64_t epoch;
    int32_t leader;              /* the leader, or the chain's head */
    uint32_t isr;                /* isr mode: the confirmed in-sync set (mask) */
    uint32_t members;            /* replicas taking part (mask) */
    uint32_t chain_len;
    int32_t joining;             /* chain: a replica catching up from the tail, or REPL_NONE */
    uint32_t isr_pending;        /* isr, the leader's own copy: the change it asked for (0: none) */
    int8_t chain[REPL_NODES_MAX];   /* chain mode: head first */
} repl_config;

/* ---- messages ------------------------------------------------------------ */

typedef struct repl_append {     /* followed by 'count' entries */
    uint64_t epoch, prev_lsn, prev_epoch, prev_hash, commit;
    uint32_t count;
    int32_t leader;
} repl_append;

typedef struct repl_ack {
    uint64_t epoch;              /* the sender's epoch (higher: the receiver is deposed) */
    uint64_t match;              /* highest LSN equal to the receiver's log (0 when refused) */
    uint64_t last;               /* the sender's last LSN (a hint where to resume) */
    uint64_t commit;             /* chain: the commit point known downstream */
    uint32_t ok, pad;
} repl_ack;

typedef struct repl_status {     /* replica -> master, every heartbeat */
    uint64_t epoch, last_lsn, last_epoch, match;
    int64_t sent_mono;
    int32_t role, leader;        /* the leader it follows, or REPL_NONE */
} repl_status;

typedef struct repl_status_ack { /* master -> replica: renews its lease */
    uint64_t epoch;
    int64_t echo_mono;
} repl_status_ack;

typedef struct repl_isr_req {    /* leader -> master, and the master's answer */
    uint64_t epoch;
    uint32_t isr, ok;
} repl_isr_req;

_Static_assert(sizeof(repl_entry) == 48 + sizeof(dsim_op), "repl_entry has padding");
_Static_assert(sizeof(repl_append) == 48, "repl_append has padding");
_Static_assert(sizeof(repl_ack) == 40, "repl_ack has padding");
_Static_assert(sizeof(repl_config) == 32 + REPL_NODES_MAX, "repl_config has padding");

/* ---- the invariant checker's record (repl_invariants.c) ------------------ */

typedef struct repl_ghost_slot {
    uint64_t lsn, digest;
    int32_t node, pad;
} repl_ghost_slot;

typedef struct repl_ghost {
    uint64_t epoch_of[REPL_NODES_MAX * 16];   /* by epoch % size: the epoch ... */
    int32_t leader_of[REPL_NODES_MAX * 16];   /* ... and the node that led it */
    repl_ghost_slot applied[REPL_GHOST];      /* state digest by LSN % size */
    char violation[320];
} repl_ghost;

/* ---- the node ------------------------------------------------------------ */

typedef struct repl_opts {
    repl_mode mode;
    int master;                  /* node id of the master, or REPL_NONE */
    bool auto_failover, epochs, follower_reads, craq, unclean, session_token;
    bool statement;              /* shipping = statement: every replica executes (repl_stmt.c) */
    uint32_t columns;            /* REPL_COL_* computed by every write */
    int64_t heartbeat_ns, fd_timeout_ns, semisync_timeout_ns, replica_lag_ns, lease_ns;
    int64_t semisync_k, min_insync, snapshot_every, batch;
    uint32_t standby;            /* replicas outside the membership at first boot */
} repl_opts;

typedef struct repl_pending {
    uint64_t lsn, epoch;
    dsim_op op;
} repl_pending;

typedef struct repl_state {
    repl_opts opt;
    bool started;
    /* persistent (repl_persist.c) */
    repl_config cfg;
    uint64_t meta_seq;
    int snap_slot;
    uint64_t snap, snap_epoch, snap_hash;
    uint64_t last;
    repl_entry log[REPL_LOG_MAX];
    /* volatile */
    repl_role role;
    uint64_t commit, applied, match_ok;
    dsim_kv kv;                  /* the state machine: store and client sessions */
    dsim_timer_id tick;
    int64_t heard_upstream_mono;
    int64_t lease_until_mono;
    /* shipping downstream (leader, or a chain node to its successor) */
    uint64_t next[REPL_NODES_MAX], match[REPL_NODES_MAX];
    int64_t caught_up_mono[REPL_NODES_MAX];
    int64_t append_mono[REPL_LOG_MAX];   /* when the leader appended each LSN */
    bool fallback;                       /* semisync: acking as async */
    uint32_t isr_asked;                  /* isr: the change awaiting the master (0: none) */
    uint64_t lead_start;                 /* isr: our last LSN when we began to lead */
    repl_pending pending[REPL_PENDING_MAX];
    uint32_t pending_len;
    dsim_op waiting[REPL_WAIT_MAX];      /* local reads until 'applied' reaches their token */
    uint32_t waiting_len;
    /* the master's */
    int64_t heard_mono[REPL_NODES_MAX];
    repl_status seen[REPL_NODES_MAX];
    int64_t freeze_until_mono;           /* chain join: the tail's lease runs out by then */
    bool freezing;
    /* the invariant checker's, never read by the protocol */
    uint64_t ring_lsn[REPL_RING], ring_digest[REPL_RING];
    uint32_t ring_next;
    char liveness[160];
} repl_state;

static inline repl_state *repl_of(dsim_node *n) { return dsim_state(n); }

static inline uint64_t repl_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

static inline bool repl_has(uint32_t set, int id)
{
    return id >= 0 && id < REPL_NODES_MAX && ((set >> id) & 1u);
}

static inline int repl_popcount(uint32_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* The entry at 'lsn' in the window, or NULL. */
static inline repl_entry *repl_entry_at(repl_state *s, uint64_t lsn)
{
    if (lsn <= s->snap || lsn > s->last)
        return NULL;
    repl_entry *e = &s->log[lsn % REPL_LOG_MAX];
    DSIM_ASSERT(e->lsn == lsn);
    return e;
}

/* Epoch and chained hash of 'lsn' (the snapshot's at 'snap'; 0 at 0). */
bool repl_epoch_hash_at(repl_state *s, uint64_t lsn, uint64_t *epoch, uint64_t *hash);

/* repl_main.c */
const char *repl_mode_name(repl_mode m);
const char *repl_role_name(const repl_state *s);

/* repl_view.c */
void repl_inspect(dsim_node *n, json_t *out);
void repl_describe(const dsim_msg *m, json_t *out);
int repl_control(dsim_node *n, const char *verb, const json_t *args, json_t *result);

/* repl_persist.c */
void repl_persist_config(dsim_node *n);
void repl_log_append(dsim_node *n, repl_entry *e);   /* sets hash; caller syncs */
void repl_log_truncate(dsim_node *n, uint64_t from); /* drops lsn >= from; caller syncs */
void repl_take_snapshot(dsim_node *n);
void repl_install_snapshot(dsim_node *n, const repl_snapshot *snap);
void repl_reset(dsim_node *n);                       /* forget data: catch up from scratch */
void repl_recover(dsim_node *n);
size_t repl_snapshot_bytes(const repl_snapshot *snap);
int repl_read_snapshot(dsim_node *n, repl_snapshot *snap);

/* repl_ship.c */
int repl_upstream(const repl_state *s, int self);
int repl_downstream(const repl_state *s, int self, int *out);
int repl_chain_pos(const repl_state *s, int id);
bool repl_is_tail(const repl_state *s, int self);
void repl_ship(dsim_node *n, int peer);
void repl_ship_all(dsim_node *n);
void repl_on_ack(dsim_node *n, int from, const repl_ack *a);
void repl_advance_commit(dsim_node *n);
void repl_leader_tick(dsim_node *n);
void repl_become_leader(dsim_node *n);

/* repl_follow.c */
void repl_on_append(dsim_node *n, int from, const repl_append *m, const repl_entry *es);
void repl_on_snapshot(dsim_node *n, int from, const repl_append *h, const repl_snapshot *snap);
void repl_adopt_config(dsim_node *n, const repl_config *c);
void repl_step_down(dsim_node *n, uint64_t epoch, int leader);
void repl_send_ack(dsim_node *n, int to, bool ok);

/* repl_master.c */
void repl_master_tick(dsim_node *n);
void repl_master_on_status(dsim_node *n, int from, const repl_status *st);
void repl_master_on_isr(dsim_node *n, int from, const repl_isr_req *r);
void repl_send_status(dsim_node *n);
void repl_on_isr_ack(dsim_node *n, const repl_isr_req *r);
void repl_promote(dsim_node *n);

/* repl_kv.c */
void repl_apply_to(dsim_node *n, uint64_t upto);
void repl_on_client(dsim_node *n, const dsim_op *op);
void repl_drop_pending(dsim_node *n);
uint64_t repl_visible(dsim_node *n);
bool repl_leased(dsim_node *n);   /* chain: may serve reads and commit as tail */

/* repl_read.c */
uint32_t repl_token(const repl_state *s, uint64_t lsn);   /* 0 unless 'session_token' */
void repl_read_local(dsim_node *n, const dsim_op *op);   /* answers now, or once applied >= token */
void repl_wake_reads(dsim_node *n);                      /* after 'applied' moved */

/* repl_stmt.c */
bool repl_stmt_refused(const repl_state *s, const dsim_op *op);   /* a row outside the table */
void repl_stmt_execute(dsim_node *n, repl_entry *e);   /* the leader: the row image (row shipping) */
void repl_stmt_apply(dsim_node *n, const repl_entry *e, dsim_status st);   /* the columns */
void repl_stmt_inspect(dsim_node *n, json_t *out);

/* repl_invariants.c */
const char *repl_invariants(dsim_world *w);

#endif
