/*
** net.c — the simulated network: links, latency, loss, duplication, FIFO
** connections and reachability.
**
** Every directed link (from, to) between endpoints (nodes, then clients) has
** a profile (latency model, drop and duplicate probability): profile 0 is
** the default, and 'link_profile' (allocated on first use) overrides it per
** link. Reachability is a directed matrix 'cut' (allocated on first use).
** Rules kept:
** - a message to an unreachable endpoint is dropped at send, and one whose
**   link is cut when it arrives is dropped at delivery;
** - in FIFO mode a link never reorders (a delivery is never scheduled before
**   the previous one on the same link), and cutting a link breaks its
**   connection: everything in flight on it is dropped, even after a heal;
** - a crash of the receiver drops what was in flight to it (incarnation);
** - a node's message to itself is delivered at once, with no faults.
** Payload buffers come from per-size-class free lists, so the steady state
** allocates nothing; small classes are carved from 16 KiB slabs.
*/
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

/* Layouts relied on: message bytes reach the fingerprint (no padding may
** carry garbage into it), and a free buffer keeps the pool's next pointer
** in its data, so the smallest class must hold a header and a pointer. */
_Static_assert(offsetof(dsim_op, mops_len) == 48, "a plain op's head has no padding: requests are hashed as bytes");
_Static_assert(sizeof(dsim_mop) == 16, "a micro-op has no padding");
_Static_assert(sizeof(dsim_op) == offsetof(dsim_op, mops) + DSIM_MOPS_MAX * sizeof(dsim_mop),
               "dsim_op's micro-op tail has no padding");
_Static_assert(sizeof(reply_body) == 24, "reply_body has no padding: replies are hashed as bytes");
_Static_assert(sizeof(wmsg) + sizeof(wmsg *) <= 64, "the smallest pool class holds a free-list link");
_Static_assert(sizeof(((dsim_world *)0)->pool_free) / sizeof(wmsg *) == 24, "24 size classes");
_Static_assert((64u << 4) * 16 <= 16384, "a slab holds sixteen buffers of its largest class");

int net_init(dsim_world *w, int endpoints)
{
    DSIM_ASSERT(endpoints >= w->nodes_len);
    net_state *s = &w->net;
    s->endpoints = endpoints;
    s->profiles_len = 1;
    s->profiles[0] = (net_profile){
        .latency = {.kind = LATENCY_UNIFORM, .a = DSIM_MS(1), .b = DSIM_MS(5)},
    };
    DSIM_ASSERT(s->cut == NULL);
    return 0;
}

void net_free(dsim_world *w)
{
    DSIM_ASSERT(w != NULL);
    free(w->net.link_profile);
    free(w->net.cut);
    free(w->net.fifo_last);
    free(w->net.conn_epoch);
    json_decref(w->net.shape);
}

static size_t link_index(const dsim_world *w, int from, int to)
{
    DSIM_ASSERT(from >= 0);
    DSIM_ASSERT(from < w->net.endpoints);
    DSIM_ASSERT(to >= 0);
    DSIM_ASSERT(to < w->net.endpoints);
    return (size_t)from * (size_t)w->net.endpoints + (size_t)to;
}

static size_t links_len(const dsim_world *w)
{
    DSIM_ASSERT(w->net.endpoints >= w->nodes_len);
    return (size_t)w->net.endpoints * (size_t)w->net.endpoints;
}

bool net_reachable(const dsim_world *w, int from, int to)
{
    return !w->net.cut || !w->net.cut[link_index(w, from, to)];
}

void net_set_cut(dsim_world *w, int from, int to, bool cut)
{
    net_state *s = &w->net;
    if (from == to)
        return;
    if (!s->cut) {
        if (!cut)
            return;
        s->cut = calloc(links_len(w), 1);
        DSIM_ASSERT(s->cut != NULL);
    }
    size_t i = link_index(w, from, to);
    if (cut && !s->cut[i] && s->conn_epoch)
        s->conn_epoch[i]++;   /* the connection breaks */
    s->cut[i] = cut;
    DSIM_ASSERT(net_reachable(w, from, to) == !cut);
}

void net_heal(dsim_world *w)
{
    if (w->net.cut)
        memset(w->net.cut, 0, links_len(w));
    net_set_shape(w, NULL);
    DSIM_ASSERT(w->net.shape == NULL);
}

void net_set_shape(dsim_world *w, json_t *shape)
{
    DSIM_ASSERT(shape == NULL || json_is_object(shape));
    json_decref(w->net.shape);
    w->net.shape = shape;
}

/* Field by field: a struct's padding bytes are indeterminate, so memcmp
** would make the dedup (and so which links follow a later change of the
** default) depend on the compiler. */
static bool profiles_equal(const net_profile *a, const net_profile *b)
{
    return a->latency.kind == b->latency.kind && a->latency.a == b->latency.a &&
           a->latency.b == b->latency.b && a->drop == b->drop && a->dup == b->dup;
}

int net_profile_add(dsim_world *w, const net_profile *p)
{
    net_state *s = &w->net;
    for (int i = 0; i < s->profiles_len; i++)
        if (profiles_equal(&s->profiles[i], p))
            return i;
    if (s->profiles_len == WORLD_PROFILES_MAX)
        return -1;
    DSIM_ASSERT(s->profiles_len < WORLD_PROFILES_MAX);
    s->profiles[s->profiles_len] = *p;
    return s->profiles_len++;
}

void net_set_link_profile(dsim_world *w, int from, int to, int profile)
{
    net_state *s = &w->net;
    DSIM_ASSERT(profile >= 0);
    DSIM_ASSERT(profile < s->profiles_len);
    if (!s->link_profile) {
        if (profile == 0)
            return;
        s->link_profile = calloc(links_len(w), sizeof *s->link_profile);
        DSIM_ASSERT(s->link_profile != NULL);
    }
    _Static_assert(WORLD_PROFILES_MAX <= UINT16_MAX + 1, "a link's profile index fits 16 bits");
    s->link_profile[link_index(w, from, to)] = (uint16_t)profile;
}

void net_set_fifo(dsim_world *w, bool on)
{
    net_state *s = &w->net;
    s->fifo = on;
    if (on && !s->fifo_last) {
        s->fifo_last = calloc(links_len(w), sizeof *s->fifo_last);
        s->conn_epoch = calloc(links_len(w), sizeof *s->conn_epoch);
        DSIM_ASSERT(s->fifo_last != NULL);
        DSIM_ASSERT(s->conn_epoch != NULL);
    }
    DSIM_ASSERT(s->fifo == on);
}

/* ---- payload pool ----------------------------------------------------------- */

/* Buffers of the small classes are carved from slabs of this many bytes:
** no allocator header per message, and neighbours in memory. */
#define POOL_SLAB_BYTES 16384u
#define POOL_SLAB_CLASS_MAX 4u   /* 64 << 4 = 1 KiB: sixteen or more per slab */

/* Keeps 'p' for world_free (every buffer lives until the world does). */
static void pool_keep(dsim_world *w, void *p)
{
    if (w->pool_blocks_len == w->pool_blocks_cap) {
        uint32_t cap = w->pool_blocks_cap ? w->pool_blocks_cap * 2 : 64;
        void **b = realloc(w->pool_blocks, cap * sizeof *b);
        DSIM_ASSERT(b != NULL);
        w->pool_blocks = b;
        w->pool_blocks_cap = cap;
    }
    w->pool_blocks[w->pool_blocks_len++] = p;
}

/* A fresh buffer of class 'c'; for a small class the rest of a new slab
** goes onto the class's free list. */
static wmsg *pool_carve(dsim_world *w, unsigned c)
{
    size_t size = (size_t)64 << c;
    size_t bytes = c <= POOL_SLAB_CLASS_MAX ? POOL_SLAB_BYTES : size;
    unsigned char *block = malloc(bytes);
    DSIM_ASSERT(block != NULL);
    pool_keep(w, block);
    w->pool_bytes += bytes;
    for (size_t off = bytes - size; off > 0; off -= size) {
        wmsg *f = (wmsg *)(void *)(block + off);
        memcpy(f->data, &w->pool_free[c], sizeof(wmsg *));
        w->pool_free[c] = f;
    }
    return (wmsg *)(void *)block;
}

static wmsg *msg_alloc(dsim_world *w, uint32_t len)
{
    size_t need = sizeof(wmsg) + len;
    unsigned c = 0;
    while (c < 23 && ((size_t)64 << c) < need)   /* the largest class is 23 */
        c++;
    DSIM_ASSERT(((size_t)64 << c) >= need);
    wmsg *m = w->pool_free[c];
    if (m)
        memcpy(&w->pool_free[c], m->data, sizeof(wmsg *));
    else
        m = pool_carve(w, c);
    m->size_class = (uint16_t)c;
    DSIM_ASSERT(((size_t)64 << c) >= need);
    return m;
}

void net_msg_release(dsim_world *w, wmsg *m)
{
    unsigned c = m->size_class;
    DSIM_ASSERT(c < 24);
    DSIM_ASSERT(m != w->pool_free[c]);   /* not released twice in a row */
    memcpy(m->data, &w->pool_free[c], sizeof(wmsg *));
    w->pool_free[c] = m;
}

/* ---- tracing -------------------------------------------------------------- */

static const char *msg_name(const dsim_world *w, const wmsg *m, char *buf, size_t cap)
{
    DSIM_ASSERT(m->kind <= MSG_REPLY);
    DSIM_ASSERT(cap >= 16);   /* "type4294967295" */
    if (m->kind == MSG_REQUEST)
        return "request";
    if (m->kind == MSG_REPLY)
        return "reply";
    const char *const *names = w->proto->msg_names;
    for (uint32_t i = 0; names && names[i]; i++)
        if (i == m->type)
            return names[i];
    snprintf(buf, cap, "type%u", m->type);
    return buf;
}

static void trace_msg_on(dsim_world *w, const char *ev, const wmsg *m, const char *why)
{
    DSIM_ASSERT(trace_on(w));   /* trace_msg checked */
    json_t *e = trace_event(w, ev);
    DSIM_ASSERT(e != NULL);
    char a[16], b[16], nb[24];
    json_object_set_new(e, "from", json_string(endpoint_name(w, m->from, a, sizeof a)));
    json_object_set_new(e, "to", json_string(endpoint_name(w, m->to, b, sizeof b)));
    json_object_set_new(e, "id", json_integer((json_int_t)m->id));
    json_object_set_new(e, "msg", json_string(msg_name(w, m, nb, sizeof nb)));
    if (why)
        json_object_set_new(e, "why", json_string(why));
    if (m->dup)
        json_object_set_new(e, "dup", json_true());
    if (strcmp(ev, "send") == 0) {
        json_t *body = json_object();
        if (m->kind == MSG_PROTOCOL && w->proto->describe) {
            dsim_msg pm = {.type = m->type, .len = m->len, .data = m->data, .id = m->id};
            w->proto->describe(&pm, body);
        } else if (m->kind == MSG_REQUEST) {
            const dsim_op *op = (const dsim_op *)m->data;
            json_object_set_new(body, "op", json_integer((json_int_t)op->id));
        } else if (m->kind == MSG_REPLY) {
            const reply_body *r = (const reply_body *)m->data;
            json_object_set_new(body, "op", json_integer((json_int_t)r->op_id));
            json_object_set_new(body, "status", json_integer(r->status));
        }
        json_object_set_new(e, "body", body);
    }
    trace_emit(w, e);
}

/* Tracing only observes; the check stays here so the untraced hot path
** pays one branch. */
static inline void trace_msg(dsim_world *w, const char *ev, const wmsg *m, const char *why)
{
    if (trace_on(w))
        trace_msg_on(w, ev, m, why);
}

static void drop(dsim_world *w, wmsg *m, const char *why)
{
    DSIM_ASSERT(why != NULL);
    w->stats.dropped++;
    world_fp(w, 0xd709 ^ m->id);
    trace_msg(w, "drop", m, why);
    net_msg_release(w, m);
}

/* ---- send and deliver ------------------------------------------------------ */

static void schedule(dsim_world *w, wmsg *m, const net_profile *p, size_t li)
{
    int64_t at = w->now;
    if (m->from != m->to)
        at += latency_sample(&p->latency, &w->rng_net);
    if (w->net.fifo && m->from != m->to) {
        if (at < w->net.fifo_last[li])
            at = w->net.fifo_last[li];
        w->net.fifo_last[li] = at;
        m->conn_epoch = w->net.conn_epoch[li];
    }
    DSIM_ASSERT(at >= w->now);
    queue_item it = {.kind = EV_DELIVER, .node = m->to, .peer = m->from, .ptr = m};
    if (world_push(w, at, &it) == 0)
        net_msg_release(w, m);
}

static wmsg *msg_make(dsim_world *w, int from, int to, uint8_t kind, uint32_t type,
                      const void *data, uint32_t len, uint64_t id)
{
    DSIM_ASSERT(kind <= MSG_REPLY);
    DSIM_ASSERT(data != NULL || len == 0);
    wmsg *m = msg_alloc(w, len);
    m->kind = kind;
    m->dup = 0;
    m->type = type;
    m->from = from;
    m->to = to;
    m->len = len;
    m->id = id;
    m->conn_epoch = 0;
    int slot = world_ep_slot(w, to);
    m->dst_incarnation = slot >= 0 ? w->nodes[slot].incarnation : 0;
    if (len)
        memcpy(m->data, data, len);
    return m;
}

/* A send over the links of 'via' that arrives from 'from' (the same but
** for a forged sender, dsim_send_as). */
/* What every send does first, whatever becomes of the message: counted,
** fingerprinted, made and traced as sent. */
static wmsg *send_begin(dsim_world *w, int from, int to, uint8_t kind, uint32_t type,
                        const void *data, uint32_t len, uint64_t id)
{
    DSIM_ASSERT(len <= DSIM_MSG_BYTES_MAX);
    w->stats.sent++;
    world_fp(w, ((uint64_t)(uint32_t)from << 40) ^ ((uint64_t)(uint32_t)to << 16) ^
                    ((uint64_t)type << 2) ^ kind);
    world_fp_bytes(w, data, len);
    wmsg *m = msg_make(w, from, to, kind, type, data, len, id);
    trace_msg(w, "send", m, NULL);
    return m;
}

static void send_via(dsim_world *w, int via, int from, int to, uint8_t kind, uint32_t type,
                     const void *data, uint32_t len, uint64_t id)
{
    DSIM_ASSERT(from != to || world_ep_slot(w, from) >= 0);   /* a client never sends to itself */
    wmsg *m = send_begin(w, from, to, kind, type, data, len, id);
    if (!net_reachable(w, via, to)) {
        drop(w, m, "partition");
        return;
    }
    size_t li = link_index(w, via, to);
    const net_profile *p = &w->net.profiles[w->net.link_profile ? w->net.link_profile[li] : 0];
    if (via != to && p->drop > 0 && rng_chance(&w->rng_net, p->drop)) {
        drop(w, m, "loss");
        return;
    }
    bool dup = via != to && p->dup > 0 && rng_chance(&w->rng_net, p->dup);
    schedule(w, m, p, li);
    if (dup) {
        wmsg *d = msg_make(w, from, to, kind, type, data, len, id);
        d->dup = 1;
        w->stats.duplicated++;
        trace_msg(w, "dup", d, NULL);
        schedule(w, d, p, li);
    }
}

void net_send(dsim_world *w, int from, int to, uint8_t kind, uint32_t type,
              const void *data, uint32_t len, uint64_t id)
{
    send_via(w, from, from, to, kind, type, data, len, id);
}

void net_send_node(dsim_world *w, int from, int to, uint8_t kind, uint32_t type,
                   const void *data, uint32_t len, uint64_t id)
{
    DSIM_ASSERT(to >= 0 && to < w->nodes_len);
    int self = world_ep_slot(w, from);
    if (self >= 0 && w->nodes[self].id == to) {   /* loopback: this instance only */
        net_send(w, from, from, kind, type, data, len, id);
        return;
    }
    net_send(w, from, to, kind, type, data, len, id);
    int twin = w->nodes[to].twin;
    if (twin >= 0)
        net_send(w, from, w->nodes[twin].ep, kind, type, data, len, w->msg_id_next++);
}

void net_send_dropped(dsim_world *w, int from, int to, uint8_t kind, uint32_t type, const void *data,
                      uint32_t len, uint64_t id, const char *why)
{
    DSIM_ASSERT(world_ep_slot(w, from) >= 0 && to < w->net.endpoints);
    drop(w, send_begin(w, from, to, kind, type, data, len, id), why);
}

/* A message arrives: it may still die (cut link, broken connection, crashed
** or restarted receiver); otherwise its receiver handles it. Takes
** ownership of 'm'. */
void net_deliver(dsim_world *w, wmsg *m)
{
    DSIM_ASSERT(m->to >= 0);
    DSIM_ASSERT(m->to < w->net.endpoints);
    if (!net_reachable(w, m->from, m->to)) {
        drop(w, m, "partition");
        return;
    }
    if (w->net.fifo && m->from != m->to &&
        m->conn_epoch != w->net.conn_epoch[link_index(w, m->from, m->to)]) {
        drop(w, m, "connection");
        return;
    }
    int slot = world_ep_slot(w, m->to);
    if (slot >= 0) {
        dsim_node *n = &w->nodes[slot];
        if (n->status == NODE_CRASHED) {
            drop(w, m, "crashed");
            return;
        }
        if (n->incarnation != m->dst_incarnation) {
            drop(w, m, "restarted");
            return;
        }
    }
    w->stats.delivered++;
    world_fp(w, m->id);
    trace_msg(w, "deliver", m, NULL);
    if (slot >= 0) {
        queue_item it = {.kind = EV_DELIVER, .node = m->to, .peer = m->from, .ptr = m};
        node_dispatch(&w->nodes[slot], &it);
    } else {
        DSIM_ASSERT(m->kind == MSG_REPLY);
        DSIM_ASSERT(m->type == REPLY_PLAIN || m->type == REPLY_TOKEN);
        size_t head = sizeof(reply_body) + (m->type == REPLY_TOKEN ? sizeof(uint64_t) : 0);
        DSIM_ASSERT(m->len >= head);
        DSIM_ASSERT((m->len - head) % sizeof(int64_t) == 0);
        reply_body r;
        uint64_t token = 0;
        memcpy(&r, m->data, sizeof r);
        if (m->type == REPLY_TOKEN)
            memcpy(&token, m->data + sizeof r, sizeof token);
        client_on_reply(w, m->to - w->nodes_len, &r, token, m->data + head,
                        (uint32_t)((m->len - head) / sizeof(int64_t)));
    }
    net_msg_release(w, m);
}

/* ---- the protocol's side ---------------------------------------------------- */

uint64_t dsim_send_as(dsim_node *n, int as, int to, uint32_t type, const void *data, uint32_t len)
{
    dsim_world *w = n->w;
    DSIM_ASSERT(n->byz[0] != '\0');   /* only a Byzantine node forges */
    DSIM_ASSERT(as >= 0 && as < w->nodes_len);
    DSIM_ASSERT(to >= 0 && to < w->nodes_len);
    DSIM_ASSERT(n->status == NODE_UP);
    uint64_t id = w->msg_id_next++;
    if (as == n->id)
        net_send_node(w, n->ep, to, MSG_PROTOCOL, type, data, len, id);
    else if (!w->net.forge)   /* traced from its true sender, then dropped */
        net_send_dropped(w, n->ep, to, MSG_PROTOCOL, type, data, len, id, "forged");
    else   /* the trace shows what the receiver sees: from 'as' */
        send_via(w, n->ep, as, to, MSG_PROTOCOL, type, data, len, id);
    return id;
}

uint64_t dsim_send(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len)
{
    dsim_world *w = n->w;
    DSIM_ASSERT(to >= 0);
    DSIM_ASSERT(to < w->nodes_len);
    DSIM_ASSERT(n->status == NODE_UP);
    uint64_t id = w->msg_id_next++;
    if (n->byz[0])
        byzantine_send(n, to, type, data, len, id);
    else
        net_send_node(w, n->ep, to, MSG_PROTOCOL, type, data, len, id);
    return id;
}
