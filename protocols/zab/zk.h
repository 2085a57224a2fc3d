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

#include "dsim.h"

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
    ZK_SESSIONMOVED = -118,   /* a request of an older connection of the session,
                              ** or a copy of one already applied */
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
    uint32_t conn_seq;             /* the newest connection a write came through */
    uint32_t xid;                  /* the newest write applied (its request number) */
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
    uint32_t conn_seq;             /* the client's connection number in its session (from 1) */
    uint64_t conn;                 /* ... on this connection (a later one gets no answer) */
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
    uint64_t zxid;                 /* the change's (set by the server); 0: none */
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
    ZK_R_KV,          /* reads, writes and sync+read on /kv/<k>, for the history checks */
} zk_recipe_kind;

typedef enum zk_step {
    ZK_STEP_GONE = 0,  /* my entry is not among the children: my session lost it */
    ZK_STEP_HOLD,      /* acquired / leading / entered */
    ZK_STEP_WATCH,     /* wait: exists-watch 'watch' (predecessor) */
    ZK_STEP_WATCH_PARENT, /* wait: children-watch the parent */
} zk_step;

zk_recipe_kind zk_recipe_parse(const char *name);   /* -1 cast: unknown */
const char *zk_recipe_name(zk_recipe_kind r);
/* 'names': the parent's children, 'mine': my entry's name; entries are
** ordered by their 10-digit suffix. For ZK_STEP_WATCH 'watch' gets the
** predecessor's full path. */
zk_step zk_recipe_step(zk_recipe_kind r, const char *parent, const char (*names)[ZK_PATH_MAX],
                       uint32_t count, const char *mine, uint32_t barrier_n,
                       char watch[ZK_PATH_MAX]);

/* ---- the service: messages ----------------------------------------------
** A client talks to one server at a time over a numbered connection: every
** message from the server to the client (replies and watch events alike)
** carries the connection and its place 'seq' on it, and the client takes
** them strictly in that order (a later one waits in a small buffer), so the
** client channel is FIFO even though the network is not. */
enum {
    ZK_MSG_REQ = ZK_MSG_BASE,  /* client -> its server: zk_req */
    ZK_MSG_REPLY,              /* server -> client: zk_reply (replies and events) */
    ZK_MSG_FWD,                /* server -> leader: a zk_txn to propose */
    ZK_MSG_TOUCH,              /* server -> leader: sessions heard from (zk_touch) */
    ZK_MSG_END_,
};
enum { ZK_TIMER_SWEEP = ZK_TIMER_BASE, ZK_TIMER_EVENTS };  /* server timers */
enum { ZK_CT_TICK = 1, ZK_CT_TIMEOUT, ZK_CT_WORK, ZK_CT_THINK };   /* client timers */

typedef enum zk_op {
    ZK_OP_CONNECT = 1, ZK_OP_PING, ZK_OP_CREATE, ZK_OP_DELETE, ZK_OP_SET, ZK_OP_GET,
    ZK_OP_EXISTS, ZK_OP_CHILDREN, ZK_OP_SYNC, ZK_OP_CLOSE,
    ZK_OP_EVENT,               /* a reply that is a watch event */
} zk_op;
#define ZK_CONNECTIONLOSS (-4)   /* ZooKeeper's: the server cannot serve; try another */
#define ZK_REPLY_NAMES_MAX 24
#define ZK_NAME_MAX 32

typedef struct zk_req {
    uint32_t op, xid;
    uint64_t session;
    uint64_t conn;             /* the client's connection (random, odd) */
    uint32_t conn_seq, pad2_;  /* its number, counting up for the client's life */
    uint64_t last_zxid;        /* connect: the newest zxid the client has seen */
    int64_t timeout_ns;        /* connect: the session timeout asked for */
    int32_t version;
    uint8_t flags, watch, data_len, pad_;
    char path[ZK_PATH_MAX];
    uint8_t data[ZK_DATA_MAX];
} zk_req;

typedef struct zk_reply {
    uint64_t conn, seq;        /* the channel and the place on it (from 1) */
    uint32_t op, xid;          /* ZK_OP_EVENT: a watch event ('event', 'path') */
    int32_t err;
    uint8_t event, data_len, pad_[2];
    uint64_t session;
    uint64_t zxid;             /* the server's last applied zxid */
    uint64_t event_zxid;       /* an event: the zxid of the change (0: none) */
    zk_stat stat;
    char path[ZK_PATH_MAX];
    uint8_t data[ZK_DATA_MAX];
    uint32_t count, pad2_;     /* children: how many (names holds the first ones) */
    char names[ZK_REPLY_NAMES_MAX][ZK_NAME_MAX];
} zk_reply;

typedef struct zk_touch {
    uint64_t session;
} zk_touch;

/* The lock recipes' protected resource: a znode holding (round, token) of
** the last holder that wrote it. Its writes are the mutex check's storage
** writes, reported by the client's server when it applies them. */
#define ZK_RESOURCE "/resource"

/* ---- zk_server.c: a server's part of the service ------------------------- */
#define ZK_CLIENTS_MAX 64      /* client node ids below this */

typedef struct zk_conn {
    uint64_t conn;             /* 0: no client connected from that node */
    uint64_t seq_out;          /* the last seq sent on it */
    uint64_t session;
} zk_conn;

typedef struct zk_heard {
    uint64_t session;          /* 0: free */
    int64_t mono_ns;           /* the leader's clock when last heard of */
    bool closing;              /* a close was proposed */
    bool expired;              /* bug ephemeral_leak: expired without a close */
} zk_heard;

/* A server's own part of the service (not replicated, lost on a crash);
** the broadcast keeps it in the server's state ('zab_zk'), and the tree
** in its replicated state machine ('zab_tree'), which its snapshots carry. */
typedef struct zk_server {
    zk_watches watches;
    zk_conn conns[ZK_CLIENTS_MAX];
    zk_heard heard[ZK_SESSIONS_MAX];
    bool sweeping;             /* the expiry sweep timer is armed */
    bool was_leader;
    /* bug watch_after_data: events held back until the next ZK_TIMER_EVENTS */
    uint32_t late_count;
    zk_fired late[ZK_WATCHES_MAX];
    uint64_t sessions_expired, watches_fired;
} zk_server;

/* From the broadcast (defined on its side, zab_kv.c). */
zk_tree *zab_tree(dsim_node *n);
zk_server *zab_zk(dsim_node *n);
/* The calls the broadcast makes (ZAB_INTERFACE). */
void zk_on_apply(dsim_node *n, uint64_t zxid, const uint8_t *txn, uint32_t len, uint64_t cookie, bool mine);
void zk_on_reset(dsim_node *n);
void zk_server_message(dsim_node *n, int from, const dsim_msg *m);
void zk_server_timer(dsim_node *n, uint32_t kind, uint64_t arg);
void zk_server_inspect(dsim_node *n, json_t *out);
void zk_describe(const dsim_msg *m, json_t *out);

/* The rows zk adds to the protocol's tables (zab_main.c lists them). */
#define ZK_BUG_NAMES "watch_after_data", "ephemeral_leak", "sync_ignored"
extern const char *const zk_recipe_names[];   /* NULL-terminated */
#define ZK_OPTION_ROWS                                                                          \
    {"recipe", DSIM_OPT_STR, "none", "what client nodes (ids >= servers) run: none, lock, herd, "   \
     "election, barrier, kv", zk_recipe_names, 0, 0},                                          \
    {"session_timeout", DSIM_OPT_MS, "1000", "zk: a session the leader has not heard of for "    \
     "this long is closed", NULL, 30, 3600000},                                                 \
    {"work", DSIM_OPT_MS_RANGE, "20,60", "zk recipes: time holding the lock (or between a "      \
     "leader's writes)", NULL, 0, 3600000},                                                     \
    {"think", DSIM_OPT_MS_RANGE, "0,40", "zk recipes: time between rounds", NULL, 0, 3600000},  \
    {"rounds", DSIM_OPT_INT, "0", "zk recipes: rounds per client (0: no end)", NULL, 0,         \
     100000000},                                                                                \
    {"barrier", DSIM_OPT_INT, "0", "zk barrier: entries to wait for (0: every client node)",    \
     NULL, 0, ZK_CLIENTS_MAX}
#define ZK_EVENT_ROWS                                                                           \
    {"session_expired", "client: node, session: int",                                           \
     "the leader expired a silent session (it proposes the close)"},                             \
    {"watch_fired", "client: node, path: string, type: int",                                    \
     "a server sent a watch event (1 created, 2 deleted, 3 data, 4 children)"},                 \
    {"watch_late", "client: node, path: string, zxid: int, seen: int",                          \
     "a client saw state at or past a change (zxid 'seen') before its watch event"},            \
    {"lock_request", "client: node, round: int", "a recipe client starts waiting for the lock"}, \
    {"lock_acquired", "client: node, round: int, token: int",                                   \
     "its entry is the lowest: it holds the lock or leads (token: the entry's number)"},         \
    {"lock_released", "client: node, round: int, why: string",                                  \
     "it no longer believes it holds (done, expired, gone)"},                                    \
    {"storage_write", "client: node, round: int, token: int, accepted: bool, fencing: bool, "   \
     "write: int", "the holder's write to the protected znode was applied at a server (write: " \
     "its zxid; the first report is when it took effect)"},                                      \
    {"lock_wakeup", "client: node", "a watch woke a waiting recipe client"},                    \
    {"barrier_entered", "client: node, round: int, count: int",                                 \
     "a barrier client saw enough entries and went through"},                                    \
    {"zk_op", "client: node, process: int, type: string, f: string, key: int, value: int, "     \
     "sync: bool",                                                                              \
     "a kv client's znode operation (invoke, ok, fail, info) for the history checks"}

/* ---- zk_client.c: a client node running a recipe ---------------------------- */
#define ZK_INBOX_MAX 16        /* replies held for an earlier seq */

typedef enum zk_cphase {
    ZK_CP_CONNECTING = 1,      /* CONNECT sent */
    ZK_CP_IDLE,                /* between rounds */
    ZK_CP_PARENT,              /* creating the recipe's parent */
    ZK_CP_CREATE,              /* creating my entry */
    ZK_CP_LIST,                /* children asked */
    ZK_CP_EXISTS,              /* exists(predecessor, watch) asked */
    ZK_CP_WAIT,                /* waiting for a watch event */
    ZK_CP_HOLD,                /* holding: working */
    ZK_CP_WRITE,               /* holding: the resource write is in flight */
    ZK_CP_RELEASE,             /* deleting my entry */
    ZK_CP_DEDUP,               /* deleting a second entry of mine */
} zk_cphase;

typedef struct zk_client {
    uint32_t magic;
    zk_recipe_kind recipe;
    zk_cphase phase;
    bool connecting;           /* a CONNECT is outstanding */
    bool in_round;             /* a round started with this session */
    int64_t boot;              /* from disk: rounds are unique across crashes */
    int64_t heard_mono;        /* the server's last message, on my clock */
    int32_t server;            /* connected to (node id) */
    uint64_t session, conn, last_zxid;
    uint32_t conn_seq;         /* connections made so far */
    uint64_t seq_in;           /* the last seq taken on the connection */
    uint64_t seen_before_event;/* highest zxid of a non-event taken on it */
    uint32_t xid, xid_wait;    /* last sent; the one awaited (0: none) */
    int64_t round, rounds_done;
    char entry[ZK_PATH_MAX];   /* my entry's name, "" when none */
    char watching[ZK_PATH_MAX];
    bool holding;
    uint64_t token;            /* my entry's sequence number */
    dsim_timer_id timeout;
    uint32_t inbox_count;
    zk_reply inbox[ZK_INBOX_MAX];
    uint64_t wakeups, reconnects, late_events, late_seen;
    /* the kv recipe (zk_kv.c) */
    int32_t kv_f, kv_key, kv_step;
    int64_t kv_value;
    uint64_t kv_writes, kv_infos;
} zk_client;

void zk_client_start(dsim_node *n);
void zk_client_message(dsim_node *n, int from, const dsim_msg *m);
void zk_client_timer(dsim_node *n, uint32_t kind, uint64_t arg);
void zk_client_inspect(dsim_node *n, json_t *out);
/* Sends one request on the connection; all but heartbeats are awaited. */
void zk_client_send(dsim_node *n, zk_client *c, uint32_t op, const char *path, uint8_t flags,
                    bool watch, const void *data, uint8_t data_len);
int zk_client_servers(dsim_node *n);   /* option 'servers' (0: every node) */
/* The watch order, from the global view: NULL or what broke it. */
const char *zk_invariants(dsim_world *w, int servers, char *buf, size_t cap);

/* ---- zk_lock.c: the lock, herd, election and barrier recipes ------------ */
void zk_lock_begin(dsim_node *n, zk_client *c);    /* a round, with a session */
void zk_lock_resume(dsim_node *n, zk_client *c);   /* the same session, another server */
void zk_lock_lose(dsim_node *n, zk_client *c, const char *why);   /* stop believing */
void zk_lock_reply(dsim_node *n, zk_client *c, const zk_reply *r);
void zk_lock_event(dsim_node *n, zk_client *c);    /* a watch fired */
void zk_lock_work(dsim_node *n, zk_client *c, uint64_t round);    /* ZK_CT_WORK */
void zk_lock_think(dsim_node *n, zk_client *c, uint64_t round);   /* ZK_CT_THINK */

/* ---- zk_kv.c: the kv recipe ------------------------------------------------ */
#define ZK_KV_KEYS 3
void zk_kv_next(dsim_node *n, zk_client *c);      /* start an operation when idle */
void zk_kv_reply(dsim_node *n, zk_client *c, const zk_reply *r);
void zk_kv_abort(dsim_node *n, zk_client *c);     /* the one in flight: outcome unknown */

#endif
