/*
** zk_server.c — a server's part of the coordination service: client
** connections, reads, writes through the leader, sessions and their
** expiry, watches, sync.
**
** - Reads (get, exists, children) are served at once from this server's
**   tree, which trails the leader by what it has not applied yet: reads
**   are sequentially consistent per session, not linearizable. A client
**   that needs the latest value calls sync first: the server asks the
**   broadcast ('zab_sync') and answers when the sync's no-op is applied
**   here, so the next read sees everything committed before the sync.
** - Writes (create, delete, set, close, and the opening of a session)
**   become a 'zk_txn' naming the client, its request number and this
**   server ('origin'). The leader proposes it; a follower forwards it to
**   the leader it knows of. Every server applies it ('zk_on_apply'); the
**   origin answers the client then. Nothing answers a write that is lost
**   with a leader change: the client times out and reconnects (ZooKeeper's
**   CONNECTIONLOSS), and the recipes are written so a repeat is harmless.
** - Watches are this server's ('zk_watch.c'). 'zk_on_apply' fires them
**   before it answers the write and before any later read, and both go
**   down the client's numbered channel: the client sees the event first.
** - Sessions: each request and heartbeat from a client is a sign of life;
**   a follower passes it to the leader (ZK_MSG_TOUCH). Only the leader
**   decides expiry, on its monotonic clock, and proposes a close, which
**   deletes the session's ephemerals on every server. A new leader counts
**   every session as heard at the moment it became leader (ZooKeeper's
**   grace after an election).
** - A client reconnecting to this server with its session is refused
**   (CONNECTIONLOSS) when this server has applied less than the client has
**   seen, so a session never reads backwards across servers; and while the
**   server looks for a leader it refuses every request, heartbeats too, so
**   its clients go to a server that serves (its tree may be far behind).
*/
#include <string.h>

#include "zk.h"

bool zab_is_leader(dsim_node *n);
int zab_leader_hint(dsim_node *n);
bool zab_propose(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie);
bool zab_sync(dsim_node *n, uint64_t cookie);

/* A sync's cookie: a tag, the client and its request number (the
** broadcast's own syncs use random cookies; the tag keeps them apart). */
#define SYNC_TAG 0x5a4bull
static uint64_t sync_cookie(int c, uint32_t xid)
{
    return SYNC_TAG << 48 | (uint64_t)(uint32_t)c << 32 | xid;
}

static zk_server *server_of(dsim_node *n)
{
    zk_server *z = zab_zk(n);
    DSIM_ASSERT(z != NULL);
    DSIM_ASSERT(zab_tree(n)->count >= 1);   /* the broadcast inits it at boot */
    return z;
}

static void arm_sweep(dsim_node *n, zk_server *z)
{
    if (z->sweeping)
        return;
    z->sweeping = true;
    dsim_timer(n, ZK_TIMER_SWEEP, 0, dsim_opt_ms(n, "session_timeout") / 4);
}

/* Sends 'r' on client 'c''s channel, numbering it. */
static void channel_send(dsim_node *n, zk_server *z, int c, zk_reply *r)
{
    DSIM_ASSERT(c >= 0 && c < ZK_CLIENTS_MAX);
    zk_conn *k = &z->conns[c];
    if (k->conn == 0)
        return;   /* the client went elsewhere: it asks again there */
    r->conn = k->conn;
    r->seq = ++k->seq_out;
    r->zxid = zab_tree(n)->zxid;
    dsim_send(n, c, ZK_MSG_REPLY, r, sizeof *r);
}

static void answer(dsim_node *n, zk_server *z, int c, const zk_req *q, int err)
{
    zk_reply r;
    memset(&r, 0, sizeof r);
    r.op = q->op;
    r.xid = q->xid;
    r.err = err;
    r.session = q->session;
    channel_send(n, z, c, &r);
}

static void send_events(dsim_node *n, zk_server *z, const zk_fired *f, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        zk_reply r;
        memset(&r, 0, sizeof r);
        r.op = ZK_OP_EVENT;
        r.event = f[i].type;
        r.event_zxid = f[i].zxid;
        memcpy(r.path, f[i].path, ZK_PATH_MAX);
        z->watches_fired++;
        dsim_emit(n, "watch_fired", json_pack("{s:i, s:s, s:i}", "client", f[i].client + 1,
                  "path", f[i].path, "type", f[i].type));
        channel_send(n, z, f[i].client, &r);
    }
}

static zk_heard *heard_of(zk_server *z, uint64_t session, bool add)
{
    zk_heard *free_slot = NULL;
    for (int i = 0; i < ZK_SESSIONS_MAX; i++) {
        if (z->heard[i].session == session)
            return &z->heard[i];
        if (!z->heard[i].session && !free_slot)
            free_slot = &z->heard[i];
    }
    if (!add || !free_slot)
        return NULL;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->session = session;
    return free_slot;
}

static void touch(dsim_node *n, zk_server *z, uint64_t session)
{
    if (zab_is_leader(n)) {
        zk_heard *h = heard_of(z, session, true);
        if (h && !h->expired)
            h->mono_ns = dsim_mono(n);
        return;
    }
    int leader = zab_leader_hint(n);
    if (leader >= 0 && leader != dsim_id(n)) {
        zk_touch t = {.session = session};
        dsim_send(n, leader, ZK_MSG_TOUCH, &t, sizeof t);
    }
}

/* Hands a write to the leader; false when there is none to hand it to. */
static bool submit(dsim_node *n, const zk_txn *x)
{
    uint8_t buf[ZK_TXN_BYTES];
    size_t len = zk_txn_encode(x, buf, sizeof buf);
    DSIM_ASSERT(len == ZK_TXN_BYTES);
    if (zab_is_leader(n))
        return zab_propose(n, buf, (uint32_t)len, 0);
    int leader = zab_leader_hint(n);
    if (leader < 0 || leader == dsim_id(n))
        return false;
    dsim_send(n, leader, ZK_MSG_FWD, buf, (uint32_t)len);
    return true;
}

static void write_request(dsim_node *n, zk_server *z, int c, const zk_req *q)
{
    zk_txn x;
    memset(&x, 0, sizeof x);
    x.client = c;
    x.origin = dsim_id(n);
    x.xid = q->xid;
    x.conn = q->conn;
    x.conn_seq = q->conn_seq;
    x.session = q->session;
    x.version = q->version;
    x.flags = q->flags;
    x.data_len = q->data_len <= ZK_DATA_MAX ? q->data_len : ZK_DATA_MAX;
    memcpy(x.path, q->path, ZK_PATH_MAX);
    x.path[ZK_PATH_MAX - 1] = 0;
    memcpy(x.data, q->data, x.data_len);
    switch (q->op) {
    case ZK_OP_CONNECT: x.kind = ZK_TXN_SESSION_OPEN; x.arg = q->timeout_ns; break;
    case ZK_OP_CREATE: x.kind = ZK_TXN_CREATE; break;
    case ZK_OP_DELETE: x.kind = ZK_TXN_DELETE; break;
    case ZK_OP_SET: x.kind = ZK_TXN_SET; break;
    case ZK_OP_CLOSE: x.kind = ZK_TXN_SESSION_CLOSE; break;
    default: DSIM_ASSERT(!"a write");
    }
    if (!submit(n, &x))
        answer(n, z, c, q, ZK_CONNECTIONLOSS);
}

static void read_request(dsim_node *n, zk_server *z, int c, const zk_req *q)
{
    zk_reply r;
    memset(&r, 0, sizeof r);
    r.op = q->op;
    r.xid = q->xid;
    r.session = q->session;
    char path[ZK_PATH_MAX];
    memcpy(path, q->path, ZK_PATH_MAX);
    path[ZK_PATH_MAX - 1] = 0;
    memcpy(r.path, path, ZK_PATH_MAX);
    if (q->op == ZK_OP_CHILDREN) {
        char names[ZK_CHILDREN_MAX][ZK_PATH_MAX];
        r.err = zk_tree_children(zab_tree(n), path, names, ZK_CHILDREN_MAX, &r.count);
        for (uint32_t i = 0; i < r.count && i < ZK_REPLY_NAMES_MAX; i++)
            memcpy(r.names[i], names[i], strnlen(names[i], ZK_NAME_MAX - 1));
        if (r.err == ZK_OK && q->watch)
            zk_watch_add(&z->watches, c, ZK_W_CHILD, path);
    } else {
        r.err = zk_tree_get(zab_tree(n), path, r.data, ZK_DATA_MAX, &r.stat);
        r.data_len = (uint8_t)r.stat.data_len;
        /* exists watches a missing node too (for its creation); get does not */
        if (q->watch && (r.err == ZK_OK || (r.err == ZK_NONODE && q->op == ZK_OP_EXISTS)))
            zk_watch_add(&z->watches, c, ZK_W_DATA, path);
    }
    channel_send(n, z, c, &r);
}

static void connect_request(dsim_node *n, zk_server *z, int c, const zk_req *q)
{
    zk_conn *k = &z->conns[c];
    zk_watch_drop_client(&z->watches, c);   /* a new connection sets its watches again */
    k->conn = q->conn;
    k->seq_out = 0;
    k->session = q->session;
    if (q->last_zxid > zab_tree(n)->zxid) {
        answer(n, z, c, q, ZK_CONNECTIONLOSS);   /* behind the client: it tries another */
        k->conn = 0;
        return;
    }
    if (q->session == 0) {
        write_request(n, z, c, q);
        return;
    }
    if (!zk_tree_session(zab_tree(n), q->session)) {
        answer(n, z, c, q, ZK_SESSIONEXPIRED);
        return;
    }
    touch(n, z, q->session);
    answer(n, z, c, q, ZK_OK);
}

static void client_request(dsim_node *n, zk_server *z, int c, const zk_req *q)
{
    if (zab_leader_hint(n) < 0) {
        /* looking for a leader: this server's tree may be far behind and no
        ** write or heartbeat would reach a leader; ZooKeeper drops its
        ** clients then, so they go to a server that serves */
        if (q->op == ZK_OP_CONNECT || z->conns[c].conn == q->conn) {
            zk_conn *k = &z->conns[c];
            k->conn = q->conn;
            k->seq_out = 0;
            answer(n, z, c, q, ZK_CONNECTIONLOSS);
            k->conn = 0;
        }
        return;
    }
    if (q->op == ZK_OP_CONNECT) {
        if (z->conns[c].conn != q->conn)   /* the same: a network's copy (each connect draws its own) */
            connect_request(n, z, c, q);
        return;
    }
    if (z->conns[c].conn != q->conn)
        return;   /* an old connection's request: the client has moved on */
    if (!zk_tree_session(zab_tree(n), q->session) || z->conns[c].session != q->session) {
        answer(n, z, c, q, ZK_SESSIONEXPIRED);
        return;
    }
    touch(n, z, q->session);
    switch (q->op) {
    case ZK_OP_PING:
        answer(n, z, c, q, ZK_OK);
        return;
    case ZK_OP_GET: case ZK_OP_EXISTS: case ZK_OP_CHILDREN:
        read_request(n, z, c, q);
        return;
    case ZK_OP_SYNC:
        if (dsim_bug(n, "sync_ignored"))
            answer(n, z, c, q, ZK_OK);   /* bug: no sync, the next read may be stale */
        else if (!zab_sync(n, sync_cookie(c, q->xid)))
            answer(n, z, c, q, ZK_CONNECTIONLOSS);
        return;
    default:
        write_request(n, z, c, q);
        return;
    }
}

void zk_server_message(dsim_node *n, int from, const dsim_msg *m)
{
    zk_server *z = server_of(n);
    arm_sweep(n, z);
    switch (m->type) {
    case ZK_MSG_REQ: {
        zk_req q;
        if (m->len != sizeof q || from < 0 || from >= ZK_CLIENTS_MAX)
            return;
        memcpy(&q, m->data, sizeof q);
        client_request(n, z, from, &q);
        return;
    }
    case ZK_MSG_FWD:
        if (m->len == ZK_TXN_BYTES && zab_is_leader(n))
            zab_propose(n, m->data, m->len, 0);   /* lost when refused: the client retries */
        return;
    case ZK_MSG_TOUCH: {
        zk_touch t;
        if (m->len == sizeof t && zab_is_leader(n)) {
            memcpy(&t, m->data, sizeof t);
            touch(n, z, t.session);
        }
        return;
    }
    default:
        return;   /* not ours: ignored like any garbage */
    }
}

/* The leader's expiry sweep: a close for every session silent too long. */
static void sweep(dsim_node *n, zk_server *z)
{
    bool leader = zab_is_leader(n);
    int64_t now = dsim_mono(n);
    if (leader && !z->was_leader)
        memset(z->heard, 0, sizeof z->heard);   /* the grace: heard now, below */
    z->was_leader = leader;
    if (!leader)
        return;
    for (uint32_t i = 0; i < zab_tree(n)->session_count; i++) {
        const zk_session *s = &zab_tree(n)->sessions[i];
        zk_heard *h = heard_of(z, s->id, true);
        if (!h)
            continue;   /* more sessions than slots cannot happen: same bound */
        if (h->mono_ns == 0)
            h->mono_ns = now;
        if (h->closing || h->expired || now - h->mono_ns <= s->timeout_ns)
            continue;
        dsim_emit(n, "session_expired", json_pack("{s:i, s:I}", "client", s->client + 1,
                  "session", (json_int_t)s->id));
        z->sessions_expired++;
        if (dsim_bug(n, "ephemeral_leak")) {
            h->expired = true;   /* bug: expired here only, its ephemerals stay */
            continue;
        }
        zk_txn x;
        memset(&x, 0, sizeof x);
        x.kind = ZK_TXN_SESSION_CLOSE;
        x.session = s->id;
        x.client = s->client;
        x.origin = -1;
        x.arg = 1;
        h->closing = submit(n, &x);
    }
    /* forget what the tree no longer holds */
    for (int i = 0; i < ZK_SESSIONS_MAX; i++)
        if (z->heard[i].session && !zk_tree_session(zab_tree(n), z->heard[i].session))
            memset(&z->heard[i], 0, sizeof z->heard[i]);
}

void zk_server_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    zk_server *z = server_of(n);
    if (kind == ZK_TIMER_EVENTS) {
        uint32_t count = z->late_count;
        z->late_count = 0;
        send_events(n, z, z->late, count);
        return;
    }
    DSIM_ASSERT(kind == ZK_TIMER_SWEEP);
    sweep(n, z);
    dsim_timer(n, ZK_TIMER_SWEEP, 0, dsim_opt_ms(n, "session_timeout") / 4);
}

static void fire_watches(dsim_node *n, zk_server *z, const zk_effect *e, uint64_t zxid)
{
    zk_fired f[ZK_WATCHES_MAX];
    uint32_t count = zk_watch_fire(&z->watches, e, f);
    for (uint32_t i = 0; i < count; i++)
        f[i].zxid = zxid;
    if (count == 0)
        return;
    if (!dsim_bug(n, "watch_after_data")) {
        send_events(n, z, f, count);
        return;
    }
    /* bug: the events go out later, after replies and reads that follow */
    if (z->late_count == 0)
        dsim_timer(n, ZK_TIMER_EVENTS, 0, DSIM_MS(20));
    for (uint32_t i = 0; i < count && z->late_count < ZK_WATCHES_MAX; i++)
        z->late[z->late_count++] = f[i];
}

/* A write of the lock recipes' protected znode applied here: the mutex
** check's storage write. Every server reports it, with its zxid as the
** write's id: the check judges it at its first report, when it took effect
** in the total order. (Reported only by the server the client asked, a
** write that server applied late, after a partition, looked like one made
** after the writer's session had expired and another client had written.)
** Not when the answer reaches a client, which may be paused. */
static void report_resource_write(dsim_node *n, uint64_t zxid, const zk_txn *x, const zk_effect *e)
{
    int64_t rec[2];
    if (e->err != ZK_OK || (x->kind != ZK_TXN_SET && x->kind != ZK_TXN_CREATE) ||
        strcmp(x->path, ZK_RESOURCE) != 0 || x->data_len != sizeof rec)
        return;
    memcpy(rec, x->data, sizeof rec);
    dsim_emit(n, "storage_write", json_pack("{s:i, s:I, s:I, s:b, s:b, s:I}", "client", x->client + 1,
              "round", (json_int_t)rec[0], "token", (json_int_t)rec[1], "accepted", 1, "fencing", 0,
              "write", (json_int_t)zxid));
}

static void apply_zk(dsim_node *n, zk_server *z, uint64_t zxid, const uint8_t *txn, uint32_t len)
{
    zk_effect e;
    zk_tree_apply(zab_tree(n), txn, len, zxid, &e);
    zk_txn x;
    if (!zk_txn_decode(txn, len, &x))
        return;
    fire_watches(n, z, &e, zxid);
    if (x.client >= 0 && x.client < ZK_CLIENTS_MAX)
        report_resource_write(n, zxid, &x, &e);
    /* a closed session's watches go, unless its client node has moved on
    ** to a newer session here (its watches are that session's) */
    if (x.kind == ZK_TXN_SESSION_CLOSE && e.err == ZK_OK && e.client >= 0 &&
        e.client < ZK_CLIENTS_MAX && z->conns[e.client].session == x.session) {
        zk_watch_drop_client(&z->watches, e.client);
        z->conns[e.client].session = 0;
    }
    if (x.origin != dsim_id(n) || x.client < 0 || x.client >= ZK_CLIENTS_MAX)
        return;
    zk_conn *k = &z->conns[x.client];
    if (k->conn != x.conn)
        return;   /* asked on a connection that is gone: the client asks again */
    if (x.kind == ZK_TXN_SESSION_OPEN && e.err == ZK_OK) {
        k->session = e.session;
        if (zab_is_leader(n)) {
            zk_heard *h = heard_of(z, e.session, true);
            if (h)
                h->mono_ns = dsim_mono(n);
        }
    }
    zk_reply r;
    memset(&r, 0, sizeof r);
    static const uint32_t op_of[] = {0, ZK_OP_CREATE, ZK_OP_DELETE, ZK_OP_SET, ZK_OP_CONNECT, ZK_OP_CLOSE};
    DSIM_ASSERT(x.kind >= ZK_TXN_CREATE && x.kind <= ZK_TXN_SESSION_CLOSE);
    r.op = op_of[x.kind];
    r.xid = x.xid;
    r.err = e.err;
    r.session = x.kind == ZK_TXN_SESSION_OPEN ? e.session : x.session;
    r.stat = e.stat;
    memcpy(r.path, e.path, ZK_PATH_MAX);
    channel_send(n, z, x.client, &r);
}

void zk_on_apply(dsim_node *n, uint64_t zxid, const uint8_t *txn, uint32_t len, uint64_t cookie, bool mine)
{
    zk_server *z = server_of(n);
    arm_sweep(n, z);
    if (len >= 1 && txn[0] == ZK_TXN_OWNER) {
        apply_zk(n, z, zxid, txn, len);
        return;
    }
    if (!mine || cookie >> 48 != SYNC_TAG)
        return;
    /* a sync of ours: everything committed before it is applied here now */
    int c = (int)((cookie >> 32) & 0xffff);
    if (c >= ZK_CLIENTS_MAX || sync_cookie(c, (uint32_t)cookie) != cookie)
        return;
    zk_reply r;
    memset(&r, 0, sizeof r);
    r.op = ZK_OP_SYNC;
    r.xid = (uint32_t)cookie;
    r.session = z->conns[c].session;
    channel_send(n, z, c, &r);
}

void zk_on_reset(dsim_node *n)
{
    /* The tree was replaced wholesale: a watch may have missed its change.
    ** Fire every watch (a spurious event only makes a recipe look again). */
    zk_server *z = server_of(n);
    arm_sweep(n, z);
    zk_fired f[ZK_WATCHES_MAX];
    uint32_t count = z->watches.count;
    for (uint32_t i = 0; i < count; i++) {
        f[i].client = z->watches.w[i].client;
        f[i].type = z->watches.w[i].kind == ZK_W_DATA ? ZK_EV_DATA : ZK_EV_CHILDREN;
        f[i].zxid = 0;   /* no change of its own */
        memcpy(f[i].path, z->watches.w[i].path, ZK_PATH_MAX);
    }
    memset(&z->watches, 0, sizeof z->watches);
    send_events(n, z, f, count);
}

void zk_server_inspect(dsim_node *n, json_t *out)
{
    zk_server *z = server_of(n);
    json_object_set_new(out, "sessions", json_integer(zab_tree(n)->session_count));
    json_object_set_new(out, "znodes", json_integer(zab_tree(n)->count));
    json_object_set_new(out, "watches", json_integer(z->watches.count));
    json_object_set_new(out, "sessions_expired", json_integer((json_int_t)z->sessions_expired));
    /* the lock recipes' entries, for the viewer and c:state(n) */
    static const char *const parents[] = {"/lock", "/election", NULL};
    for (int p = 0; parents[p]; p++) {
        char names[ZK_CHILDREN_MAX][ZK_PATH_MAX];
        uint32_t count = 0;
        if (zk_tree_children(zab_tree(n), parents[p], names, ZK_CHILDREN_MAX, &count) != ZK_OK)
            continue;
        json_t *list = json_array();
        for (uint32_t i = 0; i < count && i < ZK_CHILDREN_MAX; i++)
            json_array_append_new(list, json_string(names[i]));
        json_object_set_new(out, parents[p] + 1, list);
    }
}
