/*
** zk_double.h — a private test double of the atomic broadcast for the
** coordination service's tests (ZAB_INTERFACE allows one per side, never in
** protocols/zab/): it implements what zab.h offers zk (zab_is_leader,
** zab_leader_hint, zab_propose, zab_sync, zab_tree) over one committed log
** kept in the world's checker block, so it survives crashes.
**
** Server 0 is the leader for ever; a proposal is committed at once and each
** server applies the log in order, the leader at once (on a zero timer, so
** 'zk_on_apply' never runs inside the request that proposed), every other
** server after a random lag of up to 'lag_ms' (the followers trail, which
** is what makes sync matter). A crashed server recovers by applying the
** whole log again from an empty tree. No elections, no lost commits: the
** double tests zk's side, not ZAB's.
*/
#ifndef ZK_DOUBLE_H
#define ZK_DOUBLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"
#include "zk.h"

#define DBL_LOG_MAX 8192
#define DBL_T_APPLY 1

typedef struct dbl_entry {
    uint32_t len;
    int32_t origin;
    uint64_t cookie;
    uint8_t bytes[ZK_TXN_BYTES];
} dbl_entry;

typedef struct dbl_log {
    uint64_t len;
    dbl_entry e[DBL_LOG_MAX];
} dbl_log;

typedef struct dbl_server {
    zk_server zk;
    zk_tree tree;
    uint64_t applied;
    bool booted;
} dbl_server;

typedef union dbl_state {
    dbl_server s;
    zk_client c;
} dbl_state;

static int dbl_servers(dsim_node *n)
{
    int64_t s = dsim_opt_int(n, "servers");
    return s > 0 ? (int)s : dsim_cluster_size(n);
}

/* The log lives in the world's checker block, read directly: the double
** is the test's, not a protocol ('dsim_checker_state' refuses callbacks). */
static dbl_log *dbl_log_of(dsim_node *n)
{
    return dsim_world_of(n)->checker_state;
}

zk_tree *zab_tree(dsim_node *n)
{
    return &((dbl_state *)dsim_state(n))->s.tree;
}

zk_server *zab_zk(dsim_node *n)
{
    return &((dbl_state *)dsim_state(n))->s.zk;
}

bool zab_is_leader(dsim_node *n)
{
    return dsim_id(n) == 0;
}

int zab_leader_hint(dsim_node *n)
{
    (void)n;
    return 0;
}

static void dbl_schedule(dsim_node *n, uint64_t upto)
{
    dsim_world *w = dsim_world_of(n);
    int64_t lag_ms = dsim_opt_int(n, "lag_ms");
    for (int i = 0; i < dbl_servers(n); i++) {
        dsim_node *s = dsim_node_at(w, i);
        if (!dsim_is_up(s))
            continue;
        int64_t after = i == 0 || lag_ms == 0 ? 0 : dsim_rand_range(n, 1, lag_ms) * 1000000;
        dsim_timer(s, DBL_T_APPLY, upto, after);
    }
}

static bool dbl_append(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie, int origin)
{
    dbl_log *l = dbl_log_of(n);
    if (l->len == DBL_LOG_MAX || len > ZK_TXN_BYTES)
        return false;
    dbl_entry *e = &l->e[l->len++];
    e->len = len;
    e->origin = origin;
    e->cookie = cookie;
    memcpy(e->bytes, txn, len);
    dbl_schedule(dsim_node_at(dsim_world_of(n), 0), l->len);
    return true;
}

bool zab_propose(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie)
{
    if (dsim_id(n) != 0)
        return false;
    return dbl_append(n, txn, len, cookie, 0);
}

bool zab_sync(dsim_node *n, uint64_t cookie)
{
    uint8_t noop = 0;
    return dbl_append(n, &noop, 1, cookie, dsim_id(n));
}

static void dbl_apply_upto(dsim_node *n, uint64_t upto)
{
    dbl_server *s = &((dbl_state *)dsim_state(n))->s;
    dbl_log *l = dbl_log_of(n);
    if (upto > l->len)
        upto = l->len;
    while (s->applied < upto) {
        const dbl_entry *e = &l->e[s->applied++];
        zk_on_apply(n, s->applied, e->bytes, e->len, e->cookie, e->origin == dsim_id(n));
    }
}

static void dbl_start(dsim_node *n)
{
    if (dsim_id(n) >= dbl_servers(n)) {
        zk_client_start(n);
        return;
    }
    dbl_server *s = &((dbl_state *)dsim_state(n))->s;
    zk_tree_init(&s->tree);
    s->booted = true;
    dsim_timer(n, DBL_T_APPLY, dbl_log_of(n)->len, 0);   /* recover: replay the log */
}

static void dbl_message(dsim_node *n, int from, const dsim_msg *m)
{
    if (dsim_id(n) >= dbl_servers(n))
        zk_client_message(n, from, m);
    else if (m->type >= ZK_MSG_BASE)
        zk_server_message(n, from, m);
}

static void dbl_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    if (dsim_id(n) >= dbl_servers(n))
        zk_client_timer(n, kind, arg);
    else if (kind >= ZK_TIMER_BASE)
        zk_server_timer(n, kind, arg);
    else
        dbl_apply_upto(n, arg);
}

static void dbl_inspect(dsim_node *n, json_t *out)
{
    if (dsim_id(n) >= dbl_servers(n)) {
        zk_client_inspect(n, out);
        return;
    }
    json_object_set_new(out, "role", json_string(dsim_id(n) == 0 ? "leader" : "follower"));
    zk_server_inspect(n, out);
}

static const dsim_option dbl_options[] = {
    {"servers", DSIM_OPT_INT, "1", "servers (the rest are clients)", NULL, 1, 32},
    ZK_OPTION_ROWS,
    {"lag_ms", DSIM_OPT_INT, "30", "follower lag", NULL, 0, 10000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};
static const char *const dbl_bugs[] = {ZK_BUG_NAMES, NULL};
static const dsim_event dbl_events[] = {ZK_EVENT_ROWS, {NULL, NULL, NULL}};

static const dsim_protocol dbl_protocol = {
    .name = "zkdouble", .summary = "test: zk on a broadcast double", .state_size = sizeof(dbl_state),
    .options = dbl_options, .bugs = dbl_bugs, .start = dbl_start, .on_message = dbl_message,
    .on_timer = dbl_timer, .inspect = dbl_inspect, .describe = zk_describe,
    .events = dbl_events, .checker_state_size = sizeof(dbl_log),
};

/* A world of 'nodes' with 'options' (JSON text, may be NULL), started;
** 'net' (or NULL) sets every link from the start. */
static dsim_world *dbl_world_net(int nodes, uint64_t seed, const char *options, const dsim_link_set *net)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &dbl_protocol;
    cfg.nodes = nodes;
    cfg.seed = seed;
    if (net) {
        cfg.net_given = true;
        cfg.net_set = *net;
    }
    json_t *opts = options ? json_loads(options, 0, NULL) : NULL;
    cfg.options = opts;
    dsim_world *w = world_create(&cfg, err, sizeof err);
    if (!w) {
        fprintf(stderr, "dbl_world: %s\n", err);
        abort();
    }
    json_decref(opts);
    world_start(w);
    return w;
}

static dsim_world *dbl_world(int nodes, uint64_t seed, const char *options)
{
    return dbl_world_net(nodes, seed, options, NULL);
}

static int dbl_count(dsim_world *w, const char *name)
{
    int count = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(world_emitted(w), i, ev)
        if (strcmp(json_string_value(json_object_get(ev, "name")), name) == 0)
            count++;
    return count;
}

#endif
