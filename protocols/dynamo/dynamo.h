/*
** dynamo.h — the internal header of the Dynamo-style store (protocols/dynamo/).
**
** A leaderless replicated key-value store after DeCandia et al., "Dynamo:
** Amazon's Highly Available Key-value Store" (SOSP 2007):
** - Consistent hashing with 'vnodes' tokens per node; a key's preference
**   list is the ring walk from the key's hash: the first 'n' distinct nodes
**   are its home replicas, the rest its fallbacks, in order.
** - Any node coordinates any request. Every operation first reads the key
**   at 'r' replicas (GET phase: the coordinator acts as the client library,
**   whose read gives the causal context of its next write), then an update
**   writes the new version at 'w' replicas (PUT phase). An answer comes
**   once 'r' (read) or 'w' (update) replicas answered; a request that does
**   not get them within 'timeout' is not answered (the client records info).
** - Sloppy quorums ('sloppy'): when the home replicas do not answer within
**   'sloppy_after', the coordinator also asks the fallbacks; a fallback
**   that takes a write for a home replica keeps it as a hint, on disk and
**   synced before it acknowledges, and hands it to the home replica every
**   'hint_retry' until the home replica acknowledges it (hinted handoff).
** - Versions ('versioning'): "vv" — version vectors, concurrent versions
**   kept as siblings; "lww" — last write wins by the coordinator's wall
**   clock (dsim_wall, ties by node id): clock skew loses updates;
**   "overwrite" — the last arrival wins (no versions at all).
** - 'abd': a linearizable register after Attiya, Bar-Noy and Dolev: tags
**   (logical counter, node) instead of wall clocks, and a read writes the
**   value it returns back to 'w' replicas before it answers.
** - Data centres ('dcs'): nodes of consecutive ids; a key's home replicas
**   are n/dcs per data centre. 'consistency' "local_quorum": a phase is
**   done when a majority of the coordinator's data centre's home replicas
**   answered (r and w unused); the others still get every PUT.
** - Restore (control "restore"): a replica's records replaced by one
**   peer's copy (dynamo_sync.c), no GET answered until it arrived.
** - Read repair: after a read, replicas that answered an older state get
**   the merged one. Anti-entropy every 'anti_entropy': a node sends a peer
**   the Merkle tree over the keys both replicate; the peer descends it and
**   both push the keys of the differing leaves.
**
** Data types (option 'type', one per run; the workload's):
** - "register": a sibling holds one value. A read with siblings answers the
**   largest value (the client's pick, recorded in the history as the read's
**   value); event "siblings" reports every such read.
** - "counter": with "vv" the value is a PN-counter (per coordinator the
**   sum of its positive and of its negative deltas; merge is the pointwise
**   max, the version vector merge), so concurrent adds never conflict;
**   with "lww"/"overwrite" it is the total, read-modify-written: concurrent
**   or skewed adds lose increments (demo F6).
** - "set": a grow-only set of elements; with "vv" siblings merge by union,
**   with "lww"/"overwrite" the whole set is read-modify-written.
** So with "vv" a counter or set record never keeps more than one sibling:
** the workload's merge rule applies on arrival.
**
** Files, read in this order:
**   dynamo.h            types, the node state, cross-file functions
**   dynamo_main.c       the 'dsim_protocol' table, options, dispatch, inspect
**   dynamo_ring.c       consistent hashing: tokens, preference lists
**   dynamo_version.c    version vectors, record merge, digests (no kernel state)
**   dynamo_store.c      the replica's records and hints, on disk
**   dynamo_coord.c      the coordinator: GET and PUT phases, sloppy quorums
**   dynamo_sync.c       hinted handoff, read repair, Merkle anti-entropy
**
** Invariants:
** - A replica syncs a record to disk before it acknowledges a PUT or a
**   handoff; a fallback syncs a hint before it acknowledges a sloppy PUT.
** - A record's siblings are pairwise concurrent ("vv") and sorted by
**   'dyn_sib_cmp'; with "lww"/"overwrite"/abd a record has one sibling.
*/
#ifndef DYNAMO_H
#define DYNAMO_H

#include <string.h>

#include "dsim.h"

#define DYN_NODES_MAX 9          /* version vector width */
#define DYN_VNODES_MAX 64
#define DYN_KEYS_MAX 32
#define DYN_SIBS_MAX 8           /* register siblings kept per key */
#define DYN_WORDS_MAX 1024       /* set elements per key; counter slots */
#define DYN_PENDING_MAX 32       /* requests a coordinator runs at once */
#define DYN_CLIENTS_MAX 64
#define DYN_MERKLE_LEAVES 8      /* leaves of the anti-entropy tree */
#define DYN_VHINTS_MAX 8         /* bug hint_not_persisted: hints held in memory */

typedef enum dyn_mode { DYN_VV = 0, DYN_LWW = 1, DYN_OVERWRITE = 2 } dyn_mode;
typedef enum dyn_type { DYN_REGISTER = 0, DYN_COUNTER = 1, DYN_SET = 2 } dyn_type;

enum {
    DYN_MSG_GET = 0, DYN_MSG_GET_R, DYN_MSG_PUT, DYN_MSG_PUT_R, DYN_MSG_HANDOFF,
    DYN_MSG_HANDOFF_R, DYN_MSG_TREE, DYN_MSG_PULL, DYN_MSG_COUNT_
};
enum { DYN_T_SLOPPY = 1, DYN_T_TIMEOUT = 2, DYN_T_HINTS = 3, DYN_T_AE = 4 };

/* A version vector: per node, the count of versions it coordinated. */
typedef struct dyn_vv {
    uint64_t c[DYN_NODES_MAX];
} dyn_vv;

typedef enum dyn_order { DYN_EQUAL = 0, DYN_BEFORE, DYN_AFTER, DYN_CONCURRENT } dyn_order;

/* One version: its vector, its timestamp (lww: wall ns; abd: the tag's
** counter), the coordinator that wrote it, and a register's value. */
typedef struct dyn_sib {
    dyn_vv vv;
    int64_t ts;
    int32_t by;
    uint32_t pad;
    int64_t value;
} dyn_sib;

/* A key's record: 'nsib' siblings (0: absent) and, for counters and sets,
** 'len' words (counter with "vv": P slots then N slots; otherwise the
** total in sib[0].value; set: sorted elements). */
typedef struct dyn_rec {
    uint32_t nsib;
    uint32_t len;
    dyn_sib sib[DYN_SIBS_MAX];
    int64_t words[DYN_WORDS_MAX];
} dyn_rec;

/* Bytes of 'r' that carry meaning (header, siblings, words). */
static inline uint32_t dyn_rec_bytes(const dyn_rec *r)
{
    return (uint32_t)(offsetof(dyn_rec, words) + r->len * sizeof(int64_t));
}

/* The options, read once at start. */
typedef struct dyn_cfg {
    int n, r, w, nodes, vnodes, keys;
    dyn_mode mode;
    dyn_type type;
    bool abd, sloppy, read_repair;
    int dcs;                     /* data centres: nodes of consecutive ids */
    bool local_quorum;           /* count only the coordinator's data centre's home replicas */
    int64_t sloppy_after_ns, timeout_ns, hint_retry_ns, ae_ns;
} dyn_cfg;

/* The ring: every node's tokens, sorted by position. */
typedef struct dyn_ring {
    int len;
    int nodes, dcs, per_dc;      /* placement: per_dc home replicas in each of dcs (dcs 1: none) */
    uint64_t pos[DYN_NODES_MAX * DYN_VNODES_MAX];
    int node[DYN_NODES_MAX * DYN_VNODES_MAX];
} dyn_ring;

typedef enum dyn_phase { DYN_P_FREE = 0, DYN_P_GET, DYN_P_PUT } dyn_phase;

/* A request the node coordinates. */
typedef struct dyn_req {
    dyn_phase phase;
    uint32_t id;                 /* request id, echoed by replies */
    dsim_op op;
    int pref[DYN_NODES_MAX];     /* preference list: n homes, then fallbacks */
    int asked;                   /* pref[0..asked) were sent this phase */
    uint32_t replied;            /* node mask: answered this phase */
    uint32_t fresh;              /* GET: nodes whose answer equals 'merged' */
    int acks;
    bool write_back;             /* abd read: the PUT is the write-back */
    uint64_t digests[DYN_NODES_MAX];   /* GET: each answer's digest */
    dsim_timer_id sloppy_timer, timeout_timer;
    dyn_rec merged;              /* GET: merge of the answers; PUT: the new record */
} dyn_req;

typedef struct dyn_state {
    dyn_cfg cfg;
    dyn_ring ring;
    uint32_t next_id;
    dyn_rec store[DYN_KEYS_MAX];                 /* this replica's records */
    bool hint[DYN_NODES_MAX][DYN_KEYS_MAX];      /* hints held for (home, key), on disk */
    uint64_t own[DYN_KEYS_MAX][3];               /* "vv": own P, N sums; largest vv entry issued */
    uint64_t seq[DYN_CLIENTS_MAX];               /* last update seq per client (on disk) */
    dyn_req req[DYN_PENDING_MAX];
    dyn_rec scratch;                             /* a record received, being handled */
    struct { bool used; int home; uint32_t key; dyn_rec rec; } vhint[DYN_VHINTS_MAX];
                                                 /* bug hint_not_persisted only */
    uint64_t handoffs, repairs, ae_rounds, ae_keys;
    struct { uint32_t keys; int32_t from; } restoring;   /* keys awaited from peer 'from'
                                                 ** (control restore; on disk), 0: none */
    char liveness[160];                          /* the scenario's liveness verdict */
} dyn_state;

static inline dyn_state *dyn_of(dsim_node *n) { return dsim_state(n); }

/* dynamo_ring.c */
uint64_t dyn_hash64(uint64_t x);
void dyn_ring_build(dyn_ring *ring, int nodes, int vnodes);
/* Fills 'pref' with every node once, in ring order from 'key''s position;
** returns the count (== nodes). */
int dyn_ring_pref(const dyn_ring *ring, uint32_t key, int *pref, int cap);
bool dyn_ring_is_home(const dyn_ring *ring, uint32_t key, int n_replicas, int node);
/* Places the 'n' home replicas of every key 'n / dcs' per data centre
** (dcs 1: the ring walk alone, as built). */
void dyn_ring_place(dyn_ring *ring, int dcs, int n);
int dyn_dc_of(int nodes, int dcs, int node);   /* 0-based data centre of 'node' */

/* dynamo_version.c — pure functions; 'min_bug' plants vv_merge_min. */
dyn_order dyn_vv_compare(const dyn_vv *a, const dyn_vv *b);
void dyn_vv_merge(dyn_vv *into, const dyn_vv *from, bool min_bug);
int dyn_sib_cmp(const dyn_sib *a, const dyn_sib *b);
/* Merges 'from' into 'into' under 'mode'/'type'; returns true when 'into'
** changed. 'abd' records compare by (ts, by) like lww. */
bool dyn_rec_merge(dyn_rec *into, const dyn_rec *from, dyn_mode mode, dyn_type type, int nodes,
                   bool min_bug);
uint64_t dyn_rec_digest(const dyn_rec *r);
/* The value a read answers: register: the largest sibling value (DSIM_NIL
** when absent); counter: the sum. */
int64_t dyn_rec_value(const dyn_rec *r, dyn_mode mode, dyn_type type, int nodes);
/* Canonical text of 'r' ("v@vv|v@vv", "ts:by=v", "[1,2]"). */
void dyn_rec_text(const dyn_rec *r, dyn_mode mode, dyn_type type, char *buf, size_t cap);
/* Adds 'e' to a sorted set record's words; false when full (unchanged). */
bool dyn_set_add(dyn_rec *r, int64_t e);

/* dynamo_store.c */
void dyn_store_load(dsim_node *n);
/* Merges 'in' into the replica's record of 'key' and syncs it when it
** changed; returns whether it changed. */
bool dyn_store_put(dsim_node *n, uint32_t key, const dyn_rec *in);
/* Stores a hint for 'home' (merged with one held), on disk; synced unless
** bug hint_not_persisted. */
void dyn_hint_put(dsim_node *n, int home, uint32_t key, const dyn_rec *in);
bool dyn_hint_get(dsim_node *n, int home, uint32_t key, dyn_rec *out);
void dyn_hint_drop(dsim_node *n, int home, uint32_t key);
int dyn_hints_pending(const dyn_state *s);
void dyn_own_save(dsim_node *n, uint32_t key);
void dyn_seq_save(dsim_node *n, int client);
void dyn_restoring_save(dsim_node *n);
/* What this node answers a GET of 'key' with: its record merged with
** every hint it holds for the key. */
void dyn_local_read(dsim_node *n, uint32_t key, dyn_rec *out);
bool dyn_merge(dsim_node *n, dyn_rec *into, const dyn_rec *from);

/* dynamo_coord.c */
void dyn_on_request(dsim_node *n, const dsim_op *op);
void dyn_on_get(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_get_reply(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_put(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_put_reply(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_sloppy(dsim_node *n, uint32_t id);
void dyn_on_timeout(dsim_node *n, uint32_t id);

/* dynamo_sync.c */
void dyn_send_rec(dsim_node *n, int to, uint32_t type, uint32_t id, uint32_t key, int hint_for,
                  const dyn_rec *r);
void dyn_on_hints_timer(dsim_node *n);
void dyn_on_handoff(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_handoff_reply(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_ae_timer(dsim_node *n);
void dyn_on_tree(dsim_node *n, int from, const dsim_msg *m);
void dyn_on_pull(dsim_node *n, int from, const dsim_msg *m);
void dyn_merkle(dsim_node *n, int peer, uint64_t tree[2 * DYN_MERKLE_LEAVES]);
/* Drops every record this replica holds, on disk too, and asks 'peer' for
** its copy of every key they share; until a key's copy arrived the node
** answers no GET of it (the hints timer asks again). Returns how many
** keys were asked for. */
int dyn_restore(dsim_node *n, int peer);
void dyn_restore_ask(dsim_node *n);
/* A record pushed by 'from' arrived and was stored: the key is restored. */
void dyn_restore_got(dsim_node *n, int from, uint32_t key);

/* Message header of record-carrying messages (GET_R, PUT, HANDOFF): the
** record's meaningful bytes follow. */
typedef struct dyn_msg_hdr {
    uint32_t id;
    uint32_t key;
    int32_t hint_for;    /* PUT: the home replica this is a hint for, or -1 */
    uint32_t pad;
} dyn_msg_hdr;

#endif
