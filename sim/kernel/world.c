/*
** world.c — the simulation context and the run loop.
**
** One world is one run: one seed, one virtual clock, one event queue. The
** loop pops the earliest event, advances true time to it, mixes it into the
** fingerprint and hands it to its owner (network, node, client, script).
** Invariants kept here:
** - time never goes backwards ('now' only grows);
** - every event is counted, and the count is bounded ('limits.events_max');
** - an error (a Lua error in a callback, a limit) stops the loop at once and
**   leaves a message in 'w->error'; the world can still be freed and its
**   partial history and trace written.
** The only file-scope state is 'assert_world', a thread-local pointer read
** by the assertion handler so that a failed assertion can print the seed and
** the event number. It is diagnostics, never behaviour.
*/
#include "world.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local const dsim_world *assert_world;

void dsim_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "dsim: assertion failed: %s (%s:%d)\n", expr, file, line);
    if (assert_world)
        fprintf(stderr, "dsim: seed %" PRIu64 ", event %" PRIu64 ", t=%" PRId64 " ns\n",
                assert_world->seed, assert_world->stats.events, assert_world->now);
    fflush(stderr);
    abort();
}

/* Eight bytes a step as little-endian words (swapped on a big-endian
** machine, so the fingerprint is the same everywhere), then the tail. */
void world_fp_bytes(dsim_world *w, const void *p, size_t len)
{
    DSIM_ASSERT(p != NULL || len == 0);
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, b + i, sizeof x);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x);
#endif
        h = (h ^ x) * 0x100000001b3ULL;
        h ^= h >> 31;
    }
    for (; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    DSIM_ASSERT(i == len);
    world_fp(w, h ^ len);
}

void world_fail(dsim_world *w, const char *fmt, ...)
{
    if (w->failed)
        return;   /* keep the first error: it is the cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof w->error, fmt, ap);
    va_end(ap);
    if (w->error[0] == 0)   /* error("") in a callback: still say something */
        snprintf(w->error, sizeof w->error, "an error without a message");
    w->failed = true;
    DSIM_ASSERT(w->error[0] != 0);   /* a failure always says why */
}

void world_warn(dsim_world *w, const char *fmt, ...)
{
    if (!w->warnings)
        w->warnings = json_array();
    if (json_array_size(w->warnings) >= WORLD_WARNINGS_MAX)
        return;
    char text[400], line[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%.3f ms: %s", (double)w->now / 1e6, text);
    json_array_append_new(w->warnings, json_string(line));
}

void world_config_defaults(world_config *cfg)
{
    DSIM_ASSERT(cfg != NULL);
    *cfg = (world_config){
        .nodes = 3,
        .workload = {.name = "register", .keys = 1},
        .limits = {.events_max = 50000000, .pending_max = 4000000,
                   .time_ns_max = DSIM_SEC(86400) * 365, .lua_instructions_max = 100000000},
        .invariants_every = 1,
    };
    workload_defaults(workload_find(cfg->workload.name), &cfg->workload);   /* the registry's */
    cfg->workload.replies_min = 1;
    DSIM_ASSERT(cfg->limits.events_max > 0);
}

/* The world's memory for 'nodes' nodes and 'endpoints' network endpoints,
** every stream seeded; NULL when out of memory. */
static dsim_world *world_alloc(const world_config *cfg, int endpoints)
{
    DSIM_ASSERT(cfg->nodes >= 1);
    DSIM_ASSERT(cfg->nodes <= WORLD_NODES_MAX);
    DSIM_ASSERT(cfg->twins_len >= 0 && cfg->twins_len <= cfg->nodes);
    DSIM_ASSERT(endpoints == cfg->nodes + cfg->workload.count + cfg->twins_len);
    dsim_world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->seed = cfg->seed;
    w->proto = cfg->protocol;
    w->limits = cfg->limits;
    w->invariants_every = cfg->invariants_every;
    w->msg_id_next = 1;
    w->op_id_next = 1;
    w->acting = -1;
    w->fingerprint = 0x6473696d2d667021ULL ^ w->seed;
    rng_stream(&w->rng_net, w->seed, "net", 0);
    rng_stream(&w->rng_workload, w->seed, "workload", 0);
    rng_stream(&w->rng_lua, w->seed, "lua", 0);
    w->nodes_len = cfg->nodes;
    w->twins_len = cfg->twins_len;
    w->slots_len = cfg->nodes + cfg->twins_len;
    w->twin_ep0 = cfg->nodes + cfg->workload.count;
    w->nodes = calloc((size_t)w->slots_len, sizeof *w->nodes);
    w->options = json_object();
    bool ok = w->nodes && w->options && queue_init(&w->q, w->limits.pending_max) == 0;
    if (ok && w->proto->checker_state_size > 0)
        ok = (w->checker_state = calloc(1, w->proto->checker_state_size)) != NULL;
    for (int i = 0; ok && i < cfg->nodes; i++)
        ok = node_init(w, &w->nodes[i], i, i, i) == 0;
    for (int k = 0; ok && k < cfg->twins_len; k++) {   /* the twins, after every first instance */
        int id = cfg->twins[k], slot = cfg->nodes + k;
        DSIM_ASSERT(id >= 0 && id < cfg->nodes && w->nodes[id].twin < 0);
        ok = node_init(w, &w->nodes[slot], slot, id, w->twin_ep0 + k) == 0;
        w->nodes[id].twin = slot;
        w->nodes[slot].twin = id;
    }
    if (!ok || net_init(w, endpoints) != 0) {
        world_free(w);
        return NULL;
    }
    DSIM_ASSERT(w->net.endpoints == endpoints);
    return w;
}

/* Everything but the memory, in the one order that works: options before
** the protocol's check of them, links sized for clients before any link
** setting, observers last (the set-up is not traced). */
static int world_setup(dsim_world *w, const world_config *cfg, char *err, size_t cap)
{
    DSIM_ASSERT(!w->started);
    DSIM_ASSERT(w->trace == NULL);   /* the set-up is not traced */
    json_t *none = json_object();
    int rc = options_build(w, cfg->options ? (json_t *)cfg->options : none, err, cap);
    json_decref(none);
    if (rc != 0 || clients_init(w, &cfg->workload, err, cap) != 0)
        return -1;
    const dsim_protocol *p = w->proto;
    char why[400];
    if (p->validate && p->validate(w, why, sizeof why) != 0) {
        snprintf(err, cap, "protocol '%s': %s", p->name, why);
        return -1;
    }
    w->net.forge = cfg->net_forge;
    if (cfg->net_given && dsim_net_change(w, &cfg->net_set, cfg->net_from, cfg->net_from_len,
                                          cfg->net_to, cfg->net_to_len, err, cap) != 0)
        return -1;
    w->trace = cfg->trace;
    w->log = cfg->log;
    w->log_color = cfg->log_color;
    w->log_filter = cfg->log_filter;
    w->fault_log = cfg->fault_log;
    w->hook_ctx = cfg->hook_ctx;
    if (cfg->scenario)
        trace_header(w, cfg->scenario, (json_t *)cfg->params);
    return 0;
}

dsim_world *world_create(const world_config *cfg, char *err, size_t cap)
{
    DSIM_ASSERT(cfg->protocol != NULL);
    DSIM_ASSERT(cfg->invariants_every >= 0);
    if (cfg->nodes < 1 || cfg->nodes > WORLD_NODES_MAX) {
        snprintf(err, cap, "nodes must be between 1 and %d, got %d", WORLD_NODES_MAX, cfg->nodes);
        return NULL;
    }
    if (cfg->workload.count < 0 || cfg->workload.count > WORLD_CLIENTS_MAX) {
        snprintf(err, cap, "clients.count must be between 0 and %d", WORLD_CLIENTS_MAX);
        return NULL;
    }
    for (int k = 0; k < cfg->twins_len; k++) {
        bool dup = false;
        for (int j = 0; j < k; j++)
            dup = dup || cfg->twins[j] == cfg->twins[k];
        if (cfg->twins[k] < 0 || cfg->twins[k] >= cfg->nodes || dup) {
            snprintf(err, cap, "twins: n%d is not a node of the cluster, or is twinned twice", cfg->twins[k] + 1);
            return NULL;
        }
    }
    dsim_world *w = world_alloc(cfg, cfg->nodes + cfg->workload.count + cfg->twins_len);
    if (!w) {
        snprintf(err, cap, "out of memory making a world of %d nodes", cfg->nodes);
        return NULL;
    }
    if (world_setup(w, cfg, err, cap) != 0) {
        world_free(w);
        return NULL;
    }
    DSIM_ASSERT(w->net.endpoints == w->nodes_len + w->clients_len + w->twins_len);
    return w;
}

void world_start(dsim_world *w)
{
    if (w->started)
        return;
    w->started = true;
    for (int i = 0; i < w->slots_len; i++)
        if (w->nodes[i].status == NODE_UP)
            node_boot(&w->nodes[i]);
    clients_start(w);
    DSIM_ASSERT(w->started);
}

void world_free(dsim_world *w)
{
    if (!w)
        return;
    /* Free in-flight message buffers still queued. */
    queue_item it;
    int64_t t;
    while (queue_pop(&w->q, &t, &it))
        if (it.kind == EV_DELIVER)
            net_msg_release(w, it.ptr);
    DSIM_ASSERT(queue_len(&w->q) == 0);
    for (int i = 0; w->nodes && i < w->slots_len; i++)
        if (w->nodes[i].w)   /* a half-made world stops at the first slot not made */
            node_free(&w->nodes[i]);
    free(w->nodes);
    clients_free(w);
    net_free(w);
    for (uint32_t i = 0; i < w->pool_blocks_len; i++)   /* every buffer, free or not */
        free(w->pool_blocks[i]);
    free(w->pool_blocks);
    queue_free(&w->q);
    json_decref(w->options);
    json_decref(w->trace_tail);
    free(w->hist);
    free(w->timers);
    free(w->timers_free);
    for (uint32_t i = 0; i < w->emitted_len; i++)
        json_decref(w->emitted[i].fields);
    free(w->emitted);
    json_decref(w->emitted_json);
    json_decref(w->faults);
    json_decref(w->warnings);
    free(w->invariant_violation);
    free(w->checker_state);
    free(w);
}

uint64_t world_push(dsim_world *w, int64_t at, const queue_item *it)
{
    DSIM_ASSERT(at >= w->now);
    DSIM_ASSERT(it->kind >= EV_DELIVER);
    DSIM_ASSERT(it->kind <= EV_RESUME);
    uint64_t h = queue_push(&w->q, at, it);
    if (h == 0)
        world_fail(w, "pending-event limit (%u) reached at t=%.3f ms: an event storm?",
                   w->limits.pending_max, (double)w->now / 1e6);
    return h;
}

typedef union call_fn_box { world_call_fn fn; void *ptr; } call_fn_box;

void world_call_at(dsim_world *w, int64_t at, world_call_fn fn, uint64_t a, uint64_t b)
{
    _Static_assert(sizeof(call_fn_box) == sizeof(void *), "a function pointer rides in 'ptr'");
    DSIM_ASSERT(fn != NULL);
    call_fn_box box = {.fn = fn};
    queue_item it = {.kind = EV_CALL, .node = -1, .peer = -1, .a = a, .b = b, .ptr = box.ptr};
    world_push(w, at, &it);
}

static void check_invariants(dsim_world *w)
{
    DSIM_ASSERT(w->invariants_every > 0);
    if (!w->proto->invariants || w->invariant_violation)
        return;
    w->stats.invariant_checks++;
    const char *v = w->proto->invariants(w);
    if (!v)
        return;
    w->invariant_violation = strdup(v);
    DSIM_ASSERT(w->invariant_violation != NULL);
    w->invariant_violation_t = w->now;
    json_t *e = trace_event(w, "invariant");
    if (e) {
        json_object_set_new(e, "violation", json_string(v));
        trace_emit(w, e);
    }
}

static void dispatch(dsim_world *w, queue_item *it)
{
    switch (it->kind) {
    case EV_DELIVER: {
        wmsg *m = it->ptr;
        int slot = world_ep_slot(w, m->to);
        if (slot >= 0 && w->nodes[slot].status == NODE_PAUSED) {
            node_dispatch(&w->nodes[slot], it);   /* defers it */
            return;
        }
        net_deliver(w, m);
        return;
    }
    case EV_TIMER:
    case EV_RESUME:
        DSIM_ASSERT(it->node >= 0);
        DSIM_ASSERT(it->node < w->slots_len);
        node_dispatch(&w->nodes[it->node], it);
        return;
    case EV_CLIENT_NEXT:
        client_next(w, it->node, it->a);
        return;
    case EV_CLIENT_TIMEOUT:
        client_timeout(w, it->node, it->a, it->b != 0);
        return;
    case EV_CALL: {
        call_fn_box box = {.ptr = it->ptr};
        box.fn(w, it->a, it->b);
        return;
    }
    default:
        DSIM_ASSERT(!"unknown event kind");
    }
}

bool world_run(dsim_world *w, int64_t until_ns)
{
    DSIM_ASSERT(until_ns >= w->now);
    if (until_ns > w->limits.time_ns_max) {
        world_fail(w, "run until %.3f ms is past the time limit of %.3f ms",
                   (double)until_ns / 1e6, (double)w->limits.time_ns_max / 1e6);
        return false;
    }
    const dsim_world *saved = assert_world;
    assert_world = w;
    while (!w->failed) {
        int64_t t;
        queue_item it;
        if (!queue_pop_until(&w->q, until_ns, &t, &it))
            break;
        DSIM_ASSERT(t >= w->now);   /* time never goes backwards */
        w->now = t;
        if (++w->stats.events > w->limits.events_max) {
            world_fail(w, "event limit (%" PRIu64 " events) reached at t=%.3f ms: an event storm? "
                       "raise limits.events in dsim.cluster", w->limits.events_max, (double)t / 1e6);
            if (it.kind == EV_DELIVER)
                net_msg_release(w, it.ptr);
            break;
        }
        world_fp(w, (uint64_t)t ^ ((uint64_t)it.kind << 59));
        dispatch(w, &it);
        if (w->invariants_every > 0 && w->stats.events % (uint64_t)w->invariants_every == 0)
            check_invariants(w);
    }
    /* the state the run ends in is judged too: a violation a scenario
    ** reports in its last moment (control at until - 1 ms) may be followed
    ** by fewer than 'invariants_every' events */
    if (!w->failed && w->invariants_every > 0)
        check_invariants(w);
    if (!w->failed && until_ns != INT64_MAX && w->now < until_ns)
        w->now = until_ns;
    if (!w->failed)
        DSIM_ASSERT(w->now <= until_ns);
    assert_world = saved;
    return !w->failed;
}

/* ---- public accessors ---------------------------------------------------- */

int dsim_node_count(const dsim_world *w) { return w->nodes_len; }
int64_t dsim_now(const dsim_world *w) { return w->now; }

void *dsim_checker_state(dsim_world *w)
{
    DSIM_ASSERT(w->checker_state != NULL);   /* the protocol declared a size */
    DSIM_ASSERT(w->in_protocol == 0);        /* never from a node callback */
    return w->checker_state;
}

dsim_node *dsim_node_at(dsim_world *w, int id)
{
    DSIM_ASSERT(id >= 0);
    DSIM_ASSERT(id < w->nodes_len);
    return &w->nodes[id];
}
