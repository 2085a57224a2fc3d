/*
** world.h — the simulation context, shared by the kernel's own modules
** (world, net, node, client, history, trace, script). Protocols never see
** this header: they use dsim.h.
**
** Everything a run owns hangs off one 'dsim_world'; there is no mutable
** file-scope data anywhere in the kernel. Endpoints 0..nodes-1 are nodes,
** nodes..nodes+clients-1 are clients; both are network endpoints.
*/
#ifndef DSIM_WORLD_H
#define DSIM_WORLD_H

#include <stdio.h>

#include "clock.h"
#include "disk.h"
#include "dsim.h"
#include "dsim_ops.h"
#include "latency.h"
#include "queue.h"
#include "rng.h"
#include "workload.h"

#define WORLD_NODES_MAX 10000
#define WORLD_CLIENTS_MAX 1000
#define WORLD_PROFILES_MAX 4096
#define WORLD_FAULTS_MAX 4096    /* fault events kept for the report */
#define WORLD_WARNINGS_MAX 64

/* Kinds of queued events. */
enum {
    EV_DELIVER = 1,      /* ptr: in-flight message */
    EV_TIMER,            /* node, aux: incarnation, a: kind, b: arg */
    EV_CLIENT_NEXT,      /* node: client index; a: generation */
    EV_CLIENT_TIMEOUT,   /* node: client index; a: op id */
    EV_CALL,             /* ptr: world_call_fn, a, b: its args */
    EV_RESUME,           /* node, a: pause generation */
};

/* What travels the network. */
enum { MSG_PROTOCOL = 0, MSG_REQUEST = 1, MSG_REPLY = 2 };

typedef struct wmsg {
    uint8_t kind;          /* MSG_* */
    uint8_t dup;           /* this copy is a duplicate */
    uint16_t size_class;   /* pool class of this buffer */
    uint32_t type;         /* protocol message type */
    int32_t from, to;      /* endpoints */
    uint32_t dst_incarnation;  /* receiver's incarnation at send */
    uint32_t conn_epoch;   /* FIFO connection epoch at send */
    uint32_t len;
    uint64_t id;
    unsigned char data[];
} wmsg;

/* A MSG_REPLY's 'type': REPLY_TOKEN puts a uint64_t session token
** between the body and the result words (dsim_reply_token). */
enum { REPLY_PLAIN = 0, REPLY_TOKEN = 1 };

typedef struct reply_body {    /* MSG_REPLY payload */
    uint64_t op_id;
    int64_t value;
    int32_t status;
    int32_t node;
} reply_body;

enum { NODE_UP = DSIM_NODE_UP, NODE_PAUSED = DSIM_NODE_PAUSED, NODE_CRASHED = DSIM_NODE_CRASHED };

struct dsim_node {
    dsim_world *w;
    int id;                     /* the identity: what peers address, the signing key */
    int slot;                   /* this instance's index in w->nodes */
    int ep;                     /* this instance's network endpoint */
    int twin;                   /* the other instance of the identity's slot, or -1 */
    int status;                 /* NODE_* */
    bool booted;                /* started since the last crash (a node paused
                                ** before the world started boots on resume) */
    uint32_t incarnation;       /* bumps on crash: stale timers/messages die */
    uint32_t pause_gen;         /* bumps on each pause/resume */
    void *state;                /* protocol state block */
    nclock clock;
    rng rng;
    disk *disk;
    queue_item *deferred;       /* events held while paused, in order */
    uint32_t deferred_len, deferred_cap;
    char role[16];              /* last role seen by inspect (for traces) */
    int64_t term_seen;
    int64_t synced_ns;          /* last dsim_disk_sync, -1 before the first */
    /* dsim_refuse: per client, the highest seq this node refused; its
    ** memory, so a crash clears it */
    uint64_t refused_seq[DSIM_KV_CLIENTS];
    /* Byzantine behaviour (byzantine.c); survives crashes */
    char byz[32];               /* "" while honest */
    json_t *byz_params;         /* owned object; {} while honest */
    uint32_t byz_gen;           /* bumps on every change: dsim_honest's token */
    uint64_t sign_key[2];       /* the node's private key */
    rng byz_rng;                /* stream "byzantine": draws only while Byzantine */
    struct byz_sent *byz_sent;  /* replay: its own earlier messages, or NULL */
};

typedef dsim_link net_profile;  /* link behaviour; profile 0 is the default */

typedef struct net_state {
    int endpoints;
    net_profile profiles[WORLD_PROFILES_MAX];
    int profiles_len;
    uint16_t *link_profile;     /* [from*endpoints+to], NULL: all default */
    uint8_t *cut;               /* [from*endpoints+to], 1: unreachable; NULL: none */
    bool fifo;                  /* TCP-like connections on every link */
    bool forge;                 /* dsim_send_as delivers (else: dropped "forged") */
    int64_t *fifo_last;         /* last delivery time per link (when fifo) */
    uint32_t *conn_epoch;       /* per link (when fifo) */
    json_t *shape;              /* last partition shape, for traces */
} net_state;

typedef struct client client;

typedef struct timer_slot {    /* a protocol timer, addressed by dsim_timer_id */
    uint64_t qhandle;           /* queue handle; 0 while deferred by a pause */
    uint32_t gen;               /* bumps on every reuse: stale ids miss */
    uint32_t kind;
    int32_t node;
    uint8_t live;
} timer_slot;
typedef struct script script;

typedef dsim_call_fn world_call_fn;
/* Hands a protocol event to the script: 'fields' (NULL for none, borrowed)
** as the protocol gave them; the script adds "name" and "node". */
/* 'node' is the identity, 'ep' the endpoint of the instance that acted
** (a twin's differs from its identity's). */
typedef void (*world_emit_fn)(dsim_world *w, int node, int ep, const char *name, const json_t *fields);
/* One protocol event (dsim_emit): 'name' is the row of the protocol's
** events table (static), 'fields' a reference or NULL. Kept as is: the JSON
** form is built only for the checks that read it (world_emitted). */
typedef struct world_emit_rec {
    int64_t t;
    int32_t node;
    int32_t ep;
    const char *name;
    json_t *fields;
} world_emit_rec;

struct workload_cfg {
    const char *name;           /* a name in the workload registry */
    int count;                  /* clients */
    int64_t rate_per_s;         /* per client; 0: back to back */
    int64_t timeout_ns;
    int redirects_max;
    int64_t stop_ns;            /* no new operations from then on; 0: never */
    /* how clients talk to the cluster (client.c, client_send_modes) */
    int send;                   /* CLIENT_SEND_* */
    int replies_min;            /* identical answers from distinct nodes to accept */
    int64_t retransmit_ns;      /* resend to every node this often; 0: never */
    /* the workloads' parameters (workload.h; each workload names its own) */
    int keys;
    int read_pct, write_pct, cas_pct;
    int negative;               /* counter: percent of adds that subtract */
    int txn_min, txn_max;       /* micro-operations per transaction */
    int writes_per_key;         /* key rotation: writes before a key retires */
    int drain_ms;               /* queue: only dequeue from this time on */
    int final_ms;               /* kv: only read, every key in turn, from this time on */
    int carry;                  /* resize: messages carry the upload's session token */
    int accounts, balance;      /* bank: accounts and each one's opening balance */
    int transfer_max;           /* bank: amounts drawn in 1..transfer_max */
    int remove_pct;             /* set: percent of operations that remove an element */
};

typedef struct world_stats {
    uint64_t events, sent, delivered, dropped, duplicated;
    uint64_t ops_invoked, ops_ok, ops_fail, ops_info;
    uint64_t invariant_checks;
} world_stats;

typedef struct world_limits {
    uint64_t events_max;
    uint32_t pending_max;
    int64_t time_ns_max;
    uint64_t lua_instructions_max;
} world_limits;

/* Everything a world is made from, in one piece (world_create). The Lua
** front end fills it from dsim.cluster{...}; world_config_defaults gives
** the kernel's defaults first. Pointers are borrowed for the call only,
** except the observers' (FILE, filter), which must outlive the world. */
typedef struct world_config {
    const dsim_protocol *protocol;
    int nodes;
    uint64_t seed;
    const json_t *options;      /* given option values by name (and "bug"); NULL: none */
    /* Twins (docs/DESIGN.md "Twins"): node ids (0-based, distinct) that get
    ** a second instance with the same identity and key; NULL: none. */
    const int *twins;
    int twins_len;
    workload_cfg workload;      /* the clients and their workload; count 0: none */
    /* the network at start: 'net_set' applied as c:net would, to every link
    ** (net_from NULL) or from each of 'net_from' to each of 'net_to' */
    bool net_given;
    dsim_link_set net_set;
    const int *net_from, *net_to;
    int net_from_len, net_to_len;
    bool net_forge;             /* dsim_send_as may forge the sender (a demo's choice) */
    world_limits limits;
    int invariants_every;       /* check after every N events; 0: off */
    /* observers: never change the run */
    FILE *trace, *log;
    bool log_color;
    const struct logfilter *log_filter;
    bool fault_log;             /* keep the fault events ('faults') for a failure report */
    const char *scenario;       /* for the trace header */
    const json_t *params;       /* -D values, for the trace header */
    void *hook_ctx;             /* the front end's, handed back to hooks */
} world_config;

struct dsim_world {
    uint64_t seed;
    int64_t now;
    const dsim_protocol *proto;
    json_t *options;            /* validated option values, by name */
    char bug[64];
    int nodes_len;              /* identities: what protocols count and address */
    dsim_node *nodes;           /* slots: identity i's first instance at i, twins from nodes_len */
    int slots_len;              /* nodes_len + twins_len */
    int twins_len;
    int twin_ep0;               /* endpoint of slot nodes_len (after the clients) */
    int clients_len;
    client *clients;
    workload_cfg workload;
    const workload *wl;         /* the registry entry of 'workload.name' */
    workload_state *wl_state;   /* shared by the generators */
    dsim_result *result;        /* the last reply's result (client.c) */
    net_state net;
    queue q;
    rng rng_net, rng_workload, rng_lua;
    world_stats stats;
    world_limits limits;
    uint64_t msg_id_next, op_id_next;
    uint64_t fingerprint;
    /* observers: never change the run */
    FILE *trace;                /* JSON lines, or NULL */
    FILE *log;                  /* readable lines, or NULL */
    bool log_color;
    const struct logfilter *log_filter;  /* --log=FILTERS; NULL: every event */
    json_t *trace_tail;         /* events kept for --html (or NULL) */
    /* Fault events (crash, restart, pause, resume, partition, heal, clock,
    ** net, fault) as their trace lines, traced or not, for the
    ** failure report: at most WORLD_FAULTS_MAX, 'faults_more' past it.
    ** Kept only with 'fault_log' (dsim run and replay ask; a fuzz or bench
    ** run, which prints no report, does not pay for them). */
    bool fault_log;
    json_t *faults;
    uint64_t faults_more;
    /* Warnings about the scenario (a crash of a crashed node ...), as
    ** "T ms: text" strings: at most WORLD_WARNINGS_MAX. */
    json_t *warnings;
    /* history */
    char *hist;                 /* JSON lines of client operations */
    size_t hist_len, hist_cap;
    wl_text hist_value;         /* scratch for one event's value */
    /* invariants */
    void *checker_state;        /* proto->checker_state_size bytes; never zeroed by crashes */
    int in_protocol;            /* inside a node callback: the checker's state is off limits */
    int acting;                 /* the slot whose callback runs, or -1 */
    const dsim_op *request;     /* the request its on_request handles, or NULL */
    int invariants_every;       /* check after every N events; 0: off */
    char *invariant_violation;  /* first one seen, owned */
    int64_t invariant_violation_t;
    /* hooks into the script layer */
    world_emit_fn on_emit;
    void *hook_ctx;
    bool started;               /* nodes booted and clients started (world_start) */
    /* a run stops at the first error (Lua error, limit) */
    char error[512];
    bool failed;
    /* protocol timers */
    timer_slot *timers;
    uint32_t timers_len, timers_cap;
    uint32_t *timers_free;
    uint32_t timers_free_len;
    /* every protocol event of the run, in order (world_emitted gives them
    ** as JSON, built only when a check asks) */
    world_emit_rec *emitted;
    uint32_t emitted_len, emitted_cap;
    json_t *emitted_json;       /* world_emitted's answer, kept */
    /* protocol events waiting to reach the script (c:on): emitted[from..] */
    uint32_t emits_pending_from;
    bool emits_pending;
    /* payload pool, by power-of-two size class */
    wmsg *pool_free[24];
    uint64_t pool_bytes;
    void **pool_blocks;         /* every slab and buffer allocated, for world_free */
    uint32_t pool_blocks_len, pool_blocks_cap;
};

/* Slots, identities and endpoints (docs/DESIGN.md "Twins"): endpoints
** 0..nodes-1 are the identities' first instances (slot = endpoint = id),
** then the clients, then the twins' instances (slot nodes_len + k). */
static inline int world_ep_slot(const dsim_world *w, int ep)
{
    DSIM_ASSERT(ep >= 0 && ep < w->net.endpoints);
    if (ep < w->nodes_len)
        return ep;
    if (ep < w->twin_ep0)
        return -1;   /* a client */
    return ep - w->twin_ep0 + w->nodes_len;
}
/* The identity an endpoint speaks for, or -1 for a client. */
static inline int world_ep_id(const dsim_world *w, int ep)
{
    int slot = world_ep_slot(w, ep);
    return slot < 0 ? -1 : w->nodes[slot].id;
}

/* world.c */
/* The kernel's defaults: limits, invariants after every event, no clients. */
void world_config_defaults(world_config *cfg);
/* Makes the world 'cfg' describes, nothing booted yet; NULL with a message
** (bad option, bad protocol setting, out of memory). */
dsim_world *world_create(const world_config *cfg, char *err, size_t cap);
/* Boots every up node and starts the clients, once; later calls do
** nothing. The first c:run calls it. */
void world_start(dsim_world *w);
void world_free(dsim_world *w);
/* Runs until virtual time 'until_ns', the queue empties, or an error; returns
** false on error (w->error says what). */
bool world_run(dsim_world *w, int64_t until_ns);
uint64_t world_push(dsim_world *w, int64_t at, const queue_item *it);
void world_call_at(dsim_world *w, int64_t at, world_call_fn fn, uint64_t a, uint64_t b);
void world_fail(dsim_world *w, const char *fmt, ...);
/* Mixes a value into the fingerprint: FNV-1a style mixing with a final
** avalanche per value, cheap, and every bit of 'x' reaches the state.
** Inline: it runs several times per event. */
static inline void world_fp(dsim_world *w, uint64_t x)
{
    DSIM_ASSERT(w != NULL);
    uint64_t h = w->fingerprint ^ x;
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    w->fingerprint = h ^ (h >> 32);
}
void world_fp_bytes(dsim_world *w, const void *p, size_t len);
/* Every protocol event of the run so far, in order, as a JSON array of
** {t, node, name, fields} (node 1-based; fields only when given); owned by
** the world, valid until the next event. */
json_t *world_emitted(dsim_world *w);
/* Around a protocol callback of node 'id': the checker's state goes off
** limits and 'acting' names the node (dsim_sign checks it). */
static inline int world_enter(dsim_world *w, int id)
{
    int was = w->acting;
    w->in_protocol++;
    w->acting = id;
    return was;
}
static inline void world_leave(dsim_world *w, int was)
{
    DSIM_ASSERT(w->in_protocol > 0);
    w->in_protocol--;
    w->acting = was;
}
/* Notes a warning about the scenario (printf format); observes only. */
void world_warn(dsim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* options.c */
int options_build(dsim_world *w, json_t *given, char *err, size_t cap);

/* node.c */
/* Slot 'slot' of the world as an instance of identity 'id' at endpoint 'ep'. */
int node_init(dsim_world *w, dsim_node *n, int slot, int id, int ep);
void node_free(dsim_node *n);
void node_boot(dsim_node *n);
void node_crash(dsim_node *n, bool tear);
void node_restart(dsim_node *n);
void node_pause(dsim_node *n);
void node_resume(dsim_node *n);
void node_dispatch(dsim_node *n, const queue_item *it);
void node_inspect(dsim_node *n, json_t *out);
const char *node_status_name(int status);

/* byzantine.c */
void byzantine_init(dsim_node *n);   /* the node's signing key; honest */
void byzantine_free(dsim_node *n);
/* dsim_send of a Byzantine node: acts out the generic behaviours on the
** way out (a protocol's own behaviours send as usual). */
void byzantine_send(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len, uint64_t id);

/* net.c */
int net_init(dsim_world *w, int endpoints);
void net_free(dsim_world *w);
void net_send(dsim_world *w, int from, int to, uint8_t kind, uint32_t type,
              const void *data, uint32_t len, uint64_t id);
/* A send from endpoint 'from' to node identity 'to': one copy to each of
** its instances (the first with 'id', a twin's with a fresh one); a node's
** send to its own identity reaches only itself. */
void net_send_node(dsim_world *w, int from, int to, uint8_t kind, uint32_t type,
                   const void *data, uint32_t len, uint64_t id);
void net_deliver(dsim_world *w, wmsg *m);
/* A send that the sender itself suppresses (a Byzantine node's): counted,
** fingerprinted and traced as a send, then dropped with 'why'. */
void net_send_dropped(dsim_world *w, int from, int to, uint8_t kind, uint32_t type, const void *data,
                      uint32_t len, uint64_t id, const char *why);
void net_msg_release(dsim_world *w, wmsg *m);
bool net_reachable(const dsim_world *w, int from, int to);
void net_set_cut(dsim_world *w, int from, int to, bool cut);
void net_heal(dsim_world *w);
int net_profile_add(dsim_world *w, const net_profile *p);
void net_set_link_profile(dsim_world *w, int from, int to, int profile);
void net_set_fifo(dsim_world *w, bool on);
void net_set_shape(dsim_world *w, json_t *shape);   /* takes ownership */

/* client.c */
enum { CLIENT_SEND_LEADER = 0, CLIENT_SEND_OWN, CLIENT_SEND_RANDOM, CLIENT_SEND_ALL };
/* The names of the CLIENT_SEND_* modes, in order, NULL-terminated. */
extern const char *const client_send_modes[];
int clients_init(dsim_world *w, const workload_cfg *cfg, char *err, size_t cap);
void clients_free(dsim_world *w);
void clients_start(dsim_world *w);
void client_next(dsim_world *w, int c, uint64_t gen);
/* 'retransmit': the retransmission timer, not the operation's timeout. */
void client_timeout(dsim_world *w, int c, uint64_t op_id, bool retransmit);
/* 'words' are the 'words_len' result words after the reply body (bytes:
** any alignment). */
void client_on_reply(dsim_world *w, int c, const reply_body *r, uint64_t token, const void *words,
                     uint32_t words_len);
/* {process, ok, busy, last_ok_ms?} of client 'c', for scripts. */
json_t *client_stats(const dsim_world *w, int c);

/* history.c */
/* One event of 'op'; 'res' is an ok completion's result, else NULL;
** 'node': the node that answered (a completion from a reply), or -1. */
void history_record(dsim_world *w, const char *type, const dsim_op *op, const dsim_result *res,
                    int node);

/* trace.c */
static inline bool trace_on(const dsim_world *w)
{
    return w->trace != NULL || w->log != NULL;
}
/* A new event line; NULL when tracing and logging are off, except for
** fault kinds with 'w->fault_log': 'trace_emit' keeps them in
** 'w->faults' for the failure report. */
json_t *trace_event(dsim_world *w, const char *ev);
void trace_emit(dsim_world *w, json_t *e);            /* takes ownership */
void trace_header(dsim_world *w, const char *scenario, json_t *params);
void trace_summary(dsim_world *w, json_t *summary);
/* One {"ev":"verdict","check","valid","report"} line per check report, for the viewer. */
void trace_verdicts(dsim_world *w, const json_t *verdicts);
const char *endpoint_name(const dsim_world *w, int ep, char *buf, size_t cap);

#endif
