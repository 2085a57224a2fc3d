/*
** zab.h — the internal header of ZAB, ZooKeeper's atomic broadcast
** (protocols/zab/), and the service it offers the coordination service
** (zk_*.c, see ZAB_INTERFACE in the coordinator's notes).
**
** ZAB as in Junqueira, Reed and Serafini (DSN 2011) and Medeiros (2012):
** fast leader election (votes ordered by (epoch, last zxid, server id)),
** then three phases run by the elected leader:
**   discovery        followers send FOLLOWERINFO (acceptedEpoch); on a
**                    quorum the leader proposes epoch max+1 (LEADERINFO);
**                    followers persist acceptedEpoch and answer ACKEPOCH
**                    with (currentEpoch, last zxid);
**   synchronisation  the leader brings each follower's history in line with
**                    its own by DIFF, TRUNC+DIFF or SNAP, then NEWLEADER;
**                    followers persist currentEpoch and the log and ack;
**                    a quorum of acks establishes the leader, which commits
**                    its initial history and sends UPTODATE;
**   broadcast        PROPOSAL, ACK, COMMIT with zxid = epoch<<32 | counter.
** Leader-to-follower traffic runs on a numbered connection (conn id, seq):
** a gap or a broken connection makes the follower reconnect, and every
** connection starts with a fresh synchronisation (reconnect = resync).
** Observers (the highest 'observers' server ids) receive the stream and
** never count in a quorum.
**
** Files, read in this order:
**   zab.h             types, the node state, cross-file functions
**   zab_main.c        the 'dsim_protocol' table, options, dispatch, inspect
**   zab_log.c         zxids and epochs, the in-memory log, sync selection
**   zab_persist.c     epochs, log and snapshots on disk; recovery
**   zab_election.c    fast leader election
**   zab_leader.c      discovery, synchronisation and broadcast, leader side
**   zab_follower.c    the same, follower and observer side
**   zab_kv.c          the state machine, sessions, client ops, snapshots
**   zab_describe.c    inspect and describe
**   zab_control.c     the c:control verbs (propose, log)
**   zab_invariants.c  the ZAB properties from the global view
**
** Invariants of the node state:
** - The log holds positions (snap_pos, last_pos] in a ring of ZAB_LOG_MAX
**   slots; zxids strictly increase along it; snap_zxid is the zxid of
**   snap_pos.
** - commit_zxid <= last zxid; applied_pos <= the committed position.
** - acceptedEpoch >= currentEpoch, and both are on disk before the node
**   sends anything that depends on them.
*/
#ifndef ZAB_H
#define ZAB_H

#include <string.h>

#include "dsim.h"
#include "zk.h"   /* the coordination service on top (zk_*.c) */

#define ZAB_NODES_MAX 32
#define ZAB_LOG_MAX 1024        /* in-memory entries past the snapshot */
#define ZAB_TXN_MAX 400         /* bytes of one transaction */
#define ZAB_PENDING_MAX 128     /* client ops waiting for commit at the leader */
#define ZAB_READS_MAX 128       /* reads waiting for their sync */
#define ZAB_DIFF_MAX 64         /* entries per SYNC message */
#define ZAB_NONE (-1)

/* The first byte of a transaction: whose it is (the interface with zk). */
enum { ZAB_TXN_NOOP = 0, ZAB_TXN_KV = 1, ZAB_TXN_ZK = 2 };

typedef enum zab_role {
    ZAB_LOOKING = 0, ZAB_LEADING, ZAB_FOLLOWING, ZAB_OBSERVING
} zab_role;

/* Where a leader or a follower is in the three phases. */
typedef enum zab_phase {
    ZAB_P_NONE = 0,      /* looking */
    ZAB_P_DISCOVERY,     /* leader: collecting FOLLOWERINFO; follower: sent it */
    ZAB_P_SYNC,          /* leader: epoch acked, syncing; follower: synced or syncing */
    ZAB_P_BROADCAST,     /* established leader / follower after UPTODATE */
} zab_phase;

enum {
    ZAB_MSG_NOTIFY = 0, ZAB_MSG_FOLLOWERINFO, ZAB_MSG_LEADERINFO, ZAB_MSG_ACKEPOCH,
    ZAB_MSG_SYNC, ZAB_MSG_NEWLEADER, ZAB_MSG_UPTODATE, ZAB_MSG_PROPOSAL, ZAB_MSG_ACK,
    ZAB_MSG_COMMIT, ZAB_MSG_PING, ZAB_MSG_PINGACK, ZAB_MSG_SYNCREQ, ZAB_MSG_COUNT_
};
enum { ZAB_T_NOTIFY = 1, ZAB_T_DECIDE = 2, ZAB_T_TICK = 3 };
enum { ZAB_SYNC_DIFF = 0, ZAB_SYNC_TRUNC = 1, ZAB_SYNC_SNAP = 2 };

/* ---- zxids and epochs --------------------------------------------------- */

static inline uint64_t zab_zxid(uint64_t epoch, uint64_t counter)
{
    return (epoch << 32) | (counter & 0xffffffffu);
}
static inline uint64_t zab_epoch_of(uint64_t zxid) { return zxid >> 32; }
static inline uint64_t zab_counter_of(uint64_t zxid) { return zxid & 0xffffffffu; }
/* "epoch.counter", for events and messages. */
json_t *zab_zxid_json(uint64_t zxid);

/* A vote of fast leader election: ordered by (epoch, zxid, id). */
typedef struct zab_vote {
    uint64_t epoch;      /* the candidate's currentEpoch */
    uint64_t zxid;       /* its last logged zxid */
    int32_t id;          /* the candidate */
    int32_t pad;
} zab_vote;

/* True when vote 'a' is better than 'b'. */
bool zab_vote_better(const zab_vote *a, const zab_vote *b);
static inline bool zab_vote_eq(const zab_vote *a, const zab_vote *b)
{
    return a->epoch == b->epoch && a->zxid == b->zxid && a->id == b->id;
}

/* ---- the log -------------------------------------------------------- */

/* One transaction; also its disk record and wire form (a prefix:
** zab_entry_bytes). */
typedef struct zab_entry {
    uint64_t zxid;
    uint64_t pos;        /* position in the history, from 1 */
    uint64_t cookie;     /* the proposer's cookie (zab_propose, zab_sync) */
    int32_t origin;      /* the server that proposed it or asked for the sync */
    uint32_t len;        /* bytes of 'data' */
    uint8_t data[ZAB_TXN_MAX];
} zab_entry;

static inline uint32_t zab_entry_bytes(const zab_entry *e)
{
    return (uint32_t)(offsetof(zab_entry, data) + e->len);
}

/* The replicated state: the coordination service's tree and the client
** ops' state machine (the kernel's dsim_kv: store and sessions), last so
** that a prefix carries it. */
typedef struct zab_kv {
    uint64_t tree_digest;  /* zk_tree_digest(&tree), kept up to date */
    zk_tree tree;          /* the coordination service's znodes and sessions (zk_tree.c) */
    dsim_kv ops;           /* last: its contents are a prefix */
} zab_kv;

typedef struct zab_snapshot {
    uint64_t zxid, pos;
    zab_kv kv;           /* last: a prefix travels (zab_snapshot_bytes) */
} zab_snapshot;

/* ---- messages ---------------------------------------------------------- */

typedef struct zab_notify {
    zab_vote vote;
    uint64_t round;      /* the election's logical clock */
    uint32_t state;      /* zab_role of the sender */
    uint32_t observer;
} zab_notify;

typedef struct zab_finfo {          /* FOLLOWERINFO */
    uint64_t accepted_epoch, current_epoch, last_zxid, commit_zxid;
    uint32_t observer, pad;
} zab_finfo;

typedef struct zab_linfo {          /* LEADERINFO */
    uint64_t epoch, conn;
} zab_linfo;

typedef struct zab_ackepoch {
    uint64_t epoch, conn, current_epoch, last_zxid;
} zab_ackepoch;

/* Every leader-to-follower message after LEADERINFO starts with this. */
typedef struct zab_chan {
    uint64_t epoch, conn, seq;
} zab_chan;

typedef struct zab_sync_head {      /* SYNC: followed by 'count' entries or a snapshot */
    zab_chan ch;
    uint64_t trunc_zxid;            /* TRUNC: drop everything after it */
    uint32_t mode, count;
} zab_sync_head;

typedef struct zab_newleader {
    zab_chan ch;
    uint64_t last_zxid;
} zab_newleader;

typedef struct zab_commit {          /* COMMIT, UPTODATE, PING */
    zab_chan ch;
    uint64_t zxid;
} zab_commit;

typedef struct zab_ack {            /* ACK, PINGACK */
    uint64_t epoch, conn, zxid;
    uint32_t newleader, pad;
} zab_ack;

typedef struct zab_syncreq {
    uint64_t epoch, conn, cookie;
} zab_syncreq;

/* ---- the invariant checker's record ------------------------------------- */

#define ZAB_GHOST_EPOCHS 256
#define ZAB_GHOST_TXNS 4096

typedef struct zab_ghost_txn {
    uint64_t zxid, prev, hash, digest;
} zab_ghost_txn;

typedef struct zab_ghost {
    int32_t leader_node[ZAB_GHOST_EPOCHS];
    uint64_t leader_epoch[ZAB_GHOST_EPOCHS];
    zab_ghost_txn txn[ZAB_GHOST_TXNS];      /* by zxid hash: delivered ones */
    zab_ghost_txn succ[ZAB_GHOST_TXNS];     /* by prev hash: who follows 'prev' */
    uint64_t deliv_epoch[ZAB_GHOST_EPOCHS]; /* by epoch % size: the epoch ... */
    uint64_t deliv_max[ZAB_GHOST_EPOCHS];   /* ... and its highest zxid delivered anywhere */
    char violation[256];
} zab_ghost;

/* ---- the node --------------------------------------------------------- */

typedef struct zab_config {
    int64_t tick_ns, notify_ns, finalize_ns;
    int64_t init_ticks, sync_ticks, snapshot_every;
    int servers, observers, voters;
    bool read_sync;     /* reads by sync at any server, else through the log */
} zab_config;

typedef struct zab_peer {           /* the leader's view of one learner */
    uint64_t conn, seq;             /* the connection and its last seq sent */
    uint64_t accepted_epoch, current_epoch, last_zxid, commit_zxid;
    uint64_t acked;                 /* highest zxid acked on this connection */
    int64_t heard_mono;
    int64_t newleader_mono;         /* when NEWLEADER went out (phase 3) */
    uint32_t phase;                 /* 0 none, 1 info, 2 epoch acked, 3 newleader sent, 4 up */
    uint32_t observer;
} zab_peer;

typedef struct zab_pending {
    uint64_t zxid;
    dsim_op op;
} zab_pending;

typedef struct zab_read {
    uint64_t cookie;
    dsim_op op;
} zab_read;

typedef struct zab_state {
    zab_config cfg;
    bool started;
    /* persistent */
    uint64_t accepted_epoch, current_epoch;
    uint64_t epoch_seq;
    uint64_t snap_pos, snap_zxid, last_pos;
    int64_t disk_delta;
    int snap_slot;
    zab_entry log[ZAB_LOG_MAX];
    /* election */
    zab_role role;
    zab_phase phase;
    uint64_t round;
    zab_vote vote;
    zab_vote recv[ZAB_NODES_MAX];   /* votes of this round, by sender */
    uint64_t recv_round[ZAB_NODES_MAX];
    zab_vote oob[ZAB_NODES_MAX];    /* votes of servers out of the election */
    uint32_t oob_state[ZAB_NODES_MAX];
    uint32_t oob_seen;              /* mask */
    bool vote_changed;
    dsim_timer_id notify_timer, decide_timer, tick_timer;
    uint64_t elections;
    /* following */
    int32_t leader_id;
    uint64_t conn, next_seq;        /* the connection to the leader */
    uint64_t epoch;                 /* the epoch being established / served */
    int64_t leader_seen_mono;
    int64_t phase_mono;             /* when the current phase began */
    bool newleader_acked;
    /* leading */
    uint64_t conn_counter;
    uint64_t counter;               /* zxid counter of this epoch */
    zab_peer peer[ZAB_NODES_MAX];
    bool established;
    bool epoch_acked;               /* a quorum acked the new epoch: sync */
    /* state machine */
    uint64_t commit_zxid, applied_pos, applied_zxid;
    zab_kv kv;
    zk_server zk;                   /* the service's per-server part (zk_server.c) */
    zab_pending pending[ZAB_PENDING_MAX];
    uint32_t pending_len;
    zab_read reads[ZAB_READS_MAX];
    uint32_t reads_len;
    /* the invariant checker's, never read by the protocol */
    uint64_t ghost_prev;            /* last zxid this node delivered, as seen */
    uint64_t ghost_applied;
    char liveness[160];
} zab_state;

static inline zab_state *zab_of(dsim_node *n) { return dsim_state(n); }

static inline uint64_t zab_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

static inline bool zab_is_observer(const zab_state *s, int id)
{
    return id >= s->cfg.voters && id < s->cfg.servers;
}
static inline bool zab_is_voter(const zab_state *s, int id)
{
    return id >= 0 && id < s->cfg.voters;
}
/* True when the voters in 'set' are a majority of the voters. */
static inline bool zab_quorum(const zab_state *s, uint32_t set)
{
    int c = 0;
    for (int i = 0; i < s->cfg.voters; i++)
        c += (set >> i) & 1u;
    return 2 * c > s->cfg.voters;
}

/* ---- the service offered to zk_*.c (ZAB_INTERFACE) ----------------------- */
bool zab_is_leader(dsim_node *n);
int zab_leader_hint(dsim_node *n);
bool zab_propose(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie);
bool zab_sync(dsim_node *n, uint64_t cookie);

/* zab_log.c */
const zab_entry *zab_entry_at(const zab_state *s, uint64_t pos);
uint64_t zab_zxid_at(const zab_state *s, uint64_t pos);
uint64_t zab_last_zxid(const zab_state *s);
uint64_t zab_pos_of(const zab_state *s, uint64_t zxid);   /* 0: not held */
uint64_t zab_pos_floor(const zab_state *s, uint64_t zxid);   /* last pos with zxid <= */
bool zab_log_full(const zab_state *s);
void zab_log_push(zab_state *s, const zab_entry *e);
void zab_log_cut(zab_state *s, uint64_t from_pos);
uint64_t zab_entry_hash(const zab_entry *e);
/* How a leader whose history is (snap_zxid, snap held up to 'leader_last')
** syncs a follower at 'f_last' with 'f_commit' committed: DIFF, TRUNC (to
** '*trunc') or SNAP. Pure: tested on its own. */
int zab_sync_mode(const zab_state *s, uint64_t f_last, uint64_t f_commit, uint64_t *trunc);
uint64_t zab_next_epoch(uint64_t max_accepted);

/* zab_persist.c */
void zab_persist_epochs(dsim_node *n);
void zab_append(dsim_node *n, zab_entry *e);   /* memory + disk, no sync */
void zab_truncate(dsim_node *n, uint64_t from_pos);
void zab_persist_snapshot(dsim_node *n, const zab_snapshot *snap, bool keep_log);
void zab_recover(dsim_node *n);
const char *zab_snap_key(const zab_state *s);

/* zab_election.c */
void zab_look(dsim_node *n);
void zab_on_notify(dsim_node *n, int from, const zab_notify *m);
void zab_on_notify_timer(dsim_node *n);
void zab_on_decide_timer(dsim_node *n);
const char *zab_role_name(const zab_state *s);

/* zab_leader.c */
void zab_lead(dsim_node *n);
void zab_on_followerinfo(dsim_node *n, int from, const zab_finfo *m);
void zab_on_ackepoch(dsim_node *n, int from, const zab_ackepoch *m);
void zab_on_ack(dsim_node *n, int from, const zab_ack *m);
void zab_on_syncreq(dsim_node *n, int from, const zab_syncreq *m);
void zab_leader_tick(dsim_node *n);
uint64_t zab_leader_propose(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie, int origin);

/* zab_follower.c */
void zab_follow(dsim_node *n, int leader);
void zab_on_leaderinfo(dsim_node *n, int from, const zab_linfo *m);
void zab_on_chan(dsim_node *n, int from, uint32_t type, const dsim_msg *m);
void zab_follower_tick(dsim_node *n);
void zab_set_commit(dsim_node *n, uint64_t zxid);

/* zab_kv.c */
void zab_apply_committed(dsim_node *n);
void zab_on_request(dsim_node *n, const dsim_op *op);
void zab_drop_clients(dsim_node *n);
size_t zab_snapshot_bytes(const zab_snapshot *snap);
/* The digest of the whole replicated state (tree, store, sessions). */
uint64_t zab_kv_digest(const zab_kv *kv);
void zab_make_snapshot(const zab_state *s, zab_snapshot *snap);
void zab_install_snapshot(dsim_node *n, const zab_snapshot *snap);

/* zab_control.c */
int zab_control(dsim_node *n, const char *verb, const json_t *args, json_t *result);

/* zab_describe.c */
void zab_inspect(dsim_node *n, json_t *out);
void zab_describe(const dsim_msg *m, json_t *out);

/* zab_invariants.c */
const char *zab_invariants(dsim_world *w);

#endif
