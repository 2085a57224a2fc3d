/*
** lock.h — internal interface of the 'lock' protocol (protocols/lock/):
** distributed locks and the ways they fail.
**
** One cluster holds every party of the story as a node, so any of them can
** be paused (a garbage-collection pause), crashed or given a skewed clock:
**   n1 .. nS        lock servers (S = 'servers'; 5 for redlock, else 1)
**   nS+1            the standby of n1 when 'standby' is on (L4)
**   next            the protected storage server (fencing when 'fencing')
**   the rest        lock clients
** The lock service is chosen by 'variant':
**   redis-lease  one server, SET NX PX with expiry on the server's clock,
**                compare-and-delete release (lock_server.c)
**   redlock      S independent servers of the same kind; the client takes a
**                majority within the validity time (lock_redlock.c)
**   fencing      the same server with every grant fsync'ed: a lock service
**                whose tokens strictly increase, crash or not
**   zk-lock      a small coordination service with sessions, heartbeats,
**                ephemeral sequential entries and watches (lock_zk.c); the
**                client recipe watches only its predecessor (lock_zkclient.c)
**
** Tokens: every server numbers its grants (the zk service its creations)
** with 'epoch * LOCK_EPOCH_SPAN + counter', where the epoch is bumped and
** fsync'ed at every boot and at every failover, so tokens from one service
** strictly increase across crashes even when the counter itself is lost.
**
** The events the 'mutex' checker reads (sim/check/mutex.c), all with the
** client as a 1-based node number and 'round' naming one lock session:
**   lock_request  {client, round}                 a client starts waiting
**   lock_acquired {client, round, token?}         it believes it holds
**   lock_released {client, round, why}            it no longer believes
**   storage_write {client, round, token, accepted, fencing}
**   lock_wakeup   {client}                        a zk watch woke it
*/
#ifndef LOCK_H
#define LOCK_H

#include "dsim.h"

#define LOCK_NODES_MAX 64          /* every role together */
#define LOCK_SERVERS_MAX 9
#define LOCK_ZNODES_MAX 64         /* live lock entries in the zk service */
#define LOCK_EPOCH_SPAN 1000000    /* tokens: epoch * span + counter */
#define LOCK_ROUND_SPAN 100000     /* rounds: boot * span + n */

typedef enum lock_variant { LOCK_REDIS = 0, LOCK_REDLOCK, LOCK_FENCING, LOCK_ZK } lock_variant;
typedef enum lock_role { ROLE_SERVER = 1, ROLE_STANDBY, ROLE_STORAGE, ROLE_CLIENT } lock_role;

/* Message types; one 'lock_msg' layout for all of them. */
enum {
    /* client -> redis-like server */
    OP_SET = 0,        /* SET NX with 'ttl_ns' (0: no expiry, plain SETNX) */
    OP_EXPIRE,         /* EXPIRE: set the expiry of the key, whoever holds it */
    OP_DEL,            /* DEL: unconditional delete (bug unsafe_unlock) */
    OP_DEL_IF,         /* compare-and-delete: delete when the value matches */
    OP_RENEW,          /* PEXPIRE when the value matches (the watchdog) */
    OP_REPLY,          /* server -> client: 'status', 'token' */
    /* master <-> standby */
    OP_REPL,           /* master -> standby: key, expiry, counter, epoch */
    OP_PING,           /* standby -> master */
    OP_PONG,
    /* client <-> storage */
    OP_WRITE,
    OP_WRITE_ACK,      /* 'status': LOCK_OK accepted, LOCK_STALE rejected */
    /* client <-> zk service */
    /* (every zk request carries its session in 'value' and its round) */
    OP_ZK_CONNECT,     /* -> 'seq': the new session */
    OP_ZK_PING,
    OP_ZK_CREATE,      /* ephemeral sequential -> 'seq' (also the token) */
    OP_ZK_CHILDREN,    /* 'token' 1: watch the parent -> 'items', sorted */
    OP_ZK_EXISTS,      /* 'seq', watched -> status LOCK_OK or LOCK_NONE */
    OP_ZK_DELETE,      /* 'seq' */
    OP_ZK_REPLY,       /* 'aux': the op answered; LOCK_EXPIRED: no session */
    OP_ZK_WATCH,       /* a watch fired: 'seq' deleted, or 0: children changed */
    OP_COUNT_
};

enum { LOCK_OK = 0, LOCK_BUSY, LOCK_NOT_MASTER, LOCK_STALE, LOCK_NONE, LOCK_EXPIRED };

#define LOCK_ITEMS_MAX LOCK_ZNODES_MAX

typedef struct lock_msg {
    uint32_t op;
    uint32_t status;
    int32_t client;      /* 0-based node id of the client */
    uint32_t count;      /* items used */
    int64_t round;       /* the client's session of the lock */
    int64_t value;       /* the unique lock value (client, round) */
    int64_t token;
    int64_t ttl_ns;
    int64_t expiry_ns;   /* OP_REPL */
    int64_t epoch;       /* OP_REPL */
    int64_t seq;         /* zk: session or entry */
    int64_t aux;
    int64_t items[LOCK_ITEMS_MAX];
} lock_msg;

/* ---- per-role state (a union in the node's state block) ---------------- */

typedef struct lock_server {
    int64_t value;        /* the holder's value; 0: free */
    int64_t expiry_ns;    /* on 'expiry_clock'; INT64_MAX: never */
    int64_t token;        /* the holder's token */
    int32_t holder;       /* the holder's node id */
    int64_t counter;      /* grants in this epoch */
    int64_t epoch;
    bool master;          /* serves clients (the standby only after failover) */
    bool repl_pending;    /* a replication flush is scheduled */
    bool sync_pending;    /* an 'everysec' fsync is scheduled */
    int64_t pong_mono_ns; /* standby: last answer from the master */
    int64_t grants;
} lock_server;

typedef struct lock_storage {
    int64_t token_max;    /* highest accepted token (fsync'ed) */
    int32_t token_client; /* who wrote with it */
    int64_t accepted, rejected;
} lock_storage;

typedef struct lock_znode {
    int64_t seq;          /* also its token */
    int32_t owner;        /* client node id */
    int64_t session;
} lock_znode;

typedef struct lock_zk {
    int64_t session[LOCK_NODES_MAX];    /* per client: live session or 0 */
    int64_t last_ping_ns[LOCK_NODES_MAX];
    int64_t watch_exists[LOCK_NODES_MAX]; /* per client: watched seq or 0 */
    bool watch_children[LOCK_NODES_MAX];
    lock_znode nodes[LOCK_ZNODES_MAX];  /* sorted by seq */
    int nodes_len;
    int64_t zxid, epoch, sessions;
} lock_zk;

typedef enum lock_phase {
    PH_IDLE = 0,     /* between rounds */
    PH_ACQUIRING,    /* waiting for the lock */
    PH_HOLDING,      /* in the critical section, working */
    PH_WRITING,      /* the write is in flight */
} lock_phase;

typedef struct lock_client {
    lock_phase phase;
    int64_t boot;            /* from disk: rounds are unique across crashes */
    int64_t round;           /* current session of the lock */
    int64_t rounds_done;
    int64_t value, token;
    int64_t work_ns;         /* this round's work; 0: draw from 'work' */
    uint64_t req;            /* request number: stale timeouts are ignored */
    int target;              /* server asked (redis-lease with a standby) */
    /* redlock */
    uint32_t granted_mask, answered_mask;
    int64_t attempt;         /* answers of earlier attempts are ignored */
    int64_t start_mono_ns, validity_ns;
    /* zk */
    int64_t session, my_seq;
    bool connecting;
    int64_t wakeups;
    dsim_timer_id renew_timer, validity_timer;
} lock_client;

typedef struct lock_state {
    lock_role role;
    lock_variant variant;
    bool broken;    /* a record it must not guess failed every read: it refuses all */
    union {
        lock_server server;
        lock_storage storage;
        lock_zk zk;
        lock_client client;
    } u;
} lock_state;

/* Timer kinds, one space for every role. */
enum {
    T_ROUND = 1,      /* client: start a round */
    T_WORK,           /* client: the critical section's work is done */
    T_RETRY,          /* client: try to acquire again */
    T_REQ_TIMEOUT,    /* client: arg is the request number */
    T_RENEW,          /* client: the watchdog renews the lease */
    T_EXPIRE_CMD,     /* client: the second command of SETNX + EXPIRE */
    T_VALIDITY,       /* client (redlock): the validity time is over */
    T_ZK_PING,        /* client: session heartbeat */
    T_AOF,            /* server: the 'everysec' fsync */
    T_REPL,           /* server: the asynchronous replication flush */
    T_SB_PING,        /* standby: health check of the master */
    T_ZK_SWEEP,       /* zk: expire silent sessions */
};

/* ---- lock.c: layout and options ---------------------------------------- */
lock_variant lock_variant_of(dsim_node *n);
int lock_servers(dsim_node *n);          /* lock servers (without the standby) */
int lock_standby_id(dsim_node *n);       /* node id of the standby, or -1 */
int lock_storage_id(dsim_node *n);
int lock_quorum(dsim_node *n);
int64_t lock_draw(dsim_node *n, const char *range_option);  /* ns from a range */
void lock_emit(dsim_node *n, const char *name, const lock_client *c, json_t *fields);
void lock_send(dsim_node *n, int to, const lock_msg *m);
/* Reads exactly 'len' bytes of record 'key' (dsim_disk_get_retry):
** DSIM_DISK_OK, DSIM_DISK_MISSING, or DSIM_DISK_CORRUPT when every try
** failed or the length is wrong (the caller must then fail safe). */
int lock_disk_read(dsim_node *n, const char *key, void *buf, uint32_t len);

/* ---- lock_server.c: the redis-like lease server (and its standby) ------ */
void lock_server_start(dsim_node *n, lock_state *s);
void lock_server_message(dsim_node *n, lock_state *s, int from, const lock_msg *m);
void lock_server_timer(dsim_node *n, lock_state *s, uint32_t kind);

/* ---- lock_zk.c: the coordination service ------------------------------- */
void lock_zk_start(dsim_node *n, lock_state *s);
void lock_zk_message(dsim_node *n, lock_state *s, int from, const lock_msg *m);
void lock_zk_timer(dsim_node *n, lock_state *s, uint32_t kind);

/* ---- lock_storage.c: the protected resource ----------------------------- */
void lock_storage_start(dsim_node *n, lock_state *s);
void lock_storage_message(dsim_node *n, lock_state *s, int from, const lock_msg *m);

/* ---- lock_client.c: rounds, the critical section, release -------------- */
void lock_client_start(dsim_node *n, lock_state *s);
void lock_client_message(dsim_node *n, lock_state *s, int from, const lock_msg *m);
void lock_client_timer(dsim_node *n, lock_state *s, uint32_t kind, uint64_t arg);
void lock_client_round(dsim_node *n, lock_client *c, int64_t work_ns);
void lock_client_granted(dsim_node *n, lock_client *c, int64_t token);
void lock_client_retry(dsim_node *n, lock_client *c);
void lock_client_lost(dsim_node *n, lock_client *c, const char *why);

/* ---- lock_redlock.c: majority acquisition over independent servers ----- */
void lock_redlock_acquire(dsim_node *n, lock_client *c);
void lock_redlock_reply(dsim_node *n, lock_client *c, int from, const lock_msg *m);
void lock_redlock_deadline(dsim_node *n, lock_client *c);
void lock_redlock_release(dsim_node *n, lock_client *c);

/* ---- lock_zkclient.c: the sequential-lock recipe ----------------------- */
void lock_zkc_start(dsim_node *n, lock_client *c);
void lock_zkc_acquire(dsim_node *n, lock_client *c);
void lock_zkc_message(dsim_node *n, lock_client *c, const lock_msg *m);
void lock_zkc_ping(dsim_node *n, lock_client *c);
void lock_zkc_release(dsim_node *n, lock_client *c);

#endif
