/*
** pbft.h — the internal header of the PBFT protocol (protocols/pbft/).
**
** Practical Byzantine Fault Tolerance (Castro and Liskov, OSDI 1999; TOCS
** 2002), the variant with signatures: n = 3f+1 replicas tolerate f
** Byzantine ones. The primary of view v (replica v mod n) orders client
** requests with PRE-PREPARE (view, seq, digest, request); every replica
** that accepts it multicasts PREPARE; a replica is 'prepared' at (v, n)
** with the pre-prepare and 2f matching prepares from distinct backups,
** then multicasts COMMIT; 'committed-local' with 2f+1 matching commits. It
** executes committed requests in sequence order on a KV state machine
** (dsim_store, exactly-once per (client, seq)) and replies to the client,
** which accepts an answer given identically by f+1 replicas.
** Every K executed requests a replica multicasts CHECKPOINT (seq, state
** digest); 2f+1 matching ones make it stable: the low water mark h moves
** there, the log below is discarded, and a replica that is behind fetches
** the state (STATE carries the 2f+1 signed checkpoints as its proof).
** Sequence numbers are accepted only in (h, h + 2K].
** A backup with a request pending for too long moves to view v+1 with
** VIEW-CHANGE (its stable checkpoint with proof, and a prepared certificate
** per sequence number above it); the timer doubles per failed view. The
** new primary, with 2f+1 valid view changes, sends NEW-VIEW: the view
** changes and the pre-prepares it re-issues (the request of the highest
** view's certificate per sequence number, a null request in gaps); every
** backup recomputes them and rejects a NEW-VIEW that differs. f+1 view
** changes for higher views make a replica join.
** Every message that may be relayed inside a certificate (PRE-PREPARE,
** PREPARE, CHECKPOINT, VIEW-CHANGE, NEW-VIEW) is signed (dsim_sign) and
** checked (dsim_verify); the sender of a plain message is authentic anyway.
**
** Files, read in this order:
**   pbft.h             types, the node state, cross-file functions
**   pbft_main.c        the 'dsim_protocol' table, options, dispatch, inspect
**   pbft_msg.c         digests, signing, certificate validation
**   pbft_persist.c     what survives a crash, and recovery
**   pbft_normal.c      requests, pre-prepare / prepare / commit, execution
**   pbft_checkpoint.c  checkpoints, garbage collection, state transfer, status
**   pbft_view.c        view change and new view
**   pbft_byz.c         the Byzantine behaviours the protocol acts out
**   pbft_invariants.c  agreement, validity, exactly-once, checkpoints
**
** Invariants of the node state:
** - stable <= last_exec (after a state transfer: equal); the log holds
**   seqs (stable, stable + 2K] at log[seq % PBFT_LOG_MAX], valid when
**   slot.seq == seq.
** - A slot's accepted pre-prepare, and the fact that this replica sent a
**   PREPARE or COMMIT for it, are on disk (synced) before it sends them:
**   after a crash a correct replica never signs two digests for one (v, n).
** - 'view' is on disk before any message of that view is sent.
*/
#ifndef PBFT_H
#define PBFT_H

#include <string.h>

#include "dsim.h"

#define PBFT_NODES_MAX 10        /* n = 3f+1 <= 10: f <= 3 */
#define PBFT_F_MAX 3
#define PBFT_LOG_MAX 32          /* window L = 2K <= 32 */
#define PBFT_K_MAX 16
#define PBFT_PENDING_MAX 64
#define PBFT_SNAPS 3             /* checkpoint states kept: stable + 2 above */
#define PBFT_TALLY 6             /* checkpoint seqs counted at once */
#define PBFT_RING 256            /* executed / received requests remembered */
#define PBFT_GHOST 4096
#define PBFT_BACKOFF_MAX 3        /* the view-change timeout doubles up to 8T */
#define PBFT_NULL_DIGEST 0x6e756c6cull   /* the null request's digest */

enum {
    PBFT_MSG_PRE_PREPARE = 0, PBFT_MSG_PREPARE, PBFT_MSG_COMMIT, PBFT_MSG_CHECKPOINT,
    PBFT_MSG_VIEW_CHANGE, PBFT_MSG_NEW_VIEW, PBFT_MSG_STATUS, PBFT_MSG_STATE, PBFT_MSG_REQUEST,
    PBFT_MSG_COUNT_
};
enum { PBFT_T_VIEW = 1, PBFT_T_STATUS = 2, PBFT_T_SLOW = 3 };

/* ---- signed messages (the signature covers every byte before 'sig') ---- */

typedef struct pbft_pp {          /* PRE-PREPARE, with the request */
    uint64_t view, seq, digest;
    int32_t from;
    uint32_t null_req;            /* 1: the null request (no-op) */
    dsim_op op;
    dsim_sig csig;                /* the client's signature of 'op' (zero for the null request) */
    dsim_sig sig;
} pbft_pp;

typedef struct pbft_req {         /* REQUEST relayed to the primary, as the client signed it */
    dsim_op op;
    dsim_sig csig;
} pbft_req;

typedef struct pbft_vote {        /* PREPARE and COMMIT ('type' is signed) */
    uint64_t view, seq, digest;
    int32_t from;
    uint32_t type;
    dsim_sig sig;
} pbft_vote;

typedef struct pbft_ckpt {        /* CHECKPOINT */
    uint64_t seq, digest;
    int32_t from;
    uint32_t type;
    dsim_sig sig;
} pbft_ckpt;

/* A prepared certificate: the pre-prepare and 2f prepares from distinct
** backups, all for one (view, seq, digest). */
typedef struct pbft_cert {
    pbft_pp pp;
    pbft_vote prep[2 * PBFT_F_MAX];
} pbft_cert;

/* VIEW-CHANGE: the wire form is the prefix up to cert[ncert]; the
** signature covers those bytes with 'sig' zeroed. */
typedef struct pbft_vc {
    uint64_t view;                /* the view it moves to */
    uint64_t stable_seq, stable_digest;
    int32_t from;
    uint32_t nckpt, ncert, pad;
    dsim_sig sig;
    pbft_ckpt proof[2 * PBFT_F_MAX + 1];
    pbft_cert cert[PBFT_LOG_MAX];
} pbft_vc;

/* NEW-VIEW: header, 'npp' re-issued pre-prepares, then 'nvc' view changes
** (each its wire length); the signature covers all with 'sig' zeroed. */
typedef struct pbft_nv {
    uint64_t view;
    int32_t from;
    uint32_t nvc, npp, pad;
    dsim_sig sig;
} pbft_nv;

typedef struct pbft_status {      /* periodic: where the sender is */
    uint64_t view, last_exec, stable;
    uint32_t in_vc, pad;
} pbft_status;

/* STATE: a stable checkpoint with its proof and the state, sent to a
** replica that is behind; the wire form stops at the end of kv's
** contents (dsim_kv_bytes). */
typedef struct pbft_state_msg {
    uint64_t seq, digest;
    uint32_t nproof, pad;
    pbft_ckpt proof[2 * PBFT_F_MAX + 1];
    dsim_kv kv;
} pbft_state_msg;

_Static_assert(sizeof(pbft_pp) == 32 + sizeof(dsim_op) + 32, "pbft_pp has padding");
_Static_assert(sizeof(pbft_req) == sizeof(dsim_op) + 16, "pbft_req has padding");
_Static_assert(sizeof(pbft_vote) == 48, "pbft_vote has padding");
_Static_assert(sizeof(pbft_ckpt) == 40, "pbft_ckpt has padding");
_Static_assert(sizeof(pbft_cert) == sizeof(pbft_pp) + 2 * PBFT_F_MAX * 48, "pbft_cert has padding");
_Static_assert(sizeof(pbft_nv) == 40, "pbft_nv has padding");

/* ---- the node ------------------------------------------------------------ */

typedef struct pbft_config {
    int n, f, q;                  /* q: the quorum, 2f+1 (planted bug: 2f) */
    int ckpt_q;                   /* stable checkpoint: 2f+1 (bug: f+1) */
    int64_t k, window;            /* checkpoint interval, L = 2K */
    int64_t vc_timeout_ns, status_ns;
} pbft_config;

typedef struct pbft_slot {
    uint64_t seq;                 /* valid when equal to the slot's seq */
    bool has_pp, prepared, committed, sent_commit, has_cert, pad_[3];
    pbft_pp pp;                   /* the accepted pre-prepare (view pp.view) */
    uint32_t prep_mask, commit_mask;
    pbft_vote prep[PBFT_NODES_MAX];     /* latest prepare per sender */
    uint64_t commit_view[PBFT_NODES_MAX], commit_digest[PBFT_NODES_MAX];
    pbft_cert cert;               /* the latest prepared certificate */
} pbft_slot;

typedef struct pbft_snap {        /* a checkpoint this replica took */
    uint64_t seq;                 /* 0: none */
    dsim_kv kv;
} pbft_snap;

typedef struct pbft_tally {       /* CHECKPOINT messages for one seq */
    uint64_t seq;
    pbft_ckpt msg[PBFT_NODES_MAX];
    uint32_t mask, pad;
} pbft_tally;

typedef struct pbft_exec {        /* an executed sequence number */
    uint64_t seq, digest, op_id;
    uint32_t applied, null_req;   /* applied: changed the state (not a duplicate) */
} pbft_exec;

typedef struct pbft_seen {        /* a request received from a client */
    uint64_t id, digest;
} pbft_seen;

typedef struct pbft_state {
    pbft_config cfg;
    bool started, in_vc;
    uint64_t view;
    uint64_t seq_next;            /* primary: the last seq assigned */
    uint64_t last_exec, stable, stable_digest;
    uint32_t nproof;
    pbft_ckpt proof[2 * PBFT_F_MAX + 1];   /* of the stable checkpoint */
    pbft_slot log[PBFT_LOG_MAX];
    pbft_pp future[PBFT_LOG_MAX]; /* pre-prepares of a view not entered yet */
    dsim_kv kv;
    pbft_snap snaps[PBFT_SNAPS];
    pbft_tally tally[PBFT_TALLY];
    pbft_vc vcs[PBFT_NODES_MAX];  /* latest valid view change per sender */
    uint32_t vc_mask;
    uint64_t vc_high[PBFT_NODES_MAX]; /* highest view of a valid view change per sender */
    /* requests received and not yet executed */
    dsim_op pending[PBFT_PENDING_MAX];
    dsim_sig pending_sig[PBFT_PENDING_MAX];   /* each one's client signature */
    uint32_t pending_len;
    /* the view-change timer */
    dsim_timer_id vc_timer;
    uint32_t vc_attempts;         /* doublings since the last execution */
    uint64_t vc_timer_gen;
    /* Byzantine bookkeeping */
    uint64_t slow_gen;
    /* record for the invariants (pbft_invariants.c) */
    pbft_exec execs[PBFT_RING];
    uint64_t execs_next;
    pbft_seen seen[PBFT_RING];
    uint64_t seen_next;
    uint64_t ghost_exec_checked, ghost_seen_checked;
    /* counters */
    uint64_t view_changes, state_transfers, requests_executed;
    uint64_t sent[PBFT_MSG_COUNT_];  /* messages sent, by type (since boot) */
    uint64_t disk_version;        /* of the newest record written */
    char liveness[160];
} pbft_state;

/* ---- the invariant checker's record -------------------------------------- */

typedef struct pbft_ghost_seq { uint64_t seq, digest, op_id; int32_t node, pad; } pbft_ghost_seq;
typedef struct pbft_ghost_req { uint64_t id, digest, seq; int32_t node, pad; } pbft_ghost_req;

typedef struct pbft_ghost {
    uint32_t byzantine;           /* nodes ever Byzantine: not checked */
    uint32_t pad;
    pbft_ghost_seq executed[PBFT_GHOST];   /* by seq % size */
    pbft_ghost_req sent[PBFT_GHOST];       /* requests clients sent, by id % size */
    pbft_ghost_req applied[PBFT_GHOST];    /* where a request changed state */
    pbft_ghost_seq ckpt[PBFT_GHOST / 16];  /* state digest per checkpoint */
    char violation[320];
} pbft_ghost;

/* ---- helpers ------------------------------------------------------------- */

static inline pbft_state *pbft_of(dsim_node *n) { return dsim_state(n); }

static inline uint64_t pbft_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

static inline int pbft_popcount(uint32_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

static inline int pbft_primary(const pbft_state *s, uint64_t view)
{
    return (int)(view % (uint64_t)s->cfg.n);
}

/* The slot of 'seq' when it is inside the window, made fresh when it held
** an older seq; NULL outside (stable, stable + window]. */
pbft_slot *pbft_slot_for(pbft_state *s, uint64_t seq);
/* The slot of 'seq' only when it holds that seq. */
pbft_slot *pbft_slot_at(pbft_state *s, uint64_t seq);

/* pbft_main.c */
int pbft_quorum(int f, bool bug_2f);          /* 2f+1 (bug: 2f) */
int pbft_ckpt_quorum(int f, bool bug_f1);     /* 2f+1 (bug: f+1) */
int pbft_faults_tolerated(int n);             /* f, or -1 when n != 3f+1 */
void pbft_emit(dsim_node *n, const char *name, json_t *fields);
void pbft_send(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len);
void pbft_send_all(dsim_node *n, uint32_t type, const void *data, uint32_t len);

/* pbft_msg.c */
uint64_t pbft_op_digest(const dsim_op *op);
/* The digest of a whole replica state (every byte a STATE carries). */
uint64_t pbft_state_digest(const dsim_kv *kv);
uint64_t pbft_bytes_digest(const void *data, size_t len);
void pbft_sign_pp(dsim_node *n, pbft_pp *pp);
void pbft_sign_vote(dsim_node *n, pbft_vote *v);
void pbft_sign_ckpt(dsim_node *n, pbft_ckpt *c);
/* Signed by the view's primary, a digest naming the request, and (not the
** null request) the request signed by its client. */
bool pbft_pp_valid(dsim_node *n, const pbft_pp *pp);
bool pbft_vote_valid(dsim_node *n, const pbft_vote *v, uint32_t type);
bool pbft_ckpt_valid(dsim_node *n, const pbft_ckpt *c);
/* A prepared certificate for 'view' < limit: the pre-prepare by that view's
** primary and 2f matching prepares from distinct other replicas. */
bool pbft_cert_valid(dsim_node *n, const pbft_cert *c, uint64_t view_limit);
/* 'count' checkpoint messages prove (seq, digest) stable: ckpt_q distinct
** valid signers. seq 0 (the initial state) needs no proof. */
bool pbft_proof_valid(dsim_node *n, const pbft_ckpt *proof, uint32_t count, uint64_t seq,
                      uint64_t digest);
uint32_t pbft_vc_bytes(const pbft_vc *vc);
void pbft_sign_vc(dsim_node *n, pbft_vc *vc);
bool pbft_vc_valid(dsim_node *n, const pbft_vc *vc, uint32_t len);
bool pbft_is_byz(dsim_node *n, const char *behaviour);

/* pbft_persist.c */
void pbft_persist_view(dsim_node *n);
void pbft_persist_slot(dsim_node *n, const pbft_slot *sl);
void pbft_persist_stable(dsim_node *n);
void pbft_persist_newview(dsim_node *n, const void *msg, uint32_t len);
bool pbft_load_newview(dsim_node *n, void **msg, uint32_t *len);
void pbft_recover(dsim_node *n);

/* pbft_normal.c */
void pbft_on_request(dsim_node *n, const dsim_op *op);
/* A request a backup relayed: kept pending when its client's signature holds. */
void pbft_on_relayed(dsim_node *n, int from, const pbft_req *r);
void pbft_pending_drop(pbft_state *s, uint32_t i);
void pbft_assign_pending(dsim_node *n);
void pbft_on_pre_prepare(dsim_node *n, int from, const pbft_pp *pp);
void pbft_accept_pp(dsim_node *n, const pbft_pp *pp);
void pbft_on_vote(dsim_node *n, int from, const pbft_vote *v);
void pbft_try_execute(dsim_node *n);
void pbft_send_pp_to(dsim_node *n, int to, const pbft_pp *pp);

/* pbft_checkpoint.c */
void pbft_take_checkpoint(dsim_node *n);
void pbft_on_checkpoint(dsim_node *n, int from, const pbft_ckpt *c);
void pbft_on_status(dsim_node *n, int from, const pbft_status *st);
void pbft_on_state(dsim_node *n, int from, const pbft_state_msg *m, uint32_t len);
void pbft_on_status_timer(dsim_node *n);
void pbft_make_stable(dsim_node *n, uint64_t seq, uint64_t digest, const pbft_ckpt *proof, uint32_t nproof);
void pbft_send_state(dsim_node *n, int to);
void pbft_install_state(dsim_node *n, uint64_t seq, const dsim_kv *kv);

/* pbft_view.c */
void pbft_start_view_change(dsim_node *n, uint64_t view);
void pbft_build_vc(dsim_node *n, uint64_t view, pbft_vc *vc);
void pbft_on_view_change(dsim_node *n, int from, const pbft_vc *vc, uint32_t len);
void pbft_on_new_view(dsim_node *n, int from, const void *data, uint32_t len);
void pbft_on_view_timer(dsim_node *n, uint64_t gen);
void pbft_arm_view_timer(dsim_node *n);
void pbft_stop_view_timer(dsim_node *n);
/* O: the pre-prepares a new primary re-issues for 'view' from 2f+1 view
** changes ('vcs', 'count'); returns how many (into 'out', without signatures)
** and the checkpoint it starts from. */
uint32_t pbft_compute_o(const pbft_vc *const *vcs, uint32_t count, uint64_t view, int primary,
                        bool ignore_certs, pbft_pp *out, uint64_t *min_s, uint64_t *min_digest);

/* pbft_byz.c */
void pbft_byz_assign(dsim_node *n, pbft_pp *pp);   /* primary sends one pre-prepare */
void pbft_byz_vc(dsim_node *n, pbft_vc *vc);       /* lie_view_change */
void pbft_byz_lie_reply(dsim_node *n, const dsim_op *op);

/* pbft_invariants.c */
const char *pbft_invariants(dsim_world *w);

#endif
