/*
** repl_view.c — what the replication protocol shows: inspect (the contract
** keys role, term = epoch, state_digest; and lsn, commit / high watermark,
** lag per follower, ISR, chain), describe (message fields for traces and
** the viewer) and control (scripted commands).
** Nothing here changes protocol state except the control verbs.
*/
#include <inttypes.h>
#include <stdio.h>

#include "repl.h"

static json_t *node_list(const int8_t *ids, uint32_t len)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < len; i++)
        json_array_append_new(a, json_integer(ids[i] + 1));
    return a;
}

static json_t *mask_list(uint32_t mask)
{
    json_t *a = json_array();
    for (int p = 0; p < REPL_NODES_MAX; p++)
        if (repl_has(mask, p))
            json_array_append_new(a, json_integer(p + 1));
    return a;
}

void repl_inspect(dsim_node *n, json_t *out)
{
    repl_state *s = repl_of(n);
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, dsim_kv_digest(&s->kv));
    const char *role = repl_role_name(s);
    if (s->opt.mode == REPL_CHAIN && s->role == REPL_FOLLOWER && repl_is_tail(s, dsim_id(n)))
        role = "tail";
    json_object_set_new(out, "role", json_string(role));
    json_object_set_new(out, "term", json_integer((json_int_t)s->cfg.epoch));
    json_object_set_new(out, "epoch", json_integer((json_int_t)s->cfg.epoch));
    json_object_set_new(out, "mode", json_string(repl_mode_name(s->opt.mode)));
    json_object_set_new(out, "leader", s->cfg.leader >= 0 ? json_integer(s->cfg.leader + 1) : json_null());
    if (s->role == REPL_MASTER) {
        if (s->opt.mode == REPL_CHAIN)
            json_object_set_new(out, "chain", node_list(s->cfg.chain, s->cfg.chain_len));
        if (s->opt.mode == REPL_ISR)
            json_object_set_new(out, "isr", mask_list(s->cfg.isr));
        return;
    }
    json_object_set_new(out, "lsn", json_integer((json_int_t)s->last));
    json_object_set_new(out, s->opt.mode == REPL_ISR ? "hwm" : "commit", json_integer((json_int_t)s->commit));
    json_object_set_new(out, "applied", json_integer((json_int_t)s->applied));
    json_object_set_new(out, "snapshot_lsn", json_integer((json_int_t)s->snap));
    json_object_set_new(out, "state_digest", json_string(digest));
    repl_stmt_inspect(n, out);
    if (s->opt.mode == REPL_CHAIN)
        json_object_set_new(out, "chain", node_list(s->cfg.chain, s->cfg.chain_len));
    if (s->opt.mode == REPL_ISR)
        json_object_set_new(out, "isr", mask_list(s->cfg.isr));
    if (s->opt.mode == REPL_SEMISYNC && s->role == REPL_LEADER)
        json_object_set_new(out, "fallback", json_boolean(s->fallback));
    if (s->role != REPL_LEADER)
        return;
    json_t *lag = json_object();
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (p == dsim_id(n) || !repl_has(s->cfg.members, p))
            continue;
        char key[16];
        snprintf(key, sizeof key, "n%d", p + 1);
        json_object_set_new(lag, key, json_integer((json_int_t)(s->last - s->match[p])));
    }
    json_object_set_new(out, "lag", lag);
}

void repl_describe(const dsim_msg *m, json_t *out)
{
    switch (m->type) {
    case REPL_MSG_APPEND:
    case REPL_MSG_SNAP: {
        repl_append h;
        memcpy(&h, m->data, sizeof h);
        json_object_set_new(out, "epoch", json_integer((json_int_t)h.epoch));
        json_object_set_new(out, m->type == REPL_MSG_SNAP ? "lsn" : "prev", json_integer((json_int_t)h.prev_lsn));
        json_object_set_new(out, "commit", json_integer((json_int_t)h.commit));
        if (m->type == REPL_MSG_APPEND)
            json_object_set_new(out, "entries", json_integer(h.count));
        return;
    }
    case REPL_MSG_ACK: {
        repl_ack a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "epoch", json_integer((json_int_t)a.epoch));
        json_object_set_new(out, "ok", json_boolean(a.ok));
        json_object_set_new(out, a.ok ? "match" : "resume_after", json_integer((json_int_t)(a.ok ? a.match : a.last)));
        return;
    }
    case REPL_MSG_CONFIG: {
        repl_config c;
        memcpy(&c, m->data, sizeof c);
        json_object_set_new(out, "epoch", json_integer((json_int_t)c.epoch));
        json_object_set_new(out, "leader", json_integer(c.leader + 1));
        return;
    }
    case REPL_MSG_STATUS: {
        repl_status st;
        memcpy(&st, m->data, sizeof st);
        json_object_set_new(out, "epoch", json_integer((json_int_t)st.epoch));
        json_object_set_new(out, "lsn", json_integer((json_int_t)st.last_lsn));
        return;
    }
    case REPL_MSG_ISR_REQ:
    case REPL_MSG_ISR_ACK: {
        repl_isr_req r;
        memcpy(&r, m->data, sizeof r);
        json_object_set_new(out, "epoch", json_integer((json_int_t)r.epoch));
        json_object_set_new(out, "isr", mask_list(r.isr));
        return;
    }
    default:
        return;
    }
}

/* Scripted membership change at the leader (head): 'k' joins, catches up
** from a snapshot and the log after it, while writes continue. */
static int add_node(dsim_node *n, const json_t *args, json_t *result)
{
    repl_state *s = repl_of(n);
    json_t *k = json_object_get(args, "node");
    if (s->role != REPL_LEADER || !json_is_integer(k) || json_integer_value(k) < 1 ||
        json_integer_value(k) > dsim_cluster_size(n) || json_integer_value(k) - 1 == s->opt.master) {
        json_object_set_new(result, "error", json_string("add_node {node = k}: at the leader, k a replica"));
        return -1;
    }
    int p = (int)json_integer_value(k) - 1;
    if (repl_has(s->cfg.members, p))
        return 0;
    repl_config c = s->cfg;
    c.members |= 1u << p;
    if (s->opt.mode == REPL_CHAIN)
        c.chain[c.chain_len++] = (int8_t)p;
    c.epoch++;
    s->next[p] = s->last + 1;
    s->match[p] = 0;
    s->cfg = c;
    repl_persist_config(n);
    dsim_disk_sync(n);
    for (int q = 0; q < dsim_cluster_size(n); q++)
        if (q != dsim_id(n))
            dsim_send(n, q, REPL_MSG_CONFIG, &c, sizeof c);
    repl_leader_tick(n);
    return 0;
}

/* Verbs: promote (this replica leads at the next epoch; not in chain
** mode, where the master reconfigures); add_node {node = k}; log (the
** window's first entries as text); liveness_failed {why = "..."}. */
int repl_control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    repl_state *s = repl_of(n);
    if (strcmp(verb, "liveness_failed") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->liveness, sizeof s->liveness, "%s", why ? why : "(no reason given)");
        return 0;
    }
    if (strcmp(verb, "promote") == 0) {
        if (s->role == REPL_MASTER || s->opt.mode == REPL_CHAIN || s->role == REPL_LEADER) {
            json_object_set_new(result, "error", json_string(
                "promote: a follower or standby replica, not in chain mode (the master reconfigures chains)"));
            return -1;
        }
        repl_promote(n);
        return 0;
    }
    if (strcmp(verb, "add_node") == 0)
        return add_node(n, args, result);
    if (strcmp(verb, "log") == 0) {
        json_t *log = json_array();
        for (uint64_t l = s->snap + 1; l <= s->last && l <= s->snap + 16; l++) {
            const repl_entry *e = repl_entry_at(s, l);
            char buf[64];
            snprintf(buf, sizeof buf, "%" PRIu64 ":%s%" PRId64 "@e%" PRIu64, l,
                     dsim_op_readonly(&e->op) ? "r" : "w",
                     dsim_op_readonly(&e->op) ? (int64_t)e->op.key : e->op.value, e->epoch);
            json_array_append_new(log, json_string(buf));
        }
        json_object_set_new(result, "log", log);
        return 0;
    }
    json_object_set_new(result, "error", json_string("unknown verb (known: promote, add_node, log, liveness_failed)"));
    return -1;
}
