/*
** dsim.h — the public API of the dsim kernel.
**
** Protocols, fault kinds and tools include this header and nothing deeper.
** A protocol is a table of callbacks ('dsim_protocol'); it acts on the world
** only through the functions below, always passing its own 'dsim_node' first.
**
** Invariants the kernel keeps for every protocol:
** - Callbacks of one world run on one thread, one at a time, in virtual-time
**   order; equal times run in the order they were scheduled.
** - A callback never sees true time: 'dsim_mono' and 'dsim_wall' are the
**   node's own clocks (drift, offset, steps), and timers run on 'dsim_mono'.
** - The per-node state block ('dsim_state', 'state_size' bytes) is zeroed on
**   boot and on every crash; only what was synced to the node's disk survives.
** - Randomness comes only from 'dsim_rand' (the node's own stream).
** - The sender of a message is authentic: 'from' cannot be forged.
*/
#ifndef DSIM_H
#define DSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct dsim_world dsim_world;
typedef struct dsim_node dsim_node;

/* Virtual time is int64_t nanoseconds. */
#define DSIM_US(x) ((int64_t)(x) * 1000)
#define DSIM_MS(x) ((int64_t)(x) * 1000000)
#define DSIM_SEC(x) ((int64_t)(x) * 1000000000)

/* An assertion that is on in every build; it reports the seed and event. */
void dsim_assert_fail(const char *expr, const char *file, int line);
#define DSIM_ASSERT(e) ((e) ? (void)0 : dsim_assert_fail(#e, __FILE__, __LINE__))

/* ---- messages ---------------------------------------------------------- */

/* Largest payload one message may carry; 'dsim_send' asserts on more. */
#define DSIM_MSG_BYTES_MAX (1u << 20)

typedef struct dsim_msg {
    uint32_t type;      /* protocol-defined message type */
    uint32_t len;       /* payload bytes */
    const void *data;   /* payload; valid only during the callback */
    uint64_t id;        /* unique per send, shared by duplicates */
} dsim_msg;

/* Sends a copy of 'len' bytes at 'data' from node 'n' to node 'to' (0-based).
** The kernel copies the payload; 'to' may equal the sender (loopback, no
** network faults). Returns the message id. */
uint64_t dsim_send(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len);
/* A Byzantine node (dsim_byzantine(n) != NULL; asserted) sends a message
** that claims to come from node 'as'. Channels are authenticated: unless
** the scenario allowed forging (dsim.cluster{net = {forge = true}}) the
** receiver's channel rejects it, so it is traced and dropped ("forged").
** With forging on it travels the sender's own links and arrives 'from'
** 'as'. Signatures stay unforgeable either way (dsim_sign). */
uint64_t dsim_send_as(dsim_node *n, int as, int to, uint32_t type, const void *data, uint32_t len);

/* ---- timers (on the node's monotonic clock) ---------------------------- */

typedef uint64_t dsim_timer_id;   /* 0 is never a valid id */

/* Schedules 'on_timer(n, kind, arg)' after 'after_ns' of the node's
** monotonic time (drift stretches or shrinks it in true time). A crash drops
** all timers of the node. */
dsim_timer_id dsim_timer(dsim_node *n, uint32_t kind, uint64_t arg, int64_t after_ns);
/* Cancels a pending timer in O(1); a fired, cancelled or stale id is a
** no-op that returns false. */
bool dsim_timer_cancel(dsim_node *n, dsim_timer_id id);

/* ---- clocks and randomness -------------------------------------------- */

int64_t dsim_mono(dsim_node *n);   /* ns, monotonic, drifts */
int64_t dsim_wall(dsim_node *n);   /* ns, drifts, offset, may step back */
uint64_t dsim_rand(dsim_node *n);  /* the node's stream */
/* Uniform integer in [lo, hi] from the node's stream (integer arithmetic). */
int64_t dsim_rand_range(dsim_node *n, int64_t lo, int64_t hi);

/* ---- identity and options ---------------------------------------------- */

int dsim_id(const dsim_node *n);            /* 0-based node id */
int dsim_node_count(const dsim_world *w);   /* nodes in the cluster */
int dsim_cluster_size(const dsim_node *n);  /* same, from a node */
dsim_world *dsim_world_of(dsim_node *n);
dsim_node *dsim_node_at(dsim_world *w, int id);
void *dsim_state(dsim_node *n);             /* the per-node state block */
bool dsim_is_up(const dsim_node *n);        /* booted, not crashed since (may be paused) */
int64_t dsim_now(const dsim_world *w);      /* true time: for checkers only */

typedef enum dsim_option_type {
    DSIM_OPT_INT,       /* integer with bounds */
    DSIM_OPT_BOOL,
    DSIM_OPT_STR,       /* one of 'choices' when that is not NULL */
    DSIM_OPT_MS,        /* milliseconds (number) */
    DSIM_OPT_MS_RANGE,  /* {lo, hi} in milliseconds, or one number */
} dsim_option_type;

typedef struct dsim_option {
    const char *name;
    dsim_option_type type;
    const char *def;            /* default as text: "150,300", "true", "5" */
    const char *help;
    const char *const *choices; /* NULL-terminated, for DSIM_OPT_STR */
    int64_t min, max;           /* bounds for INT and MS (ms) */
} dsim_option;

/* Option values, validated against the protocol's table when the cluster is
** made; asking for a name that is not in the table is a programmer error. */
int64_t dsim_opt_int(dsim_node *n, const char *name);
bool dsim_opt_bool(dsim_node *n, const char *name);
const char *dsim_opt_str(dsim_node *n, const char *name);
int64_t dsim_opt_ms(dsim_node *n, const char *name);                 /* in ns */
void dsim_opt_range(dsim_node *n, const char *name, int64_t *lo_ns, int64_t *hi_ns);
/* True when the run selected planted bug 'name' (option "bug"). */
bool dsim_bug(dsim_node *n, const char *name);

/* ---- disk: durable key-value store and log, with fsync semantics --------
** Writes are volatile until 'dsim_disk_sync'; a crash loses unsynced writes
** and may tear the last one. A read that fails its checksum returns
** DSIM_DISK_CORRUPT: the protocol must treat the record as lost. */
enum { DSIM_DISK_OK = 0, DSIM_DISK_MISSING = -1, DSIM_DISK_CORRUPT = -2 };
void dsim_disk_put(dsim_node *n, const char *key, const void *val, uint32_t len);
int dsim_disk_get(dsim_node *n, const char *key, void *buf, uint32_t cap, uint32_t *len);
void dsim_disk_del(dsim_node *n, const char *key);
uint64_t dsim_disk_append(dsim_node *n, const void *rec, uint32_t len); /* returns index, from 1 */
int dsim_disk_read(dsim_node *n, uint64_t index, void *buf, uint32_t cap, uint32_t *len);
void dsim_disk_truncate(dsim_node *n, uint64_t from);   /* drop index >= from */
void dsim_disk_compact(dsim_node *n, uint64_t upto);    /* drop index <= upto */
uint64_t dsim_disk_first(dsim_node *n);  /* first index held, or last+1 */
uint64_t dsim_disk_last(dsim_node *n);   /* last index, 0 when none ever */
void dsim_disk_sync(dsim_node *n);

/* dsim_disk_get and dsim_disk_read, repeated while the record fails its
** checksum, DSIM_DISK_READ_TRIES reads at most: a read fault (each one
** spoils a single read) passes, a torn record stays DSIM_DISK_CORRUPT.
** What a protocol recovering from its disk calls. */
#define DSIM_DISK_READ_TRIES 8
int dsim_disk_get_retry(dsim_node *n, const char *key, void *buf, uint32_t cap, uint32_t *len);
int dsim_disk_read_retry(dsim_node *n, uint64_t index, void *buf, uint32_t cap, uint32_t *len);

/* ---- client operations -------------------------------------------------- */

/* Operation functions. The first three are the register workloads'; the
** rest carry the other workloads (docs/DESIGN.md, "Workloads"). */
typedef enum dsim_f {
    DSIM_F_READ = 0,      /* key's register: result 'value' (DSIM_NIL absent) */
    DSIM_F_WRITE = 1,     /* key := value */
    DSIM_F_CAS = 2,       /* if key == value then key := value2, else fail */
    DSIM_F_ADD = 3,       /* counter: key += value (absent reads as 0) */
    DSIM_F_APPEND = 4,    /* key's list gets 'value' at its end (set add, enqueue) */
    DSIM_F_READ_LIST = 5, /* result: key's whole list, oldest first */
    DSIM_F_DEQUEUE = 6,   /* removes key's oldest element: 'value', DSIM_NIL when empty */
    DSIM_F_TXN = 7,       /* the micro-operations 'mops', atomically */
    DSIM_F_REMOVE = 8,    /* key's list loses every copy of 'value' (set remove; ok if absent) */
    DSIM_F_COUNT_
} dsim_f;

#define DSIM_NIL INT64_MIN   /* "no value": a read of an absent key */
#define DSIM_MOPS_MAX 8      /* micro-operations of one transaction */

/* A micro-operation of a transaction: f is DSIM_F_READ, WRITE, APPEND,
** READ_LIST or ADD on one key. An ADD micro-operation never takes the
** register below zero: the transaction fails whole instead (a bank
** transfer's debit and credit). */
typedef struct dsim_mop {
    uint32_t f;
    uint32_t key;
    int64_t value;
} dsim_mop;

typedef struct dsim_op {
    uint64_t id;        /* unique per run; pass back to dsim_reply */
    int32_t client;     /* client index, 0-based */
    int32_t process;    /* Jepsen process id */
    uint64_t seq;       /* per client, for exactly-once sessions */
    dsim_f f;
    uint32_t key;       /* key index; 0 for a single register */
    int64_t value;      /* write: value; cas: expected; add: delta; append: element */
    int64_t value2;     /* cas: new value */
    /* DSIM_F_TXN only; a plain op travels without this tail (dsim_op_bytes) */
    uint32_t mops_len;
    /* The client's session token: the highest token a reply gave it
    ** (dsim_reply_token: a position such as an LSN whose state the answer
    ** reflected), or one its workload took from a message; 0: none. A
    ** protocol that hands out no tokens never sees one. */
    uint32_t token;
    dsim_mop mops[DSIM_MOPS_MAX];
} dsim_op;

/* The bytes of 'op' that carry meaning: a plain op stops before
** 'mops_len' (before 'mops' when it carries a token). Send that many and
** copy them into a zeroed dsim_op. */
size_t dsim_op_bytes(const dsim_op *op);
/* True when 'op' changes nothing (reads, and transactions of reads only). */
bool dsim_op_readonly(const dsim_op *op);

typedef enum dsim_status {
    DSIM_OK = 0,        /* applied; 'value' is the read result */
    DSIM_FAIL = 1,      /* definitely not applied (cas mismatch, refused) */
    DSIM_REDIRECT = 2,  /* not the leader; 'value' is a node hint or -1 */
} dsim_status;

/* Answers a client operation received through 'on_request'; the reply
** travels the network back to the client. Not answering at all is allowed:
** the client times out and records 'info'. */
void dsim_reply(dsim_node *n, const dsim_op *op, dsim_status status, int64_t value);

/* A result with values (reads of lists, transactions): 'words' in this
** encoding: DSIM_F_READ_LIST: the elements; DSIM_F_TXN: per micro-op in
** order, a count then that many values (a register read: 1 and the value,
** DSIM_NIL when absent; a list read: the elements; a write: 0). */
#define DSIM_RESULT_WORDS_MAX (DSIM_MOPS_MAX * (1 + 1024))
typedef struct dsim_result {
    int64_t value;
    uint32_t len;
    int64_t words[DSIM_RESULT_WORDS_MAX];
} dsim_result;
void dsim_reply_result(dsim_node *n, const dsim_op *op, dsim_status status, const dsim_result *r);
/* dsim_reply_result ('r' may be NULL: no value) whose reply also carries a
** session token (> 0): the position of the state the answer reflects. The
** client keeps the highest token it was given and sends it in every later
** operation's 'token' (read-your-writes, monotonic reads by position). */
void dsim_reply_token(dsim_node *n, const dsim_op *op, dsim_status status, const dsim_result *r,
                      uint32_t token);

/* ---- the reference state machine ----------------------------------------
** Every operation above on one store of DSIM_STORE_KEYS registers and
** lists (at most 1024 elements per list, 4096 in all): what a protocol that
** replicates operations (Raft, single) applies in order. Plain bytes with
** no pointers, zeroed when empty: copy it into snapshots, messages and disk
** records. An operation past a bound fails and changes nothing. */
#define DSIM_STORE_KEYS 256
typedef struct dsim_store { uint64_t words[8995]; } dsim_store;
/* Applies 'op' (reads too) and fills 'r' (may be NULL when the caller
** needs no answer); returns DSIM_OK or DSIM_FAIL. */
dsim_status dsim_store_apply(dsim_store *s, const dsim_op *op, dsim_result *r);
/* Makes 's' the store every replica starts from: empty, plus the run's
** workload's initial state (the bank workload's opening balances). Call it
** where the protocol makes an empty store (boot, before recovering from
** disk); a zeroed store is right only for workloads without one. */
void dsim_store_init(dsim_node *n, dsim_store *s);
/* A read-only 'op' (dsim_op_readonly) against a const store. */
dsim_status dsim_store_read(const dsim_store *s, const dsim_op *op, dsim_result *r);
/* A hash of the contents, kept up to date by every change (O(1)). */
uint64_t dsim_store_digest(const dsim_store *s);
/* The store's contents are its first dsim_store_bytes(s) bytes (the rest
** was never used): copy that prefix into a zeroed store to get an equal
** one, so snapshots and messages need not carry the whole pool. */
size_t dsim_store_bytes(const dsim_store *s);
/* dsim_store_bytes reads only the first DSIM_STORE_HEAD_BYTES bytes: a
** store read back from a prefix shorter than that must have them zeroed. */
#define DSIM_STORE_HEAD_BYTES 64
/* Makes 'dst' equal to 'src' ('*dst = *src') touching only their used
** prefixes: 'dst' must be a store (zero past its prefix, as every store
** made by dsim_store_init, dsim_store_copy or the operations above is);
** 'src' may hold anything past its prefix. */
void dsim_store_copy(dsim_store *dst, const dsim_store *src);

/* ---- the replicated state machine: store + exactly-once sessions --------
** What every protocol that replicates client operations applies in order
** (Raft, Multi-Paxos, ZAB, primary-backup, PBFT): a 'dsim_store' and, per
** client of id 0..DSIM_KV_CLIENTS-1, a session holding the last seq it
** applied and that op's status and value. An op is applied at most once
** per (client, seq): a retry of the last seq gets the kept result without
** applying again; an older seq is stale (DSIM_FAIL, nothing applied).
** Plain bytes with no pointers, the store last: the first dsim_kv_bytes()
** bytes are the whole contents (versioned), so a struct ending in a
** dsim_kv travels and persists as a prefix; read one back into a zeroed
** dsim_kv and check it with dsim_kv_check. Clients without a session (id
** < 0: a protocol's own scripted ops; id >= DSIM_KV_CLIENTS) are applied
** without one (a retry applies again), or refused under DSIM_KV_STRICT (a
** Byzantine primary may order an op whose client id it made up). */
#define DSIM_KV_CLIENTS 64
#define DSIM_KV_STRICT 1u    /* dsim_kv_init flag: ops without a session fail */
typedef struct dsim_kv { uint64_t words[2 + 3 * DSIM_KV_CLIENTS + sizeof(dsim_store) / 8]; } dsim_kv;
typedef enum dsim_kv_verdict {
    DSIM_KV_NEW = 0,       /* dsim_kv_seen only: not applied yet, go ahead */
    DSIM_KV_APPLIED,       /* applied now; its result is kept in the session */
    DSIM_KV_UNTRACKED,     /* applied now; the client has no session */
    DSIM_KV_REPEAT,        /* the client's last seq again: its kept result */
    DSIM_KV_REPEAT_WORDS,  /* the same, but that result had words, which are
                           ** not kept: status and value only (not an answer) */
    DSIM_KV_STALE,         /* older than the client's last seq: DSIM_FAIL */
    DSIM_KV_REFUSED,       /* DSIM_KV_STRICT, client without a session: DSIM_FAIL */
} dsim_kv_verdict;
/* Makes 'kv' what every replica starts from: no sessions, the store of
** dsim_store_init; 'flags' is 0 or DSIM_KV_STRICT. */
void dsim_kv_init(dsim_node *n, dsim_kv *kv, unsigned flags);
/* Applies 'op' exactly once: the verdict says what happened; '*st' and
** 'r' get the answer (for a repeat the kept status and value, no words;
** r->len 0). Nothing changes unless the verdict is APPLIED or UNTRACKED. */
dsim_kv_verdict dsim_kv_apply(dsim_kv *kv, const dsim_op *op, dsim_status *st, dsim_result *r);
/* What dsim_kv_apply would do with 'op', changing nothing: DSIM_KV_NEW
** when it would apply it, else the verdict with the kept status and value
** in '*st' and '*value' (a leader answers a retry without logging it). */
dsim_kv_verdict dsim_kv_seen(const dsim_kv *kv, const dsim_op *op, dsim_status *st, int64_t *value);
/* A leader's step before it logs 'op': true when 'op' was seen already
** and is settled here: a repeat of the client's last seq is answered with
** the kept result (not when that result had words: no answer), a stale
** one is dropped (its client has moved on), a refused one (DSIM_KV_STRICT,
** or dsim_refuse here) gets DSIM_FAIL. False when 'op' is new: log it. */
bool dsim_kv_answer_seen(dsim_node *n, const dsim_kv *kv, const dsim_op *op);
/* Answers 'op' DSIM_FAIL without logging it (a full log, too few
** replicas) and remembers it, so that dsim_kv_answer_seen on this node
** refuses a copy that arrives later, when there is room: the network
** duplicates requests, and a "fail" must mean never applied. The memory
** is the node's (a crash clears it, and drops what was in flight to it);
** a client without a session (id outside 0..DSIM_KV_CLIENTS-1) is not
** remembered. */
void dsim_refuse(dsim_node *n, const dsim_op *op);
/* A read-only op against the store (dsim_store_read), no session. */
dsim_status dsim_kv_read(const dsim_kv *kv, const dsim_op *op, dsim_result *r);
/* The store's digest plus a hash per session (client, seq), O(1): equal
** states have equal digests. 0 for a zeroed dsim_kv (a node's state block
** before it boots, as 'inspect' may see it). */
uint64_t dsim_kv_digest(const dsim_kv *kv);
/* The bytes of the contents: a prefix of 'kv'. */
size_t dsim_kv_bytes(const dsim_kv *kv);
/* '*dst = *src' touching only the used prefixes (dsim_store_copy): 'dst'
** is a dsim_kv or a zeroed block, 'src' one that dsim_kv_check accepts
** (anything past its prefix is not read). */
void dsim_kv_copy(dsim_kv *dst, const dsim_kv *src);
/* dsim_kv_bytes and dsim_kv_check read only the first DSIM_KV_HEAD_BYTES
** bytes (the header, the sessions and the store's head): a dsim_kv read
** back from a shorter prefix must have those zeroed. */
#define DSIM_KV_HEAD_BYTES (8 * (2 + 3 * DSIM_KV_CLIENTS) + DSIM_STORE_HEAD_BYTES)
/* 0 when the first 'len' bytes of 'kv' (zeroed past them) are a whole kv
** of this version: known version and flags, a store whose used prefix is
** in bounds, exactly dsim_kv_bytes() long; -1 otherwise (never asserts:
** bytes from a disk or a peer may be anything). */
int dsim_kv_check(const dsim_kv *kv, size_t len);

/* ---- named protocol events ---------------------------------------------- */

/* One event a protocol may emit, declared in its 'events' table: the
** contract c:on(name, fn) handlers are written against ('dsim list' prints
** it). 'fields' names every key of the emitted fields object with its type,
** as "key: type" joined by ", " ("node: node, term: int"); types are int,
** bool, string, node (1-based node number) and client (1-based client
** number, like "c1"'s 1). "" when the event has no fields. */
typedef struct dsim_event {
    const char *name;   /* "leader" */
    const char *fields; /* "node: node, term: int" */
    const char *help;   /* when it is emitted, in one line */
} dsim_event;

/* Records a protocol event ("leader", "commit", ...) in the trace and hands
** it to Lua's c:on(name, fn) (with "node" added). Takes ownership of
** 'fields' (may be NULL). 'name' and every key of 'fields' must be declared
** in the protocol's 'events' table: an undeclared one is a programmer error
** (the assertion names it). */
void dsim_emit(dsim_node *n, const char *name, json_t *fields);

/* ---- the invariant checker's own state ----------------------------------
** One block of 'checker_state_size' bytes per world, zeroed when the world
** is made and never again: crashes do not touch it, and nodes cannot see
** it. It is the checker's memory of the run ("at most one leader per term,
** ever"), which a node's state block cannot hold since a crash zeroes it.
** Only the 'invariants' callback and observers outside the protocol's node
** callbacks (tests, tools) may call this. Asking from 'start',
** 'on_message', 'on_request' or 'on_timer', or when 'checker_state_size'
** is 0, asserts ('inspect' and 'control' must not ask either; they are not
** guarded). */
void *dsim_checker_state(dsim_world *w);

/* ---- signatures and Byzantine behaviour ---------------------------------
** Every node has a private signing key that only the kernel holds (derived
** from the run's seed, never shown to a protocol). 'dsim_sign' signs bytes
** as node 'n', which must be the node whose callback is running (signing as
** another node asserts: that is forgery, and no node can do it);
** 'dsim_verify' tells whether 'sig' is 'signer''s signature of exactly
** those bytes. A tag is a keyed 128-bit hash, so a guessed or altered one
** passes with probability 2^-128: within the simulation signatures are
** unforgeable, Byzantine node or not. */
typedef struct dsim_sig {
    uint64_t tag[2];
} dsim_sig;

dsim_sig dsim_sign(dsim_node *n, const void *data, uint32_t len);
bool dsim_verify(dsim_node *n, int signer, const void *data, uint32_t len, const dsim_sig *sig);

/* Clients sign their requests too: every client has a private key like a
** node's, and a request arrives signed by its client over exactly the
** dsim_op_bytes(op) bytes of 'op'. 'dsim_request_sig' gives that signature
** to the node whose 'on_request' is running (asked anywhere else, it
** asserts: a node cannot sign as a client), so the node can pass the
** request on with its signature (relay it, put it in a certificate);
** 'dsim_verify_request' tells whether 'sig' is the signature of op->client
** over 'op'. A node that alters a request or makes one up cannot produce
** the client's signature for it. */
dsim_sig dsim_request_sig(dsim_node *n, const dsim_op *op);
bool dsim_verify_request(dsim_node *n, const dsim_op *op, const dsim_sig *sig);

/* The Byzantine behaviour the scenario gave node 'n' (c:byzantine), or NULL
** while it is honest. A protocol acts it out when it is one of the names in
** its 'byzantine' table; the kernel acts out the generic ones itself
** ("silent", "mute_to", "replay", "corrupt"). The behaviour survives
** crashes: it is what the node is, not what it remembers. */
const char *dsim_byzantine(const dsim_node *n);
/* The behaviour's parameters (a JSON object, never NULL; {} when none). */
const json_t *dsim_byzantine_params(const dsim_node *n);
/* True once node 'n' has been Byzantine at any time of the run: for a
** checker, a node that lied and turned honest is still not loyal. A
** twinned identity (dsim.cluster{twins = ...}) is Byzantine from the start:
** its two instances run honest code but together equivocate. */
bool dsim_byzantine_ever(const dsim_node *n);

/* ---- the protocol plug-in ----------------------------------------------- */

typedef struct dsim_protocol {
    const char *name;           /* "raft" */
    const char *summary;        /* one line for `dsim list` */
    size_t state_size;          /* per-node volatile state, zeroed on crash */
    const dsim_option *options; /* terminated by {NULL} */
    const char *const *bugs;    /* planted bugs, NULL-terminated, or NULL */
    const char *const *msg_names; /* msg type -> name, NULL-terminated, or NULL */
    void (*start)(dsim_node *n);  /* boot or restart: recover from disk */
    void (*on_message)(dsim_node *n, int from, const dsim_msg *m);
    void (*on_timer)(dsim_node *n, uint32_t kind, uint64_t arg);
    void (*on_request)(dsim_node *n, const dsim_op *op);
    void (*inspect)(dsim_node *n, json_t *out);   /* see "inspect" below; may be NULL */
    void (*describe)(const dsim_msg *m, json_t *out); /* may be NULL */
    const char *(*invariants)(dsim_world *w);     /* NULL or a violation; may be NULL */
    /* Administrative commands from the scenario (c:control, c:add_node,
    ** c:remove_node): returns 0 and fills 'result', or -1 with
    ** result["error"] saying why (unknown verb, bad arguments). May be NULL. */
    int (*control)(dsim_node *n, const char *verb, const json_t *args, json_t *result);
    /* Checks the options against each other and against the cluster size
    ** when the cluster is made, before any node boots (options are read
    ** through dsim_node_at(w, 0)): returns 0, or -1 with a message in 'err',
    ** and the scenario fails with exit 2. May be NULL. */
    int (*validate)(dsim_world *w, char *err, size_t cap);
    /* Every event 'dsim_emit' may send, terminated by {NULL}; NULL when
    ** the protocol emits none. */
    const dsim_event *events;
    /* Bytes of the invariant checker's world-level block
    ** ('dsim_checker_state'); 0 when it keeps none. */
    size_t checker_state_size;
    /* The Byzantine behaviours the protocol acts out (dsim_byzantine),
    ** NULL-terminated, or NULL: c:byzantine accepts these and the kernel's
    ** generic ones, and `dsim list` shows them. */
    const char *const *byzantine;
    /* True when the protocol checks every message it receives (length,
    ** values, signatures) before it relies on it, so garbage from a
    ** Byzantine peer is rejected, not asserted on. Only then does the
    ** kernel's "corrupt" behaviour apply to it (c:byzantine refuses it,
    ** the nemesis leaves it out): a crash-fault protocol asserts that its
    ** peers' messages are well formed. */
    bool validates_input;
    /* The "role" and "term" that 'inspect' would give, without building
    ** them: c:leader() and the nemesis ask for the leader often (every
    ** 50 ms of a liveness phase). Returns the role (a static string, or
    ** NULL when inspect gives none) and sets '*term' (-1 when inspect gives
    ** none). Must agree with 'inspect': every c:state and check that
    ** inspects a node asserts it. May be NULL: 'inspect' is used. */
    const char *(*role)(dsim_node *n, int64_t *term);
} dsim_protocol;

/* ---- inspect: the keys the kernel and the tools read --------------------
** 'inspect(n, out)' fills 'out' with the node's state as the protocol sees
** it, for c:state(n), traces, the viewer and some checks; it must not
** change any state (it runs only when someone looks). Every key is
** optional; these have a meaning outside the protocol, so a protocol that
** has the concept should use exactly these names and types:
**   "role"          string   the node's role: "leader" marks the node that
**                            c:leader() returns, that the nemesis aims at
**                            (node = "leader") and that the viewer draws as
**                            leading; any other text ("follower",
**                            "candidate", "server", "standby") is shown as
**                            is, in the trace's "role" events and the
**                            viewer's lanes. Without it: no leader, no lanes.
**   "term"          integer  the epoch of that role (>= 0): c:leader() and
**                            the nemesis pick the leader with the highest
**                            term when two claim it; traces note changes.
**   "kv"            object   the replica's state machine, key -> value: the
**                            "convergence" check compares it across nodes.
**   "state_digest"  string   a digest of the replica state, compared by
**                            "convergence" when there is no "kv".
** The kernel adds "status" ("up", "paused", "crashed"). Only a booted
** node is inspected: not one that is down or has not booted yet (before
** the world starts, or paused before it), whose state block is zeroes.
** Other keys are the protocol's own, shown as they are. */

/* The registry: NULL-terminated, defined in protocols/registry.c. */
extern const dsim_protocol *const dsim_protocols[];
const dsim_protocol *dsim_protocol_find(const char *name);

#endif
