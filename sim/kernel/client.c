/*
** client.c — simulated clients and their workloads.
**
** A client is a network endpoint and one Jepsen "process" at a time: it has
** at most one operation outstanding. It records the invoke, sends the
** request to a node (its own node at first), follows redirects, and when
** no answer comes within the timeout, or after 'redirects_max' redirects,
** it records 'info' and retires its process id: the next operation runs
** under a fresh id (process + clients), since the old one may still take
** effect. Giving up after redirects is not 'fail': a duplicated copy of the
** request may still be in flight to a node that will apply it. Late replies
** to a finished operation are ignored.
** Workloads: "register" (one key; read, write), "cas-register" (one key;
** read, write, cas), "kv" (many keys; read, write, cas). Every written value
** is unique per key, so histories are differentiated.
** Randomness: the client's own stream ("client", index).
*/
#include <stdlib.h>
#include <string.h>

#include "world.h"

struct client {
    int idx;
    int32_t process;
    uint64_t seq;
    int target;                /* node it talks to */
    bool busy;
    dsim_op op;
    uint64_t timeout_handle;
    uint64_t gen;              /* generation of the next-op event */
    int redirects;
    uint64_t ok_count;         /* completions with ok */
    int64_t last_ok_ns;        /* time of the latest, -1 before the first */
    rng rng;
};

const char *workload_model(const workload_cfg *cfg)
{
    return strcmp(cfg->name, "register") == 0 ? "register" : "cas-register";
}

int clients_init(dsim_world *w, const workload_cfg *cfg, char *err, size_t cap)
{
    if (cfg->count < 0 || cfg->count > WORLD_CLIENTS_MAX) {
        snprintf(err, cap, "clients.count must be between 0 and %d", WORLD_CLIENTS_MAX);
        return -1;
    }
    /* Clients are endpoints after the nodes (world_create sized the links). */
    DSIM_ASSERT(w->net.endpoints == w->nodes_len + cfg->count);
    w->workload = *cfg;
    w->clients_len = cfg->count;
    w->clients = calloc(cfg->count ? (size_t)cfg->count : 1, sizeof *w->clients);
    w->key_next_value = calloc((size_t)cfg->keys + 1, sizeof *w->key_next_value);
    if (!w->clients || !w->key_next_value) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    for (int c = 0; c < cfg->count; c++) {
        client *cl = &w->clients[c];
        cl->idx = c;
        cl->process = c;
        cl->target = c % w->nodes_len;
        cl->last_ok_ns = -1;
        rng_stream(&cl->rng, w->seed, "client", (uint64_t)c);
    }
    return 0;
}

void clients_free(dsim_world *w)
{
    DSIM_ASSERT(w->clients_len >= 0);
    free(w->clients);
    free(w->key_next_value);
    w->clients = NULL;
    w->key_next_value = NULL;
}

static void schedule_next(dsim_world *w, client *cl)
{
    DSIM_ASSERT(!cl->busy);
    DSIM_ASSERT(w->workload.rate_per_s >= 0);
    int64_t think = 0;
    if (w->workload.rate_per_s > 0) {
        int64_t mean = DSIM_SEC(1) / w->workload.rate_per_s;
        think = rng_range(&cl->rng, 0, 2 * mean);
    }
    if (w->workload.stop_ns > 0 && w->now + think >= w->workload.stop_ns)
        return;
    cl->gen++;
    queue_item it = {.kind = EV_CLIENT_NEXT, .node = cl->idx, .peer = -1, .a = cl->gen};
    world_push(w, w->now + think, &it);
}

void clients_start(dsim_world *w)
{
    for (int c = 0; c < w->clients_len; c++)
        schedule_next(w, &w->clients[c]);
}

static void make_op(dsim_world *w, client *cl)
{
    const workload_cfg *cfg = &w->workload;
    dsim_op *op = &cl->op;
    memset(op, 0, sizeof *op);
    op->id = w->op_id_next++;
    op->client = cl->idx;
    op->process = cl->process;
    op->seq = ++cl->seq;
    op->key = cfg->keys > 1 ? (uint32_t)rng_below(&cl->rng, (uint64_t)cfg->keys) : 0;
    int64_t roll = rng_range(&cl->rng, 0, 99);
    bool cas_ok = strcmp(cfg->name, "register") != 0;
    if (roll < cfg->read_pct) {
        op->f = DSIM_F_READ;
        op->value = DSIM_NIL;
    } else if (roll < cfg->read_pct + cfg->write_pct || !cas_ok) {
        op->f = DSIM_F_WRITE;
        op->value = ++w->key_next_value[op->key];
    } else {
        op->f = DSIM_F_CAS;
        int64_t last = w->key_next_value[op->key];
        /* Expect a recent value, so some cas succeed and some fail. */
        op->value = last > 0 ? rng_range(&cl->rng, last > 3 ? last - 3 : 1, last) : 1;
        op->value2 = ++w->key_next_value[op->key];
    }
    DSIM_ASSERT(op->f < DSIM_F_COUNT_);
    DSIM_ASSERT(op->key < (uint32_t)cfg->keys);
}

static void send_request(dsim_world *w, client *cl)
{
    DSIM_ASSERT(cl->busy);
    DSIM_ASSERT(cl->target >= 0);
    DSIM_ASSERT(cl->target < w->nodes_len);
    net_send(w, w->nodes_len + cl->idx, cl->target, MSG_REQUEST, 0, &cl->op, sizeof cl->op,
             w->msg_id_next++);
}

void client_next(dsim_world *w, int c, uint64_t gen)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    client *cl = &w->clients[c];
    if (cl->busy || gen != cl->gen)
        return;
    make_op(w, cl);
    cl->busy = true;
    cl->redirects = 0;
    w->stats.ops_invoked++;
    world_fp(w, 0x09 ^ cl->op.id);
    history_record(w, "invoke", &cl->op, 0, false);
    queue_item it = {.kind = EV_CLIENT_TIMEOUT, .node = c, .peer = -1, .a = cl->op.id};
    DSIM_ASSERT(w->workload.timeout_ns > 0);
    cl->timeout_handle = world_push(w, w->now + w->workload.timeout_ns, &it);
    send_request(w, cl);
}

static void finish(dsim_world *w, client *cl, const char *type, int64_t value, bool has_value)
{
    DSIM_ASSERT(cl->busy);
    history_record(w, type, &cl->op, value, has_value);
    world_fp_bytes(w, type, strlen(type));
    cl->busy = false;
    schedule_next(w, cl);
}

/* The outcome is unknown: record 'info', retire the process, and try the
** next node with the next operation. */
static void give_up(dsim_world *w, client *cl)
{
    w->stats.ops_info++;
    cl->timeout_handle = 0;
    finish(w, cl, "info", 0, false);
    cl->process += w->clients_len;   /* the old process may still act */
    cl->target = (cl->target + 1) % w->nodes_len;
    DSIM_ASSERT(cl->process % w->clients_len == cl->idx);
}

void client_timeout(dsim_world *w, int c, uint64_t op_id)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    client *cl = &w->clients[c];
    if (!cl->busy || cl->op.id != op_id)
        return;
    give_up(w, cl);
}

void client_on_reply(dsim_world *w, int c, const reply_body *r)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    client *cl = &w->clients[c];
    if (!cl->busy || cl->op.id != r->op_id)
        return;   /* a late or duplicated reply */
    if (r->status == DSIM_REDIRECT) {
        if (++cl->redirects > w->workload.redirects_max) {
            queue_cancel(&w->q, cl->timeout_handle);
            give_up(w, cl);
            return;
        }
        cl->target = r->value >= 0 && r->value < w->nodes_len
                         ? (int)r->value : (cl->target + 1) % w->nodes_len;
        send_request(w, cl);
        return;
    }
    queue_cancel(&w->q, cl->timeout_handle);
    if (r->status == DSIM_OK) {
        w->stats.ops_ok++;
        cl->ok_count++;
        cl->last_ok_ns = w->now;
        finish(w, cl, "ok", r->value, cl->op.f == DSIM_F_READ);
    } else {
        DSIM_ASSERT(r->status == DSIM_FAIL);
        w->stats.ops_fail++;
        finish(w, cl, "fail", 0, false);
    }
}

json_t *client_stats(const dsim_world *w, int c)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    const client *cl = &w->clients[c];
    json_t *o = json_pack("{s:i, s:I, s:b}", "process", cl->process, "ok", (json_int_t)cl->ok_count,
                          "busy", cl->busy);
    if (cl->last_ok_ns >= 0)
        json_object_set_new(o, "last_ok_ms", json_real((double)cl->last_ok_ns / 1e6));
    return o;
}

void dsim_reply(dsim_node *n, const dsim_op *op, dsim_status status, int64_t value)
{
    dsim_world *w = dsim_world_of(n);
    DSIM_ASSERT(status == DSIM_OK || status == DSIM_FAIL || status == DSIM_REDIRECT);
    DSIM_ASSERT(op->client >= 0);
    DSIM_ASSERT(op->client < w->clients_len);
    DSIM_ASSERT(dsim_is_up(n));
    reply_body r = {.op_id = op->id, .value = value, .status = (int32_t)status, .node = dsim_id(n)};
    net_send(w, dsim_id(n), w->nodes_len + op->client, MSG_REPLY, 0, &r, sizeof r,
             w->msg_id_next++);
}
