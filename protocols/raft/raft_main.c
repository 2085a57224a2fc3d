/*
** raft_main.c — the Raft protocol's table for the kernel: options,
** planted bugs, message names, boot and recovery, and the dispatch of
** messages, timers and client requests to the other raft_*.c files.
**
** Boot and restart are the same path: read the options, rebuild the node
** from its disk alone (raft_persist.c), become a follower, arm the
** election timer. Every incoming message is checked for its exact size
** before it is copied out of the payload.
*/
#include <inttypes.h>
#include <stdio.h>

#include "raft.h"

#define RAFT_INSPECT_TERMS 32   /* entries whose terms 'inspect' lists */

static void read_config(dsim_node *n, raft_config *c)
{
    dsim_opt_range(n, "election_timeout", &c->elect_lo_ns, &c->elect_hi_ns);
    c->heartbeat_ns = dsim_opt_ms(n, "heartbeat");
    c->prevote = dsim_opt_bool(n, "prevote");
    c->check_quorum = dsim_opt_bool(n, "check_quorum");
    c->noop = dsim_opt_bool(n, "noop");
    c->lease_read = dsim_opt_bool(n, "lease_read");
    c->batch = dsim_opt_int(n, "batch");
    c->snapshot_every = dsim_opt_int(n, "snapshot_every");
    int64_t drift_ppm = dsim_opt_int(n, "lease_drift_ppm");
    c->lease_ns = dsim_bug(n, "lease_no_drift_margin")
                      ? c->elect_lo_ns
                      : c->elect_lo_ns / 1000000 * (1000000 - 2 * drift_ppm);
    int64_t k = dsim_opt_int(n, "members");
    int size = dsim_cluster_size(n);
    if (k <= 0 || k > size)
        k = size;
    c->initial_members = k >= 32 ? 0xffffffffu : (1u << k) - 1;
    DSIM_ASSERT(c->elect_lo_ns > 0 && c->elect_lo_ns <= c->elect_hi_ns);
    DSIM_ASSERT(c->batch >= 1 && c->batch <= RAFT_BATCH_MAX);
}

/* Checked when the cluster is made: the membership mask has 32 bits. */
static int validate(dsim_world *w, char *err, size_t cap)
{
    if (dsim_node_count(w) > RAFT_NODES_MAX) {
        snprintf(err, cap, "at most %d nodes (membership is a %d-bit mask), got %d",
                 RAFT_NODES_MAX, RAFT_NODES_MAX, dsim_node_count(w));
        return -1;
    }
    return 0;
}

static void start(dsim_node *n)
{
    raft_state *s = raft_of(n);
    DSIM_ASSERT(dsim_cluster_size(n) <= RAFT_NODES_MAX);
    read_config(n, &s->cfg);
    raft_recover(n);
    s->role = RAFT_FOLLOWER;
    s->leader_id = RAFT_NONE;
    s->transfer_to = RAFT_NONE;
    s->started = true;
    raft_reset_election_timer(n);
}

static bool sized(const dsim_msg *m, uint32_t len)
{
    DSIM_ASSERT(m->len == len);   /* our own messages; the sender is honest */
    return m->len == len;
}

static void on_append_msg(dsim_node *n, int from, const dsim_msg *m)
{
    raft_append_req h;
    raft_entry es[RAFT_BATCH_MAX];
    DSIM_ASSERT(m->len >= sizeof h);
    memcpy(&h, m->data, sizeof h);
    DSIM_ASSERT(h.count <= RAFT_BATCH_MAX && m->len == sizeof h + h.count * sizeof(raft_entry));
    memcpy(es, (const char *)m->data + sizeof h, h.count * sizeof(raft_entry));
    raft_on_append(n, from, &h, es);
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    union {
        raft_vote_req vote;
        raft_vote_reply vote_reply;
        raft_append_reply append_reply;
        raft_snap_reply snap_reply;
        raft_timeout_now timeout_now;
    } u;
    switch (m->type) {
    case RAFT_MSG_VOTE:
        if (sized(m, sizeof u.vote) && memcpy(&u.vote, m->data, sizeof u.vote))
            raft_on_vote(n, from, &u.vote);
        return;
    case RAFT_MSG_VOTE_REPLY:
        if (sized(m, sizeof u.vote_reply) && memcpy(&u.vote_reply, m->data, sizeof u.vote_reply))
            raft_on_vote_reply(n, from, &u.vote_reply);
        return;
    case RAFT_MSG_APPEND:
        on_append_msg(n, from, m);
        return;
    case RAFT_MSG_APPEND_REPLY:
        if (sized(m, sizeof u.append_reply) && memcpy(&u.append_reply, m->data, sizeof u.append_reply))
            raft_on_append_reply(n, from, &u.append_reply);
        return;
    case RAFT_MSG_SNAP: {
        raft_snap_req req;   /* a prefix travels (raft_snapshot_bytes) */
        DSIM_ASSERT(m->len >= offsetof(raft_snap_req, snap.kv) && m->len <= sizeof req);
        memset(&req, 0, offsetof(raft_snap_req, snap.kv) + DSIM_KV_HEAD_BYTES);
        memcpy(&req, m->data, m->len);   /* past the prefix: never read */
        DSIM_ASSERT(m->len == offsetof(raft_snap_req, snap) + raft_snapshot_bytes(&req.snap));
        raft_on_snapshot(n, from, &req);
        return;
    }
    case RAFT_MSG_SNAP_REPLY:
        if (sized(m, sizeof u.snap_reply) && memcpy(&u.snap_reply, m->data, sizeof u.snap_reply))
            raft_on_snapshot_reply(n, from, &u.snap_reply);
        return;
    case RAFT_MSG_TIMEOUT_NOW:
        if (sized(m, sizeof u.timeout_now) && memcpy(&u.timeout_now, m->data, sizeof u.timeout_now))
            raft_on_timeout_now(n, from, &u.timeout_now);
        return;
    default:
        DSIM_ASSERT(!"unknown raft message type");
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    switch (kind) {
    case RAFT_T_ELECTION:
        raft_on_election_timer(n);
        return;
    case RAFT_T_HEARTBEAT:
        raft_on_heartbeat_timer(n);
        return;
    case RAFT_T_QUORUM:
        raft_on_quorum_timer(n);
        return;
    default:
        DSIM_ASSERT(!"unknown raft timer");
    }
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    if (dsim_op_readonly(op))   /* reads, and transactions of reads only */
        raft_on_client_read(n, op);
    else
        raft_on_client_write(n, op);
}

static json_t *node_or_null(int32_t id)
{
    return id >= 0 ? json_integer(id + 1) : json_null();
}

static void inspect(dsim_node *n, json_t *out)
{
    raft_state *s = raft_of(n);
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, dsim_kv_digest(&s->kv));
    json_t *members = json_array();
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (raft_is_member(s, i))
            json_array_append_new(members, json_integer(i + 1));
    json_object_set_new(out, "role", json_string(raft_role_name(s->role)));
    json_object_set_new(out, "term", json_integer((json_int_t)s->term));
    json_object_set_new(out, "vote", node_or_null(s->voted_for));
    json_object_set_new(out, "commit", json_integer((json_int_t)s->commit));
    json_object_set_new(out, "applied", json_integer((json_int_t)s->applied));
    json_object_set_new(out, "log_length", json_integer((json_int_t)s->last_index));
    json_object_set_new(out, "last_term", json_integer((json_int_t)raft_last_term(s)));
    json_object_set_new(out, "snapshot_index", json_integer((json_int_t)s->snap_index));
    json_object_set_new(out, "leader", node_or_null(s->leader_id));
    json_object_set_new(out, "members", members);
    json_object_set_new(out, "elections", json_integer((json_int_t)s->elections));
    json_object_set_new(out, "state_digest", json_string(digest));
    /* The terms of the first 'RAFT_INSPECT_TERMS' entries after the
    ** snapshot, for demos that print logs (Figure 7). */
    json_t *terms = json_array();
    for (uint64_t i = s->snap_index + 1; i <= s->last_index && i <= s->snap_index + RAFT_INSPECT_TERMS; i++)
        json_array_append_new(terms, json_integer((json_int_t)raft_term_at(s, i)));
    json_object_set_new(out, "log_terms", terms);
    if (s->role == RAFT_LEADER) {
        json_t *next = json_array();
        for (int i = 0; i < dsim_cluster_size(n); i++)
            json_array_append_new(next, json_integer((json_int_t)s->next[i]));
        json_object_set_new(out, "next", next);
    }
}

/* inspect's "role" and "term", for c:leader() and the nemesis. */
static const char *role(dsim_node *n, int64_t *term)
{
    const raft_state *s = raft_of(n);
    *term = (int64_t)s->term;
    return raft_role_name(s->role);
}

static void describe(const dsim_msg *m, json_t *out)
{
    switch (m->type) {
    case RAFT_MSG_VOTE: {
        raft_vote_req v;
        memcpy(&v, m->data, sizeof v);
        json_object_set_new(out, "term", json_integer((json_int_t)v.term));
        json_object_set_new(out, "last_index", json_integer((json_int_t)v.last_index));
        json_object_set_new(out, "last_term", json_integer((json_int_t)v.last_term));
        if (v.prevote)
            json_object_set_new(out, "prevote", json_true());
        return;
    }
    case RAFT_MSG_VOTE_REPLY: {
        raft_vote_reply v;
        memcpy(&v, m->data, sizeof v);
        json_object_set_new(out, "term", json_integer((json_int_t)v.term));
        json_object_set_new(out, "granted", json_boolean(v.granted));
        return;
    }
    case RAFT_MSG_APPEND: {
        raft_append_req a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "term", json_integer((json_int_t)a.term));
        json_object_set_new(out, "prev_index", json_integer((json_int_t)a.prev_index));
        json_object_set_new(out, "prev_term", json_integer((json_int_t)a.prev_term));
        json_object_set_new(out, "entries", json_integer(a.count));
        json_object_set_new(out, "commit", json_integer((json_int_t)a.commit));
        return;
    }
    case RAFT_MSG_APPEND_REPLY: {
        raft_append_reply a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "term", json_integer((json_int_t)a.term));
        json_object_set_new(out, "success", json_boolean(a.success));
        json_object_set_new(out, a.success ? "match" : "conflict_index",
                            json_integer((json_int_t)(a.success ? a.match : a.conflict_index)));
        return;
    }
    case RAFT_MSG_SNAP: {
        raft_snap_req r;   /* only the head is read: the message is a prefix */
        DSIM_ASSERT(m->len >= offsetof(raft_snap_req, snap.kv));
        memcpy(&r, m->data, offsetof(raft_snap_req, snap.kv));
        json_object_set_new(out, "term", json_integer((json_int_t)r.term));
        json_object_set_new(out, "last_index", json_integer((json_int_t)r.snap.index));
        return;
    }
    default: {
        uint64_t term;
        memcpy(&term, m->data, sizeof term);   /* every message starts with its term */
        json_object_set_new(out, "term", json_integer((json_int_t)term));
        return;
    }
    }
}

static const dsim_option options[] = {
    {"election_timeout", DSIM_OPT_MS_RANGE, "150,300", "election timeout, drawn uniformly per wait",
     NULL, 1, 600000},
    {"heartbeat", DSIM_OPT_MS, "50", "leader heartbeat interval", NULL, 1, 600000},
    {"prevote", DSIM_OPT_BOOL, "false", "ask before campaigning (dissertation 9.6)", NULL, 0, 0},
    {"check_quorum", DSIM_OPT_BOOL, "false",
     "leaders step down without a majority; followers ignore votes while a leader is alive", NULL, 0, 0},
    {"noop", DSIM_OPT_BOOL, "true", "append a no-op when elected", NULL, 0, 0},
    {"batch", DSIM_OPT_INT, "64", "entries per AppendEntries", NULL, 1, RAFT_BATCH_MAX},
    {"snapshot_every", DSIM_OPT_INT, "200", "snapshot after this many applied entries (0: never)",
     NULL, 0, RAFT_LOG_MAX / 2},
    {"lease_read", DSIM_OPT_BOOL, "false", "serve reads under a leader lease", NULL, 0, 0},
    {"lease_drift_ppm", DSIM_OPT_INT, "50000", "clock drift bound the lease assumes (ppm)",
     NULL, 0, 400000},
    {"members", DSIM_OPT_INT, "0", "initial voting members n1..nK (0: all nodes)", NULL, 0,
     RAFT_NODES_MAX},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {
    "figure8", "vote_not_persisted", "no_prev_check", "stale_read",
    "lease_no_drift_margin", "snapshot_off_by_one", "vote_any_log", NULL,
};

/* Byzantine behaviours (c:byzantine): a liar in a protocol that trusts its
** peers. double_vote: grants every vote request, voted or not, log or not
** (raft_election.c); fake_last_term: its vote requests claim a log of the
** campaign's term, so it wins elections with a stale log; split_entries: as
** leader it sends the followers of odd id entries with another value than
** the rest get (raft_replication.c). Raft is not built to survive any of
** them: the invariants or linearizability fail. */
static const char *const byzantine[] = {"double_vote", "fake_last_term", "split_entries", NULL};

static const dsim_event events[] = {
    {"election", "node: node, term: int", "a node starts a campaign for 'term' (after PreVote, if on)"},
    {"leader", "node: node, term: int", "a node won the election of 'term'"},
    {"commit", "node: node, index: int, term: int",
     "the leader's commit index advanced to 'index' in its 'term'"},
    {NULL, NULL, NULL},
};

static const char *const msg_names[] = {
    "RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply",
    "InstallSnapshot", "InstallSnapshotReply", "TimeoutNow", NULL,
};

const dsim_protocol raft_protocol = {
    .name = "raft",
    .summary = "Raft: elections, replication, snapshots, membership, KV with sessions, ReadIndex",
    .state_size = sizeof(raft_state),
    .options = options,
    .bugs = bugs,
    .byzantine = byzantine,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = raft_invariants,
    .control = raft_control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(raft_ghost),
    .role = role,
};
