/*
** lock.c — the 'lock' protocol's table: options, the layout of roles over
** nodes, dispatch to the role modules, validation, inspection.
**
** The layout (see lock.h) is a pure function of the options and the node
** count, so every node computes the same roles without talking. Options
** that cannot work together stop the cluster before it boots (the kernel
** calls 'validate_world'). The 'validate' control verb, which every lock
** scenario calls before running (c:control(1, "validate", {delay_ms =
** bound})), checks them again together with the scenario's network delay
** bound, which only the scenario knows; a control error is a script error,
** so the run exits 2 with the message.
*/
#include <stdio.h>
#include <string.h>

#include "lock.h"

static const char *const variants[] = {"redis-lease", "redlock", "fencing", "zk-lock", NULL};
static const char *const aof_policies[] = {"always", "everysec", "no", NULL};
static const char *const clocks[] = {"wall", "mono", NULL};

lock_variant lock_variant_of(dsim_node *n)
{
    const char *v = dsim_opt_str(n, "variant");
    for (int i = 0; variants[i]; i++)
        if (strcmp(v, variants[i]) == 0)
            return (lock_variant)i;
    DSIM_ASSERT(!"variant outside its choices");
    return LOCK_REDIS;
}

int lock_servers(dsim_node *n)
{
    int64_t s = dsim_opt_int(n, "servers");
    if (s > 0)
        return (int)s;
    return lock_variant_of(n) == LOCK_REDLOCK ? 5 : 1;
}

int lock_standby_id(dsim_node *n)
{
    return dsim_opt_bool(n, "standby") ? lock_servers(n) : -1;
}

int lock_storage_id(dsim_node *n)
{
    return lock_servers(n) + (dsim_opt_bool(n, "standby") ? 1 : 0);
}

int lock_quorum(dsim_node *n)
{
    int64_t q = dsim_opt_int(n, "quorum");
    return q > 0 ? (int)q : lock_servers(n) / 2 + 1;
}

static lock_role role_of(dsim_node *n)
{
    int id = dsim_id(n);
    if (id < lock_servers(n))
        return ROLE_SERVER;
    if (id == lock_standby_id(n))
        return ROLE_STANDBY;
    if (id == lock_storage_id(n))
        return ROLE_STORAGE;
    return ROLE_CLIENT;
}

int64_t lock_draw(dsim_node *n, const char *range_option)
{
    int64_t lo, hi;
    dsim_opt_range(n, range_option, &lo, &hi);
    DSIM_ASSERT(lo >= 0 && lo <= hi);
    return lo == hi ? lo : dsim_rand_range(n, lo, hi);
}

void lock_send(dsim_node *n, int to, const lock_msg *m)
{
    DSIM_ASSERT(m->op < OP_COUNT_);
    DSIM_ASSERT(m->count <= LOCK_ITEMS_MAX);
    /* Only the items in use travel: the tail of the array is cut off. */
    uint32_t len = (uint32_t)(offsetof(lock_msg, items) + m->count * sizeof m->items[0]);
    dsim_send(n, to, m->op, m, len);
}

int lock_disk_read(dsim_node *n, const char *key, void *buf, uint32_t len)
{
    uint32_t got = 0;
    int rc = dsim_disk_get_retry(n, key, buf, len, &got);
    if (rc == DSIM_DISK_OK && got != len)
        return DSIM_DISK_CORRUPT;
    return rc;
}

/* Emits a client event with the fields every checker event carries. */
void lock_emit(dsim_node *n, const char *name, const lock_client *c, json_t *fields)
{
    if (!fields)
        fields = json_object();
    json_object_set_new(fields, "client", json_integer(dsim_id(n) + 1));
    json_object_set_new(fields, "round", json_integer(c->round));
    dsim_emit(n, name, fields);
}

/* ---- callbacks ------------------------------------------------------------ */

static void start(dsim_node *n)
{
    lock_state *s = dsim_state(n);
    s->role = role_of(n);
    s->variant = lock_variant_of(n);
    DSIM_ASSERT(dsim_cluster_size(n) <= LOCK_NODES_MAX);
    switch (s->role) {
    case ROLE_SERVER:
    case ROLE_STANDBY:
        if (s->variant == LOCK_ZK)
            lock_zk_start(n, s);
        else
            lock_server_start(n, s);
        return;
    case ROLE_STORAGE:
        lock_storage_start(n, s);
        return;
    case ROLE_CLIENT:
        lock_client_start(n, s);
        return;
    }
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    lock_state *s = dsim_state(n);
    lock_msg msg;
    DSIM_ASSERT(m->len >= offsetof(lock_msg, items) && m->len <= sizeof msg);
    memset(&msg, 0, sizeof msg);
    memcpy(&msg, m->data, m->len);
    DSIM_ASSERT(msg.op == m->type && msg.count <= LOCK_ITEMS_MAX);
    switch (s->role) {
    case ROLE_SERVER:
    case ROLE_STANDBY:
        if (s->variant == LOCK_ZK)
            lock_zk_message(n, s, from, &msg);
        else
            lock_server_message(n, s, from, &msg);
        return;
    case ROLE_STORAGE:
        lock_storage_message(n, s, from, &msg);
        return;
    case ROLE_CLIENT:
        lock_client_message(n, s, from, &msg);
        return;
    }
    DSIM_ASSERT(!"message before start");
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    lock_state *s = dsim_state(n);
    switch (s->role) {
    case ROLE_SERVER:
    case ROLE_STANDBY:
        if (s->variant == LOCK_ZK)
            lock_zk_timer(n, s, kind);
        else
            lock_server_timer(n, s, kind);
        return;
    case ROLE_CLIENT:
        lock_client_timer(n, s, kind, arg);
        return;
    case ROLE_STORAGE:
        break;
    }
    DSIM_ASSERT(!"timer on a role without timers");
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    /* The lock protocol drives its own clients; kernel workloads get no
    ** service (they would only time out). */
    dsim_reply(n, op, DSIM_FAIL, 0);
}

/* The options' structural problems (roles over nodes, quorum, variant
** combinations) in 'why', or an empty string. */
static void layout_problem(dsim_node *n, char *why, size_t cap)
{
    int nodes = dsim_cluster_size(n);
    int servers = lock_servers(n);
    lock_variant v = lock_variant_of(n);
    why[0] = 0;
    if (nodes > LOCK_NODES_MAX)
        snprintf(why, cap, "at most %d nodes", LOCK_NODES_MAX);
    else if (servers > LOCK_SERVERS_MAX)
        snprintf(why, cap, "at most %d lock servers", LOCK_SERVERS_MAX);
    else if (lock_storage_id(n) + 1 >= nodes)
        snprintf(why, cap, "%d nodes leave no lock client: %d server(s)%s and the storage "
                 "server come first", nodes, servers, dsim_opt_bool(n, "standby") ? ", the standby" : "");
    else if (lock_quorum(n) > servers)
        snprintf(why, cap, "quorum %d is larger than the %d lock server(s)", lock_quorum(n), servers);
    else if (v == LOCK_REDLOCK && dsim_opt_bool(n, "fencing"))
        snprintf(why, cap, "redlock cannot give fencing tokens: its servers are independent, "
                 "so no one orders the grants and no token is sure to grow; use variant=fencing or zk-lock");
    else if (v != LOCK_REDLOCK && servers != 1)
        snprintf(why, cap, "variant %s runs on one lock server, not %d", variants[v], servers);
    else if (dsim_opt_bool(n, "standby") && v != LOCK_REDIS)
        snprintf(why, cap, "a standby is for variant=redis-lease with one server");
}

/* The kernel's check when the cluster is made: a bad layout never boots. */
static int validate_world(dsim_world *w, char *err, size_t cap)
{
    layout_problem(dsim_node_at(w, 0), err, cap);
    return err[0] ? -1 : 0;
}

/* The 'validate' verb: the layout again, and the timeouts against the
** scenario's network delay bound, which only the scenario knows. */
static int validate(dsim_node *n, const json_t *args, json_t *result)
{
    char why[256];
    lock_variant v = lock_variant_of(n);
    double delay_ms = json_number_value(json_object_get(args, "delay_ms"));
    double ttl_ms = (double)dsim_opt_ms(n, "ttl") / 1e6;
    double session_ms = (double)dsim_opt_ms(n, "session_timeout") / 1e6;
    layout_problem(n, why, sizeof why);
    if (why[0])
        ;
    else if (v != LOCK_ZK && ttl_ms <= 2 * delay_ms)
        snprintf(why, sizeof why, "lease ttl %.0f ms is not longer than a round trip at the network "
                 "delay bound (2 x %.0f ms): no client could use it", ttl_ms, delay_ms);
    else if (v == LOCK_ZK && session_ms <= 2 * delay_ms)
        snprintf(why, sizeof why, "session timeout %.0f ms is not longer than a round trip at the "
                 "network delay bound (2 x %.0f ms)", session_ms, delay_ms);
    if (why[0]) {
        json_object_set_new(result, "error", json_string(why));
        return -1;
    }
    json_object_set_new(result, "servers", json_integer(lock_servers(n)));
    json_object_set_new(result, "storage", json_integer(lock_storage_id(n) + 1));
    json_object_set_new(result, "first_client", json_integer(lock_storage_id(n) + 2));
    json_object_set_new(result, "quorum", json_integer(lock_quorum(n)));
    return 0;
}

static int control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    lock_state *s = dsim_state(n);
    if (strcmp(verb, "validate") == 0)
        return validate(n, args, result);
    if (strcmp(verb, "acquire") == 0) {
        if (s->role != ROLE_CLIENT || s->broken) {
            json_object_set_new(result, "error", json_string("not a lock client"));
            return -1;
        }
        if (s->u.client.phase != PH_IDLE) {
            json_object_set_new(result, "error", json_string("this client is already in a round"));
            return -1;
        }
        json_t *w = json_object_get(args, "work_ms");
        int64_t work_ns = json_is_number(w) ? (int64_t)(json_number_value(w) * 1e6) : 0;
        lock_client_round(n, &s->u.client, work_ns);
        json_object_set_new(result, "round", json_integer(s->u.client.round));
        return 0;
    }
    json_object_set_new(result, "error", json_string("unknown verb (validate, acquire)"));
    return -1;
}

static const char *const phases[] = {"idle", "acquiring", "holding", "writing"};

static void inspect(dsim_node *n, json_t *out)
{
    lock_state *s = dsim_state(n);
    switch (s->role) {
    case ROLE_SERVER:
    case ROLE_STANDBY:
        if (s->variant == LOCK_ZK) {
            json_object_set_new(out, "role", json_string("zk"));
            json_object_set_new(out, "entries", json_integer(s->u.zk.nodes_len));
            json_object_set_new(out, "zxid", json_integer(s->u.zk.zxid));
            return;
        }
        json_object_set_new(out, "role", json_string(s->u.server.master ? "leader" : "standby"));
        json_object_set_new(out, "term", json_integer(s->u.server.epoch));
        json_object_set_new(out, "holder", json_integer(s->u.server.value));
        json_object_set_new(out, "grants", json_integer(s->u.server.grants));
        return;
    case ROLE_STORAGE:
        json_object_set_new(out, "role", json_string("storage"));
        json_object_set_new(out, "token_max", json_integer(s->u.storage.token_max));
        json_object_set_new(out, "accepted", json_integer(s->u.storage.accepted));
        json_object_set_new(out, "rejected", json_integer(s->u.storage.rejected));
        return;
    case ROLE_CLIENT:
        json_object_set_new(out, "role", json_string("client"));
        json_object_set_new(out, "phase", json_string(phases[s->u.client.phase]));
        json_object_set_new(out, "round", json_integer(s->u.client.round));
        json_object_set_new(out, "rounds_done", json_integer(s->u.client.rounds_done));
        json_object_set_new(out, "token", json_integer(s->u.client.token));
        json_object_set_new(out, "wakeups", json_integer(s->u.client.wakeups));
        return;
    }
}

static const char *const msg_names[] = {
    "Set", "Expire", "Del", "DelIf", "Renew", "Reply", "Repl", "Ping", "Pong", "Write", "WriteAck",
    "ZkConnect", "ZkPing", "ZkCreate", "ZkChildren", "ZkExists", "ZkDelete", "ZkReply", "ZkWatch", NULL,
};

static void describe(const dsim_msg *m, json_t *out)
{
    lock_msg msg;
    memset(&msg, 0, sizeof msg);
    memcpy(&msg, m->data, m->len < sizeof msg ? m->len : sizeof msg);
    if (msg.client >= 0)
        json_object_set_new(out, "client", json_integer(msg.client + 1));
    if (msg.token)
        json_object_set_new(out, "token", json_integer(msg.token));
    if (msg.op == OP_REPLY || msg.op == OP_WRITE_ACK || msg.op == OP_ZK_REPLY) {
        static const char *const st[] = {"ok", "busy", "not_master", "stale", "none", "expired"};
        json_object_set_new(out, "status", json_string(msg.status < 6 ? st[msg.status] : "?"));
    }
    if (msg.seq)
        json_object_set_new(out, "seq", json_integer(msg.seq));
}

static const dsim_option options[] = {
    {"variant", DSIM_OPT_STR, "redis-lease", "lock service: redis-lease, redlock, fencing, zk-lock", variants, 0, 0},
    {"servers", DSIM_OPT_INT, "0", "lock servers (0: 5 for redlock, else 1)", NULL, 0, 64},
    {"quorum", DSIM_OPT_INT, "0", "redlock grants needed (0: a majority)", NULL, 0, 64},
    {"standby", DSIM_OPT_BOOL, "false", "redis-lease: an async standby with automatic failover", NULL, 0, 0},
    {"fencing", DSIM_OPT_BOOL, "false", "the storage server rejects writes with an older token", NULL, 0, 0},
    {"ttl", DSIM_OPT_MS, "1000", "lease time to live", NULL, 1, 3600000},
    {"renew", DSIM_OPT_BOOL, "false", "the holder's watchdog renews the lease every ttl/3", NULL, 0, 0},
    {"session_timeout", DSIM_OPT_MS, "1000", "zk-lock: a session expires after this much silence", NULL, 1, 3600000},
    {"work", DSIM_OPT_MS_RANGE, "20,60", "time in the critical section before the write", NULL, 0, 3600000},
    {"think", DSIM_OPT_MS_RANGE, "20,100", "time between a release and the next round", NULL, 0, 3600000},
    {"retry", DSIM_OPT_MS_RANGE, "20,80", "delay before trying again after a refusal", NULL, 0, 3600000},
    {"rounds", DSIM_OPT_INT, "0", "rounds per client (0: no limit)", NULL, 0, 1000000},
    {"autostart", DSIM_OPT_BOOL, "true", "clients start rounds by themselves (else c:control(n, \"acquire\"))", NULL, 0, 0},
    {"req_timeout", DSIM_OPT_MS, "200", "a client gives up on an unanswered request", NULL, 1, 3600000},
    {"acquire_timeout", DSIM_OPT_MS, "50", "redlock: time allowed to collect the votes", NULL, 1, 3600000},
    {"drift_pct", DSIM_OPT_INT, "1", "redlock: clock drift allowance, percent of ttl (plus 2 ms)", NULL, 0, 100},
    {"aof", DSIM_OPT_STR, "everysec", "lock server fsync policy: always, everysec, no", aof_policies, 0, 0},
    {"expiry_clock", DSIM_OPT_STR, "wall", "clock the server expires keys on: wall (steps) or mono", clocks, 0, 0},
    {"repl_delay", DSIM_OPT_MS, "100", "standby: asynchronous replication delay", NULL, 0, 3600000},
    {"failover", DSIM_OPT_MS, "300", "standby: promote itself after this much master silence", NULL, 1, 3600000},
    {"token_start", DSIM_OPT_INT, "1", "first token a lock service hands out", NULL, 1, LOCK_EPOCH_SPAN / 2},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {"setnx_expire", "unsafe_unlock", "herd", "watch_race", NULL};

/* Byzantine behaviours (c:byzantine): forge_token: a client writes to the
** storage with its token raised by params.by (default one epoch,
** LOCK_EPOCH_SPAN): fencing trusts the number, so the storage accepts it
** (lock_client.c). */
static const char *const byzantine[] = {"forge_token", NULL};

/* What lock_emit and dsim_emit send; the "mutex" check reads the lock_*
** and storage_write events. A lock client is a node ("client" is its
** 1-based node number). */
static const dsim_event events[] = {
    {"lock_request", "client: node, round: int", "a client starts a round: it asks for the lock"},
    {"lock_acquired", "value: int, token: int, client: node, round: int",
     "a client holds the lock; 'value' it will write, 'token' its fencing token (not with redlock)"},
    {"lock_released", "why: string, client: node, round: int",
     "a client gave the lock up ('why': done, expired, lost, ...)"},
    {"lock_wakeup", "seq: int, client: node, round: int",
     "zk-lock: a waiting client was woken by the watch on its predecessor"},
    {"lock_grant", "client: node, token: int, expires: bool",
     "a lock server granted the lock ('expires': with a lease)"},
    {"lock_foreign_delete", "client: node, holder: node",
     "a server deleted a lock held by another client (an unsafe unlock)"},
    {"failover", "epoch: int, holder: int",
     "the standby promoted itself; 'holder' the node it believes holds the lock, 0 for none"},
    {"storage_write", "client: node, round: int, token: int, accepted: bool, fencing: bool, token_max: int",
     "the storage node received a write; 'accepted' false when a stale token was refused"},
    {"redlock_failed", "client: node, votes: int, answers: int, why: string",
     "redlock: an attempt got no majority in time and is released"},
    {"session_expired", "client: node, session: int, why: string",
     "zk-lock: a client's session ended; its ephemeral entries are gone"},
    {"disk_unreadable", "record: string", "a record on disk failed its checksum on every read"},
    {NULL, NULL, NULL},
};

const dsim_protocol lock_protocol = {
    .name = "lock",
    .summary = "distributed locks: redis lease, redlock, fencing tokens, zk sequential lock",
    .state_size = sizeof(lock_state),
    .options = options,
    .bugs = bugs,
    .byzantine = byzantine,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = NULL,
    .control = control,
    .validate = validate_world,
    .events = events,
};
