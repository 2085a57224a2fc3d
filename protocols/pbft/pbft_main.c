/*
** pbft_main.c — the PBFT protocol's table for the kernel: options, quorum
** arithmetic, planted bugs, Byzantine behaviours, events, boot and
** recovery, and the dispatch of messages, timers and client requests.
**
** n must be 3f+1 (4, 7 or 10 replicas): anything else is refused before
** boot (exit 2). Quorums: 2f+1 for prepared (the pre-prepare and 2f
** prepares), committed and view changes; 2f+1 matching checkpoints make
** one stable; f+1 view changes for higher views make a replica join, and
** a client accepts f+1 identical replies (the scenario's clients table:
** replies = f+1, send = "all", retransmit). Every message is checked for
** its size before it is read: a Byzantine sender may send anything.
** Planted bugs: quorum_2f, no_prepared_proof, unsigned_view_change,
** checkpoint_f1 (see the files that plant them), and client_one_reply,
** which lives in the client: the fuzz scenario sets replies = 1 when it is
** selected (the protocol has nothing to do with it; listing it here makes
** -D bug=client_one_reply a valid run).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "pbft.h"

int pbft_faults_tolerated(int n)
{
    return n >= 4 && (n - 1) % 3 == 0 ? (n - 1) / 3 : -1;
}

int pbft_quorum(int f, bool bug_2f)
{
    return bug_2f ? 2 * f : 2 * f + 1;
}

int pbft_ckpt_quorum(int f, bool bug_f1)
{
    return bug_f1 ? f + 1 : 2 * f + 1;
}

/* Every message goes through here: counted per type for inspect. */
void pbft_send(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len)
{
    pbft_state *s = pbft_of(n);
    DSIM_ASSERT(type < PBFT_MSG_COUNT_);
    s->sent[type]++;
    dsim_send(n, to, type, data, len);
}

void pbft_send_all(dsim_node *n, uint32_t type, const void *data, uint32_t len)
{
    for (int p = 0; p < dsim_cluster_size(n); p++)
        if (p != dsim_id(n))
            pbft_send(n, p, type, data, len);
}

void pbft_emit(dsim_node *n, const char *name, json_t *fields)
{
    dsim_emit(n, name, fields);
}

static void read_config(dsim_node *n, pbft_config *c)
{
    c->n = dsim_cluster_size(n);
    c->f = pbft_faults_tolerated(c->n);
    DSIM_ASSERT(c->f >= 1 && c->f <= PBFT_F_MAX);   /* checked by 'validate' */
    c->q = pbft_quorum(c->f, dsim_bug(n, "quorum_2f"));
    c->ckpt_q = pbft_ckpt_quorum(c->f, dsim_bug(n, "checkpoint_f1"));
    c->k = dsim_opt_int(n, "checkpoint_every");
    c->window = 2 * c->k;
    DSIM_ASSERT(c->window <= PBFT_LOG_MAX);
    c->vc_timeout_ns = dsim_opt_ms(n, "view_timeout");
    c->status_ns = dsim_opt_ms(n, "status");
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    int size = dsim_node_count(w);
    if (pbft_faults_tolerated(size) < 1 || size > PBFT_NODES_MAX) {
        snprintf(err, cap, "pbft needs n = 3f+1 replicas with 1 <= f <= %d (4, 7 or 10 nodes), got %d",
                 PBFT_F_MAX, size);
        return -1;
    }
    return 0;
}

static void start(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    read_config(n, &s->cfg);
    pbft_recover(n);
    s->started = true;
    pbft_try_execute(n);
    dsim_timer(n, PBFT_T_STATUS, 0, dsim_rand_range(n, 1, s->cfg.status_ns));
    pbft_arm_view_timer(n);
}

/* Copies a fixed-size message out of the payload; false on any other size. */
static bool take(const dsim_msg *m, void *out, size_t len)
{
    if (m->len != len)
        return false;
    memcpy(out, m->data, len);
    return true;
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    switch (m->type) {
    case PBFT_MSG_PRE_PREPARE: {
        pbft_pp pp;
        if (take(m, &pp, sizeof pp))
            pbft_on_pre_prepare(n, from, &pp);
        return;
    }
    case PBFT_MSG_PREPARE:
    case PBFT_MSG_COMMIT: {
        pbft_vote v;
        if (take(m, &v, sizeof v) && v.type == m->type)
            pbft_on_vote(n, from, &v);
        return;
    }
    case PBFT_MSG_CHECKPOINT: {
        pbft_ckpt c;
        if (take(m, &c, sizeof c))
            pbft_on_checkpoint(n, from, &c);
        return;
    }
    case PBFT_MSG_VIEW_CHANGE: {
        if (m->len < offsetof(pbft_vc, cert) || m->len > sizeof(pbft_vc))
            return;
        pbft_vc *vc = calloc(1, sizeof *vc);
        DSIM_ASSERT(vc != NULL);
        memcpy(vc, m->data, m->len);
        pbft_on_view_change(n, from, vc, m->len);
        free(vc);
        return;
    }
    case PBFT_MSG_NEW_VIEW:
        pbft_on_new_view(n, from, m->data, m->len);
        return;
    case PBFT_MSG_STATUS: {
        pbft_status st;
        if (take(m, &st, sizeof st))
            pbft_on_status(n, from, &st);
        return;
    }
    case PBFT_MSG_STATE:
        pbft_on_state(n, from, m->data, m->len);
        return;
    case PBFT_MSG_REQUEST: {
        pbft_req r;
        memset(&r, 0, sizeof r);
        if (m->len >= offsetof(pbft_req, op.mops_len) + sizeof r.csig && m->len <= sizeof r) {
            size_t oplen = m->len - sizeof r.csig;   /* the op's meaningful bytes, then the signature */
            memcpy(&r.op, m->data, oplen);
            memcpy(&r.csig, (const char *)m->data + oplen, sizeof r.csig);
            if (r.op.f < DSIM_F_COUNT_ && r.op.mops_len <= DSIM_MOPS_MAX && dsim_op_bytes(&r.op) == oplen)
                pbft_on_relayed(n, from, &r);
        }
        return;
    }
    default:
        return;   /* a Byzantine sender's invention */
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    pbft_state *s = pbft_of(n);
    switch (kind) {
    case PBFT_T_VIEW:
        pbft_on_view_timer(n, arg);
        return;
    case PBFT_T_STATUS:
        pbft_on_status_timer(n);
        return;
    case PBFT_T_SLOW: {   /* slow_primary: the held pre-prepare goes out now */
        pbft_slot *sl = pbft_slot_at(s, arg);
        if (sl && sl->has_pp && sl->pp.from == dsim_id(n) && sl->pp.view == s->view)
            for (int p = 0; p < s->cfg.n; p++)
                if (p != dsim_id(n))
                    pbft_send_pp_to(n, p, &sl->pp);
        return;
    }
    default:
        DSIM_ASSERT(!"unknown pbft timer");
    }
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    pbft_on_request(n, op);
}

static const char *const msg_names[] = {"PrePrepare", "Prepare", "Commit", "Checkpoint", "ViewChange",
                                        "NewView", "Status", "State", "Request", NULL};

static void inspect(dsim_node *n, json_t *out)
{
    pbft_state *s = pbft_of(n);
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, dsim_kv_digest(&s->kv));
    bool primary = pbft_primary(s, s->view) == dsim_id(n) && !s->in_vc;
    json_object_set_new(out, "role", json_string(primary ? "primary" : "backup"));
    json_object_set_new(out, "term", json_integer((json_int_t)s->view));
    json_object_set_new(out, "view", json_integer((json_int_t)s->view));
    json_object_set_new(out, "view_changing", json_boolean(s->in_vc));
    json_object_set_new(out, "primary", json_integer(pbft_primary(s, s->view) + 1));
    json_object_set_new(out, "last_executed", json_integer((json_int_t)s->last_exec));
    json_object_set_new(out, "stable_checkpoint", json_integer((json_int_t)s->stable));
    json_object_set_new(out, "pending", json_integer(s->pending_len));
    json_t *ordered = json_object();   /* seq -> the request id its accepted pre-prepare carries (0: null) */
    for (int i = 0; i < PBFT_LOG_MAX; i++) {
        const pbft_slot *sl = &s->log[i];
        if (sl->seq > s->stable && sl->has_pp) {
            char k[24];
            snprintf(k, sizeof k, "%" PRIu64, sl->seq);
            json_object_set_new(ordered, k, json_integer(sl->pp.null_req ? 0 : (json_int_t)sl->pp.op.id));
        }
    }
    json_object_set_new(out, "ordered", ordered);
    json_object_set_new(out, "view_changes", json_integer((json_int_t)s->view_changes));
    json_object_set_new(out, "state_transfers", json_integer((json_int_t)s->state_transfers));
    json_object_set_new(out, "state_digest", json_string(digest));
    json_t *sent = json_object();
    for (int t = 0; t < PBFT_MSG_COUNT_; t++)
        json_object_set_new(sent, msg_names[t], json_integer((json_int_t)s->sent[t]));
    json_object_set_new(out, "sent", sent);
    const char *b = dsim_byzantine(n);
    if (b)
        json_object_set_new(out, "byzantine", json_string(b));
}

static void describe(const dsim_msg *m, json_t *out)
{
    switch (m->type) {
    case PBFT_MSG_PRE_PREPARE: {
        pbft_pp pp;
        if (!take(m, &pp, sizeof pp))
            return;
        json_object_set_new(out, "view", json_integer((json_int_t)pp.view));
        json_object_set_new(out, "seq", json_integer((json_int_t)pp.seq));
        json_object_set_new(out, "null", json_boolean(pp.null_req));
        if (!pp.null_req)
            json_object_set_new(out, "request", json_sprintf("c%d#%" PRIu64, pp.op.client + 1, pp.op.seq));
        return;
    }
    case PBFT_MSG_PREPARE:
    case PBFT_MSG_COMMIT: {
        pbft_vote v;
        if (!take(m, &v, sizeof v))
            return;
        json_object_set_new(out, "view", json_integer((json_int_t)v.view));
        json_object_set_new(out, "seq", json_integer((json_int_t)v.seq));
        json_object_set_new(out, "digest", json_sprintf("%04" PRIx64, v.digest & 0xffff));
        return;
    }
    case PBFT_MSG_CHECKPOINT: {
        pbft_ckpt c;
        if (!take(m, &c, sizeof c))
            return;
        json_object_set_new(out, "seq", json_integer((json_int_t)c.seq));
        json_object_set_new(out, "digest", json_sprintf("%04" PRIx64, c.digest & 0xffff));
        return;
    }
    case PBFT_MSG_VIEW_CHANGE: {
        pbft_vc vc;
        if (m->len < offsetof(pbft_vc, cert))
            return;
        memcpy(&vc, m->data, offsetof(pbft_vc, cert));
        json_object_set_new(out, "view", json_integer((json_int_t)vc.view));
        json_object_set_new(out, "stable", json_integer((json_int_t)vc.stable_seq));
        json_object_set_new(out, "prepared", json_integer(vc.ncert));
        return;
    }
    case PBFT_MSG_NEW_VIEW: {
        pbft_nv h;
        if (m->len < sizeof h)
            return;
        memcpy(&h, m->data, sizeof h);
        json_object_set_new(out, "view", json_integer((json_int_t)h.view));
        json_object_set_new(out, "view_changes", json_integer(h.nvc));
        json_object_set_new(out, "reissued", json_integer(h.npp));
        return;
    }
    case PBFT_MSG_STATUS: {
        pbft_status st;
        if (!take(m, &st, sizeof st))
            return;
        json_object_set_new(out, "view", json_integer((json_int_t)st.view));
        json_object_set_new(out, "last_executed", json_integer((json_int_t)st.last_exec));
        json_object_set_new(out, "stable", json_integer((json_int_t)st.stable));
        return;
    }
    case PBFT_MSG_STATE: {
        uint64_t seq;
        if (m->len < sizeof seq)
            return;
        memcpy(&seq, m->data, sizeof seq);
        json_object_set_new(out, "seq", json_integer((json_int_t)seq));
        return;
    }
    default:
        return;
    }
}

/* Verbs: liveness_failed {why = "..."} (a scenario's liveness check
** failed: the invariants report it); view_change (start one now, as if
** the timer fired). */
static int control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    pbft_state *s = pbft_of(n);
    if (strcmp(verb, "liveness_failed") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->liveness, sizeof s->liveness, "%s", why ? why : "(no reason given)");
        return 0;
    }
    if (strcmp(verb, "log") == 0) {   /* the window, as text: "5:v2 c2#3 P C" */
        json_t *log = json_array();
        for (uint64_t q = s->stable + 1; q <= s->stable + (uint64_t)s->cfg.window; q++) {
            const pbft_slot *sl = pbft_slot_at(s, q);
            if (sl == NULL || !sl->has_pp)
                continue;
            char buf[96];
            snprintf(buf, sizeof buf, "%" PRIu64 ":v%" PRIu64 " %s%s%s p%d c%d", q, sl->pp.view,
                     sl->pp.null_req ? "null" : "req", sl->prepared ? " P" : "",
                     sl->committed ? " C" : "", pbft_popcount(sl->prep_mask),
                     pbft_popcount(sl->commit_mask));
            json_array_append_new(log, json_string(buf));
        }
        json_object_set_new(result, "log", log);
        return 0;
    }
    if (strcmp(verb, "view_change") == 0) {
        pbft_start_view_change(n, s->view + 1);
        return 0;
    }
    json_object_set_new(result, "error", json_string("unknown verb (known: log, view_change, liveness_failed)"));
    return -1;
}

static const dsim_option options[] = {
    {"checkpoint_every", DSIM_OPT_INT, "8",
     "K: a checkpoint every K executed requests; the window of sequence numbers is 2K", NULL, 2,
     PBFT_K_MAX},
    {"view_timeout", DSIM_OPT_MS, "300",
     "a backup waits this long for a pending request before a view change (doubles per failed view)",
     NULL, 10, 600000},
    {"status", DSIM_OPT_MS, "100", "interval of the status exchange that repairs lost messages",
     NULL, 5, 600000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {
    "quorum_2f", "no_prepared_proof", "unsigned_view_change", "client_one_reply", "checkpoint_f1", NULL,
};

static const char *const byzantine[] = {
    "equivocate", "bad_digest", "skip", "lie_view_change", "stale_view", "slow_primary",
    "lie_reply", NULL,
};

static const dsim_event events[] = {
    {"view_change", "node: node, view: int, stable: int, prepared: int",
     "a replica moves to 'view' and multicasts VIEW-CHANGE with 'prepared' certificates"},
    {"new_view", "node: node, view: int, primary: node, reissued: int",
     "a replica enters 'view' (NEW-VIEW checked), with 'reissued' pre-prepares"},
    {"checkpoint", "node: node, seq: int, proof: int", "a checkpoint became stable at a replica"},
    {"state_transfer", "node: node, seq: int, from: node",
     "a replica that fell behind installed the stable state at 'seq'"},
    {NULL, NULL, NULL},
};


const dsim_protocol pbft_protocol = {
    .name = "pbft",
    .summary = "PBFT (Castro-Liskov): n = 3f+1 replicas, f Byzantine; signed certificates, "
               "checkpoints, view change, KV",
    .state_size = sizeof(pbft_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = pbft_invariants,
    .control = control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(pbft_ghost),
    .byzantine = byzantine,
    .validates_input = true,
};
