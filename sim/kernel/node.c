/*
** node.c — a simulated process: its lifecycle, timers, clocks, disk and the
** protocol callbacks that run on it.
**
** Lifecycle (DESIGN.md "Kernel model"):
** - up: events run as they come.
** - paused (a stop-the-world pause): nothing runs; deliveries and timers that
**   fall due are held in 'deferred', in order, and replayed at resume time,
**   late, in the same order.
** - crashed: the state block is zeroed, unsynced disk writes are lost, timers
**   and in-flight inbound messages die (the incarnation number bumps, so
**   stale ones are recognised when they pop), held events are dropped.
**   A restart boots the protocol again, which recovers from disk only.
** Timers are slots in 'w->timers' addressed by (generation, index), so a
** cancel never searches; the queue handle makes it O(1) (the queue marks the
** event and drops it when it reaches the front).
*/
#include <stdlib.h>
#include <string.h>

#include "world.h"

static const char *const status_names[] = {"up", "paused", "crashed"};

_Static_assert(sizeof status_names / sizeof status_names[0] == NODE_CRASHED + 1, "a name per state");

const char *node_status_name(int status)
{
    DSIM_ASSERT(status >= NODE_UP);
    DSIM_ASSERT(status <= NODE_CRASHED);
    return status_names[status];
}

int node_init(dsim_world *w, dsim_node *n, int slot, int id, int ep)
{
    DSIM_ASSERT(id >= 0);
    DSIM_ASSERT(id < w->nodes_len);
    DSIM_ASSERT(slot == id || slot >= w->nodes_len);   /* an identity's first instance sits at its id */
    n->w = w;
    n->id = id;
    n->slot = slot;
    n->ep = ep;
    n->twin = -1;
    n->status = NODE_UP;
    clock_init(&n->clock);
    if (slot == id)
        rng_stream(&n->rng, w->seed, "node", (uint64_t)id);
    else   /* a twin draws its own stream: same code, its own luck */
        rng_stream(&n->rng, w->seed, "twin", (uint64_t)id);
    byzantine_init(n);
    n->disk = disk_new();
    size_t size = w->proto->state_size ? w->proto->state_size : 1;
    n->state = calloc(1, size);
    n->term_seen = -1;
    n->synced_ns = -1;
    return (n->disk && n->state && n->byz_params) ? 0 : -1;
}

static void deferred_clear(dsim_node *n)
{
    DSIM_ASSERT(n->deferred_len <= n->deferred_cap);
    for (uint32_t i = 0; i < n->deferred_len; i++)
        if (n->deferred[i].kind == EV_DELIVER)
            net_msg_release(n->w, n->deferred[i].ptr);
    n->deferred_len = 0;
}

void node_free(dsim_node *n)
{
    DSIM_ASSERT(n->w != NULL);
    deferred_clear(n);
    free(n->deferred);
    disk_free(n->disk);
    free(n->state);
    byzantine_free(n);
}

/* ---- timers --------------------------------------------------------------- */

static void timer_slot_release(dsim_world *w, uint32_t idx)
{
    DSIM_ASSERT(idx < w->timers_len);
    timer_slot *s = &w->timers[idx];
    DSIM_ASSERT(s->live);
    s->live = 0;
    s->gen++;
    w->timers_free[w->timers_free_len++] = idx;
    DSIM_ASSERT(w->timers_free_len <= w->timers_len);
}

static uint32_t timer_slot_take(dsim_world *w)
{
    DSIM_ASSERT(w->timers_len <= w->timers_cap);
    if (w->timers_free_len > 0)
        return w->timers_free[--w->timers_free_len];
    if (w->timers_len == w->timers_cap) {
        uint32_t cap = w->timers_cap ? w->timers_cap * 2 : 256;
        timer_slot *t = realloc(w->timers, cap * sizeof *t);
        uint32_t *f = realloc(w->timers_free, cap * sizeof *f);
        DSIM_ASSERT(t != NULL);   /* out of memory here is not recoverable */
        DSIM_ASSERT(f != NULL);
        w->timers = t;
        w->timers_free = f;
        w->timers_cap = cap;
    }
    w->timers[w->timers_len] = (timer_slot){0};
    return w->timers_len++;
}

dsim_timer_id dsim_timer(dsim_node *n, uint32_t kind, uint64_t arg, int64_t after_ns)
{
    DSIM_ASSERT(after_ns >= 0);
    DSIM_ASSERT(n->status != NODE_CRASHED);
    dsim_world *w = n->w;
    uint32_t idx = timer_slot_take(w);
    timer_slot *s = &w->timers[idx];
    s->live = 1;
    s->kind = kind;
    s->node = n->slot;
    int64_t delay = clock_true_delay(&n->clock, after_ns);
    queue_item it = {.kind = EV_TIMER, .node = n->slot, .peer = -1, .aux = n->incarnation,
                     .a = ((uint64_t)s->gen << 32) | idx, .b = arg};
    s->qhandle = world_push(w, w->now + delay, &it);
    DSIM_ASSERT(delay >= 0);
    return ((uint64_t)s->gen << 32) | (idx + 1);
}

bool dsim_timer_cancel(dsim_node *n, dsim_timer_id id)
{
    dsim_world *w = n->w;
    uint32_t idx = (uint32_t)(id & 0xffffffffu);
    if (idx == 0 || idx > w->timers_len)
        return false;
    idx--;
    timer_slot *s = &w->timers[idx];
    if (!s->live || s->gen != (uint32_t)(id >> 32) || s->node != n->slot)
        return false;
    if (s->qhandle)
        queue_cancel(&w->q, s->qhandle);
    timer_slot_release(w, idx);   /* a deferred copy now misses on gen */
    DSIM_ASSERT(!s->live);
    return true;
}

/* Runs a popped timer event; returns false when it was stale. */
static bool timer_fire_ok(dsim_node *n, const queue_item *it, uint32_t *kind)
{
    dsim_world *w = n->w;
    uint32_t idx = (uint32_t)(it->a & 0xffffffffu);
    DSIM_ASSERT(idx < w->timers_len);
    timer_slot *s = &w->timers[idx];
    if (!s->live || s->gen != (uint32_t)(it->a >> 32))
        return false;   /* cancelled while held by a pause */
    DSIM_ASSERT(s->node == n->slot);
    *kind = s->kind;
    timer_slot_release(w, idx);
    return it->aux == n->incarnation;
}

/* ---- lifecycle ------------------------------------------------------------ */

static void trace_node(dsim_node *n, const char *ev)
{
    DSIM_ASSERT(ev != NULL);
    json_t *e = trace_event(n->w, ev);
    if (!e)
        return;
    char buf[16];
    json_object_set_new(e, "node", json_string(endpoint_name(n->w, n->ep, buf, sizeof buf)));
    trace_emit(n->w, e);
}

/* After a protocol callback: when tracing, note role and term changes seen
** through 'inspect' so the viewer can colour lanes. Reads only. */
static void observe_role(dsim_node *n)
{
    if (!trace_on(n->w) || !n->w->proto->inspect || n->status == NODE_CRASHED)
        return;
    DSIM_ASSERT(n->state != NULL);
    json_t *o = json_object();
    n->w->proto->inspect(n, o);
    const char *role = json_string_value(json_object_get(o, "role"));
    json_t *term = json_object_get(o, "term");
    int64_t t = json_is_integer(term) ? json_integer_value(term) : -1;
    if (role && (strncmp(role, n->role, sizeof n->role - 1) != 0 || t != n->term_seen)) {
        snprintf(n->role, sizeof n->role, "%s", role);
        n->term_seen = t;
        json_t *e = trace_event(n->w, "role");
        char buf[16];
        json_object_set_new(e, "node", json_string(endpoint_name(n->w, n->ep, buf, sizeof buf)));
        json_object_set_new(e, "role", json_string(role));
        if (t >= 0)
            json_object_set_new(e, "term", json_integer(t));
        trace_emit(n->w, e);
    }
    json_decref(o);
}

void node_boot(dsim_node *n)
{
    DSIM_ASSERT(n->status == NODE_UP);
    world_fp(n->w, 0xb007 ^ (uint64_t)n->slot);
    n->booted = true;
    if (n->w->proto->start) {
        int was = world_enter(n->w, n->slot);
        n->w->proto->start(n);
        world_leave(n->w, was);
    }
    observe_role(n);
    DSIM_ASSERT(n->status == NODE_UP);   /* start cannot change its own node's state */
}

/* The crash line: what the disk loses with it (the unsynced writes, by
** kind, and their keys) and when the node last synced, so a report can
** name the acknowledged writes a crash dropped. Built before the disk
** forgets them; observes only. */
static void trace_crash(dsim_node *n, bool tear)
{
    json_t *e = trace_event(n->w, "crash");
    if (!e)
        return;
    char buf[16];
    disk_unsynced_info lost;
    disk_unsynced_describe(n->disk, &lost);
    json_object_set_new(e, "node", json_string(endpoint_name(n->w, n->ep, buf, sizeof buf)));
    uint32_t writes = lost.puts + lost.dels + lost.appends + lost.truncates + lost.compacts;
    json_t *l = json_pack("{s:i}", "writes", (int)writes);
    if (lost.puts + lost.dels > 0) {
        json_t *keys = json_array();
        for (uint32_t k = 0; k < lost.keys_len; k++)
            json_array_append_new(keys, json_string(lost.keys[k]));
        json_object_set_new(l, "keys", keys);
        if (lost.keys_more > 0)
            json_object_set_new(l, "keys_more", json_integer(lost.keys_more));
    }
    if (lost.appends > 0)
        json_object_set_new(l, "appends", json_integer(lost.appends));
    if (lost.truncates + lost.compacts > 0)
        json_object_set_new(l, "log_cuts", json_integer(lost.truncates + lost.compacts));
    json_object_set_new(e, "lost", l);
    if (n->synced_ns >= 0)
        json_object_set_new(e, "last_sync", json_integer((json_int_t)n->synced_ns));
    if (tear)
        json_object_set_new(e, "tear", json_true());
    trace_emit(n->w, e);
}

void node_crash(dsim_node *n, bool tear)
{
    if (n->status == NODE_CRASHED)
        return;
    trace_crash(n, tear);
    world_fp(n->w, 0xc7a5 ^ (uint64_t)n->slot);
    n->status = NODE_CRASHED;
    n->booted = false;
    n->incarnation++;
    n->pause_gen++;
    deferred_clear(n);
    memset(n->state, 0, n->w->proto->state_size);
    memset(n->refused_seq, 0, sizeof n->refused_seq);
    disk_crash(n->disk, tear);
    n->role[0] = 0;
    n->term_seen = -1;
    DSIM_ASSERT(n->deferred_len == 0);
}

void node_restart(dsim_node *n)
{
    if (n->status != NODE_CRASHED)
        return;
    n->status = NODE_UP;
    trace_node(n, "restart");
    node_boot(n);
    DSIM_ASSERT(n->status != NODE_CRASHED);
}

void node_pause(dsim_node *n)
{
    if (n->status != NODE_UP)
        return;
    world_fp(n->w, 0x9a05e ^ (uint64_t)n->slot);
    n->status = NODE_PAUSED;
    n->pause_gen++;
    trace_node(n, "pause");
    DSIM_ASSERT(n->deferred_len == 0);
}

/* Replays held events now, in the order they were held. */
void node_resume(dsim_node *n)
{
    if (n->status != NODE_PAUSED)
        return;
    dsim_world *w = n->w;
    world_fp(w, 0x2e5 ^ (uint64_t)n->slot);
    n->status = NODE_UP;
    n->pause_gen++;
    trace_node(n, "resume");
    if (w->started && !n->booted)   /* paused before the world started: it starts now */
        node_boot(n);
    for (uint32_t i = 0; i < n->deferred_len; i++) {
        queue_item *it = &n->deferred[i];
        uint64_t h = world_push(w, w->now, it);
        if (it->kind == EV_TIMER) {
            timer_slot *s = &w->timers[(uint32_t)(it->a & 0xffffffffu)];
            if (s->live && s->gen == (uint32_t)(it->a >> 32))
                s->qhandle = h;
        }
    }
    n->deferred_len = 0;
    DSIM_ASSERT(n->status == NODE_UP);
}

static void node_defer(dsim_node *n, const queue_item *it)
{
    DSIM_ASSERT(n->status == NODE_PAUSED);
    DSIM_ASSERT(it->kind == EV_DELIVER || it->kind == EV_TIMER);
    if (n->deferred_len == n->deferred_cap) {
        uint32_t cap = n->deferred_cap ? n->deferred_cap * 2 : 64;
        queue_item *d = realloc(n->deferred, cap * sizeof *d);
        DSIM_ASSERT(d != NULL);
        n->deferred = d;
        n->deferred_cap = cap;
    }
    n->deferred[n->deferred_len++] = *it;
    if (it->kind == EV_TIMER) {
        timer_slot *s = &n->w->timers[(uint32_t)(it->a & 0xffffffffu)];
        if (s->live && s->gen == (uint32_t)(it->a >> 32))
            s->qhandle = 0;
    }
}

/* Handles an event addressed to this node: held while paused, dropped
** while crashed (or stale), run otherwise. */
void node_dispatch(dsim_node *n, const queue_item *it)
{
    if (it->kind == EV_RESUME) {
        if (it->a == n->pause_gen)
            node_resume(n);
        return;
    }
    if (n->status == NODE_PAUSED) {
        node_defer(n, it);
        return;
    }
    if (it->kind == EV_DELIVER) {   /* protocol or request message, reachable */
        wmsg *m = it->ptr;
        dsim_world *w = n->w;
        int was = world_enter(w, n->slot);
        if (m->kind == MSG_PROTOCOL) {
            dsim_msg pm = {.type = m->type, .len = m->len, .data = m->data, .id = m->id};
            w->proto->on_message(n, world_ep_id(w, m->from), &pm);
        } else {
            DSIM_ASSERT(m->kind == MSG_REQUEST);
            DSIM_ASSERT(m->len <= sizeof(dsim_op));
            dsim_op op;
            memset(&op, 0, sizeof op);
            memcpy(&op, m->data, m->len);
            DSIM_ASSERT(m->len == dsim_op_bytes(&op));
            if (w->proto->on_request) {
                w->request = &op;   /* dsim_request_sig: signed by op.client */
                w->proto->on_request(n, &op);
                w->request = NULL;
            }
        }
        world_leave(w, was);
        observe_role(n);
        return;
    }
    DSIM_ASSERT(it->kind == EV_TIMER);
    uint32_t kind;
    if (!timer_fire_ok(n, it, &kind) || n->status == NODE_CRASHED)
        return;
    world_fp(n->w, kind);
    json_t *e = trace_event(n->w, "timer");
    if (e) {
        char buf[16];
        json_object_set_new(e, "node", json_string(endpoint_name(n->w, n->ep, buf, sizeof buf)));
        json_object_set_new(e, "kind", json_integer(kind));
        trace_emit(n->w, e);
    }
    int was = world_enter(n->w, n->slot);
    n->w->proto->on_timer(n, kind, it->b);
    world_leave(n->w, was);
    observe_role(n);
}

void node_inspect(dsim_node *n, json_t *out)
{
    DSIM_ASSERT(json_is_object(out));
    json_object_set_new(out, "status", json_string(node_status_name(n->status)));
    if (n->booted && n->w->proto->inspect) {   /* a state block that never booted is zeroes */
        n->w->proto->inspect(n, out);
        if (n->w->proto->role) {   /* the shortcut says what inspect says */
            int64_t term = 0;
            const char *role = n->w->proto->role(n, &term);
            const json_t *r = json_object_get(out, "role"), *t = json_object_get(out, "term");
            DSIM_ASSERT(role ? json_is_string(r) && strcmp(role, json_string_value(r)) == 0 : r == NULL);
            DSIM_ASSERT(t ? json_is_integer(t) && term == json_integer_value(t) : term == -1);
        }
    }
}

/* ---- the protocol's view of its node -------------------------------------- */

int dsim_id(const dsim_node *n) { return n->id; }
int dsim_cluster_size(const dsim_node *n) { return n->w->nodes_len; }
dsim_world *dsim_world_of(dsim_node *n) { return n->w; }
void *dsim_state(dsim_node *n) { return n->state; }
bool dsim_is_up(const dsim_node *n) { return n->booted; }   /* false after a crash */
int64_t dsim_mono(dsim_node *n) { return clock_mono(&n->clock, n->w->now); }
int64_t dsim_wall(dsim_node *n) { return clock_wall(&n->clock, n->w->now); }
uint64_t dsim_rand(dsim_node *n) { return rng_next(&n->rng); }
int64_t dsim_rand_range(dsim_node *n, int64_t lo, int64_t hi) { return rng_range(&n->rng, lo, hi); }

static void emits_flush(dsim_world *w, uint64_t a, uint64_t b)
{
    (void)a;
    (void)b;
    DSIM_ASSERT(w->emits_pending);   /* scheduled with its first event */
    DSIM_ASSERT(w->on_emit != NULL);
    uint32_t from = w->emits_pending_from, to = w->emitted_len;
    w->emits_pending = false;
    DSIM_ASSERT(from < to);
    /* A handler that makes a node emit (c:restart, c:control) starts the
    ** next batch, flushed after this one; the array may move meanwhile. */
    for (uint32_t i = from; i < to && !w->failed; i++) {
        const world_emit_rec r = w->emitted[i];
        w->on_emit(w, r.node, r.ep, r.name, r.fields);
    }
}

json_t *world_emitted(dsim_world *w)
{
    size_t have = w->emitted_json ? json_array_size(w->emitted_json) : 0;
    if (!w->emitted_json)
        w->emitted_json = json_array();
    DSIM_ASSERT(w->emitted_json != NULL);   /* out of memory here is not recoverable */
    for (size_t i = have; i < w->emitted_len; i++) {
        const world_emit_rec *r = &w->emitted[i];
        json_t *rec = json_pack("{s:I, s:i, s:s}", "t", (json_int_t)r->t, "node", r->node + 1, "name", r->name);
        DSIM_ASSERT(rec != NULL);
        if (r->fields)
            json_object_set(rec, "fields", r->fields);
        json_array_append_new(w->emitted_json, rec);
    }
    return w->emitted_json;
}

/* Is 'key' one of the "key: type" items of 'decl' ("node: node, term: int")? */
static bool field_declared(const char *decl, const char *key)
{
    DSIM_ASSERT(key != NULL);
    size_t len = strlen(key);
    DSIM_ASSERT(len > 0);
    for (const char *p = decl; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, len) == 0 && p[len] == ':')
            return true;
    }
    return false;
}

/* The event's row in the protocol's table, checked against what is sent:
** an undeclared name or field is a programmer error, named before the
** assertion stops the run. */
static const char *emit_check_declared(const dsim_world *w, const char *name, const json_t *fields)
{
    const dsim_event *e = w->proto->events;
    while (e && e->name && strcmp(e->name, name) != 0)
        e++;
    if (!e || !e->name) {
        fprintf(stderr, "dsim: protocol '%s' emitted '%s', which its 'events' table does not declare\n",
                w->proto->name, name);
        DSIM_ASSERT(!"every emitted event is declared in the protocol's 'events'");
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)fields, key, v) {
        if (field_declared(e->fields, key))
            continue;
        fprintf(stderr, "dsim: protocol '%s' emitted '%s' with field '%s', which its 'events' table "
                "does not declare (\"%s\")\n", w->proto->name, name, key, e->fields);
        DSIM_ASSERT(!"every emitted field is declared in the protocol's 'events'");
    }
    return e->name;
}

/* Named protocol events reach the trace at once and the script just after
** the current event, so a Lua handler never runs inside protocol code. */
void dsim_emit(dsim_node *n, const char *name, json_t *fields)
{
    dsim_world *w = n->w;
    DSIM_ASSERT(name != NULL);
    DSIM_ASSERT(fields == NULL || json_is_object(fields));
    name = emit_check_declared(w, name, fields);   /* the table's: static */
    world_fp_bytes(w, name, strlen(name));
    if (w->emitted_len == w->emitted_cap) {
        uint32_t cap = w->emitted_cap ? 2 * w->emitted_cap : 64;
        world_emit_rec *grown = realloc(w->emitted, cap * sizeof *grown);
        DSIM_ASSERT(grown != NULL);   /* out of memory here is not recoverable */
        w->emitted = grown;
        w->emitted_cap = cap;
    }
    w->emitted[w->emitted_len++] =
        (world_emit_rec){.t = w->now, .node = n->id, .ep = n->ep, .name = name, .fields = json_incref(fields)};
    json_t *e = trace_event(w, "emit");
    if (e) {
        char buf[16];
        json_object_set_new(e, "node", json_string(endpoint_name(w, n->ep, buf, sizeof buf)));
        json_object_set_new(e, "name", json_string(name));
        if (fields)
            json_object_set(e, "fields", fields);
        trace_emit(w, e);
    }
    if (w->on_emit && !w->emits_pending) {   /* the records from here on */
        w->emits_pending = true;
        w->emits_pending_from = w->emitted_len - 1;
        world_call_at(w, w->now, emits_flush, 0, 0);
    }
    json_decref(fields);
}

/* ---- disk ---------------------------------------------------------------- */

void dsim_disk_put(dsim_node *n, const char *key, const void *val, uint32_t len) { disk_put(n->disk, key, val, len); }
int dsim_disk_get(dsim_node *n, const char *key, void *buf, uint32_t cap, uint32_t *len) { return disk_get(n->disk, key, buf, cap, len); }
void dsim_disk_del(dsim_node *n, const char *key) { disk_del(n->disk, key); }
uint64_t dsim_disk_append(dsim_node *n, const void *rec, uint32_t len) { return disk_append(n->disk, rec, len); }
int dsim_disk_read(dsim_node *n, uint64_t index, void *buf, uint32_t cap, uint32_t *len) { return disk_read(n->disk, index, buf, cap, len); }
void dsim_disk_truncate(dsim_node *n, uint64_t from) { disk_truncate(n->disk, from); }
void dsim_disk_compact(dsim_node *n, uint64_t upto) { disk_compact(n->disk, upto); }
uint64_t dsim_disk_first(dsim_node *n) { return disk_first(n->disk); }
uint64_t dsim_disk_last(dsim_node *n) { return disk_last(n->disk); }
void dsim_disk_sync(dsim_node *n)
{
    disk_sync(n->disk);
    n->synced_ns = n->w->now;
}

int dsim_disk_get_retry(dsim_node *n, const char *key, void *buf, uint32_t cap, uint32_t *len)
{
    int rc = DSIM_DISK_CORRUPT;
    for (int i = 0; i < DSIM_DISK_READ_TRIES && rc == DSIM_DISK_CORRUPT; i++)
        rc = disk_get(n->disk, key, buf, cap, len);
    return rc;
}

int dsim_disk_read_retry(dsim_node *n, uint64_t index, void *buf, uint32_t cap, uint32_t *len)
{
    int rc = DSIM_DISK_CORRUPT;
    for (int i = 0; i < DSIM_DISK_READ_TRIES && rc == DSIM_DISK_CORRUPT; i++)
        rc = disk_read(n->disk, index, buf, cap, len);
    return rc;
}
