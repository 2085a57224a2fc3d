/*
** paxos_main.c — the Paxos protocol's table for the kernel: options,
** quorum arithmetic, planted bugs, message names, boot and recovery, and
** the dispatch of messages, timers and client requests.
**
** Boot and restart are the same path: read the options, rebuild the node
** from its disk alone (paxos_persist.c), and (Multi) become a follower
** with an election timer. Every incoming message is checked for its exact
** size before it is copied out of the payload.
** Quorums: phase-1 quorums of q1 acceptors and phase-2 quorums of q2 must
** intersect (q1 + q2 > acceptors, Flexible Paxos; Howard, Malkhi and
** Spiegelman 2016); 0 means a majority, or the smallest size that
** intersects the other one when that one is given. Options that do not
** intersect are refused before boot (exit 2). Planted bug
** 'bad_flexible_quorums' derives the missing size one too small and lets
** non-intersecting sizes through; 'minority_quorum' uses n/2 for both.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "paxos.h"

int paxos_majority(int acceptors)
{
    return acceptors / 2 + 1;
}

bool paxos_ballot_less(uint64_t a, uint64_t b)
{
    return paxos_round(a) < paxos_round(b) ||
           (paxos_round(a) == paxos_round(b) && paxos_ballot_node(a) < paxos_ballot_node(b));
}

/* Quorum sizes from the options: 0 on success, -1 when they do not
** intersect, -2 when one is out of 1..acceptors. */
int paxos_quorum_sizes(int acceptors, int64_t q1_opt, int64_t q2_opt, bool bad_flexible,
                       bool minority, int *q1, int *q2)
{
    int slack = bad_flexible ? 0 : 1;
    if (minority) {
        *q1 = *q2 = acceptors / 2 > 0 ? acceptors / 2 : 1;
        return 0;
    }
    if (q1_opt == 0 && q2_opt == 0) {
        *q1 = *q2 = paxos_majority(acceptors);
    } else if (q1_opt == 0) {
        *q2 = (int)q2_opt;
        *q1 = acceptors - *q2 + slack;
    } else if (q2_opt == 0) {
        *q1 = (int)q1_opt;
        *q2 = acceptors - *q1 + slack;
    } else {
        *q1 = (int)q1_opt;
        *q2 = (int)q2_opt;
    }
    if (*q1 < 1 || *q2 < 1 || *q1 > acceptors || *q2 > acceptors)
        return -2;
    if (*q1 + *q2 <= acceptors && !bad_flexible)
        return -1;
    return 0;
}

uint64_t paxos_cmd_hash(const paxos_cmd *c)
{
    if (c->kind == PAXOS_C_NOOP)
        return 0x6e6f6f70;
    uint64_t h = paxos_mix(c->kind, c->op.id);
    h = paxos_mix(h, (uint64_t)(uint32_t)c->op.client);
    h = paxos_mix(h, c->op.seq);
    h = paxos_mix(h, (uint64_t)c->op.f << 32 | c->op.key);
    h = paxos_mix(h, (uint64_t)c->op.value);
    return paxos_mix(h, (uint64_t)c->op.value2);
}

/* "all" or a comma list of 1-based nodes -> a mask; -1 on bad text. */
static int parse_set(const char *text, int nodes, uint32_t *set)
{
    *set = 0;
    if (strcmp(text, "all") == 0) {
        *set = nodes >= 32 ? 0xffffffffu : (1u << nodes) - 1;
        return 0;
    }
    const char *p = text;
    while (*p) {
        char *end;
        long k = strtol(p, &end, 10);
        if (end == p || k < 1 || k > nodes || (*end && *end != ','))
            return -1;
        *set |= 1u << (k - 1);
        p = *end ? end + 1 : end;
    }
    return *set ? 0 : -1;
}

static void read_config(dsim_node *n, paxos_config *c)
{
    int size = dsim_cluster_size(n);
    c->multi = strcmp(dsim_opt_str(n, "variant"), "multi") == 0;
    dsim_opt_range(n, "election_timeout", &c->elect_lo_ns, &c->elect_hi_ns);
    c->heartbeat_ns = dsim_opt_ms(n, "heartbeat");
    c->fixed_backoff = strcmp(dsim_opt_str(n, "backoff"), "fixed") == 0;
    c->batch = dsim_opt_int(n, "batch");
    c->snapshot_every = dsim_opt_int(n, "snapshot_every");
    c->lease_read = dsim_opt_bool(n, "lease_read");
    int64_t drift_ppm = dsim_opt_int(n, "lease_drift_ppm");
    c->lease_ns = c->elect_lo_ns / 1000000 * (1000000 - 2 * drift_ppm);
    int rc = parse_set(dsim_opt_str(n, "proposers"), size, &c->proposers);
    rc |= parse_set(dsim_opt_str(n, "acceptors"), size, &c->acceptors);
    rc |= parse_set(dsim_opt_str(n, "learners"), size, &c->learners);
    DSIM_ASSERT(rc == 0);   /* checked by 'validate' */
    if (c->multi)   /* Multi-Paxos: every node plays every role */
        c->proposers = c->acceptors = c->learners = size >= 32 ? 0xffffffffu : (1u << size) - 1;
    rc = paxos_quorum_sizes(paxos_popcount(c->acceptors), dsim_opt_int(n, "q1"),
                            dsim_opt_int(n, "q2"), dsim_bug(n, "bad_flexible_quorums"),
                            dsim_bug(n, "minority_quorum"), &c->q1, &c->q2);
    DSIM_ASSERT(rc == 0);
    DSIM_ASSERT(c->elect_lo_ns > 0 && c->elect_lo_ns <= c->elect_hi_ns);
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    dsim_node *n = dsim_node_at(w, 0);
    int size = dsim_node_count(w);
    if (size > PAXOS_NODES_MAX) {
        snprintf(err, cap, "at most %d nodes (role sets are %d-bit masks), got %d",
                 PAXOS_NODES_MAX, PAXOS_NODES_MAX, size);
        return -1;
    }
    static const char *const sets[] = {"proposers", "acceptors", "learners"};
    uint32_t acceptors = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t set;
        if (parse_set(dsim_opt_str(n, sets[i]), size, &set) != 0) {
            snprintf(err, cap, "option %s: \"%s\" is not \"all\" or a comma list of nodes 1..%d",
                     sets[i], dsim_opt_str(n, sets[i]), size);
            return -1;
        }
        if (i == 1)
            acceptors = set;
    }
    bool multi = strcmp(dsim_opt_str(n, "variant"), "multi") == 0;
    int a = multi ? size : paxos_popcount(acceptors);
    int q1, q2;
    int64_t q1_opt = dsim_opt_int(n, "q1"), q2_opt = dsim_opt_int(n, "q2");
    int rc = paxos_quorum_sizes(a, q1_opt, q2_opt, dsim_bug(n, "bad_flexible_quorums"),
                                dsim_bug(n, "minority_quorum"), &q1, &q2);
    if (rc == -2) {
        snprintf(err, cap, "quorum sizes q1=%d, q2=%d: each must be 1..%d (the acceptors)", q1, q2, a);
        return -1;
    }
    if (rc == -1) {
        snprintf(err, cap, "quorums do not intersect: q1=%d + q2=%d <= %d acceptors "
                 "(a phase-1 quorum must meet every phase-2 quorum: q1 + q2 > %d)", q1, q2, a, a);
        return -1;
    }
    return 0;
}

static void start(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    DSIM_ASSERT(dsim_cluster_size(n) <= PAXOS_NODES_MAX);
    read_config(n, &s->cfg);
    paxos_recover(n);
    s->role = PAXOS_FOLLOWER;
    s->leader_hint = PAXOS_NONE;
    s->started = true;
    if (s->cfg.multi && s->cfg.lease_read) {
        /* A leader may hold a lease that counted this acceptor before the
        ** crash: promise nobody else for an election timeout after boot. */
        s->leader_seen = true;
        s->leader_seen_mono = dsim_mono(n);
    }
    if (s->cfg.multi)
        paxos_reset_election_timer(n, false);
}

static bool sized(const dsim_msg *m, uint32_t len)
{
    DSIM_ASSERT(m->len == len);   /* our own messages; the sender is honest */
    return m->len == len;
}

static void on_promise_msg(dsim_node *n, int from, const dsim_msg *m)
{
    paxos_promise h;
    DSIM_ASSERT(m->len >= sizeof h);
    memcpy(&h, m->data, sizeof h);
    /* [promise][count entries][snapshot, cut at its store's contents] */
    size_t ents = h.count * sizeof(paxos_entry);
    DSIM_ASSERT(h.count <= PAXOS_LOG_MAX && m->len >= sizeof h + ents);
    size_t snap_len = m->len - sizeof h - ents;
    DSIM_ASSERT(h.has_snap ? snap_len > offsetof(paxos_snapshot, kv) && snap_len <= sizeof(paxos_snapshot)
                           : snap_len == 0);
    paxos_snapshot *snap = NULL;
    paxos_entry *es = calloc(1, ents + sizeof(paxos_snapshot));
    DSIM_ASSERT(es != NULL);
    const char *p = (const char *)m->data + sizeof h;
    memcpy(es, p, ents);
    if (h.has_snap) {
        snap = (paxos_snapshot *)(void *)(es + h.count);
        memcpy(snap, p + ents, snap_len);
        DSIM_ASSERT(snap_len == paxos_snapshot_bytes(snap));
    }
    if (paxos_of(n)->cfg.multi)
        paxos_on_promise(n, from, &h, snap, es);
    else
        paxos_basic_on_promise(n, from, &h, es);
    free(es);
}

static void on_accept_msg(dsim_node *n, int from, const dsim_msg *m)
{
    paxos_accept h;
    paxos_entry es[PAXOS_BATCH_MAX];
    DSIM_ASSERT(m->len >= sizeof h);
    memcpy(&h, m->data, sizeof h);
    DSIM_ASSERT(h.count <= PAXOS_BATCH_MAX && m->len == sizeof h + h.count * sizeof(paxos_entry));
    memcpy(es, (const char *)m->data + sizeof h, h.count * sizeof(paxos_entry));
    paxos_on_accept(n, from, &h, es);
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    paxos_state *s = paxos_of(n);
    switch (m->type) {
    case PAXOS_MSG_PREPARE: {
        paxos_prepare p;
        if (sized(m, sizeof p) && memcpy(&p, m->data, sizeof p))
            paxos_on_prepare(n, from, &p);
        return;
    }
    case PAXOS_MSG_PROMISE:
        on_promise_msg(n, from, m);
        return;
    case PAXOS_MSG_ACCEPT:
        on_accept_msg(n, from, m);
        return;
    case PAXOS_MSG_ACCEPTED: {
        paxos_accepted a;
        if (!sized(m, sizeof a) || !memcpy(&a, m->data, sizeof a))
            return;
        if (s->cfg.multi)
            paxos_on_accepted(n, from, &a);
        else
            paxos_basic_on_accepted(n, from, &a);
        return;
    }
    case PAXOS_MSG_SNAP: {
        /* a prefix: the snapshot's store is cut at its contents */
        paxos_snap_msg *sm = calloc(1, sizeof *sm);
        DSIM_ASSERT(sm != NULL);
        DSIM_ASSERT(m->len > offsetof(paxos_snap_msg, snap.kv) && m->len <= sizeof *sm);
        memcpy(sm, m->data, m->len);
        if (sized(m, offsetof(paxos_snap_msg, snap) + paxos_snapshot_bytes(&sm->snap)))
            paxos_on_snapshot(n, from, sm);
        free(sm);
        return;
    }
    default:
        DSIM_ASSERT(!"unknown paxos message type");
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    switch (kind) {
    case PAXOS_T_ELECTION:
        paxos_on_election_timer(n);
        return;
    case PAXOS_T_HEARTBEAT:
        paxos_on_heartbeat_timer(n);
        return;
    case PAXOS_T_RETRY:
        paxos_basic_on_retry(n);
        return;
    default:
        DSIM_ASSERT(!"unknown paxos timer");
    }
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    if (paxos_of(n)->cfg.multi)
        paxos_on_client(n, op);
    else
        paxos_basic_request(n, op);
}

static json_t *ballot_json(uint64_t b)
{
    char buf[48];
    if (b == 0)
        return json_null();
    snprintf(buf, sizeof buf, "%" PRIu64 ".n%d", paxos_round(b), paxos_ballot_node(b) + 1);
    return json_string(buf);
}

/* The first 16 slots of the window as text ("3:w103@1.n1", "4:-" for a
** hole, "5:noop@2.n2"): control "log", for demos (inspect stays cheap). */
static json_t *log_text(paxos_state *s)
{
    json_t *log = json_array();   /* the first slots of the window */
    for (uint64_t i = s->snap + 1; i <= s->last && i <= s->snap + 16; i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        char buf[64];
        if (!e)
            snprintf(buf, sizeof buf, "%" PRIu64 ":-", i);
        else if (e->cmd.kind == PAXOS_C_NOOP)
            snprintf(buf, sizeof buf, "%" PRIu64 ":noop@%" PRIu64 ".n%d", i, paxos_round(e->ballot),
                 paxos_ballot_node(e->ballot) + 1);
        else if (e->cmd.op.f == DSIM_F_TXN)   /* a transaction: its micro-op count */
            snprintf(buf, sizeof buf, "%" PRIu64 ":t%u@%" PRIu64 ".n%d", i, e->cmd.op.mops_len,
                     paxos_round(e->ballot), paxos_ballot_node(e->ballot) + 1);
        else
            snprintf(buf, sizeof buf, "%" PRIu64 ":%s%" PRId64 "@%" PRIu64 ".n%d", i,
                     e->cmd.op.f == DSIM_F_READ ? "r" : "w",
                     e->cmd.op.f == DSIM_F_READ ? (int64_t)e->cmd.op.key : e->cmd.op.value,
                     paxos_round(e->ballot), paxos_ballot_node(e->ballot) + 1);
        json_array_append_new(log, json_string(buf));
    }
    return log;
}

static void inspect(dsim_node *n, json_t *out)
{
    paxos_state *s = paxos_of(n);
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, dsim_kv_digest(&s->kv));
    json_object_set_new(out, "role", json_string(paxos_role_name(s)));
    json_object_set_new(out, "term", json_integer((json_int_t)(s->role == PAXOS_FOLLOWER ? s->promised : s->ballot)));
    json_object_set_new(out, "ballot", ballot_json(s->role == PAXOS_FOLLOWER ? s->promised : s->ballot));
    json_object_set_new(out, "promised", ballot_json(s->promised));
    json_object_set_new(out, "commit", json_integer((json_int_t)s->commit));
    json_object_set_new(out, "applied", json_integer((json_int_t)s->applied));
    json_object_set_new(out, "log_length", json_integer((json_int_t)s->last));
    json_object_set_new(out, "snapshot_index", json_integer((json_int_t)s->snap));
    json_object_set_new(out, "leader", s->leader_hint >= 0 ? json_integer(s->leader_hint + 1) : json_null());
    json_object_set_new(out, "elections", json_integer((json_int_t)s->elections));
    if (s->cfg.multi) {
        json_object_set_new(out, "state_digest", json_string(digest));
        return;
    }
    const paxos_entry *e = paxos_entry_at(s, 1);
    json_object_set_new(out, "accepted", e ? json_pack("{s:o, s:I}", "ballot", ballot_json(e->ballot),
                                                       "value", (json_int_t)e->cmd.op.value)
                                           : json_null());
    json_object_set_new(out, "decided", s->decided ? json_integer(s->decided_value) : json_null());
}

static void describe(const dsim_msg *m, json_t *out)
{
    switch (m->type) {
    case PAXOS_MSG_PREPARE: {
        paxos_prepare p;
        memcpy(&p, m->data, sizeof p);
        json_object_set_new(out, "ballot", ballot_json(p.ballot));
        json_object_set_new(out, "from_slot", json_integer((json_int_t)p.from_slot));
        return;
    }
    case PAXOS_MSG_PROMISE: {
        paxos_promise p;
        memcpy(&p, m->data, sizeof p);
        json_object_set_new(out, "ballot", ballot_json(p.ballot));
        json_object_set_new(out, "ok", json_boolean(p.ok));
        json_object_set_new(out, "promised", ballot_json(p.promised));
        json_object_set_new(out, "accepted", json_integer(p.count));
        if (p.has_snap)
            json_object_set_new(out, "snapshot", json_integer((json_int_t)p.snap_slot));
        return;
    }
    case PAXOS_MSG_ACCEPT: {
        paxos_accept a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "ballot", ballot_json(a.ballot));
        json_object_set_new(out, "commit", json_integer((json_int_t)a.commit));
        json_object_set_new(out, "slots", json_integer(a.count));
        if (a.count) {
            paxos_entry e;
            memcpy(&e, (const char *)m->data + sizeof a, sizeof e);
            json_object_set_new(out, "first", json_integer((json_int_t)e.slot));
            if (e.cmd.kind == PAXOS_C_VALUE)
                json_object_set_new(out, "value", json_integer(e.cmd.op.value));
        }
        return;
    }
    case PAXOS_MSG_ACCEPTED: {
        paxos_accepted a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "ballot", ballot_json(a.ballot));
        json_object_set_new(out, "ok", json_boolean(a.ok));
        json_object_set_new(out, "promised", ballot_json(a.promised));
        json_object_set_new(out, "last", json_integer((json_int_t)a.last));
        json_object_set_new(out, "commit", json_integer((json_int_t)a.commit));
        if (!a.first && !a.last && a.ok && !a.commit)
            json_object_set_new(out, "value", json_integer(a.value));
        return;
    }
    case PAXOS_MSG_SNAP: {
        paxos_snap_msg h;
        memcpy(&h, m->data, 2 * sizeof(uint64_t));
        json_object_set_new(out, "ballot", ballot_json(h.ballot));
        return;
    }
    default:
        return;
    }
}

/* Verbs: propose {value = V} (basic: this proposer proposes V, as a
** client would, without a client to answer); set_log {slots = {{slot,
** value}, ...}, round = R, node = K} (scripted logs, demo P3: accepted at
** ballot (R, nK), K this node by default; memory follows at the next
** restart); log (the first slots, as text); campaign (start
** phase 1 now); liveness_failed {why = "..."} (a scenario's liveness
** check failed: reported by the invariants). */
static int control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    paxos_state *s = paxos_of(n);
    if (strcmp(verb, "liveness_failed") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->liveness, sizeof s->liveness, "%s", why ? why : "(no reason given)");
        return 0;
    }
    if (strcmp(verb, "set_log") == 0) {
        json_t *slots = json_object_get(args, "slots");
        json_t *round = json_object_get(args, "round"), *by = json_object_get(args, "node");
        json_int_t k = json_is_integer(by) ? json_integer_value(by) : dsim_id(n) + 1;
        if (!json_is_array(slots) || !json_is_integer(round) || json_integer_value(round) < 1 ||
            k < 1 || k > dsim_cluster_size(n)) {
            json_object_set_new(result, "error", json_string(
                "set_log wants {slots = {{slot, value}, ...}, round = R >= 1, node = K (the proposer)}"));
            return -1;
        }
        paxos_write_log(n, slots, paxos_ballot((uint64_t)json_integer_value(round), (int)k - 1));
        return 0;
    }
    if (strcmp(verb, "propose") == 0) {
        json_t *v = json_object_get(args, "value");
        if (s->cfg.multi || !json_is_integer(v)) {
            json_object_set_new(result, "error", json_string("propose {value = V}: variant=basic only"));
            return -1;
        }
        paxos_basic_propose(n, json_integer_value(v));
        return 0;
    }
    if (strcmp(verb, "log") == 0) {
        json_object_set_new(result, "log", log_text(s));
        return 0;
    }
    if (strcmp(verb, "campaign") == 0) {
        if (!s->cfg.multi || s->role == PAXOS_LEADER) {
            json_object_set_new(result, "error", json_string("campaign: Multi-Paxos followers only"));
            return -1;
        }
        s->leader_seen = false;
        paxos_on_election_timer(n);
        return 0;
    }
    json_object_set_new(result, "error", json_string("unknown verb (known: propose, set_log, log, campaign, liveness_failed)"));
    return -1;
}

static const char *const variants[] = {"multi", "basic", NULL};
static const char *const backoffs[] = {"random", "fixed", NULL};

static const dsim_option options[] = {
    {"variant", DSIM_OPT_STR, "multi", "multi (Multi-Paxos KV) or basic (single-decree)", variants, 0, 0},
    {"election_timeout", DSIM_OPT_MS_RANGE, "150,300",
     "leader silence before a campaign; also the back-off range after a lost ballot", NULL, 1, 600000},
    {"heartbeat", DSIM_OPT_MS, "50", "leader heartbeat (Accept) interval", NULL, 1, 600000},
    {"backoff", DSIM_OPT_STR, "random",
     "random: retry after a random wait in the election timeout range; fixed: its low end "
     "(symmetric retry timers: duelling proposers)", backoffs, 0, 0},
    {"q1", DSIM_OPT_INT, "0", "phase-1 quorum size (0: majority, or what meets q2)", NULL, 0, PAXOS_NODES_MAX},
    {"q2", DSIM_OPT_INT, "0", "phase-2 quorum size (0: majority, or what meets q1)", NULL, 0, PAXOS_NODES_MAX},
    {"proposers", DSIM_OPT_STR, "all", "basic: proposer nodes (\"all\" or \"1,5\")", NULL, 0, 0},
    {"acceptors", DSIM_OPT_STR, "all", "basic: acceptor nodes", NULL, 0, 0},
    {"learners", DSIM_OPT_STR, "all", "basic: learner nodes", NULL, 0, 0},
    {"batch", DSIM_OPT_INT, "64", "slots per Accept message", NULL, 1, PAXOS_BATCH_MAX},
    {"snapshot_every", DSIM_OPT_INT, "200", "snapshot after this many applied slots (0: never)",
     NULL, 0, PAXOS_LOG_MAX / 2},
    {"lease_read", DSIM_OPT_BOOL, "false", "serve reads under a leader lease (else through phase 2)",
     NULL, 0, 0},
    {"lease_drift_ppm", DSIM_OPT_INT, "50000", "clock drift bound the lease assumes (ppm)", NULL, 0, 400000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {
    "no_persist_promise", "ignore_accepted", "highest_by_value", "minority_quorum",
    "bad_flexible_quorums", "stale_leader_read", "skip_recovery", NULL,
};

static const dsim_event events[] = {
    {"election", "node: node, ballot: int", "a proposer starts phase 1 with 'ballot'"},
    {"promise", "node: node, ballot: int, to: node", "an acceptor promised 'ballot' to 'to'"},
    {"accept", "node: node, ballot: int, first: int, last: int",
     "an acceptor accepted slots first..last at 'ballot' (synced; Multi: the first Accept of each ballot)"},
    {"leader", "node: node, ballot: int, from: int, to: int",
     "Multi: phase 1 won; slots from..to recovered and proposed again"},
    {"chosen", "node: node, slot: int, ballot: int", "Multi: the leader's commit point reached 'slot'"},
    {"decide", "node: node, value: int, ballot: int", "basic: a learner decided 'value' (q2 accepts of 'ballot')"},
    {NULL, NULL, NULL},
};

static const char *const msg_names[] = {"Prepare", "Promise", "Accept", "Accepted", "Snapshot", NULL};

const dsim_protocol paxos_protocol = {
    .name = "paxos",
    .summary = "Paxos: single-decree (variant=basic) and Multi-Paxos KV with sessions, leases, snapshots",
    .state_size = sizeof(paxos_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = paxos_invariants,
    .control = control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(paxos_ghost),
};
