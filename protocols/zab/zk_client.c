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
** The recipes run on top: zk_lock.c (lock, herd, election, barrier) and
** zk_kv.c (kv); each client message is taken here, in order, and handed
** to them. The client also checks ZooKeeper's watch order (a 'watch_late'
** event, and 'zk_invariants' for the global view).
*/
#include <stdio.h>
#include <string.h>

#include "zk.h"

#define CLIENT_MAGIC 0x7a6b636cu

int zk_client_servers(dsim_node *n)
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

static int64_t req_timeout(dsim_node *n)
{
    return dsim_opt_ms(n, "session_timeout") / 3;
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
    q.conn_seq = c->conn_seq;
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
    c->conn_seq++;
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
    connect_to(n, c, (c->server + 1) % zk_client_servers(n));
}

static void session_lost(dsim_node *n, zk_client *c)
{
    zk_lock_lose(n, c, "expired");
    c->session = 0;
    connect_to(n, c, c->server);
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
    if (r->op != ZK_OP_CONNECT) {
        zk_lock_reply(n, c, r);
        return;
    }
    c->connecting = false;
    if (c->session != r->session) {
        c->session = r->session;   /* a new session: a new round */
        c->in_round = false;
    }
    if (c->recipe == ZK_R_KV) {
        c->in_round = true;
        zk_kv_next(n, c);
    } else if (!c->in_round) {
        zk_lock_begin(n, c);
    } else {
        zk_lock_resume(n, c);   /* the same session elsewhere */
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
    zk_lock_event(n, c);
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
        else if (r->op == ZK_OP_PING && r->err == ZK_CONNECTIONLOSS && !c->xid_wait)
            reconnect(n, c);   /* the server stopped serving */
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
        zk_lock_work(n, c, arg);
        return;
    case ZK_CT_THINK:
        if (c->recipe == ZK_R_KV)
            zk_kv_next(n, c);
        else
            zk_lock_think(n, c, arg);
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
    connect_to(n, c, dsim_id(n) % zk_client_servers(n));
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
