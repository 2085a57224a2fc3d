/*
** zk_tree.c — the znode tree of the coordination service: pure data, the
** same on every server because every server applies the same committed
** transactions in zxid order ('zk_tree_apply').
**
** Invariants (what 'zk_tree_load' checks in zk_snap.c before it trusts bytes):
**   nodes[0] is "/"; nodes[0 .. count) are sorted by path, no duplicates;
**   every node but the root has its parent in the tree; a parent's
**   'num_children' counts exactly its children; an ephemeral node has no
**   children and its owner is an open session; unused path and data bytes
**   are zero, so the saved bytes and the digest depend only on the content.
** A failed operation changes nothing but the last zxid: the transaction was
** committed all the same and every replica must agree it failed. A write
** made in a session (session != 0) fails with SESSIONEXPIRED when that
** session was closed before it in the order: a client paused past its
** expiry cannot write after the close that let another client in. And a
** write that comes through an older connection of its session than one a
** write already came through fails with SESSIONMOVED (ZooKeeper's check):
** a request a slow server forwards late cannot land after the client moved
** on (a create of a lock entry the client no longer knows about). So does a
** write whose request number is not above the session's last applied one:
** a network's copy of a request (TCP, which ZooKeeper runs on, never makes
** one; the simulated network does) must not apply twice.
** Sizes are bounded (zk.h); lookups are binary searches, children listings
** and session cleanups scan the array (ZK_ZNODES_MAX entries at most).
*/
#include <string.h>

#include "dsim.h"
#include "zk.h"

_Static_assert(sizeof(zk_stat) == 48, "zk_stat has no padding");
_Static_assert(sizeof(zk_znode) == ZK_PATH_MAX + ZK_DATA_MAX + 56, "zk_znode has no padding");
_Static_assert(sizeof(zk_txn) == 48 + ZK_PATH_MAX + ZK_DATA_MAX, "zk_txn has no padding");
_Static_assert(ZK_DATA_MAX <= 255, "data_len fits a byte");
_Static_assert(ZK_PATH_MAX > ZK_SEQ_DIGITS + 2, "a sequential name fits");


const char *zk_err_name(int err)
{
    switch (err) {
    case ZK_OK: return "OK";
    case ZK_BADARGUMENTS: return "BADARGUMENTS";
    case ZK_NONODE: return "NONODE";
    case ZK_BADVERSION: return "BADVERSION";
    case ZK_NOCHILDRENFOREPHEMERALS: return "NOCHILDRENFOREPHEMERALS";
    case ZK_NODEEXISTS: return "NODEEXISTS";
    case ZK_NOTEMPTY: return "NOTEMPTY";
    case ZK_SESSIONEXPIRED: return "SESSIONEXPIRED";
    case ZK_SESSIONMOVED: return "SESSIONMOVED";
    case ZK_OUTOFSPACE: return "OUTOFSPACE";
    default: return "UNKNOWN";
    }
}

bool zk_path_valid(const char *path)
{
    size_t len = strnlen(path, ZK_PATH_MAX);
    if (len == 0 || len >= ZK_PATH_MAX || path[0] != '/')
        return false;
    if (len == 1)
        return true;
    if (path[len - 1] == '/')
        return false;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x21 || c > 0x7e || (c == '/' && path[i - 1] == '/'))
            return false;
    }
    return true;
}

/* The parent of a valid path other than "/", into 'out'. */
static void parent_of(const char *path, char out[ZK_PATH_MAX])
{
    const char *slash = strrchr(path, '/');
    DSIM_ASSERT(slash != NULL);
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    memset(out, 0, ZK_PATH_MAX);
    memcpy(out, path, len);
}

/* Binary search: the index of 'path', or -(insertion point) - 1. */
static int locate(const zk_tree *t, const char *path)
{
    int lo = 0, hi = (int)t->count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strncmp(t->nodes[mid].path, path, ZK_PATH_MAX);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -lo - 1;
}

static int find(const zk_tree *t, const char *path)
{
    int i = locate(t, path);
    return i >= 0 ? i : -1;
}

static int session_index(const zk_tree *t, uint64_t id)
{
    for (uint32_t i = 0; i < t->session_count; i++)
        if (t->sessions[i].id == id)
            return (int)i;
    return -1;
}

void zk_tree_init(zk_tree *t)
{
    memset(t, 0, sizeof *t);
    t->count = 1;
    t->nodes[0].path[0] = '/';
    t->session_next = 1;
}

static void note(zk_effect *out, uint8_t kind, const char *path)
{
    if (!out)
        return;
    DSIM_ASSERT(out->changed_count < ZK_CHANGED_MAX);
    zk_change *c = &out->changed[out->changed_count++];
    c->kind = kind;
    memset(c->path, 0, sizeof c->path);
    memcpy(c->path, path, strnlen(path, ZK_PATH_MAX - 1));
}

/* Removes nodes[i] (a leaf) and updates its parent. */
static void remove_at(zk_tree *t, int i, uint64_t zxid, zk_effect *out)
{
    DSIM_ASSERT(i > 0 && (uint32_t)i < t->count);
    DSIM_ASSERT(t->nodes[i].stat.num_children == 0);
    char path[ZK_PATH_MAX], parent[ZK_PATH_MAX];
    memcpy(path, t->nodes[i].path, ZK_PATH_MAX);
    parent_of(path, parent);
    memmove(&t->nodes[i], &t->nodes[i + 1], (t->count - (uint32_t)i - 1) * sizeof t->nodes[0]);
    t->count--;
    memset(&t->nodes[t->count], 0, sizeof t->nodes[0]);
    int p = find(t, parent);
    DSIM_ASSERT(p >= 0 && t->nodes[p].stat.num_children > 0);
    t->nodes[p].stat.num_children--;
    t->nodes[p].stat.cversion++;
    t->nodes[p].stat.pzxid = zxid;
    note(out, ZK_CH_DELETED, path);
    note(out, ZK_CH_CHILDREN, parent);
}

static int create(zk_tree *t, const zk_txn *x, uint64_t zxid, zk_effect *out)
{
    size_t len = strnlen(x->path, ZK_PATH_MAX);
    if (!zk_path_valid(x->path) || len == 1)
        return ZK_BADARGUMENTS;
    if ((x->flags & ZK_SEQUENTIAL) && len + ZK_SEQ_DIGITS >= ZK_PATH_MAX)
        return ZK_BADARGUMENTS;
    char parent[ZK_PATH_MAX];
    parent_of(x->path, parent);
    int p = find(t, parent);
    if (p < 0)
        return ZK_NONODE;
    if (t->nodes[p].stat.ephemeral_owner)
        return ZK_NOCHILDRENFOREPHEMERALS;
    if ((x->flags & ZK_EPHEMERAL) && session_index(t, x->session) < 0)
        return ZK_SESSIONEXPIRED;
    char name[ZK_PATH_MAX];
    memset(name, 0, sizeof name);
    memcpy(name, x->path, len);
    if (x->flags & ZK_SEQUENTIAL) {
        /* '%010u' of the parent's counter; the length was checked above */
        uint32_t v = t->nodes[p].seq_next;
        for (int d = ZK_SEQ_DIGITS - 1; d >= 0; d--, v /= 10)
            name[len + (size_t)d] = (char)('0' + v % 10);
    }
    int at = locate(t, name);
    if (at >= 0)
        return ZK_NODEEXISTS;
    if (t->count == ZK_ZNODES_MAX)
        return ZK_OUTOFSPACE;
    at = -at - 1;
    DSIM_ASSERT(at > p);   /* a parent's path is a prefix: it sorts first */
    memmove(&t->nodes[at + 1], &t->nodes[at], (t->count - (uint32_t)at) * sizeof t->nodes[0]);
    t->count++;
    zk_znode *z = &t->nodes[at];
    memset(z, 0, sizeof *z);
    memcpy(z->path, name, ZK_PATH_MAX);
    memcpy(z->data, x->data, x->data_len);
    z->stat = (zk_stat){.czxid = zxid, .mzxid = zxid, .pzxid = zxid, .data_len = x->data_len,
                        .ephemeral_owner = (x->flags & ZK_EPHEMERAL) ? x->session : 0};
    zk_stat *ps = &t->nodes[p].stat;
    if (x->flags & ZK_SEQUENTIAL)
        t->nodes[p].seq_next++;
    ps->num_children++;
    ps->cversion++;
    ps->pzxid = zxid;
    if (out) {
        memcpy(out->path, name, ZK_PATH_MAX);
        out->stat = z->stat;
    }
    note(out, ZK_CH_CREATED, name);
    note(out, ZK_CH_CHILDREN, parent);
    return ZK_OK;
}

static int delete(zk_tree *t, const zk_txn *x, uint64_t zxid, zk_effect *out)
{
    if (!zk_path_valid(x->path) || strcmp(x->path, "/") == 0)
        return ZK_BADARGUMENTS;
    int i = find(t, x->path);
    if (i < 0)
        return ZK_NONODE;
    if (x->version != -1 && x->version != t->nodes[i].stat.version)
        return ZK_BADVERSION;
    if (t->nodes[i].stat.num_children > 0)
        return ZK_NOTEMPTY;
    remove_at(t, i, zxid, out);
    return ZK_OK;
}

static int set(zk_tree *t, const zk_txn *x, uint64_t zxid, zk_effect *out)
{
    if (!zk_path_valid(x->path))
        return ZK_BADARGUMENTS;
    int i = find(t, x->path);
    if (i < 0)
        return ZK_NONODE;
    zk_znode *z = &t->nodes[i];
    if (x->version != -1 && x->version != z->stat.version)
        return ZK_BADVERSION;
    memset(z->data, 0, sizeof z->data);
    memcpy(z->data, x->data, x->data_len);
    z->stat.data_len = x->data_len;
    z->stat.version++;
    z->stat.mzxid = zxid;
    if (out)
        out->stat = z->stat;
    note(out, ZK_CH_DATA, z->path);
    return ZK_OK;
}

static int session_open(zk_tree *t, const zk_txn *x, zk_effect *out)
{
    if (t->session_count == ZK_SESSIONS_MAX)
        return ZK_OUTOFSPACE;
    if (x->arg <= 0)
        return ZK_BADARGUMENTS;
    zk_session *s = &t->sessions[t->session_count++];
    memset(s, 0, sizeof *s);
    s->id = t->session_next++;
    s->timeout_ns = x->arg;
    s->client = x->client;
    if (out) {
        out->session = s->id;
        out->client = s->client;
    }
    return ZK_OK;
}

/* Closes a session and deletes its ephemeral nodes (they are leaves). */
static int session_close(zk_tree *t, const zk_txn *x, uint64_t zxid, zk_effect *out)
{
    int s = session_index(t, x->session);
    if (s < 0)
        return ZK_SESSIONEXPIRED;
    if (out) {
        out->session = x->session;
        out->client = t->sessions[s].client;
    }
    for (int i = (int)t->count - 1; i > 0; i--)
        if (t->nodes[i].stat.ephemeral_owner == x->session)
            remove_at(t, i, zxid, out);
    memmove(&t->sessions[s], &t->sessions[s + 1],
            (t->session_count - (uint32_t)s - 1) * sizeof t->sessions[0]);
    t->session_count--;
    memset(&t->sessions[t->session_count], 0, sizeof t->sessions[0]);
    return ZK_OK;
}

void zk_tree_apply(zk_tree *t, const uint8_t *txn, uint32_t len, uint64_t zxid, zk_effect *out)
{
    DSIM_ASSERT(t->count >= 1);
    DSIM_ASSERT(zxid > t->zxid);
    t->zxid = zxid;
    zk_txn x;
    if (out) {
        memset(out, 0, offsetof(zk_effect, changed));
        out->changed_count = 0;
    }
    int err;
    if (!zk_txn_decode(txn, len, &x)) {
        err = ZK_BADARGUMENTS;
    } else {
        if (out)
            out->kind = x.kind;
        bool needs_session = x.kind == ZK_TXN_CREATE || x.kind == ZK_TXN_DELETE || x.kind == ZK_TXN_SET;
        int s = needs_session && x.session != 0 ? session_index(t, x.session) : -2;
        if (s == -1) {
            x.kind = 0;   /* a write of a session closed before it: refused below */
        } else if (s >= 0 && (x.conn_seq < t->sessions[s].conn_seq || x.xid <= t->sessions[s].xid)) {
            /* from a connection older than one already heard, or a request
            ** this session already wrote: a network's copy of it (TCP
            ** would never deliver one; a client's request numbers only
            ** grow, and it has one write out at a time): refused */
            x.kind = 255;
        } else if (s >= 0) {
            t->sessions[s].conn_seq = x.conn_seq;
            t->sessions[s].xid = x.xid;
        }
        switch (x.kind) {
        case 0: err = ZK_SESSIONEXPIRED; break;
        case 255: err = ZK_SESSIONMOVED; break;
        case ZK_TXN_CREATE: err = create(t, &x, zxid, out); break;
        case ZK_TXN_DELETE: err = delete(t, &x, zxid, out); break;
        case ZK_TXN_SET: err = set(t, &x, zxid, out); break;
        case ZK_TXN_SESSION_OPEN: err = session_open(t, &x, out); break;
        case ZK_TXN_SESSION_CLOSE: err = session_close(t, &x, zxid, out); break;
        default: err = ZK_BADARGUMENTS; break;
        }
    }
    if (out) {
        out->err = err;
        if (err != ZK_OK)
            out->changed_count = 0;
    }
}

size_t zk_txn_encode(const zk_txn *x, uint8_t *buf, size_t cap)
{
    if (cap < ZK_TXN_BYTES)
        return 0;
    zk_txn c = *x;
    c.owner = ZK_TXN_OWNER;
    /* zero what follows the path's NUL and the data, so equal txns are equal bytes */
    size_t plen = strnlen(c.path, ZK_PATH_MAX);
    memset(c.path + plen, 0, ZK_PATH_MAX - plen);
    if (c.data_len > ZK_DATA_MAX)
        return 0;
    memset(c.data + c.data_len, 0, ZK_DATA_MAX - c.data_len);
    memcpy(buf, &c, sizeof c);
    return sizeof c;
}

bool zk_txn_decode(const uint8_t *buf, uint32_t len, zk_txn *x)
{
    if (len != ZK_TXN_BYTES)
        return false;
    memcpy(x, buf, sizeof *x);
    return x->owner == ZK_TXN_OWNER && x->data_len <= ZK_DATA_MAX &&
           memchr(x->path, 0, ZK_PATH_MAX) != NULL;
}

/* ---- reads -------------------------------------------------------------- */

int zk_tree_exists(const zk_tree *t, const char *path, zk_stat *st)
{
    if (!zk_path_valid(path))
        return ZK_BADARGUMENTS;
    int i = find(t, path);
    if (i < 0)
        return ZK_NONODE;
    if (st)
        *st = t->nodes[i].stat;
    return ZK_OK;
}

int zk_tree_get(const zk_tree *t, const char *path, uint8_t *data, uint32_t cap, zk_stat *st)
{
    zk_stat s;
    int err = zk_tree_exists(t, path, &s);
    if (err != ZK_OK)
        return err;
    int i = find(t, path);
    memcpy(data, t->nodes[i].data, s.data_len < cap ? s.data_len : cap);
    if (st)
        *st = s;
    return ZK_OK;
}

int zk_tree_children(const zk_tree *t, const char *path, char (*names)[ZK_PATH_MAX],
                     uint32_t cap, uint32_t *count)
{
    *count = 0;
    if (!zk_path_valid(path))
        return ZK_BADARGUMENTS;
    int p = find(t, path);
    if (p < 0)
        return ZK_NONODE;
    size_t plen = strlen(path);
    size_t skip = plen == 1 ? 1 : plen + 1;   /* "/" or "/a/" */
    for (uint32_t i = (uint32_t)p + 1; i < t->count; i++) {
        const char *c = t->nodes[i].path;
        if (strncmp(c, path, plen) != 0 || (plen > 1 && c[plen] != '/'))
            continue;
        if (strchr(c + skip, '/') != NULL)
            continue;   /* a grandchild */
        if (*count < cap) {
            memset(names[*count], 0, ZK_PATH_MAX);
            memcpy(names[*count], c + skip, strlen(c + skip));
        }
        (*count)++;
    }
    DSIM_ASSERT(*count == t->nodes[p].stat.num_children);
    return ZK_OK;
}

const zk_session *zk_tree_session(const zk_tree *t, uint64_t id)
{
    int s = session_index(t, id);
    return s < 0 ? NULL : &t->sessions[s];
}

uint32_t zk_tree_znode_count(const zk_tree *t)
{
    return t->count;
}
