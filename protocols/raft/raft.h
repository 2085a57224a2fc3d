/*
** raft.h — the internal header of the Raft protocol (protocols/raft/).
**
** Raft as in the paper (Ongaro and Ousterhout, 2014) and Ongaro's
** dissertation: randomised elections with optional PreVote and CheckQuorum,
** log replication with the consistency check and fast back-off, commitment
** of current-term entries only (Figure 8), a no-op per term, persistence of
** term, vote and log before acting, snapshots with InstallSnapshot,
** single-server membership changes, a KV state machine with client
** sessions, ReadIndex and lease reads, and leadership transfer.
**
** Files, read in this order:
**   raft.h              types, the node state, cross-file functions
**   raft_main.c         the 'dsim_protocol' table, options, dispatch, inspect
**   raft_log.c          the in-memory log window and its chain hashes
**   raft_persist.c      what goes to disk, and recovery from disk alone
**   raft_election.c     roles, timers, (pre)votes, CheckQuorum, TimeoutNow
**   raft_replication.c  AppendEntries both ways, commitment
**   raft_kv.c           the state machine, sessions, client writes
**   raft_read.c         ReadIndex and lease reads
**   raft_snapshot.c     snapshots, compaction, InstallSnapshot
**   raft_membership.c   configurations and the 'control' verbs
**   raft_invariants.c   Election Safety, Log Matching, Leader Completeness,
**                       State Machine Safety, from the global view
**
** Invariants of the node state:
** - The log holds indices (snap_index, last_index] in a ring of
**   RAFT_LOG_MAX slots: slot 'i % RAFT_LOG_MAX'; so last - snap <= MAX.
** - Every entry carries 'chain', a hash of itself and the chain before it
**   (the snapshot's chain for the first one). Two entries with equal chains
**   have equal prefixes: Log Matching is checked by comparing chains.
** - commit <= last_index, applied <= commit, snap_index <= applied.
** - 'term' and 'voted_for' on disk are never behind the ones in memory when
**   the node sends anything that depends on them.
** - 'ghost_checked_*' belong to the invariant checker; the protocol never
**   reads them. The checker's record ('raft_ghost') is not in the node
**   state at all: it is the world's checker state (dsim_checker_state).
*/
#ifndef RAFT_H
#define RAFT_H

#include <string.h>

#include "dsim.h"

#define RAFT_NODES_MAX 32        /* members are a 32-bit mask */
#define RAFT_LOG_MAX 1024        /* in-memory entries past the snapshot */
#define RAFT_KEYS_MAX DSIM_STORE_KEYS
#define RAFT_BATCH_MAX 64        /* entries per AppendEntries */
#define RAFT_PENDING_MAX 128     /* client writes waiting for commit */
#define RAFT_READS_MAX 128       /* reads waiting for their ReadIndex round */
#define RAFT_ROUNDS 64           /* heartbeat rounds remembered for leases */
#define RAFT_GHOST_TERMS 256     /* invariant record: leaders by term */
#define RAFT_GHOST_INDEXES 2048  /* invariant record: committed entries */
#define RAFT_GHOST_CTERMS 64     /* invariant record: commit terms */
#define RAFT_NONE (-1)

typedef enum raft_role { RAFT_FOLLOWER = 0, RAFT_CANDIDATE, RAFT_LEADER } raft_role;
typedef enum raft_kind { RAFT_E_NOOP = 0, RAFT_E_OP = 1, RAFT_E_CONFIG = 2 } raft_kind;
enum {
    RAFT_MSG_VOTE = 0, RAFT_MSG_VOTE_REPLY, RAFT_MSG_APPEND, RAFT_MSG_APPEND_REPLY,
    RAFT_MSG_SNAP, RAFT_MSG_SNAP_REPLY, RAFT_MSG_TIMEOUT_NOW, RAFT_MSG_COUNT_
};
enum { RAFT_T_ELECTION = 1, RAFT_T_HEARTBEAT = 2, RAFT_T_QUORUM = 3 };

/* One log entry; also its disk record and its wire form (fixed width). */
typedef struct raft_entry {
    uint64_t term;
    uint64_t index;
    uint64_t chain;      /* hash of this entry and the chain before it */
    uint32_t kind;       /* raft_kind */
    uint32_t members;    /* RAFT_E_CONFIG: the new voting members */
    dsim_op op;          /* RAFT_E_OP; op.client < 0: scripted, no reply */
} raft_entry;

/* A snapshot: the state after applying every entry up to 'index'. Its
** contents are its first raft_snapshot_bytes() bytes (the store's unused
** pool is left out on disk and on the wire; read it back into a zeroed
** snapshot). */
typedef struct raft_snapshot {
    uint64_t index, term, chain;
    uint32_t members, pad;
    dsim_kv kv;          /* last: the state machine (sessions and store) */
} raft_snapshot;

/* ---- messages (payloads are these structs, copied with memcpy) ---------- */

typedef struct raft_vote_req {
    uint64_t term, last_index, last_term;
    uint32_t prevote, transfer;   /* transfer: sent because of TimeoutNow */
} raft_vote_req;

typedef struct raft_vote_reply {
    uint64_t term;
    uint32_t granted, prevote;
} raft_vote_reply;

typedef struct raft_append_req {   /* followed by 'count' raft_entry */
    uint64_t term, prev_index, prev_term, commit, round;
    uint32_t count, pad;
} raft_append_req;

typedef struct raft_append_reply {
    uint64_t term, match, conflict_index, conflict_term, round;
    uint32_t success, pad;
} raft_append_reply;

typedef struct raft_snap_req {   /* sent as a prefix: snap is last */
    uint64_t term, round;
    raft_snapshot snap;
} raft_snap_req;

typedef struct raft_snap_reply {
    uint64_t term, match, round;
} raft_snap_reply;

typedef struct raft_timeout_now {
    uint64_t term;
} raft_timeout_now;

/* ---- the invariant checker's record (see raft_invariants.c) ------------- */

typedef struct raft_ghost_entry {
    uint64_t index, term, chain, commit_term;
} raft_ghost_entry;

typedef struct raft_ghost_state {
    uint64_t index, digest;
} raft_ghost_state;

typedef struct raft_ghost {   /* dsim_checker_state: survives every crash */
    int32_t leader_node[RAFT_GHOST_TERMS];     /* by term % size */
    uint64_t leader_term[RAFT_GHOST_TERMS];
    raft_ghost_entry committed[RAFT_GHOST_INDEXES];   /* by index % size */
    raft_ghost_state applied[RAFT_GHOST_INDEXES];     /* by index % size */
    uint64_t cterm[RAFT_GHOST_CTERMS];         /* highest committed index ... */
    uint64_t cterm_index[RAFT_GHOST_CTERMS];   /* ... first seen in that term */
    char violation[256];                        /* the text 'raft_invariants' returns */
} raft_ghost;

/* ---- the node -------------------------------------------------------- */

typedef struct raft_pending {
    uint64_t index, term;
    dsim_op op;
} raft_pending;

typedef struct raft_read {
    uint64_t read_index, round;
    dsim_op op;
} raft_read;

typedef struct raft_config {    /* options, read once at start */
    int64_t elect_lo_ns, elect_hi_ns, heartbeat_ns, lease_ns;
    int64_t batch, snapshot_every;
    uint32_t initial_members;
    bool prevote, check_quorum, noop, lease_read;
} raft_config;

typedef struct raft_state {
    raft_config cfg;
    bool started;
    /* persistent: mirrored on disk by raft_persist.c */
    uint64_t term;
    int32_t voted_for;
    /* the log window and the snapshot below it */
    uint64_t snap_index, snap_term, snap_chain;
    uint32_t snap_members;
    uint64_t last_index;
    int64_t disk_delta;            /* disk index = raft index + disk_delta */
    uint64_t hard_seq;             /* writes of (term, vote) so far; picks the key */
    int snap_slot;                 /* the latest snapshot is in key "snap<slot>" */
    raft_entry log[RAFT_LOG_MAX];
    /* the configuration: the latest config entry in the log, else snapshot */
    uint32_t members;
    uint64_t config_index;
    /* volatile */
    raft_role role;
    int32_t leader_id;
    uint64_t commit, applied;
    dsim_kv kv;          /* the state machine: store and client sessions */
    dsim_timer_id election_timer, heartbeat_timer, quorum_timer;
    int64_t leader_seen_mono;      /* last AppendEntries from a live leader */
    bool leader_seen;
    uint32_t votes;                /* candidate or pre-candidate: granted by */
    bool prevoting;
    uint64_t elections;            /* campaigns started, for metrics */
    /* leader */
    uint64_t next[RAFT_NODES_MAX], match[RAFT_NODES_MAX], acked_round[RAFT_NODES_MAX];
    uint32_t contacted;            /* CheckQuorum: heard from since last check */
    uint64_t round;                /* heartbeat round, for ReadIndex and leases */
    int64_t round_sent_mono[RAFT_ROUNDS];
    int64_t lease_until_mono;
    bool lease_off;                /* a transfer began: no more leases */
    int32_t transfer_to;
    raft_pending pending[RAFT_PENDING_MAX];
    uint32_t pending_len;
    raft_read reads[RAFT_READS_MAX];
    uint32_t reads_len;
    /* the invariant checker's, never read by the protocol */
    uint64_t ghost_checked_commit, ghost_checked_applied;
    char liveness[160];            /* set by control "liveness_failed" */
} raft_state;

static inline raft_state *raft_of(dsim_node *n) { return dsim_state(n); }

/* The bytes of an entry's disk record: a plain op leaves out the
** micro-op tail (op is last; read it back into a zeroed entry). */
static inline uint32_t raft_entry_bytes(const raft_entry *e)
{
    _Static_assert(offsetof(raft_entry, op) + sizeof(dsim_op) == sizeof(raft_entry), "op is last");
    return (uint32_t)(offsetof(raft_entry, op) + dsim_op_bytes(&e->op));
}

/* True when the scenario made this node a Byzantine liar of kind 'how'
** (c:byzantine; the names are in raft_main.c's 'byzantine' table). */
static inline bool raft_lies(const dsim_node *n, const char *how)
{
    const char *b = dsim_byzantine(n);
    return b != NULL && strcmp(b, how) == 0;
}

static inline bool raft_is_member(const raft_state *s, int id)
{
    return id >= 0 && id < RAFT_NODES_MAX && ((s->members >> id) & 1u);
}

static inline int raft_popcount(uint32_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* True when the nodes in 'set' are a majority of the members. */
static inline bool raft_quorum(const raft_state *s, uint32_t set)
{
    return 2 * raft_popcount(set & s->members) > raft_popcount(s->members);
}

static inline uint64_t raft_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

/* raft_log.c */
const raft_entry *raft_entry_at(const raft_state *s, uint64_t index);
uint64_t raft_term_at(const raft_state *s, uint64_t index);   /* 0: unknown */
uint64_t raft_chain_at(const raft_state *s, uint64_t index);
uint64_t raft_last_term(const raft_state *s);
uint64_t raft_entry_chain(uint64_t prev, const raft_entry *e);
bool raft_log_full(const raft_state *s);
void raft_log_push(raft_state *s, const raft_entry *e);      /* memory only */
void raft_log_cut(raft_state *s, uint64_t from);              /* memory only */
void raft_config_refresh(raft_state *s);
bool raft_up_to_date(const raft_state *s, uint64_t last_term, uint64_t last_index);

/* raft_persist.c */
void raft_persist_hard(dsim_node *n);
uint64_t raft_append(dsim_node *n, raft_entry *e);   /* memory + disk, no sync */
void raft_truncate(dsim_node *n, uint64_t from);     /* memory + disk */
void raft_persist_snapshot(dsim_node *n, const raft_snapshot *snap, bool keep_log);
void raft_recover(dsim_node *n);
/* The key of the latest snapshot ("snap0" or "snap1"). */
const char *raft_snap_key(const raft_state *s);
void raft_write_log(dsim_node *n, const uint64_t *terms, int len, uint64_t term);

/* raft_election.c */
void raft_reset_election_timer(dsim_node *n);
void raft_become_follower(dsim_node *n, uint64_t term, int32_t leader);
void raft_campaign(dsim_node *n, bool transfer);
void raft_on_election_timer(dsim_node *n);
void raft_on_quorum_timer(dsim_node *n);
void raft_on_vote(dsim_node *n, int from, const raft_vote_req *m);
void raft_on_vote_reply(dsim_node *n, int from, const raft_vote_reply *m);
void raft_on_timeout_now(dsim_node *n, int from, const raft_timeout_now *m);
bool raft_step_down_if_stale(dsim_node *n, uint64_t term);
const char *raft_role_name(raft_role r);

/* raft_replication.c */
void raft_send_append(dsim_node *n, int peer);
void raft_broadcast(dsim_node *n);
void raft_on_heartbeat_timer(dsim_node *n);
void raft_on_append(dsim_node *n, int from, const raft_append_req *m, const raft_entry *es);
void raft_on_append_reply(dsim_node *n, int from, const raft_append_reply *m);
void raft_peer_progress(dsim_node *n, int peer, uint64_t match, uint64_t round);
void raft_advance_commit(dsim_node *n);
void raft_set_commit(dsim_node *n, uint64_t commit);

/* raft_kv.c */
void raft_apply_committed(dsim_node *n);
void raft_on_client_write(dsim_node *n, const dsim_op *op);
void raft_drop_pending(dsim_node *n);
/* The bytes of 'snap' that hold its contents (a prefix; kv is last). */
size_t raft_snapshot_bytes(const raft_snapshot *snap);
/* Answers a read-only op from this node's state machine. */
void raft_kv_answer_read(dsim_node *n, const dsim_op *op);

/* raft_read.c */
void raft_on_client_read(dsim_node *n, const dsim_op *op);
void raft_reads_progress(dsim_node *n);
void raft_reads_drop(dsim_node *n);
void raft_lease_progress(dsim_node *n);

/* raft_snapshot.c */
void raft_maybe_snapshot(dsim_node *n);
void raft_take_snapshot(dsim_node *n, uint64_t index, const dsim_kv *kv);
void raft_send_snapshot(dsim_node *n, int peer);
void raft_on_snapshot(dsim_node *n, int from, const raft_snap_req *m);
void raft_on_snapshot_reply(dsim_node *n, int from, const raft_snap_reply *m);

/* raft_membership.c */
int raft_control(dsim_node *n, const char *verb, const json_t *args, json_t *result);
void raft_after_config_commit(dsim_node *n);

/* raft_invariants.c */
const char *raft_invariants(dsim_world *w);
void raft_ghost_truncated(raft_state *s, uint64_t from);

#endif
