/*
** zab_main.c — ZAB's table for the kernel: options, planted bugs, events,
** message names, boot and recovery, and the dispatch of messages, timers
** and client requests to the other zab_*.c files.
**
** Boot and restart are the same path: read the options, rebuild the
** server from its disk alone (zab_persist.c), start looking for a leader.
** Every incoming message is checked for its size before it is copied.
*/
#include <stdio.h>

#include "zab.h"

static void read_config(dsim_node *n, zab_config *c)
{
    c->tick_ns = dsim_opt_ms(n, "tick");
    c->notify_ns = dsim_opt_ms(n, "notify");
    c->finalize_ns = dsim_opt_ms(n, "finalize");
    c->init_ticks = dsim_opt_int(n, "init_limit");
    c->sync_ticks = dsim_opt_int(n, "sync_limit");
    c->snapshot_every = dsim_opt_int(n, "snapshot_every");
    c->read_sync = strcmp(dsim_opt_str(n, "read"), "sync") == 0;
    int64_t servers = dsim_opt_int(n, "servers");
    c->servers = servers > 0 ? (int)servers : dsim_cluster_size(n);
    c->observers = (int)dsim_opt_int(n, "observers");
    c->voters = c->servers - c->observers;
    DSIM_ASSERT(c->voters >= 1 && c->servers <= dsim_cluster_size(n) && c->servers <= ZAB_NODES_MAX);
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    dsim_node *n = dsim_node_at(w, 0);
    int nodes = dsim_node_count(w);
    int64_t servers = dsim_opt_int(n, "servers");
    int64_t observers = dsim_opt_int(n, "observers");
    if (servers == 0)
        servers = nodes;
    if (servers > nodes) {
        snprintf(err, cap, "servers = %lld, but the cluster has %d nodes", (long long)servers, nodes);
        return -1;
    }
    if (servers > ZAB_NODES_MAX) {
        snprintf(err, cap, "at most %d servers (quorums are a %d-bit mask), got %lld", ZAB_NODES_MAX,
                 ZAB_NODES_MAX, (long long)servers);
        return -1;
    }
    if (observers >= servers) {
        snprintf(err, cap, "observers = %lld leaves no voter among %lld servers", (long long)observers,
                 (long long)servers);
        return -1;
    }
    if (nodes > ZK_CLIENTS_MAX) {
        snprintf(err, cap, "at most %d nodes (servers and zk client nodes), got %d", ZK_CLIENTS_MAX,
                 nodes);
        return -1;
    }
    if (servers < nodes && strcmp(dsim_opt_str(n, "recipe"), "none") == 0) {
        snprintf(err, cap, "servers = %lld < %d nodes: the client nodes n%lld.. need a recipe "
                 "(-D recipe=lock|herd|election|barrier|kv)", (long long)servers, nodes,
                 (long long)servers + 1);
        return -1;
    }
    if (dsim_opt_int(n, "init_limit") < 2 || dsim_opt_int(n, "sync_limit") < 2) {
        snprintf(err, cap, "init_limit and sync_limit must be at least 2 ticks");
        return -1;
    }
    return 0;
}

/* Nodes with id >= servers are coordination-service clients (zk_client.c). */
static bool is_client(dsim_node *n)
{
    int64_t servers = dsim_opt_int(n, "servers");
    return servers > 0 && dsim_id(n) >= servers;
}

_Static_assert(sizeof(zab_state) >= sizeof(zk_client), "a client node's state fits the block");

static void start(dsim_node *n)
{
    if (is_client(n)) {
        zk_client_start(n);
        return;
    }
    zab_state *s = zab_of(n);
    read_config(n, &s->cfg);
    zab_recover(n);
    s->started = true;
    s->tick_timer = dsim_timer(n, ZAB_T_TICK, 0, s->cfg.tick_ns);
    zab_look(n);
}

#define COPY(type, fn)                                        \
    do {                                                      \
        type x_;                                              \
        DSIM_ASSERT(m->len == sizeof x_);                     \
        memcpy(&x_, m->data, sizeof x_);                      \
        fn(n, from, &x_);                                     \
    } while (0)

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    if (is_client(n)) {
        zk_client_message(n, from, m);
        return;
    }
    if (m->type >= ZK_MSG_BASE) {
        zk_server_message(n, from, m);
        return;
    }
    switch (m->type) {
    case ZAB_MSG_NOTIFY:
        COPY(zab_notify, zab_on_notify);
        return;
    case ZAB_MSG_FOLLOWERINFO:
        COPY(zab_finfo, zab_on_followerinfo);
        return;
    case ZAB_MSG_LEADERINFO:
        COPY(zab_linfo, zab_on_leaderinfo);
        return;
    case ZAB_MSG_ACKEPOCH:
        COPY(zab_ackepoch, zab_on_ackepoch);
        return;
    case ZAB_MSG_ACK:
    case ZAB_MSG_PINGACK:
        COPY(zab_ack, zab_on_ack);
        return;
    case ZAB_MSG_SYNCREQ:
        COPY(zab_syncreq, zab_on_syncreq);
        return;
    case ZAB_MSG_SYNC:
    case ZAB_MSG_NEWLEADER:
    case ZAB_MSG_UPTODATE:
    case ZAB_MSG_PROPOSAL:
    case ZAB_MSG_COMMIT:
    case ZAB_MSG_PING:
        zab_on_chan(n, from, m->type, m);
        return;
    default:
        DSIM_ASSERT(!"unknown zab message type");
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    if (is_client(n)) {
        zk_client_timer(n, kind, arg);
        return;
    }
    if (kind >= ZK_TIMER_BASE) {
        zk_server_timer(n, kind, arg);
        return;
    }
    zab_state *s = zab_of(n);
    switch (kind) {
    case ZAB_T_NOTIFY:
        zab_on_notify_timer(n);
        return;
    case ZAB_T_DECIDE:
        zab_on_decide_timer(n);
        return;
    case ZAB_T_TICK:
        s->tick_timer = dsim_timer(n, ZAB_T_TICK, 0, s->cfg.tick_ns);
        if (s->role == ZAB_LEADING)
            zab_leader_tick(n);
        else if (s->role != ZAB_LOOKING)
            zab_follower_tick(n);
        return;
    default:
        DSIM_ASSERT(!"unknown zab timer");
    }
}

static void inspect(dsim_node *n, json_t *out)
{
    if (is_client(n)) {
        zk_client_inspect(n, out);
        return;
    }
    zab_inspect(n, out);
    zk_server_inspect(n, out);
}

static void describe(const dsim_msg *m, json_t *out)
{
    if (m->type >= ZK_MSG_BASE)
        zk_describe(m, out);
    else
        zab_describe(m, out);
}

static const char *const read_modes[] = {"log", "sync", NULL};

static const dsim_option options[] = {
    {"tick", DSIM_OPT_MS, "50", "tickTime: pings and the limits below are in ticks", NULL, 1, 600000},
    {"init_limit", DSIM_OPT_INT, "10", "ticks for discovery and synchronisation", NULL, 0, 1000},
    {"sync_limit", DSIM_OPT_INT, "5", "ticks without a quorum (leader) or the leader (learner)",
     NULL, 0, 1000},
    {"notify", DSIM_OPT_MS, "100", "election: resend notifications this often (jittered)", NULL, 1,
     600000},
    {"finalize", DSIM_OPT_MS, "40", "election: wait for a better vote after a quorum agrees", NULL, 1,
     600000},
    {"snapshot_every", DSIM_OPT_INT, "100", "snapshot after this many applied transactions (0: never)",
     NULL, 0, ZAB_LOG_MAX / 2},
    {"read", DSIM_OPT_STR, "log", "linearizable reads through the log, or by sync at any server",
     read_modes, 0, 0},
    {"servers", DSIM_OPT_INT, "0", "ZAB servers n1..nS (0: all nodes)", NULL, 0, ZAB_NODES_MAX},
    {"observers", DSIM_OPT_INT, "0", "how many servers (the highest ids) are observers", NULL, 0,
     ZAB_NODES_MAX - 1},
    ZK_OPTION_ROWS,
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {
    "skip_sync", "old_epoch_accept", "epoch_not_persisted", "commit_before_quorum", "local_read",
    ZK_BUG_NAMES, NULL,
};

static const dsim_event events[] = {
    {"elected", "node: node, round: int", "fast leader election chose this node to lead (discovery begins)"},
    {"established", "node: node, epoch: int, zxid: string",
     "a quorum acked NEWLEADER: the leader of 'epoch' starts broadcast after 'zxid' (\"epoch.counter\")"},
    {"sync", "node: node, learner: node, mode: string, zxid: string",
     "the leader syncs 'learner' by DIFF, TRUNC (to 'zxid') or SNAP (up to 'zxid')"},
    {"commit", "node: node, epoch: int, zxid: string", "the leader committed up to 'zxid' (\"epoch.counter\")"},
    ZK_EVENT_ROWS,
    {NULL, NULL, NULL},
};

static const char *const msg_names[] = {
    "NOTIFICATION", "FOLLOWERINFO", "LEADERINFO", "ACKEPOCH", "SYNC", "NEWLEADER", "UPTODATE",
    "PROPOSAL", "ACK", "COMMIT", "PING", "PINGACK", "SYNCREQ", NULL,
};
_Static_assert(sizeof msg_names / sizeof msg_names[0] == ZAB_MSG_COUNT_ + 1, "a name per message");

const dsim_protocol zab_protocol = {
    .name = "zab",
    .summary = "ZAB: fast leader election, discovery, sync (DIFF/TRUNC/SNAP), broadcast; observers; KV",
    .state_size = sizeof(zab_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = zab_on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = zab_invariants,
    .control = zab_control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(zab_ghost),
};
