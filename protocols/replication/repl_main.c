/*
** repl_main.c — the replication protocol's table for the kernel: options,
** planted bugs, events, boot and recovery, and the dispatch of messages,
** timers and client requests.
**
** Boot and restart are the same path: read the options, rebuild the node
** from its disk alone (repl_persist.c; a blank disk gets the first-boot
** configuration: epoch 1, the lowest replica that is not a standby leads
** or heads the chain, the ISR is every member), and arm the heartbeat.
** A leader that restarts leads again at its epoch until it learns a newer
** one. Every incoming message is checked for its exact size.
*/
#include <stdio.h>
#include <stdlib.h>

#include "repl.h"

static const char *const modes[] = {"sync", "semisync", "async", "chain", "isr", NULL};
static const char *const failovers[] = {"manual", "auto", NULL};
static const char *const shippings[] = {"row", "statement", NULL};

/* "now,rand" -> REPL_COL_*; -1 on an unknown name. */
static int64_t parse_columns(const char *text)
{
    int64_t cols = 0;
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 3 && strncmp(p, "now", 3) == 0)
            cols |= REPL_COL_NOW;
        else if (len == 4 && strncmp(p, "rand", 4) == 0)
            cols |= REPL_COL_RAND;
        else
            return -1;
        p += len + (p[len] == ',');
    }
    return cols;
}

const char *repl_mode_name(repl_mode m)
{
    DSIM_ASSERT(m <= REPL_ISR);
    return modes[m];
}

const char *repl_role_name(const repl_state *s)
{
    static const char *const names[] = {"follower", "leader", "standby", "master"};
    return names[s->role];
}

/* "2,3" -> mask of node ids 1 and 2; -1 on a bad list. */
static int64_t parse_nodes(const char *text, int nodes)
{
    int64_t mask = 0;
    const char *p = text;
    while (*p) {
        char *end;
        long k = strtol(p, &end, 10);
        if (end == p || k < 1 || k > nodes)
            return -1;
        mask |= (int64_t)1 << (k - 1);
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return mask;
}

static void read_opts(dsim_node *n, repl_opts *o)
{
    const char *mode = dsim_opt_str(n, "mode");
    for (o->mode = REPL_SYNC; strcmp(modes[o->mode], mode) != 0; o->mode++)
        DSIM_ASSERT(o->mode < REPL_ISR);
    o->master = (int)dsim_opt_int(n, "master") - 1;
    o->auto_failover = strcmp(dsim_opt_str(n, "failover"), "auto") == 0;
    o->epochs = dsim_opt_bool(n, "epochs");
    o->follower_reads = dsim_opt_bool(n, "follower_reads");
    o->craq = dsim_opt_bool(n, "craq");
    o->unclean = dsim_opt_bool(n, "unclean");
    o->session_token = dsim_opt_bool(n, "session_token");
    o->statement = strcmp(dsim_opt_str(n, "shipping"), "statement") == 0;
    int64_t cols = parse_columns(dsim_opt_str(n, "columns"));
    o->columns = cols < 0 ? 0 : (uint32_t)cols;
    o->heartbeat_ns = dsim_opt_ms(n, "heartbeat");
    o->fd_timeout_ns = dsim_opt_ms(n, "fd_timeout");
    o->lease_ns = dsim_opt_ms(n, "lease");
    o->semisync_timeout_ns = dsim_opt_ms(n, "semisync_timeout");
    o->replica_lag_ns = dsim_opt_ms(n, "replica_lag");
    o->semisync_k = dsim_opt_int(n, "semisync_k");
    o->min_insync = dsim_opt_int(n, "min_insync");
    o->snapshot_every = dsim_opt_int(n, "snapshot_every");
    o->batch = dsim_opt_int(n, "batch");
    int64_t sb = parse_nodes(dsim_opt_str(n, "standby"), dsim_cluster_size(n));
    o->standby = sb < 0 ? 0 : (uint32_t)sb;
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    dsim_node *n = dsim_node_at(w, 0);
    int nodes = dsim_node_count(w);
    repl_opts o;
    if (nodes > REPL_NODES_MAX) {
        snprintf(err, cap, "replication: at most %d nodes, got %d", REPL_NODES_MAX, nodes);
        return -1;
    }
    if (parse_nodes(dsim_opt_str(n, "standby"), nodes) < 0) {
        snprintf(err, cap, "option standby: a comma list of node numbers 1..%d, got '%s'", nodes,
                 dsim_opt_str(n, "standby"));
        return -1;
    }
    if (parse_columns(dsim_opt_str(n, "columns")) < 0) {
        snprintf(err, cap, "option columns: a comma list of now and rand, got '%s'", dsim_opt_str(n, "columns"));
        return -1;
    }
    read_opts(n, &o);
    int replicas = nodes - (o.master >= 0) - repl_popcount(o.standby & ~(o.master >= 0 ? 1u << o.master : 0));
    if (o.master >= nodes) {
        snprintf(err, cap, "option master: node %d, but the cluster has %d nodes", o.master + 1, nodes);
        return -1;
    }
    if (o.master >= 0 && repl_has(o.standby, o.master)) {
        snprintf(err, cap, "option standby: n%d is the master", o.master + 1);
        return -1;
    }
    if (replicas < 1 || (o.master >= 0 && nodes < 2)) {
        snprintf(err, cap, "replication: no replica to start with (%d nodes)", nodes);
        return -1;
    }
    if (o.auto_failover && o.master < 0) {
        snprintf(err, cap, "failover=auto needs a master node to run the failure detector (option master = k)");
        return -1;
    }
    if (o.mode == REPL_SEMISYNC && o.semisync_k > nodes - 1 - (o.master >= 0)) {
        snprintf(err, cap, "semisync_k=%lld, but there are only %d followers", (long long)o.semisync_k,
                 nodes - 1 - (o.master >= 0));
        return -1;
    }
    if (o.mode == REPL_ISR && o.min_insync > nodes - (o.master >= 0)) {
        snprintf(err, cap, "min_insync=%lld, but there are only %d replicas", (long long)o.min_insync,
                 nodes - (o.master >= 0));
        return -1;
    }
    if (o.master >= 0 && 2 * o.lease_ns >= o.fd_timeout_ns) {
        snprintf(err, cap, "lease must be shorter than half of fd_timeout (a removed chain node's lease "
                 "must run out before its successor serves)");
        return -1;
    }
    return 0;
}

/* The first-boot configuration, the same on every node. */
static void first_config(dsim_node *n, repl_state *s)
{
    memset(&s->cfg, 0, sizeof s->cfg);
    s->cfg.epoch = 1;
    s->cfg.leader = REPL_NONE;
    s->cfg.joining = REPL_NONE;
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (p == s->opt.master || repl_has(s->opt.standby, p))
            continue;
        if (s->cfg.leader == REPL_NONE)
            s->cfg.leader = p;
        s->cfg.members |= 1u << p;
        if (s->opt.mode == REPL_CHAIN)
            s->cfg.chain[s->cfg.chain_len++] = (int8_t)p;
    }
    s->cfg.isr = s->cfg.members;
}

static void arm(dsim_node *n)
{
    repl_state *s = repl_of(n);
    s->tick = dsim_timer(n, REPL_T_TICK, 0, s->opt.heartbeat_ns);
}

static void start(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int self = dsim_id(n);
    read_opts(n, &s->opt);
    first_config(n, s);
    repl_recover(n);
    s->started = true;
    int64_t now = dsim_mono(n);
    for (int p = 0; p < REPL_NODES_MAX; p++) {
        s->heard_mono[p] = now;   /* the detector's grace period after boot */
        s->next[p] = s->last + 1;
    }
    if (self == s->opt.master)
        s->role = REPL_MASTER;
    else if (s->cfg.leader == self && (s->opt.mode != REPL_CHAIN || repl_chain_pos(s, self) == 0))
        repl_become_leader(n);
    else
        s->role = repl_has(s->cfg.members, self) ? REPL_FOLLOWER : REPL_STANDBY;
    if (s->opt.mode == REPL_CHAIN && repl_chain_pos(s, self) == 0)
        s->match_ok = s->last;
    arm(n);
}

static bool sized(const dsim_msg *m, uint32_t len)
{
    DSIM_ASSERT(m->len == len);   /* our own messages; the sender is honest */
    return m->len == len;
}

static void on_append_msg(dsim_node *n, int from, const dsim_msg *m)
{
    repl_append h;
    repl_entry es[REPL_BATCH_MAX];
    DSIM_ASSERT(m->len >= sizeof h);
    memcpy(&h, m->data, sizeof h);
    DSIM_ASSERT(h.count <= REPL_BATCH_MAX && m->len == sizeof h + h.count * sizeof(repl_entry));
    memcpy(es, (const char *)m->data + sizeof h, h.count * sizeof(repl_entry));
    repl_on_append(n, from, &h, es);
}

static void on_snap_msg(dsim_node *n, int from, const dsim_msg *m)
{
    repl_append h;
    DSIM_ASSERT(m->len >= sizeof h + offsetof(repl_snapshot, kv));
    repl_snapshot *snap = calloc(1, sizeof *snap);
    DSIM_ASSERT(snap != NULL);
    memcpy(&h, m->data, sizeof h);
    memcpy(snap, (const char *)m->data + sizeof h, m->len - sizeof h);
    DSIM_ASSERT(m->len == sizeof h + repl_snapshot_bytes(snap));
    repl_on_snapshot(n, from, &h, snap);
    free(snap);
}

static void on_config_msg(dsim_node *n, const repl_config *c)
{
    repl_state *s = repl_of(n);
    if (s->role != REPL_MASTER) {
        repl_adopt_config(n, c);
        return;
    }
    if (c->epoch > s->cfg.epoch) {   /* a scripted promotion: follow it */
        s->cfg = *c;
        repl_persist_config(n);
        dsim_disk_sync(n);
    }
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    repl_state *s = repl_of(n);
    switch (m->type) {
    case REPL_MSG_APPEND:
        on_append_msg(n, from, m);
        return;
    case REPL_MSG_SNAP:
        on_snap_msg(n, from, m);
        return;
    case REPL_MSG_ACK: {
        repl_ack a;
        if (sized(m, sizeof a) && memcpy(&a, m->data, sizeof a) && s->role != REPL_MASTER)
            repl_on_ack(n, from, &a);
        return;
    }
    case REPL_MSG_STATUS: {
        repl_status st;
        if (sized(m, sizeof st) && memcpy(&st, m->data, sizeof st) && s->role == REPL_MASTER)
            repl_master_on_status(n, from, &st);
        return;
    }
    case REPL_MSG_STATUS_ACK: {
        repl_status_ack a;
        if (sized(m, sizeof a) && memcpy(&a, m->data, sizeof a) && a.epoch == s->cfg.epoch &&
            a.echo_mono + s->opt.lease_ns > s->lease_until_mono)
            s->lease_until_mono = a.echo_mono + s->opt.lease_ns;
        return;
    }
    case REPL_MSG_CONFIG: {
        repl_config c;
        if (sized(m, sizeof c) && memcpy(&c, m->data, sizeof c))
            on_config_msg(n, &c);
        return;
    }
    case REPL_MSG_ISR_REQ: {
        repl_isr_req r;
        if (sized(m, sizeof r) && memcpy(&r, m->data, sizeof r) && s->role == REPL_MASTER)
            repl_master_on_isr(n, from, &r);
        return;
    }
    case REPL_MSG_ISR_ACK: {
        repl_isr_req r;
        if (sized(m, sizeof r) && memcpy(&r, m->data, sizeof r))
            repl_on_isr_ack(n, &r);
        return;
    }
    default:
        DSIM_ASSERT(!"unknown replication message type");
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    DSIM_ASSERT(kind == REPL_T_TICK);
    repl_state *s = repl_of(n);
    if (s->role == REPL_MASTER) {
        repl_master_tick(n);
    } else {
        repl_send_status(n);
        repl_leader_tick(n);
    }
    arm(n);
}

static const dsim_option options[] = {
    {"mode", DSIM_OPT_STR, "sync", "sync, semisync, async, chain or isr (see docs/DESIGN.md, Replication)",
     modes, 0, 0},
    {"master", DSIM_OPT_INT, "0", "node number of the master (failure detector, chain and ISR keeper; "
     "holds no data); 0: none", NULL, 0, REPL_NODES_MAX},
    {"failover", DSIM_OPT_STR, "manual", "manual (control \"promote\") or auto (the master's detector)",
     failovers, 0, 0},
    {"epochs", DSIM_OPT_BOOL, "true", "generation numbers fence a deposed leader", NULL, 0, 0},
    {"heartbeat", DSIM_OPT_MS, "50", "appends, status reports and the master's checks", NULL, 1, 600000},
    {"fd_timeout", DSIM_OPT_MS, "500", "the master declares a silent node failed after this", NULL, 1, 600000},
    {"lease", DSIM_OPT_MS, "150", "chain: a member serves reads this long after a status the master "
     "answered", NULL, 1, 600000},
    {"semisync_k", DSIM_OPT_INT, "1", "semisync: followers that must acknowledge", NULL, 1, REPL_NODES_MAX},
    {"semisync_timeout", DSIM_OPT_MS, "300", "semisync: wait this long, then fall back to async",
     NULL, 1, 600000},
    {"min_insync", DSIM_OPT_INT, "2", "isr: fewest in-sync replicas (leader included) to commit",
     NULL, 1, REPL_NODES_MAX},
    {"replica_lag", DSIM_OPT_MS, "300", "isr: a follower behind for this long leaves the ISR", NULL, 1, 600000},
    {"unclean", DSIM_OPT_BOOL, "false", "isr: the master may promote a replica outside the ISR", NULL, 0, 0},
    {"follower_reads", DSIM_OPT_BOOL, "false", "followers answer reads from their state (stale)", NULL, 0, 0},
    {"session_token", DSIM_OPT_BOOL, "false", "answers carry the LSN they reflect; a replica holds a "
     "read until it has applied the client's token (read-your-writes, monotonic reads)", NULL, 0, 0},
    {"shipping", DSIM_OPT_STR, "row", "row (the leader computes the columns, entries carry the values) or "
     "statement (every replica executes NOW() and RAND() itself)", shippings, 0, 0},
    {"columns", DSIM_OPT_STR, "", "computed columns every write sets, \"now,rand\": key 64+k = NOW() "
     "(wall ms), 128+k = RAND(); rows 0..63 only (see repl_stmt.c)", NULL, 0, 0},
    {"craq", DSIM_OPT_BOOL, "false", "chain: any member answers reads of clean keys (CRAQ)", NULL, 0, 0},
    {"snapshot_every", DSIM_OPT_INT, "100", "snapshot after this many applied entries (0: never)",
     NULL, 0, REPL_LOG_MAX / 2},
    {"batch", DSIM_OPT_INT, "16", "entries per append", NULL, 1, REPL_BATCH_MAX},
    {"standby", DSIM_OPT_STR, "", "replicas outside the membership at first boot (\"3,4\"): "
     "c:add_node or the chain master adds them", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {
    "no_epoch_check", "hwm_leak", "chain_early_ack", "catchup_gap", "isr_unsafe_shrink", NULL,
};

static const dsim_event events[] = {
    {"promoted", "node: node, epoch: int, lsn: int", "a replica leads (heads) at 'epoch' with log end 'lsn'"},
    {"deposed", "node: node, epoch: int", "a leader learnt of a newer epoch and stopped leading"},
    {"fallback", "node: node, epoch: int, lsn: int", "semisync: a write waited too long; acking as async"},
    {"semisync", "node: node, epoch: int, lsn: int", "semisync: k followers caught up; acking as semisync again"},
    {"isr_shrink", "node: node, epoch: int, member: node, size: int", "isr: 'member' left the in-sync set"},
    {"isr_expand", "node: node, epoch: int, member: node, size: int", "isr: 'member' rejoined the in-sync set"},
    {"reconfig", "node: node, epoch: int, head: node, tail: node, size: int",
     "the master announced a new configuration (failover or chain change)"},
    {NULL, NULL, NULL},
};

static const char *const msg_names[] = {"Append", "Ack", "Snapshot", "Status", "StatusAck", "Config",
                                        "IsrChange", "IsrAnswer", NULL};

const dsim_protocol replication_protocol = {
    .name = "replication",
    .summary = "leader-based replication: sync, semisync, async, chain (CRAQ), Kafka ISR; failover, epochs",
    .state_size = sizeof(repl_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = repl_on_client,
    .inspect = repl_inspect,
    .describe = repl_describe,
    .invariants = repl_invariants,
    .control = repl_control,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(repl_ghost),
};
