/*
** dynamo_main.c — the 'dynamo' protocol table: options, validation, boot,
** dispatch, inspect, describe, control and the invariants.
**
** See dynamo.h for the design. The options are read once per boot into
** 'dyn_cfg'; 'validate' rejects the combinations that cannot work (exit 2):
** n larger than the cluster, r or w larger than n, abd without strict
** intersecting quorums (r + w > n, no sloppy quorum) or on anything but a
** register. Any other r, w (w + r <= n included) is allowed: the demos
** show what each promises.
*/
#include <inttypes.h>
#include <stdio.h>

#include "dynamo.h"

_Static_assert(DYN_KEYS_MAX <= 32, "anti-entropy key masks are 32 bits");
_Static_assert(DYN_NODES_MAX <= 32, "reply sets are 32-bit masks");
_Static_assert(sizeof(dyn_sib) % 8 == 0 && sizeof(dyn_msg_hdr) == 16, "no padding in messages");

static const char *const modes[] = {"vv", "lww", "overwrite", NULL};
static const char *const types[] = {"register", "counter", "set", NULL};
static const char *const levels[] = {"quorum", "local_quorum", NULL};

static int choice(const char *const *list, const char *v)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], v) == 0)
            return i;
    DSIM_ASSERT(!"option value outside its choices");
    return 0;
}

static void read_config(dsim_node *n, dyn_cfg *c)
{
    c->n = (int)dsim_opt_int(n, "n");
    c->r = (int)dsim_opt_int(n, "r");
    c->w = (int)dsim_opt_int(n, "w");
    c->nodes = dsim_cluster_size(n);
    c->vnodes = (int)dsim_opt_int(n, "vnodes");
    c->keys = (int)dsim_opt_int(n, "keys");
    c->mode = (dyn_mode)choice(modes, dsim_opt_str(n, "versioning"));
    c->type = (dyn_type)choice(types, dsim_opt_str(n, "type"));
    c->abd = dsim_opt_bool(n, "abd");
    c->sloppy = dsim_opt_bool(n, "sloppy");
    c->read_repair = dsim_opt_bool(n, "read_repair");
    c->sloppy_after_ns = dsim_opt_ms(n, "sloppy_after");
    c->timeout_ns = dsim_opt_ms(n, "timeout");
    c->hint_retry_ns = dsim_opt_ms(n, "hint_retry");
    c->ae_ns = dsim_opt_ms(n, "anti_entropy");
    c->dcs = (int)dsim_opt_int(n, "dcs");
    c->local_quorum = choice(levels, dsim_opt_str(n, "consistency")) == 1;
    DSIM_ASSERT(c->nodes <= DYN_NODES_MAX && c->n <= c->nodes && c->r <= c->n && c->w <= c->n);
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    dsim_node *n = dsim_node_at(w, 0);
    int nodes = dsim_node_count(w);
    int64_t rn = dsim_opt_int(n, "n"), r = dsim_opt_int(n, "r"), wq = dsim_opt_int(n, "w");
    if (nodes > DYN_NODES_MAX) {
        snprintf(err, cap, "at most %d nodes (version vector width), got %d", DYN_NODES_MAX, nodes);
        return -1;
    }
    if (rn > nodes) {
        snprintf(err, cap, "n=%" PRId64 " replicas per key, but the cluster has %d nodes", rn, nodes);
        return -1;
    }
    if (r > rn || wq > rn) {
        snprintf(err, cap, "r=%" PRId64 " and w=%" PRId64 " must each be at most n=%" PRId64
                 " (a quorum of the key's replicas)", r, wq, rn);
        return -1;
    }
    int64_t dcs = dsim_opt_int(n, "dcs");
    if (dcs > nodes || rn % dcs != 0) {
        snprintf(err, cap, "dcs=%" PRId64 " data centres need at most %d (the nodes) and to divide n=%" PRId64
                 " (n/dcs home replicas in each)", dcs, nodes, rn);
        return -1;
    }
    for (int64_t d = 0; d < dcs; d++)
        if ((d + 1) * nodes / dcs - d * nodes / dcs < rn / dcs) {
            snprintf(err, cap, "data centre %" PRId64 " has fewer than n/dcs=%" PRId64 " nodes", d + 1, rn / dcs);
            return -1;
        }
    bool local = strcmp(dsim_opt_str(n, "consistency"), "local_quorum") == 0;
    if (local && dsim_opt_bool(n, "abd")) {
        snprintf(err, cap, "abd needs quorums that intersect across data centres: consistency=quorum");
        return -1;
    }
    if (dsim_opt_bool(n, "abd")) {
        if (r + wq <= rn || dsim_opt_bool(n, "sloppy")) {
            snprintf(err, cap, "abd needs strict intersecting quorums: r + w > n and sloppy=false "
                     "(got r=%" PRId64 ", w=%" PRId64 ", n=%" PRId64 ", sloppy=%s)", r, wq, rn,
                     dsim_opt_bool(n, "sloppy") ? "true" : "false");
            return -1;
        }
        if (strcmp(dsim_opt_str(n, "type"), "register") != 0) {
            snprintf(err, cap, "abd is a register: type=register (got %s)", dsim_opt_str(n, "type"));
            return -1;
        }
    }
    return 0;
}

static void start(dsim_node *n)
{
    dyn_state *s = dyn_of(n);
    read_config(n, &s->cfg);
    dyn_ring_build(&s->ring, s->cfg.nodes, s->cfg.vnodes);
    dyn_ring_place(&s->ring, s->cfg.dcs, s->cfg.n);
    s->next_id = (uint32_t)(dsim_rand(n) >> 40) << 12;   /* request ids differ across boots */
    dyn_store_load(n);
    dsim_timer(n, DYN_T_HINTS, 0, dsim_rand_range(n, 1, s->cfg.hint_retry_ns));
    if (s->cfg.ae_ns > 0 && s->cfg.mode != DYN_OVERWRITE)
        dsim_timer(n, DYN_T_AE, 0, dsim_rand_range(n, 1, s->cfg.ae_ns));
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    switch (m->type) {
    case DYN_MSG_GET: dyn_on_get(n, from, m); return;
    case DYN_MSG_GET_R: dyn_on_get_reply(n, from, m); return;
    case DYN_MSG_PUT: dyn_on_put(n, from, m); return;
    case DYN_MSG_PUT_R: dyn_on_put_reply(n, from, m); return;
    case DYN_MSG_HANDOFF: dyn_on_handoff(n, from, m); return;
    case DYN_MSG_HANDOFF_R: dyn_on_handoff_reply(n, from, m); return;
    case DYN_MSG_TREE: dyn_on_tree(n, from, m); return;
    case DYN_MSG_PULL: dyn_on_pull(n, from, m); return;
    default: DSIM_ASSERT(!"unknown message type");
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    switch (kind) {
    case DYN_T_SLOPPY: dyn_on_sloppy(n, (uint32_t)arg); return;
    case DYN_T_TIMEOUT: dyn_on_timeout(n, (uint32_t)arg); return;
    case DYN_T_HINTS: dyn_on_hints_timer(n); return;
    case DYN_T_AE: dyn_on_ae_timer(n); return;
    default: DSIM_ASSERT(!"unknown timer kind");
    }
}

/* The record as the convergence check compares it: its text, cut short,
** and its digest. */
static json_t *rec_json(const dyn_state *s, const dyn_rec *r)
{
    char text[200], out[240];
    if (r->nsib == 0)
        return json_null();
    dyn_rec_text(r, s->cfg.abd ? DYN_LWW : s->cfg.mode, s->cfg.type, text, sizeof text);
    snprintf(out, sizeof out, "%s #%016" PRIx64, text, dyn_rec_digest(r));
    return json_string(out);
}

static void inspect(dsim_node *n, json_t *out)
{
    dyn_state *s = dyn_of(n);
    json_t *kv = json_object(), *hints = json_array(), *home = json_array();
    for (uint32_t k = 0; k < (uint32_t)s->cfg.keys; k++) {
        char name[16];
        snprintf(name, sizeof name, "%u", k);
        if (dyn_ring_is_home(&s->ring, k, s->cfg.n, dsim_id(n))) {
            json_object_set_new(kv, name, rec_json(s, &s->store[k]));
            json_array_append_new(home, json_integer(k));
        }
        for (int h = 0; h < s->cfg.nodes; h++)
            if (s->hint[h][k])
                json_array_append_new(hints, json_pack("{s:i, s:i}", "home", h + 1, "key", (int)k));
    }
    int pending = 0;
    for (int i = 0; i < DYN_PENDING_MAX; i++)
        pending += s->req[i].phase != DYN_P_FREE;
    json_object_set_new(out, "role", json_string("replica"));
    json_object_set_new(out, "dc", json_integer(dyn_dc_of(s->cfg.nodes, s->cfg.dcs, dsim_id(n)) + 1));
    json_object_set_new(out, "kv", kv);
    json_object_set_new(out, "home_keys", home);
    json_object_set_new(out, "pending_hints", json_integer(dyn_hints_pending(s)));
    json_object_set_new(out, "hints", hints);
    json_object_set_new(out, "requests", json_integer(pending));
    json_object_set_new(out, "handoffs", json_integer((json_int_t)s->handoffs));
    json_object_set_new(out, "repairs", json_integer((json_int_t)s->repairs));
    json_object_set_new(out, "ae_rounds", json_integer((json_int_t)s->ae_rounds));
    json_object_set_new(out, "ae_keys", json_integer((json_int_t)s->ae_keys));
    json_object_set_new(out, "restoring_from",
                        s->restoring.keys ? json_integer(s->restoring.from + 1) : json_null());
}

static void describe(const dsim_msg *m, json_t *out)
{
    if (m->type == DYN_MSG_TREE || m->type == DYN_MSG_PULL)
        return;
    dyn_msg_hdr h;
    DSIM_ASSERT(m->len >= sizeof h);
    memcpy(&h, m->data, sizeof h);
    json_object_set_new(out, "key", json_integer(h.key));
    if (m->type != DYN_MSG_HANDOFF && m->type != DYN_MSG_HANDOFF_R)
        json_object_set_new(out, "req", json_integer(h.id));
    if (h.hint_for >= 0)
        json_object_set_new(out, "hint_for", json_integer(h.hint_for + 1));
    if (m->len >= sizeof h + offsetof(dyn_rec, words) &&
        (m->type == DYN_MSG_GET_R || m->type == DYN_MSG_PUT || m->type == DYN_MSG_HANDOFF)) {
        uint32_t nsib;
        memcpy(&nsib, (const char *)m->data + sizeof h, sizeof nsib);
        json_object_set_new(out, "versions", json_integer(nsib));
        if (nsib > 0) {
            dyn_sib sib;
            memcpy(&sib, (const char *)m->data + sizeof h + offsetof(dyn_rec, sib), sizeof sib);
            json_object_set_new(out, "value", json_integer(sib.value));
        }
    }
}

/* Verbs: liveness_failed {why = "..."} (the scenario's liveness check
** failed: the invariants report it); consistency {r = R, w = W, level =
** "quorum"|"local_quorum"} (each field optional: this node coordinates
** from now on with these quorums, like a per-request consistency level:
** "read at ALL" after healing, level "quorum" so that r counts every data
** centre's replies; until it restarts; abd refuses local_quorum);
** restore {from = K} (an operator replaces this replica's data with peer
** K's copy, as after a disk failure: dyn_restore). */
static int control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    dyn_state *s = dyn_of(n);
    if (strcmp(verb, "restore") == 0) {
        json_t *from = json_object_get(args, "from");
        if (!json_is_integer(from) || json_integer_value(from) < 1 ||
            json_integer_value(from) > s->cfg.nodes || json_integer_value(from) == dsim_id(n) + 1) {
            json_object_set_new(result, "error", json_string("restore wants {from = K}, another node 1..nodes"));
            return -1;
        }
        json_object_set_new(result, "keys", json_integer(dyn_restore(n, (int)json_integer_value(from) - 1)));
        return 0;
    }
    if (strcmp(verb, "consistency") == 0) {
        json_t *r = json_object_get(args, "r"), *w = json_object_get(args, "w");
        json_t *level = json_object_get(args, "level");
        json_int_t rv = json_is_integer(r) ? json_integer_value(r) : s->cfg.r;
        json_int_t wv = json_is_integer(w) ? json_integer_value(w) : s->cfg.w;
        int lv = s->cfg.local_quorum ? 1 : 0;
        for (int i = 0; level && levels[i]; i++)
            if (json_is_string(level) && strcmp(json_string_value(level), levels[i]) == 0)
                lv = i;
        bool bad_level = level && (!json_is_string(level) || strcmp(json_string_value(level), levels[lv]) != 0);
        if ((r && !json_is_integer(r)) || (w && !json_is_integer(w)) || rv < 1 || rv > s->cfg.n ||
            wv < 1 || wv > s->cfg.n || bad_level || (lv == 1 && s->cfg.abd)) {
            json_object_set_new(result, "error", json_string("consistency wants {r = R, w = W, level = L}: r and w "
                                                             "1..n, L quorum or local_quorum (not with abd)"));
            return -1;
        }
        s->cfg.r = (int)rv;
        s->cfg.w = (int)wv;
        s->cfg.local_quorum = lv == 1;
        return 0;
    }
    if (strcmp(verb, "liveness_failed") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->liveness, sizeof s->liveness, "%s", why ? why : "(no reason given)");
        return 0;
    }
    json_object_set_new(result, "error", json_string("unknown verb (known: consistency, liveness_failed, restore)"));
    return -1;
}

/* Every up replica's records are well formed: siblings sorted and pairwise
** concurrent ("vv" registers), one version otherwise; counters with "vv"
** carry their 2n slots. */
typedef struct dyn_ghost {
    char violation[256];   /* the invariants' last report (dsim_checker_state) */
} dyn_ghost;

static const char *invariants(dsim_world *w)
{
    char *why = ((dyn_ghost *)dsim_checker_state(w))->violation;
    size_t cap = sizeof ((dyn_ghost *)NULL)->violation;
    for (int i = 0; i < dsim_node_count(w); i++) {
        dsim_node *n = dsim_node_at(w, i);
        if (!dsim_is_up(n))
            continue;
        dyn_state *s = dyn_of(n);
        if (s->liveness[0]) {
            snprintf(why, cap, "Liveness: %s", s->liveness);
            return why;
        }
        bool vv_reg = s->cfg.mode == DYN_VV && !s->cfg.abd && s->cfg.type == DYN_REGISTER;
        for (int k = 0; k < s->cfg.keys; k++) {
            const dyn_rec *r = &s->store[k];
            bool ok = r->nsib <= (vv_reg ? DYN_SIBS_MAX : 1);
            for (uint32_t a = 0; ok && a + 1 < r->nsib; a++)
                ok = dyn_sib_cmp(&r->sib[a], &r->sib[a + 1]) < 0 &&
                     dyn_vv_compare(&r->sib[a].vv, &r->sib[a + 1].vv) == DYN_CONCURRENT;
            if (ok && r->nsib && s->cfg.type == DYN_COUNTER && s->cfg.mode == DYN_VV)
                ok = r->len == 2 * (uint32_t)s->cfg.nodes;
            if (!ok) {
                snprintf(why, cap, "Records: n%d key %d holds %u versions that are not "
                         "pairwise concurrent, sorted and well formed", i + 1, k, r->nsib);
                return why;
            }
        }
    }
    return NULL;
}

static const dsim_option options[] = {
    {"n", DSIM_OPT_INT, "3", "replicas per key (the preference list's home replicas)", NULL, 1, DYN_NODES_MAX},
    {"r", DSIM_OPT_INT, "2", "replicas a read waits for", NULL, 1, DYN_NODES_MAX},
    {"w", DSIM_OPT_INT, "2", "replicas a write waits for", NULL, 1, DYN_NODES_MAX},
    {"vnodes", DSIM_OPT_INT, "8", "tokens (virtual nodes) per node on the ring", NULL, 1, DYN_VNODES_MAX},
    {"keys", DSIM_OPT_INT, "8", "keys the store serves (0..keys-1; others fail)", NULL, 1, DYN_KEYS_MAX},
    {"versioning", DSIM_OPT_STR, "vv",
     "vv (version vectors, siblings), lww (coordinator's wall clock wins), overwrite (last arrival wins)",
     modes, 0, 0},
    {"type", DSIM_OPT_STR, "register", "the value type: register, counter or set (the workload's)",
     types, 0, 0},
    {"abd", DSIM_OPT_BOOL, "false", "linearizable register (ABD): tags, and reads write back first",
     NULL, 0, 0},
    {"sloppy", DSIM_OPT_BOOL, "true", "sloppy quorums: fallbacks stand in for silent home replicas",
     NULL, 0, 0},
    {"read_repair", DSIM_OPT_BOOL, "true", "after a read, send the merged record to stale replicas",
     NULL, 0, 0},
    {"dcs", DSIM_OPT_INT, "1", "data centres (nodes of consecutive ids); n/dcs home replicas in each", NULL, 1, DYN_NODES_MAX},
    {"consistency", DSIM_OPT_STR, "quorum",
     "quorum (r and w replies of any home replicas) or local_quorum (a majority of the coordinator's "
     "data centre's home replicas; r and w unused)", levels, 0, 0},
    {"sloppy_after", DSIM_OPT_MS, "30", "wait before asking again and asking fallbacks", NULL, 1, 600000},
    {"timeout", DSIM_OPT_MS, "350", "a request unfinished after this is dropped unanswered", NULL, 1, 3600000},
    {"hint_retry", DSIM_OPT_MS, "100", "interval of hinted handoff attempts", NULL, 1, 600000},
    {"anti_entropy", DSIM_OPT_MS, "200", "interval of Merkle anti-entropy rounds (0: off)", NULL, 0, 600000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {"no_write_back", "hint_not_persisted", "vv_merge_min", NULL};

static const dsim_event events[] = {
    {"hint", "node: node, home: node, key: int", "a fallback stored (and synced) a write for 'home'"},
    {"handoff", "node: node, home: node, key: int", "'home' acknowledged a hint; the fallback dropped it"},
    {"repair", "node: node, to: node, key: int", "read repair: the coordinator sent 'to' the merged record"},
    {"siblings", "node: node, key: int, count: int", "a read found 'count' concurrent versions"},
    {"antientropy", "node: node, peer: node, keys: int", "a Merkle comparison found 'keys' keys differing"},
    {"restore", "node: node, from: node, keys: int", "the node's records were dropped and 'keys' keys asked from 'from' (control restore)"},
    {NULL, NULL, NULL},
};

static const char *const msg_names[] = {"Get", "GetReply", "Put", "PutAck", "Handoff", "HandoffAck",
                                        "Tree", "Pull", NULL};

const dsim_protocol dynamo_protocol = {
    .name = "dynamo",
    .summary = "Dynamo-style leaderless store: ring, sloppy quorums, hinted handoff, vv/lww/abd",
    .state_size = sizeof(dyn_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = dyn_on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = invariants,
    .control = control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(dyn_ghost),
};
