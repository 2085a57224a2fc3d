/*
** ml_main.c — the multileader protocol's registration: options, planted
** bugs, events, callbacks, inspect, control and the invariants.
**
** Invariants, from the global view, on every pair of up nodes m and o
** where o is a leader (an origin):
**   - m holds no more of o's updates than o issued (m.vc[o] <= o.vc[o]):
**     nothing is invented, nothing acknowledged is forgotten by its origin;
**   - every counter entry of o at m is at most o's own (p and n), and every
**     OR-Set tag of o at m has seq <= o.vc[o]: merges count nothing twice;
**   - MV-Register siblings are pairwise concurrent;
**   - with causal replication (state delivery, or ops with causal=true)
**     every node holds what the updates it holds depend on (deps <= vc);
**   - no scenario-side check reported a failure (control "violation").
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "multileader.h"

typedef struct ml_checker {
    char msg[320];
} ml_checker;

static ml_state *ml_of(dsim_node *n)
{
    return dsim_state(n);
}

static void start(dsim_node *n)
{
    ml_state *s = ml_of(n);
    ml_conf_read(n, &s->conf);
    ml_recover(n, s);
    ml_leaders_load(n, s);
    /* a leader gossips; so does a node holding updates of its own that it
    ** no longer leads for (a replaced leader hands them over: failover) */
    if (ml_is_leader(&s->conf, dsim_cluster_size(n), dsim_id(n)) || s->d.vc.c[dsim_id(n)] > 0) {
        dsim_timer(n, TIMER_GOSSIP, 0, dsim_rand_range(n, 1, s->conf.gossip_ns));
        s->ticking = true;
    }
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    ml_state *s = ml_of(n);
    int nodes = dsim_cluster_size(n), id = dsim_id(n);
    if (ml_is_leader(&s->conf, nodes, id))
        ml_serve(n, s, op);
    else
        dsim_send(n, ml_leader_of_dc(&s->conf, nodes, ml_dc_of(&s->conf, nodes, id)), MSG_FORWARD, op,
                  (uint32_t)dsim_op_bytes(op));
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    ml_state *s = ml_of(n);
    switch (m->type) {
    case MSG_FORWARD: {
        dsim_op op;
        DSIM_ASSERT(m->len <= sizeof op);
        memset(&op, 0, sizeof op);
        memcpy(&op, m->data, m->len);
        if (ml_is_leader(&s->conf, dsim_cluster_size(n), dsim_id(n)))
            ml_serve(n, s, &op);
        break;
    }
    case MSG_OP: {
        ml_rop r;
        DSIM_ASSERT(m->len == sizeof r);
        memcpy(&r, m->data, sizeof r);
        ml_on_op(n, s, from, &r);
        break;
    }
    case MSG_STATE:
        ml_on_state(n, s, from, m->data, m->len);
        break;
    case MSG_LEADER:
        ml_on_leader(n, s, from, m->data, m->len);
        break;
    case MSG_ACK: {
        vclock vc;
        DSIM_ASSERT(m->len == sizeof vc);
        memcpy(&vc, m->data, sizeof vc);
        ml_on_ack(n, s, from, &vc);
        break;
    }
    default:
        DSIM_ASSERT(!"unknown message type");
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    DSIM_ASSERT(kind == TIMER_GOSSIP);
    ml_gossip(n, ml_of(n));
}

static json_t *vc_json(const vclock *vc, int nodes)
{
    json_t *a = json_array();
    for (int i = 0; i < nodes; i++)
        json_array_append_new(a, json_integer(vc->c[i]));
    return a;
}

static void inspect(dsim_node *n, json_t *out)
{
    ml_state *s = ml_of(n);
    int nodes = dsim_cluster_size(n), id = dsim_id(n);
    json_object_set_new(out, "role", json_string(ml_is_leader(&s->conf, nodes, id) ? "leader" : "follower"));
    json_object_set_new(out, "term", json_integer(0));
    json_object_set_new(out, "dc", json_integer(ml_dc_of(&s->conf, nodes, id) + 1));
    json_t *leaders = json_array(), *epochs = json_array();   /* per data centre, as this node knows */
    for (int d = 0; d < s->conf.dcs; d++) {
        json_array_append_new(leaders, json_integer(s->conf.leader[d] + 1));
        json_array_append_new(epochs, json_integer(s->conf.epoch[d]));
    }
    json_object_set_new(out, "leaders", leaders);
    json_object_set_new(out, "leader_epochs", epochs);
    json_object_set_new(out, "vc", vc_json(&s->d.vc, nodes));
    json_t *kv = json_object();
    ml_kv(&s->d, kv);
    json_object_set_new(out, "kv", kv);
    uint32_t sib = 0;
    for (int k = 0; k < ML_KEYS; k++)
        sib = s->d.reg[k].n > sib ? s->d.reg[k].n : sib;
    json_object_set_new(out, "siblings_max", json_integer(sib));
    json_object_set_new(out, "applied", json_integer((json_int_t)s->applied));
    json_object_set_new(out, "merges", json_integer((json_int_t)s->merges));
    json_object_set_new(out, "withheld", json_integer((json_int_t)s->withheld));
    json_object_set_new(out, "pending", json_integer(s->pending_n));
    json_object_set_new(out, "lww_lost", json_integer((json_int_t)s->lww_lost));
    json_object_set_new(out, "generation", json_integer((json_int_t)s->gen));
}

static void describe(const dsim_msg *m, json_t *out)
{
    static const char *const kinds[] = {"?", "reg", "cnt", "cnt_lww", "set_add", "set_rem",
                                        "cart_add", "cart_rem"};
    if (m->type == MSG_OP && m->len == sizeof(ml_rop)) {
        ml_rop r;
        memcpy(&r, m->data, sizeof r);
        json_object_set_new(out, "kind", json_string(r.kind < 8 ? kinds[r.kind] : "?"));
        json_object_set_new(out, "key", json_integer(r.key));
        json_object_set_new(out, "origin", json_integer(r.origin + 1));
        json_object_set_new(out, "seq", json_integer(r.seq));
        json_object_set_new(out, "value", json_integer((json_int_t)r.value));
    } else if (m->type == MSG_ACK && m->len == sizeof(vclock)) {
        vclock vc;
        memcpy(&vc, m->data, sizeof vc);
        json_object_set_new(out, "vc", vc_json(&vc, ML_NODES_MAX));
    } else if (m->type == MSG_STATE) {
        vclock vc;
        json_object_set_new(out, "bytes", json_integer(m->len));
        if (ml_peek_vc(m->data, m->len, &vc))
            json_object_set_new(out, "vc", vc_json(&vc, ML_NODES_MAX));
    } else if (m->type == MSG_FORWARD && m->len >= 16) {
        dsim_op op;
        memset(&op, 0, sizeof op);
        memcpy(&op, m->data, m->len <= sizeof op ? m->len : sizeof op);
        json_object_set_new(out, "op", json_integer((json_int_t)op.id));
    }
}

static const char *fail(dsim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fail(dsim_world *w, const char *fmt, ...)
{
    ml_checker *c = dsim_checker_state(w);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return c->msg;
}

/* The bounds of every origin o on replica m: its updates, counter entries
** and OR-Set tags never exceed what o itself holds ('issued[o]', the
** origin's own count; UINT32_MAX when o is down, not a leader, or m). */
static const char *check_bounds(dsim_world *w, int m, const ml_state *sm, const uint32_t *issued,
                                int nodes)
{
    for (int o = 0; o < nodes; o++) {
        if (issued[o] == UINT32_MAX)
            continue;
        const ml_state *so = dsim_state(dsim_node_at(w, o));
        if (sm->d.vc.c[o] > issued[o])
            return fail(w, "Origin bound: n%d holds %u updates of n%d, which issued only %u", m + 1,
                        sm->d.vc.c[o], o + 1, issued[o]);
        for (int k = 0; k < ML_KEYS; k++)
            if (sm->d.cnt[k].p[o] > so->d.cnt[k].p[o] || sm->d.cnt[k].n[o] > so->d.cnt[k].n[o])
                return fail(w, "Counter bound: n%d counts %lld up and %lld down for n%d on c%d, which "
                            "counted only %lld and %lld", m + 1, (long long)sm->d.cnt[k].p[o],
                            (long long)sm->d.cnt[k].n[o], o + 1, k, (long long)so->d.cnt[k].p[o],
                            (long long)so->d.cnt[k].n[o]);
    }
    const orset *sets[2] = {&sm->d.set, &sm->d.cart};
    for (int i = 0; i < 2; i++)
        for (uint32_t t = 0; t < sets[i]->n; t++) {
            const orset_tag *tag = &sets[i]->t[t];
            DSIM_ASSERT(tag->node < ML_NODES_MAX);
            if (tag->seq > issued[tag->node])
                return fail(w, "OR-Set tag: n%d holds tag n%d.%u, beyond n%d's %u updates", m + 1,
                            (int)tag->node + 1, (unsigned)tag->seq, (int)tag->node + 1, issued[tag->node]);
        }
    return NULL;
}

static const char *invariants(dsim_world *w)
{
    int nodes = dsim_node_count(w);
    uint32_t own[ML_NODES_MAX];
    for (int o = 0; o < ML_NODES_MAX; o++) {
        const ml_state *so = o < nodes ? dsim_state(dsim_node_at(w, o)) : NULL;
        bool origin = so && dsim_is_up(dsim_node_at(w, o)) && so->conf.dcs > 0 &&
                      ml_is_leader(&so->conf, nodes, o);
        own[o] = origin ? so->d.vc.c[o] : UINT32_MAX;
    }
    for (int m = 0; m < nodes; m++) {
        dsim_node *nm = dsim_node_at(w, m);
        if (!dsim_is_up(nm))
            continue;
        const ml_state *sm = dsim_state(nm);
        if (sm->violation[0]) {
            ml_checker *c = dsim_checker_state(w);
            snprintf(c->msg, sizeof c->msg, "%s", sm->violation);
            return c->msg;
        }
        if ((!sm->conf.ops || sm->conf.causal) && !vc_leq(&sm->d.deps, &sm->d.vc))
            for (int o = 0; o < nodes; o++)
                if (sm->d.deps.c[o] > sm->d.vc.c[o])
                    return fail(w, "Causal delivery: n%d applied an update that depends on %u "
                                "updates of n%d, but holds only %u", m + 1, sm->d.deps.c[o], o + 1,
                                sm->d.vc.c[o]);
        for (int k = 0; k < ML_KEYS; k++)
            for (uint32_t i = 0; i < sm->d.reg[k].n; i++)
                for (uint32_t j = i + 1; j < sm->d.reg[k].n; j++)
                    if (vc_compare(&sm->d.reg[k].v[i].vc, &sm->d.reg[k].v[j].vc) != VC_CONCURRENT)
                        return fail(w, "Siblings: n%d's k%d keeps two ordered versions (%lld, %lld)",
                                    m + 1, k, (long long)sm->d.reg[k].v[i].value,
                                    (long long)sm->d.reg[k].v[j].value);
        uint32_t issued[ML_NODES_MAX];
        memcpy(issued, own, sizeof issued);
        issued[m] = UINT32_MAX;
        const char *v = check_bounds(w, m, sm, issued, nodes);
        if (v)
            return v;
    }
    return NULL;
}

/* cart_add {item = i} and cart_remove {item = i} at a leader (the
** scenario's OR-Set, for an add-wins oracle); write / add {key, value} at
** a leader and read / counter {key} anywhere (scripted moments of the
** demos); violation {why = "..."} (a scenario-side check failed: reported
** by the invariants). */
static int control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    ml_state *s = ml_of(n);
    if (strcmp(verb, "failover") == 0) {
        int r = ml_failover(n, s, result);
        if (r == 0 && !s->ticking)
            s->ticking = true;
        return r;
    }
    if (strcmp(verb, "violation") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->violation, sizeof s->violation, "%s", why ? why : "(no reason given)");
        return 0;
    }
    bool add = strcmp(verb, "cart_add") == 0;
    if (add || strcmp(verb, "cart_remove") == 0) {
        json_t *item = json_object_get(args, "item");
        if (!json_is_integer(item)) {
            json_object_set_new(result, "error", json_string("cart_add/cart_remove want {item = N}"));
            return -1;
        }
        if (!ml_is_leader(&s->conf, dsim_cluster_size(n), dsim_id(n))) {
            json_object_set_new(result, "error", json_string("not a leader: only leaders take updates"));
            return -1;
        }
        return ml_cart(n, s, add, (int64_t)json_integer_value(item), result);
    }
    if (strcmp(verb, "write") == 0 || strcmp(verb, "add") == 0 || strcmp(verb, "read") == 0 ||
        strcmp(verb, "counter") == 0) {
        json_t *key = json_object_get(args, "key"), *value = json_object_get(args, "value");
        bool update = verb[0] == 'w' || verb[0] == 'a';
        if (!json_is_integer(key) || (update && !json_is_integer(value))) {
            json_object_set_new(result, "error", json_string("write/add want {key = K, value = V}; "
                                                             "read/counter want {key = K}"));
            return -1;
        }
        if (update && !ml_is_leader(&s->conf, dsim_cluster_size(n), dsim_id(n))) {
            json_object_set_new(result, "error", json_string("not a leader: only leaders take updates"));
            return -1;
        }
        return ml_script_op(n, s, verb, (int64_t)json_integer_value(key),
                            update ? (int64_t)json_integer_value(value) : 0, result);
    }
    json_object_set_new(result, "error", json_string(
        "unknown verb (known: cart_add, cart_remove, write, add, read, counter, violation, failover)"));
    return -1;
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    dsim_node *n = dsim_node_at(w, 0);
    int nodes = dsim_node_count(w);
    int dcs = (int)dsim_opt_int(n, "dcs");
    if (nodes > ML_NODES_MAX) {
        snprintf(err, cap, "multileader runs at most %d nodes, got %d", ML_NODES_MAX, nodes);
        return -1;
    }
    if (dcs > nodes) {
        snprintf(err, cap, "dcs = %d needs at least that many nodes, got %d", dcs, nodes);
        return -1;
    }
    if (dsim_opt_bool(n, "causal") && strcmp(dsim_opt_str(n, "delivery"), "ops") != 0) {
        snprintf(err, cap, "causal = true withholds operations: it needs delivery = \"ops\" "
                 "(state delivery is causal already)");
        return -1;
    }
    return 0;
}

static const char *const topologies[] = {"all-to-all", "ring", "star", NULL};
static const char *const resolves[] = {"crdt", "lww", "merge", NULL};
static const char *const counters[] = {"pn", "g", NULL};
static const char *const deliveries[] = {"state", "ops", NULL};
static const char *const datas[] = {"registers", "counters", NULL};

static const dsim_option options[] = {
    {"dcs", DSIM_OPT_INT, "3", "data centres: consecutive node ids, one leader (the lowest) each", NULL, 1,
     ML_NODES_MAX},
    {"topology", DSIM_OPT_STR, "all-to-all", "how leaders replicate: all-to-all, ring or star (hub: DC 1)",
     topologies, 0, 0},
    {"resolve", DSIM_OPT_STR, "crdt",
     "register/counter conflicts: crdt or merge (MV-Register siblings, PN-Counter), lww (wall clock)",
     resolves, 0, 0},
    {"counter", DSIM_OPT_STR, "pn", "counter CRDT: pn (PN-Counter) or g (G-Counter: negative adds fail)",
     counters, 0, 0},
    {"delivery", DSIM_OPT_STR, "state", "state (whole replica, merged) or ops (one update per message)",
     deliveries, 0, 0},
    {"causal", DSIM_OPT_BOOL, "false", "with delivery=ops: withhold an update until its dependencies arrive",
     NULL, 0, 0},
    {"gossip", DSIM_OPT_MS, "50", "anti-entropy interval: replicas to neighbours that lag", NULL, 1, 600000},
    {"data", DSIM_OPT_STR, "registers", "what a read reads: registers (register, kv) or counters (counter)",
     datas, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {"orset_remove_wins", "gcounter_sum_merge", "causal_skip", NULL};
static const char *const msg_names[] = {"Forward", "Op", "State", "Ack", "Leader", NULL};

static const dsim_event events[] = {
    {"lww_lost", "key: int, lost: int, kept: int, writer: node",
     "last-writer-wins discarded a write the winner had not seen (by wall clock)"},
    {"siblings", "key: int, count: int", "a merge kept concurrent versions of a register as siblings"},
    {"withheld", "origin: node, seq: int, from: node",
     "an update arrived before what it depends on and waits (ops delivery)"},
    {"failover", "node: node, dc: int, from: node, epoch: int",
     "a follower took over its data centre from 'from' (control failover)"},
    {"stepdown", "node: node, leader: node, epoch: int",
     "a leader learnt that 'leader' replaced it; it hands its own updates over"},
    {NULL, NULL, NULL},
};

const dsim_protocol multileader_protocol = {
    .name = "multileader",
    .summary = "one leader per data centre, async replication (all-to-all, ring, star), CRDTs",
    .state_size = sizeof(ml_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = invariants,
    .control = control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(ml_checker),
};
