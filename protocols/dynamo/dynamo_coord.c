/*
** dynamo_coord.c — the coordinator: any node runs a client's request.
**
** A request goes through a GET phase (read the key at 'r' replicas, merge
** the answers) and, for an update or an abd read, a PUT phase (write the
** new record, or write back the merged one, at 'w' replicas). Each phase
** first asks the key's 'n' home replicas; every 'sloppy_after' without
** enough answers it asks the silent home replicas again and, with
** 'sloppy', the next fallbacks of the preference list: a fallback's PUT
** names the home replica it stands in for ('hint_for'), and its answer
** counts toward the quorum (a sloppy quorum). 'timeout' after the request
** began, an unfinished request is dropped unanswered (the client records
** info: the write may still land).
** The new version: "vv" — the merge of the versions read (the causal
** context), with this coordinator's entry above any it issued for the key
** (kept in 'own', synced first, so that two different versions never carry
** equal vectors); "lww" — the coordinator's wall clock; abd — the largest
** tag read plus one. Counter adds with "vv" bump this coordinator's PN
** slot; others read-modify-write the total.
** Updates are applied once per (client, seq): the last seq is synced
** before the update starts, so a duplicated request is ignored even after
** a crash (a duplicated write applied late would undo a newer one).
*/
#include "dynamo.h"

static dyn_req *req_find(dyn_state *s, uint32_t id, dyn_phase phase)
{
    for (int i = 0; i < DYN_PENDING_MAX; i++)
        if (s->req[i].phase == phase && s->req[i].id == id)
            return &s->req[i];
    return NULL;
}

static void req_free(dsim_node *n, dyn_req *q)
{
    dsim_timer_cancel(n, q->sloppy_timer);
    dsim_timer_cancel(n, q->timeout_timer);
    q->phase = DYN_P_FREE;
    q->id = 0;
}

static int popcount(uint32_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* Whether the replies 'replied' make the phase's quorum: 'need' of them,
** or with local_quorum a majority of the home replicas in this node's data
** centre (replies from elsewhere, fallbacks too, do not count). */
static bool quorum(dsim_node *n, const dyn_req *q, int need)
{
    dyn_state *s = dyn_of(n);
    if (!s->cfg.local_quorum)
        return popcount(q->replied) >= need;
    int mine = dyn_dc_of(s->cfg.nodes, s->cfg.dcs, dsim_id(n)), local = 0, got = 0;
    for (int i = 0; i < s->cfg.n; i++)
        if (dyn_dc_of(s->cfg.nodes, s->cfg.dcs, q->pref[i]) == mine) {
            local++;
            got += (q->replied >> q->pref[i]) & 1u;
        }
    DSIM_ASSERT(local == s->cfg.n / s->cfg.dcs);
    return got >= local / 2 + 1;
}

/* Sends the phase's message to pref[i] (for a PUT, as a hint when 'hint_for'
** >= 0). */
static void ask(dsim_node *n, dyn_req *q, int to, int hint_for)
{
    if (q->phase == DYN_P_GET) {
        dyn_msg_hdr h = {.id = q->id, .key = q->op.key, .hint_for = -1};
        dsim_send(n, to, DYN_MSG_GET, &h, sizeof h);
    } else {
        dyn_send_rec(n, to, DYN_MSG_PUT, q->id, q->op.key, hint_for, &q->merged);
    }
}

static void phase_start(dsim_node *n, dyn_req *q, dyn_phase phase)
{
    dyn_state *s = dyn_of(n);
    q->phase = phase;
    q->replied = 0;
    q->fresh = 0;
    q->acks = 0;
    q->asked = s->cfg.n;
    dsim_timer_cancel(n, q->sloppy_timer);
    q->sloppy_timer = dsim_timer(n, DYN_T_SLOPPY, q->id, s->cfg.sloppy_after_ns);
    for (int i = 0; i < s->cfg.n; i++)
        ask(n, q, q->pref[i], -1);
}

void dyn_on_sloppy(dsim_node *n, uint32_t id)
{
    dyn_state *s = dyn_of(n);
    dyn_req *q = req_find(s, id, DYN_P_GET);
    if (q == NULL)
        q = req_find(s, id, DYN_P_PUT);
    if (q == NULL)
        return;
    for (int i = 0; i < s->cfg.n; i++) {
        int home = q->pref[i];
        if (q->replied & (1u << home))
            continue;
        ask(n, q, home, -1);   /* again: the first copy may have been lost */
        if (!s->cfg.sloppy || q->asked >= s->cfg.nodes)
            continue;
        int fb = q->pref[q->asked++];
        ask(n, q, fb, q->phase == DYN_P_PUT ? home : -1);
    }
    q->sloppy_timer = dsim_timer(n, DYN_T_SLOPPY, q->id, s->cfg.sloppy_after_ns);
}

void dyn_on_timeout(dsim_node *n, uint32_t id)
{
    dyn_state *s = dyn_of(n);
    dyn_req *q = req_find(s, id, DYN_P_GET);
    if (q == NULL)
        q = req_find(s, id, DYN_P_PUT);
    if (q != NULL)
        req_free(n, q);
}

static void reply_read(dsim_node *n, dyn_req *q)
{
    dyn_state *s = dyn_of(n);
    const dyn_rec *r = &q->merged;
    dsim_result res;
    res.len = 0;
    res.value = dyn_rec_value(r, s->cfg.abd ? DYN_LWW : s->cfg.mode, s->cfg.type, s->cfg.nodes);
    if (q->op.f == DSIM_F_READ_LIST) {
        for (uint32_t i = 0; i < r->len; i++)
            res.words[res.len++] = r->words[i];
        res.value = 0;
    }
    if (r->nsib > 1)
        dsim_emit(n, "siblings", json_pack("{s:i, s:i}", "key", (int)q->op.key, "count", (int)r->nsib));
    dsim_reply_result(n, &q->op, DSIM_OK, &res);
}

/* Builds the new record of an update from the merged read; false when the
** operation cannot apply (a full set). */
static bool build_update(dsim_node *n, dyn_req *q)
{
    dyn_state *s = dyn_of(n);
    const dsim_op *op = &q->op;
    int me = dsim_id(n), nodes = s->cfg.nodes;
    dyn_rec *r = &q->merged;
    bool vv = s->cfg.mode == DYN_VV && !s->cfg.abd;
    dyn_sib sib;
    memset(&sib, 0, sizeof sib);
    for (uint32_t i = 0; i < r->nsib; i++) {
        if (i == 0)
            sib.vv = r->sib[0].vv;
        else
            dyn_vv_merge(&sib.vv, &r->sib[i].vv, dsim_bug(n, "vv_merge_min"));
    }
    int64_t tag = r->nsib ? r->sib[0].ts : 0;
    sib.by = me;
    sib.ts = s->cfg.abd ? tag + 1 : dsim_wall(n);
    if (s->cfg.type == DYN_REGISTER) {
        sib.value = op->value;
    } else if (s->cfg.type == DYN_COUNTER) {
        if (vv) {
            if (r->len == 0)
                r->len = 2 * (uint32_t)nodes;
            int slot = op->value >= 0 ? me : nodes + me;
            uint64_t delta = (uint64_t)(op->value >= 0 ? op->value : -op->value);
            uint64_t *w = (uint64_t *)&r->words[slot];
            uint64_t *own = &s->own[op->key][op->value >= 0 ? 0 : 1];
            *own = (*w > *own ? *w : *own) + delta;
            *w = *own;
        } else {
            sib.value = (r->nsib ? r->sib[0].value : 0) + op->value;
        }
    } else {
        if (!dyn_set_add(r, op->value))
            return false;
    }
    if (vv) {   /* this coordinator's entry: above any it issued for the key */
        uint64_t *vc = &s->own[op->key][2];
        *vc = (sib.vv.c[me] > *vc ? sib.vv.c[me] : *vc) + 1;
        sib.vv.c[me] = *vc;
    }
    if (vv && s->cfg.type != DYN_REGISTER)
        sib.ts = sib.by = 0;   /* a CRDT version is its vector alone: merges stay equal */
    if (vv || s->cfg.type == DYN_COUNTER)
        dyn_own_save(n, op->key);
    memset(r->sib, 0, sizeof r->sib);
    r->nsib = 1;
    r->sib[0] = sib;
    return true;
}

static void get_done(dsim_node *n, dyn_req *q)
{
    dyn_state *s = dyn_of(n);
    if (s->cfg.read_repair) {
        uint64_t d = dyn_rec_digest(&q->merged);
        for (int i = 0; i < s->cfg.n; i++) {
            int to = q->pref[i];
            if ((q->replied & (1u << to)) && q->digests[to] != d && q->merged.nsib > 0) {
                dyn_send_rec(n, to, DYN_MSG_PUT, 0, q->op.key, -1, &q->merged);
                s->repairs++;
                dsim_emit(n, "repair", json_pack("{s:i, s:i}", "to", to + 1, "key", (int)q->op.key));
            }
        }
    }
    if (dsim_op_readonly(&q->op)) {
        if (!s->cfg.abd || q->merged.nsib == 0 || dsim_bug(n, "no_write_back")) {
            reply_read(n, q);
            req_free(n, q);
            return;
        }
        q->write_back = true;   /* abd: make the value we return a quorum's */
        phase_start(n, q, DYN_P_PUT);
        return;
    }
    if (!build_update(n, q)) {
        dsim_reply(n, &q->op, DSIM_FAIL, 0);
        req_free(n, q);
        return;
    }
    phase_start(n, q, DYN_P_PUT);
}

void dyn_on_get_reply(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len >= sizeof(dyn_msg_hdr) + offsetof(dyn_rec, words));
    dyn_msg_hdr h;
    memcpy(&h, m->data, sizeof h);
    dyn_req *q = req_find(s, h.id, DYN_P_GET);
    if (q == NULL || (q->replied & (1u << from)))
        return;
    dyn_rec *in = &s->scratch;
    memset(in, 0, sizeof *in);
    memcpy(in, (const char *)m->data + sizeof h, m->len - sizeof h);
    DSIM_ASSERT(m->len - sizeof h == dyn_rec_bytes(in));
    q->replied |= 1u << from;
    q->digests[from] = dyn_rec_digest(in);
    dyn_merge(n, &q->merged, in);
    if (quorum(n, q, s->cfg.r))
        get_done(n, q);
}

void dyn_on_put_reply(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len == sizeof(dyn_msg_hdr));
    dyn_msg_hdr h;
    memcpy(&h, m->data, sizeof h);
    dyn_req *q = req_find(s, h.id, DYN_P_PUT);
    if (q == NULL || (q->replied & (1u << from)))
        return;
    q->replied |= 1u << from;
    if (!quorum(n, q, s->cfg.w))
        return;
    if (q->write_back)
        reply_read(n, q);
    else
        dsim_reply(n, &q->op, DSIM_OK, 0);
    req_free(n, q);
}

void dyn_on_get(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len == sizeof(dyn_msg_hdr));
    dyn_msg_hdr h;
    memcpy(&h, m->data, sizeof h);
    DSIM_ASSERT(h.key < (uint32_t)s->cfg.keys);
    if (s->restoring.keys & (1u << h.key))
        return;   /* being restored: its copy has not arrived */
    dyn_local_read(n, h.key, &s->scratch);
    dyn_send_rec(n, from, DYN_MSG_GET_R, h.id, h.key, -1, &s->scratch);
}

void dyn_on_put(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len >= sizeof(dyn_msg_hdr) + offsetof(dyn_rec, words));
    dyn_msg_hdr h;
    memcpy(&h, m->data, sizeof h);
    DSIM_ASSERT(h.key < (uint32_t)s->cfg.keys && h.hint_for < s->cfg.nodes);
    dyn_rec *in = &s->scratch;
    memset(in, 0, sizeof *in);
    memcpy(in, (const char *)m->data + sizeof h, m->len - sizeof h);
    DSIM_ASSERT(m->len - sizeof h == dyn_rec_bytes(in));
    if (h.hint_for >= 0 && h.hint_for != dsim_id(n)) {
        dyn_hint_put(n, h.hint_for, h.key, in);
        dsim_emit(n, "hint", json_pack("{s:i, s:i}", "home", h.hint_for + 1, "key", (int)h.key));
    } else if (dyn_ring_is_home(&s->ring, h.key, s->cfg.n, dsim_id(n))) {
        dyn_store_put(n, h.key, in);
        if (h.id == 0)
            dyn_restore_got(n, from, h.key);
    } else {
        return;   /* not ours: never acknowledge what we did not keep */
    }
    if (h.id != 0) {
        dyn_msg_hdr r = {.id = h.id, .key = h.key, .hint_for = -1};
        dsim_send(n, from, DYN_MSG_PUT_R, &r, sizeof r);
    }
}

static bool supported(const dyn_state *s, const dsim_op *op)
{
    switch (s->cfg.type) {
    case DYN_REGISTER: return op->f == DSIM_F_READ || op->f == DSIM_F_WRITE;
    case DYN_COUNTER: return op->f == DSIM_F_READ || op->f == DSIM_F_ADD;
    case DYN_SET: return op->f == DSIM_F_READ_LIST || op->f == DSIM_F_APPEND;
    }
    return false;
}

void dyn_on_request(dsim_node *n, const dsim_op *op)
{
    dyn_state *s = dyn_of(n);
    if (!supported(s, op) || op->key >= (uint32_t)s->cfg.keys) {
        dsim_reply(n, op, DSIM_FAIL, 0);   /* cas, other workloads: never applied */
        return;
    }
    if (!dsim_op_readonly(op) && op->client >= 0 && op->client < DYN_CLIENTS_MAX) {
        if (op->seq <= s->seq[op->client])
            return;   /* a duplicate: its first copy runs */
        s->seq[op->client] = op->seq;
        dyn_seq_save(n, op->client);
    }
    dyn_req *q = NULL;
    for (int i = 0; i < DYN_PENDING_MAX && q == NULL; i++)
        if (s->req[i].phase == DYN_P_FREE)
            q = &s->req[i];
    if (q == NULL) {
        dsim_reply(n, op, DSIM_FAIL, 0);   /* overloaded: refused, not applied */
        return;
    }
    memset(q, 0, offsetof(dyn_req, merged));
    memset(&q->merged, 0, sizeof q->merged);
    q->op = *op;
    if (++s->next_id == 0)   /* 0 marks a PUT that wants no answer */
        s->next_id = 1;
    q->id = s->next_id;
    int len = dyn_ring_pref(&s->ring, op->key, q->pref, DYN_NODES_MAX);
    DSIM_ASSERT(len == s->cfg.nodes);
    q->timeout_timer = dsim_timer(n, DYN_T_TIMEOUT, q->id, s->cfg.timeout_ns);
    phase_start(n, q, DYN_P_GET);
}
