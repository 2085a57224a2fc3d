/*
** zk.h — the coordination service on ZAB (protocols/zab/, files zk_*):
** a ZooKeeper-like tree of znodes, client sessions and one-shot watches,
** and the client recipes built on them (lock, herd lock, election,
** barrier). The broadcast side (zab.h, files zab_*) orders transactions;
** this side says what a transaction does to the tree. The seam is
** /work/ZAB_INTERFACE.md: a committed transaction whose first byte is
** ZAB_TXN_ZK is applied on every server by 'zk_tree_apply', in zxid order.
**
** Everything here is plain fixed-size bytes with no pointers, because a
** server's state block is zeroed (not freed) on a crash and the broadcast
** copies the tree whole into snapshots: bounded znodes (ZK_ZNODES_MAX),
** path length (ZK_PATH_MAX), data size (ZK_DATA_MAX), sessions
** (ZK_SESSIONS_MAX) and watches (ZK_WATCHES_MAX). An operation past a bound
** fails with ZK_OUTOFSPACE and changes nothing.
**
** The tree keeps its znodes sorted by path (byte order), so lookups are a
** binary search, a parent comes before its children, and the digest and the
** saved bytes do not depend on the order of past operations.
*/
#ifndef ZK_H
#define ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZK_MSG_BASE 64        /* message types >= this on a server are zk's */
#define ZK_TIMER_BASE 64      /* timer kinds >= this on a server are zk's */
#define ZK_TXN_OWNER 2        /* ZAB_TXN_ZK: the first byte of a zk transaction */

#define ZK_ZNODES_MAX 96      /* znodes, the root included */
#define ZK_PATH_MAX 48        /* bytes of a path, NUL included */
#define ZK_DATA_MAX 16        /* bytes of a znode's data */
#define ZK_SESSIONS_MAX 32    /* open sessions */
#define ZK_CHILDREN_MAX ZK_ZNODES_MAX
#define ZK_SEQ_DIGITS 10      /* the sequential suffix: %010u */
#define ZK_CHANGED_MAX (2 * ZK_ZNODES_MAX + 2)

/* Errors, with ZooKeeper's codes (KeeperException.Code). */
typedef enum zk_err {
    ZK_OK = 0,
    ZK_BADARGUMENTS = -8,
    ZK_NONODE = -101,
    ZK_BADVERSION = -103,
    ZK_NOCHILDRENFOREPHEMERALS = -108,
    ZK_NODEEXISTS = -110,
    ZK_NOTEMPTY = -111,
    ZK_SESSIONEXPIRED = -112,
    ZK_OUTOFSPACE = -200,     /* dsim's own: a bound of the fixed-size tree */
} zk_err;

const char *zk_err_name(int err);

/* create flags */
enum { ZK_EPHEMERAL = 1, ZK_SEQUENTIAL = 2 };

typedef struct zk_stat {
    uint64_t czxid, mzxid, pzxid;  /* created, data modified, children changed */
    int32_t version;               /* data version: +1 per set */
    int32_t cversion;              /* children version: +1 per child create/delete */
    uint64_t ephemeral_owner;      /* the session, 0 for a persistent node */
    uint32_t data_len;
    uint32_t num_children;
} zk_stat;

typedef struct zk_znode {
    char path[ZK_PATH_MAX];
    uint8_t data[ZK_DATA_MAX];
    zk_stat stat;
    uint32_t seq_next;             /* the next sequential suffix of a child */
    uint32_t pad_;
} zk_znode;

typedef struct zk_session {
    uint64_t id;
    int64_t timeout_ns;
    int32_t client;                /* the client node id that opened it */
    uint32_t pad_;
} zk_session;

typedef struct zk_tree {
    uint32_t count;                /* znodes used; nodes[0] is "/" once inited */
    uint32_t session_count;
    uint64_t session_next;         /* the next session id (from 1) */
    uint64_t zxid;                 /* the last transaction applied */
    zk_znode nodes[ZK_ZNODES_MAX]; /* sorted by path */
    zk_session sessions[ZK_SESSIONS_MAX];   /* sorted by id */
} zk_tree;

/* Transactions: what the leader proposes, as bytes ('zk_txn_encode'). */
typedef enum zk_txn_kind {
    ZK_TXN_CREATE = 1,
    ZK_TXN_DELETE,
    ZK_TXN_SET,
    ZK_TXN_SESSION_OPEN,
    ZK_TXN_SESSION_CLOSE,
} zk_txn_kind;

typedef struct zk_txn {
    uint8_t owner;                 /* ZK_TXN_OWNER */
    uint8_t kind;                  /* zk_txn_kind */
    uint8_t flags;                 /* create: ZK_EPHEMERAL | ZK_SEQUENTIAL */
    uint8_t data_len;
    int32_t version;               /* delete/set: expected version, -1 any */
    uint64_t session;              /* the session acting (close: the one closed) */
    int64_t arg;                   /* open: timeout in ns; close: 1 = expired */
    int32_t client;                /* the client node id that asked */
    int32_t origin;                /* the server the client is connected to: it replies */
    uint32_t xid;                  /* the client's request number */
    uint32_t pad_;
    char path[ZK_PATH_MAX];
    uint8_t data[ZK_DATA_MAX];
} zk_txn;

#define ZK_TXN_BYTES sizeof(zk_txn)

/* What an applied transaction did, for replies and watches. */
typedef enum zk_change_kind {
    ZK_CH_CREATED = 1,             /* 'path' now exists */
    ZK_CH_DELETED,                 /* 'path' is gone */
    ZK_CH_DATA,                    /* 'path's data changed */
    ZK_CH_CHILDREN,                /* 'path's children changed */
} zk_change_kind;

typedef struct zk_change {
    uint8_t kind;
    char path[ZK_PATH_MAX];
} zk_change;

typedef struct zk_effect {
    int32_t err;                   /* zk_err */
    uint8_t kind;                  /* the transaction's zk_txn_kind */
    uint64_t session;              /* open: the new session; close: the closed one */
    int32_t client;                /* open/close: the session's client node */
    char path[ZK_PATH_MAX];        /* create: the path made (with its suffix) */
    zk_stat stat;                  /* create/set: the node's stat after */
    uint32_t changed_count;
    zk_change changed[ZK_CHANGED_MAX];
} zk_effect;

/* ---- zk_tree.c: the tree (pure data) ------------------------------------ */
void zk_tree_init(zk_tree *t);     /* empty but for "/" */
/* Applies one committed transaction at 'zxid' (> the last one). 'out' may be
** NULL. A failed operation (out->err != ZK_OK) changes nothing but 'zxid'. */
void zk_tree_apply(zk_tree *t, const uint8_t *txn, uint32_t len, uint64_t zxid, zk_effect *out);
size_t zk_txn_encode(const zk_txn *x, uint8_t *buf, size_t cap);
bool zk_txn_decode(const uint8_t *buf, uint32_t len, zk_txn *x);

/* Reads. Each returns a zk_err. */
int zk_tree_get(const zk_tree *t, const char *path, uint8_t *data, uint32_t cap, zk_stat *st);
int zk_tree_exists(const zk_tree *t, const char *path, zk_stat *st);
/* The names (last path component) of 'path's children in byte order,
** at most 'cap' of them; '*count' is the number of children. */
int zk_tree_children(const zk_tree *t, const char *path, char (*names)[ZK_PATH_MAX],
                     uint32_t cap, uint32_t *count);
const zk_session *zk_tree_session(const zk_tree *t, uint64_t id);
uint32_t zk_tree_znode_count(const zk_tree *t);
/* Does a path name a node ZooKeeper would accept? ("/", "/a", "/a/b") */
bool zk_path_valid(const char *path);

/* Snapshots: the broadcast stores the tree with these. */
size_t zk_tree_save(const zk_tree *t, uint8_t *buf, size_t cap);   /* 0: too small */
bool zk_tree_load(zk_tree *t, const uint8_t *buf, size_t len);     /* false: bad bytes */
uint64_t zk_tree_digest(const zk_tree *t);
size_t zk_tree_save_bytes_max(void);

/* ---- zk_watch.c: one server's one-shot watches (pure data) -------------- */
#define ZK_WATCHES_MAX 128
enum { ZK_W_DATA = 1, ZK_W_CHILD = 2 };   /* get/exists set DATA, children CHILD */
/* Event types, with ZooKeeper's numbers (Watcher.Event.EventType). */
enum { ZK_EV_CREATED = 1, ZK_EV_DELETED = 2, ZK_EV_DATA = 3, ZK_EV_CHILDREN = 4 };

typedef struct zk_watch {
    int32_t client;
    uint8_t kind;
    char path[ZK_PATH_MAX];
} zk_watch;

typedef struct zk_watches {
    uint32_t count;
    zk_watch w[ZK_WATCHES_MAX];    /* in the order they were set */
} zk_watches;

typedef struct zk_fired {
    int32_t client;
    uint8_t type;                  /* ZK_EV_* */
    char path[ZK_PATH_MAX];
} zk_fired;

/* Sets a watch (setting one that is already set is a no-op); false when
** the table is full (the read is still served, without its watch). */
bool zk_watch_add(zk_watches *ws, int client, uint8_t kind, const char *path);
/* The watches an applied transaction triggers, in the order of its changes
** then of the table; each fires once and is removed. Returns how many were
** written to 'out' (at most ZK_WATCHES_MAX, 'out' must hold that many). */
uint32_t zk_watch_fire(zk_watches *ws, const zk_effect *e, zk_fired *out);
void zk_watch_drop_client(zk_watches *ws, int client);

/* ---- zk_recipe.c: what a recipe does next (pure) ------------------------ */
typedef enum zk_recipe_kind {
    ZK_R_NONE = 0,
    ZK_R_LOCK,        /* sequential-ephemeral lock, watch the predecessor */
    ZK_R_HERD,        /* the same, every waiter watches the parent */
    ZK_R_ELECTION,    /* the lowest entry leads; watch the predecessor */
    ZK_R_BARRIER,     /* enter when 'barrier' entries exist */
} zk_recipe_kind;

typedef enum zk_step {
    ZK_STEP_GONE = 0,  /* my entry is not among the children: my session lost it */
    ZK_STEP_HOLD,      /* acquired / leading / entered */
    ZK_STEP_WATCH,     /* wait: exists-watch 'watch' (predecessor) */
    ZK_STEP_WATCH_PARENT, /* wait: children-watch the parent */
} zk_step;

zk_recipe_kind zk_recipe_parse(const char *name);   /* -1 cast: unknown */
const char *zk_recipe_name(zk_recipe_kind r);
/* 'names': the parent's children in byte order (zk_tree_children), 'mine':
** my entry's name. For the predecessor steps 'watch' gets the full path. */
zk_step zk_recipe_step(zk_recipe_kind r, const char *parent, const char (*names)[ZK_PATH_MAX],
                       uint32_t count, const char *mine, uint32_t barrier_n,
                       char watch[ZK_PATH_MAX]);

#endif
