/*
** zk_client.c — a client node of the coordination service running one
** recipe (option 'recipe'; decisions in zk_recipe.c).
**
** Connection: the client talks to one server (first: its id modulo the
** servers) over a numbered connection and takes the server's messages in
** their 'seq' order (a later one waits in 'inbox'). One request is
** outstanding at a time, besides heartbeats. When a request gets no answer
** within a third of the session timeout, when the server has been silent
** that long, or when it answers CONNECTIONLOSS, the client connects to
** the next server with its session and the newest zxid it has seen; the
** server refuses it when it is behind. SESSIONEXPIRED ends the session:
** the client stops believing it holds anything, opens a new session and
** starts a new round.
**
** A round of the lock (herd, election) recipe, with the 'mutex' check's
** events (protocols/lock/lock.h):
**   lock_request -> children(parent) -> [create "c<id>-r<round>-" ephemeral
**   sequential] -> children -> lowest? lock_acquired : exists(predecessor,
**   watch) / wait for the parent's children watch (herd) -> on the event
**   (lock_wakeup) children again ...
**   holding: work, set the protected znode ZK_RESOURCE (storage_write when
**   applied), lock_released "done", delete the entry, think, next round.
** An election's leader keeps leading (writing every 'work') until its
** session ends. After a reconnect the client looks for its entry by its
** prefix before creating one, and deletes any second entry of its own (a
** create whose answer was lost may be applied after the client looked). A barrier round creates an entry under "/b<k>" and goes through
** when the parent has 'barrier' entries (barrier_entered).
*/
#include <stdio.h>
#include <string.h>

#include "zk.h"

#define CLIENT_MAGIC 0x7a6b636cu
#define ZK_RESOURCE "/resource"
#define ROUND_SPAN 100000          /* rounds: boot * span + n */

static int servers_of(dsim_node *n)
{
    int64_t s = dsim_opt_int(n, "servers");
    return s > 0 ? (int)s : dsim_cluster_size(n);
}

static zk_client *client_of(dsim_node *n)
{
    zk_client *c = dsim_state(n);
    DSIM_ASSERT(c->magic == CLIENT_MAGIC);
    return c;
}

static int64_t draw(dsim_node *n, const char *option)
{
    int64_t lo, hi;
    dsim_opt_range(n, option, &lo, &hi);
    return lo >= hi ? lo : dsim_rand_range(n, lo, hi);
}

static int64_t req_timeout(dsim_node *n)
{
    return dsim_opt_ms(n, "session_timeout") / 3;
}

static void parent_path(const zk_client *c, char out[ZK_PATH_MAX])
{
    memset(out, 0, ZK_PATH_MAX);
    if (c->recipe == ZK_R_BARRIER)
        snprintf(out, ZK_PATH_MAX, "/b%lld", (long long)(c->rounds_done + 1));
    else if (c->recipe == ZK_R_ELECTION)
        snprintf(out, ZK_PATH_MAX, "/election");
    else
        snprintf(out, ZK_PATH_MAX, "/lock");
}

/* 'parent' + "/" + 'name' into 'out'; both are bounded well below the sum. */
static void join(const char *parent, const char *name, char out[ZK_PATH_MAX])
{
    size_t plen = strnlen(parent, ZK_PATH_MAX), nlen = strnlen(name, ZK_NAME_MAX);
    DSIM_ASSERT(plen + 1 + nlen < ZK_PATH_MAX);
    memset(out, 0, ZK_PATH_MAX);
    memcpy(out, parent, plen);
    out[plen] = '/';
    memcpy(out + plen + 1, name, nlen);
}

static void prefix_of(dsim_node *n, const zk_client *c, char out[ZK_NAME_MAX])
{
    memset(out, 0, ZK_NAME_MAX);
    snprintf(out, ZK_NAME_MAX, "c%d-r%lld-", dsim_id(n) + 1, (long long)c->round);
}

static void client_emit(dsim_node *n, const char *name, const zk_client *c, json_t *fields)
{
    if (!fields)
        fields = json_object();
    json_object_set_new(fields, "client", json_integer(dsim_id(n) + 1));
    if (strcmp(name, "lock_wakeup") != 0)
        json_object_set_new(fields, "round", json_integer(c->round));
    dsim_emit(n, name, fields);
}

void zk_client_send(dsim_node *n, zk_client *c, uint32_t op, const char *path, uint8_t flags,
                    bool watch, const void *data, uint8_t data_len)
{
    zk_req q;
    memset(&q, 0, sizeof q);
    q.op = op;
    q.xid = ++c->xid;
    q.session = c->session;
    q.conn = c->conn;
    q.last_zxid = c->last_zxid;
    q.timeout_ns = dsim_opt_ms(n, "session_timeout");
    q.version = -1;
    q.flags = flags;
    q.watch = watch;
    DSIM_ASSERT(data_len <= ZK_DATA_MAX);
    q.data_len = data_len;
    if (data_len)
        memcpy(q.data, data, data_len);
    if (path)
        memcpy(q.path, path, strnlen(path, ZK_PATH_MAX - 1));
    dsim_send(n, c->server, ZK_MSG_REQ, &q, sizeof q);
    if (op == ZK_OP_PING)
        return;
    c->xid_wait = q.xid;
    if (c->timeout)
        dsim_timer_cancel(n, c->timeout);
    c->timeout = dsim_timer(n, ZK_CT_TIMEOUT, q.xid, req_timeout(n));
}

static void connect_to(dsim_node *n, zk_client *c, int server)
{
    if (c->recipe == ZK_R_KV)
        zk_kv_abort(n, c);   /* its answer may come on the old connection: unknown */
    c->server = server;
    c->conn = dsim_rand(n) | 1u;
    c->seq_in = 0;
    c->seen_before_event = 0;
    c->inbox_count = 0;
    c->heard_mono = dsim_mono(n);
    c->connecting = true;
    zk_client_send(n, c, ZK_OP_CONNECT, NULL, 0, false, NULL, 0);
}

static void reconnect(dsim_node *n, zk_client *c)
{
    c->reconnects++;
    connect_to(n, c, (c->server + 1) % servers_of(n));
}

static void list(dsim_node *n, zk_client *c)
{
    char parent[ZK_PATH_MAX];
    parent_path(c, parent);
    c->phase = ZK_CP_LIST;
    bool watch = c->recipe == ZK_R_HERD || c->recipe == ZK_R_BARRIER;
    zk_client_send(n, c, ZK_OP_CHILDREN, parent, 0, watch, NULL, 0);
}

static void start_round(dsim_node *n, zk_client *c)
{
    int64_t rounds = dsim_opt_int(n, "rounds");
    if (rounds > 0 && c->rounds_done >= rounds) {
        c->phase = ZK_CP_IDLE;
        return;
    }
    c->round = c->boot * ROUND_SPAN + c->rounds_done + 1;
    memset(c->entry, 0, sizeof c->entry);
    c->holding = false;
    if (c->recipe != ZK_R_BARRIER)
        client_emit(n, "lock_request", c, NULL);
    c->in_round = true;
    list(n, c);
}

/* Stops believing, for reason 'why'; the entry is forgotten. */
static void lose(dsim_node *n, zk_client *c, const char *why)
{
    if (c->holding)
        client_emit(n, "lock_released", c, json_pack("{s:s}", "why", why));
    c->holding = false;
    memset(c->entry, 0, sizeof c->entry);
}

static void session_lost(dsim_node *n, zk_client *c)
{
    lose(n, c, "expired");
    c->session = 0;
    connect_to(n, c, c->server);
}

static void end_round(dsim_node *n, zk_client *c)
{
    c->rounds_done++;
    c->in_round = false;
    c->phase = ZK_CP_IDLE;
    dsim_timer(n, ZK_CT_THINK, (uint64_t)c->round, draw(n, "think"));
}

static void acquired(dsim_node *n, zk_client *c, uint32_t count)
{
    if (c->recipe == ZK_R_BARRIER) {
        client_emit(n, "barrier_entered", c, json_pack("{s:i}", "count", (int)count));
        end_round(n, c);
        return;
    }
    c->phase = ZK_CP_HOLD;
    if (!c->holding) {
        c->holding = true;
        client_emit(n, "lock_acquired", c, json_pack("{s:I}", "token", (json_int_t)c->token));
    }
    dsim_timer(n, ZK_CT_WORK, (uint64_t)c->round, draw(n, "work"));
}

static void on_children(dsim_node *n, zk_client *c, const zk_reply *r)
{
    char parent[ZK_PATH_MAX];
    parent_path(c, parent);
    if (r->err == ZK_NONODE) {
        c->phase = ZK_CP_PARENT;
        zk_client_send(n, c, ZK_OP_CREATE, parent, 0, false, NULL, 0);
        return;
    }
    DSIM_ASSERT(r->err == ZK_OK);
    uint32_t count = r->count < ZK_REPLY_NAMES_MAX ? r->count : ZK_REPLY_NAMES_MAX;
    char names[ZK_REPLY_NAMES_MAX][ZK_PATH_MAX];
    memset(names, 0, sizeof names);
    for (uint32_t i = 0; i < count; i++)
        memcpy(names[i], r->names[i], strnlen(r->names[i], ZK_NAME_MAX));
    /* My entries: normally one. A create whose answer was lost can still
    ** be applied after the client looked and made another; the lowest is
    ** mine, any other is deleted first (it would block every waiter). */
    char prefix[ZK_NAME_MAX];
    prefix_of(n, c, prefix);
    int lowest = -1, extra = -1;
    for (uint32_t i = 0; i < count; i++) {
        if (strncmp(names[i], prefix, strlen(prefix)) != 0)
            continue;
        if (lowest < 0 || strcmp(names[i], names[lowest]) < 0) {
            extra = lowest;
            lowest = (int)i;
        } else {
            extra = (int)i;
        }
    }
    if (extra >= 0) {
        c->phase = ZK_CP_DEDUP;
        join(parent, names[extra], c->watching);
        zk_client_send(n, c, ZK_OP_DELETE, c->watching, 0, false, NULL, 0);
        return;
    }
    if (lowest >= 0 && strcmp(c->entry, names[lowest]) != 0) {
        memset(c->entry, 0, sizeof c->entry);
        memcpy(c->entry, names[lowest], strnlen(names[lowest], ZK_NAME_MAX - 1));
    }
    if (!c->entry[0]) {
        {
            char path[ZK_PATH_MAX];
            join(parent, prefix, path);
            c->phase = ZK_CP_CREATE;
            zk_client_send(n, c, ZK_OP_CREATE, path, ZK_EPHEMERAL | ZK_SEQUENTIAL, false, NULL, 0);
            return;
        }
    }
    size_t elen = strlen(c->entry);
    c->token = 0;
    for (size_t i = elen >= ZK_SEQ_DIGITS ? elen - ZK_SEQ_DIGITS : 0; i < elen; i++)
        c->token = c->token * 10 + (uint64_t)(c->entry[i] - '0');
    uint32_t barrier = (uint32_t)dsim_opt_int(n, "barrier");
    if (barrier == 0)
        barrier = (uint32_t)(dsim_cluster_size(n) - servers_of(n));
    switch (zk_recipe_step(c->recipe, parent, (const char (*)[ZK_PATH_MAX])names, count,
                           c->entry, barrier, c->watching)) {
    case ZK_STEP_GONE:
        /* my entry went with my session: the next request will say so */
        lose(n, c, "gone");
        list(n, c);
        return;
    case ZK_STEP_HOLD:
        acquired(n, c, r->count);
        return;
    case ZK_STEP_WATCH:
        c->phase = ZK_CP_EXISTS;
        zk_client_send(n, c, ZK_OP_EXISTS, c->watching, 0, true, NULL, 0);
        return;
    case ZK_STEP_WATCH_PARENT:
        c->phase = ZK_CP_WAIT;
        return;
    }
}

static void write_resource(dsim_node *n, zk_client *c)
{
    c->phase = ZK_CP_WRITE;
    zk_client_send(n, c, ZK_OP_SET, ZK_RESOURCE, 0, false, &c->round, sizeof c->round);
}

/* The holder's write was applied: the protected resource took it. */
static void wrote(dsim_node *n, zk_client *c)
{
    client_emit(n, "storage_write", c, json_pack("{s:I, s:b, s:b}", "token", (json_int_t)c->token,
         "accepted", 1, "fencing", 0));
    if (c->recipe == ZK_R_ELECTION) {
        acquired(n, c, 0);   /* a leader leads on */
        return;
    }
    lose(n, c, "done");
    c->phase = ZK_CP_RELEASE;
    zk_client_send(n, c, ZK_OP_DELETE, c->watching, 0, false, NULL, 0);
}

static void on_reply(dsim_node *n, zk_client *c, const zk_reply *r)
{
    if (r->err == ZK_SESSIONEXPIRED) {
        session_lost(n, c);
        return;
    }
    if (r->err == ZK_CONNECTIONLOSS) {
        /* retry elsewhere after a pause (the timeout timer does it) */
        c->xid_wait = r->xid;
        if (c->timeout)
            dsim_timer_cancel(n, c->timeout);
        c->timeout = dsim_timer(n, ZK_CT_TIMEOUT, r->xid, DSIM_MS(50));
        return;
    }
    if (c->recipe == ZK_R_KV && r->op != ZK_OP_CONNECT) {
        zk_kv_reply(n, c, r);
        return;
    }
    switch (r->op) {
    case ZK_OP_CONNECT:
        c->connecting = false;
        if (c->session != r->session) {
            c->session = r->session;   /* a new session: a new round */
            c->in_round = false;
        }
        if (c->recipe == ZK_R_KV) {
            c->in_round = true;
            zk_kv_next(n, c);
            return;
        }
        if (!c->in_round) {
            start_round(n, c);
            return;
        }
        /* the same session elsewhere: pick up where it was (watches are gone) */
        if (c->phase == ZK_CP_WRITE)
            write_resource(n, c);
        else if (c->phase == ZK_CP_RELEASE)
            zk_client_send(n, c, ZK_OP_DELETE, c->watching, 0, false, NULL, 0);
        else if (c->phase != ZK_CP_HOLD && c->phase != ZK_CP_IDLE)
            list(n, c);
        return;
    case ZK_OP_CREATE:
        if (c->phase == ZK_CP_WRITE) {
            if (r->err == ZK_OK)
                wrote(n, c);   /* the resource made, with my value */
            else
                write_resource(n, c);
            return;
        }
        if (c->phase == ZK_CP_CREATE && r->err == ZK_OK) {
            const char *slash = strrchr(r->path, '/');
            memset(c->entry, 0, sizeof c->entry);
            memcpy(c->entry, slash + 1, strnlen(slash + 1, ZK_NAME_MAX - 1));
        }
        list(n, c);   /* parent made (or there), entry made: look again */
        return;
    case ZK_OP_CHILDREN:
        on_children(n, c, r);
        return;
    case ZK_OP_EXISTS:
        if (r->err == ZK_NONODE)
            list(n, c);   /* the predecessor went before the watch was set */
        else
            c->phase = ZK_CP_WAIT;
        return;
    case ZK_OP_SET:
        DSIM_ASSERT(c->phase == ZK_CP_WRITE);
        if (r->err == ZK_NONODE) {
            zk_client_send(n, c, ZK_OP_CREATE, ZK_RESOURCE, 0, false, &c->round, sizeof c->round);
            return;
        }
        wrote(n, c);
        return;
    case ZK_OP_DELETE:
        if (c->phase == ZK_CP_DEDUP)
            list(n, c);   /* a duplicate entry gone: look again */
        else
            end_round(n, c);
        return;
    default:
        return;
    }
}

static void on_event(dsim_node *n, zk_client *c, const zk_reply *r)
{
    /* ZooKeeper's order: the event comes before anything that shows the
    ** state after its change. A message taken before it already showed a
    ** zxid at or past the change: the client saw new data first. */
    if (r->event_zxid && c->seen_before_event >= r->event_zxid) {
        c->late_events++;
        c->late_seen = c->seen_before_event;
        char path[ZK_PATH_MAX];
        memcpy(path, r->path, ZK_PATH_MAX);
        path[ZK_PATH_MAX - 1] = 0;
        dsim_emit(n, "watch_late", json_pack("{s:i, s:s, s:I, s:I}", "client", dsim_id(n) + 1,
                  "path", path, "zxid", (json_int_t)r->event_zxid,
                  "seen", (json_int_t)c->seen_before_event));
    }
    if (c->phase != ZK_CP_WAIT)
        return;   /* a watch of an earlier step: the client is already looking */
    c->wakeups++;
    client_emit(n, "lock_wakeup", c, NULL);
    list(n, c);
}

static void take(dsim_node *n, zk_client *c, const zk_reply *r)
{
    DSIM_ASSERT(r->seq == c->seq_in + 1);
    c->seq_in = r->seq;
    c->heard_mono = dsim_mono(n);
    if (r->op != ZK_OP_EVENT && r->zxid > c->seen_before_event)
        c->seen_before_event = r->zxid;   /* on this connection: its watches' */
    if (r->zxid > c->last_zxid)
        c->last_zxid = r->zxid;
    if (r->op == ZK_OP_EVENT) {
        on_event(n, c, r);
        return;
    }
    if (r->xid != c->xid_wait) {
        /* a heartbeat's answer, or one given up on; but a heartbeat is how
        ** a waiting client learns that its session is over */
        if (r->op == ZK_OP_PING && r->err == ZK_SESSIONEXPIRED && r->session == c->session)
            session_lost(n, c);
        return;
    }
    c->xid_wait = 0;
    if (c->timeout)
        dsim_timer_cancel(n, c->timeout);
    c->timeout = 0;
    on_reply(n, c, r);
}

void zk_client_message(dsim_node *n, int from, const dsim_msg *m)
{
    zk_client *c = client_of(n);
    zk_reply r;
    if (m->type != ZK_MSG_REPLY || m->len != sizeof r || from != c->server)
        return;
    memcpy(&r, m->data, sizeof r);
    if (r.conn != c->conn || r.seq <= c->seq_in)
        return;   /* another connection's, or a duplicate */
    if (r.seq > c->seq_in + 1) {
        for (uint32_t i = 0; i < c->inbox_count; i++)
            if (c->inbox[i].seq == r.seq)
                return;
        if (c->inbox_count < ZK_INBOX_MAX)
            c->inbox[c->inbox_count++] = r;   /* full: dropped, the timeout recovers */
        return;
    }
    uint64_t conn = c->conn;
    take(n, c, &r);
    /* then whatever waited for it, in order, while the connection holds */
    for (bool more = true; more && c->conn == conn;) {
        more = false;
        for (uint32_t i = 0; i < c->inbox_count; i++) {
            if (c->inbox[i].seq != c->seq_in + 1)
                continue;
            zk_reply next = c->inbox[i];
            c->inbox[i] = c->inbox[--c->inbox_count];
            take(n, c, &next);
            more = true;
            break;
        }
    }
}

void zk_client_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    zk_client *c = client_of(n);
    switch (kind) {
    case ZK_CT_TICK:
        dsim_timer(n, ZK_CT_TICK, 0, req_timeout(n));
        if (dsim_mono(n) - c->heard_mono > req_timeout(n) && !c->xid_wait)
            reconnect(n, c);   /* the server went quiet */
        else if (!c->connecting)
            zk_client_send(n, c, ZK_OP_PING, NULL, 0, false, NULL, 0);
        return;
    case ZK_CT_TIMEOUT:
        if (arg == c->xid_wait) {
            c->timeout = 0;
            reconnect(n, c);
        }
        return;
    case ZK_CT_WORK:
        if (arg != (uint64_t)c->round || c->phase != ZK_CP_HOLD || !c->holding)
            return;
    {
        /* the release deletes this path; kept in 'watching', which is free now */
        char parent[ZK_PATH_MAX];
        parent_path(c, parent);
        join(parent, c->entry, c->watching);
        write_resource(n, c);
        return;
    }
    case ZK_CT_THINK:
        if (c->recipe == ZK_R_KV)
            zk_kv_next(n, c);
        else if (arg == (uint64_t)c->round && c->phase == ZK_CP_IDLE && c->session)
            start_round(n, c);
        return;
    default:
        DSIM_ASSERT(!"a client timer");
    }
}

void zk_client_start(dsim_node *n)
{
    zk_client *c = dsim_state(n);
    memset(c, 0, sizeof *c);
    c->magic = CLIENT_MAGIC;
    zk_recipe_kind r = zk_recipe_parse(dsim_opt_str(n, "recipe"));
    DSIM_ASSERT((int)r >= 0);   /* 'validate' refused anything else */
    c->recipe = r;
    if (r == ZK_R_NONE)
        return;
    uint32_t len = 0;
    int64_t boot = 0;
    if (dsim_disk_get(n, "zk_boot", &boot, sizeof boot, &len) != DSIM_DISK_OK || len != sizeof boot)
        boot = 0;
    c->boot = boot + 1;
    dsim_disk_put(n, "zk_boot", &c->boot, sizeof c->boot);
    dsim_disk_sync(n);
    c->phase = ZK_CP_CONNECTING;
    connect_to(n, c, dsim_id(n) % servers_of(n));
    dsim_timer(n, ZK_CT_TICK, 0, req_timeout(n));
}

void zk_client_inspect(dsim_node *n, json_t *out)
{
    zk_client *c = client_of(n);
    json_object_set_new(out, "role", json_string("client"));
    json_object_set_new(out, "recipe", json_string(zk_recipe_name(c->recipe)));
    json_object_set_new(out, "server", json_integer(c->server + 1));
    json_object_set_new(out, "session", json_integer((json_int_t)c->session));
    json_object_set_new(out, "holding", json_boolean(c->holding));
    json_object_set_new(out, "rounds_done", json_integer(c->rounds_done));
    json_object_set_new(out, "reconnects", json_integer((json_int_t)c->reconnects));
}

const char *zk_invariants(dsim_world *w, int servers, char *buf, size_t cap)
{
    int nodes = dsim_node_count(w);
    for (int i = servers; i < nodes; i++) {
        const zk_client *c = dsim_state(dsim_node_at(w, i));
        if (c->magic != CLIENT_MAGIC || c->late_events == 0)
            continue;
        snprintf(buf, cap, "Watch order: n%d saw the state at zxid %llu.%llu before the watch "
                 "event of a change at or before it (ZooKeeper: the event comes first)", i + 1,
                 (unsigned long long)(c->late_seen >> 32),
                 (unsigned long long)(c->late_seen & 0xffffffffu));
        return buf;
    }
    return NULL;
}
