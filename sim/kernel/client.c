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
** Where it sends ('send', client_send_modes): "leader" (the default)
** starts at its own node and stays where redirects lead it, across
** operations (session stickiness); "own" starts every operation at its own
** node; "random" at a node drawn from its stream; "all" sends every
** operation to every node and ignores redirects. 'replies_min' = k accepts
** an answer only once k distinct nodes gave identical ones (a PBFT client
** waits for f+1); 'retransmit' resends the operation to every node every so
** many ms until the timeout. Each operation is still one invoke and one
** completion in the history.
** Session tokens: a client keeps the highest token an ok reply carried
** (dsim_reply_token) and puts it in every later operation's 'token';
** protocols that hand out none never see one.
** What a client asks for comes from its workload (workload.h: the
** registry); this file only moves operations and results. A request
** carries 'dsim_op_bytes' of the op (a plain op has no micro-op tail), a
** reply its 'reply_body' and, for reads of lists and transactions, the
** result words after it.
** Randomness: the client's own stream ("client", index).
*/
#include <stdlib.h>
#include <string.h>

#include "world.h"

struct client {
    int idx;
    int32_t process;
    uint64_t seq;
    uint32_t token;            /* the highest session token a reply gave it */
    int target;                /* node it talks to */
    bool busy;
    dsim_op op;
    uint64_t timeout_handle;
    uint64_t gen;              /* generation of the next-op event */
    int redirects;
    uint64_t *answers;         /* replies_min > 1: per node, hash of its answer; 0 none */
    uint64_t ok_count;         /* completions with ok */
    int64_t last_ok_ns;        /* time of the latest, -1 before the first */
    rng rng;
};

const char *const client_send_modes[] = {"leader", "own", "random", "all", NULL};

int clients_init(dsim_world *w, const workload_cfg *cfg, char *err, size_t cap)
{
    if (cfg->count < 0 || cfg->count > WORLD_CLIENTS_MAX) {
        snprintf(err, cap, "clients.count must be between 0 and %d", WORLD_CLIENTS_MAX);
        return -1;
    }
    /* Clients are endpoints after the nodes (world_create sized the links). */
    DSIM_ASSERT(w->net.endpoints == w->nodes_len + cfg->count + w->twins_len);
    const workload *wl = workload_find(cfg->name);
    if (wl == NULL) {
        snprintf(err, cap, "unknown workload '%s' (see: dsim list workloads)", cfg->name);
        return -1;
    }
    for (const workload_param *p = wl->params; p->name; p++) {
        int v = *workload_param_slot((workload_cfg *)cfg, p);
        if (v < p->min || v > p->max) {
            snprintf(err, cap, "workload %s: '%s' must be from %d to %d, got %d", wl->name, p->name,
                     p->min, p->max, v);
            return -1;
        }
    }
    if (wl->validate && wl->validate(cfg, err, cap) != 0)
        return -1;
    w->workload = *cfg;
    w->wl = wl;
    w->clients_len = cfg->count;
    w->clients = calloc(cfg->count ? (size_t)cfg->count : 1, sizeof *w->clients);
    w->wl_state = calloc(1, sizeof *w->wl_state);
    if (!w->clients || !w->wl_state) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    if (cfg->replies_min < 0 || cfg->replies_min > w->nodes_len ||
        cfg->send < CLIENT_SEND_LEADER || cfg->send > CLIENT_SEND_ALL || cfg->retransmit_ns < 0) {
        snprintf(err, cap, "clients: replies must be from 1 to %d (the nodes)", w->nodes_len);
        return -1;
    }
    for (int c = 0; c < cfg->count; c++) {
        client *cl = &w->clients[c];
        if (cfg->replies_min > 1) {
            cl->answers = calloc((size_t)w->nodes_len, sizeof *cl->answers);
            if (cl->answers == NULL) {
                snprintf(err, cap, "out of memory");
                return -1;
            }
        }
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
    for (int c = 0; w->clients && c < w->clients_len; c++)
        free(w->clients[c].answers);
    free(w->clients);
    free(w->wl_state);
    free(w->result);
    free(w->hist_value.p);
    w->result = NULL;
    w->hist_value = (wl_text){0};
    w->clients = NULL;
    w->wl_state = NULL;
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
    dsim_op *op = &cl->op;
    memset(op, 0, sizeof *op);
    op->id = w->op_id_next++;
    op->client = cl->idx;
    op->process = cl->process;
    op->seq = ++cl->seq;
    op->token = cl->token;   /* the generator may raise it (a token from a message) */
    w->wl->generate(&w->workload, w->wl_state, &cl->rng, w->now, op);
    DSIM_ASSERT(op->token >= cl->token);
    DSIM_ASSERT(op->f < DSIM_F_COUNT_);
    DSIM_ASSERT(op->f == DSIM_F_TXN || op->mops_len == 0);
    DSIM_ASSERT(op->key < DSIM_STORE_KEYS);
}

static void send_to(dsim_world *w, client *cl, int node)
{
    DSIM_ASSERT(cl->busy);
    DSIM_ASSERT(node >= 0);
    DSIM_ASSERT(node < w->nodes_len);
    net_send_node(w, w->nodes_len + cl->idx, node, MSG_REQUEST, 0, &cl->op,
             (uint32_t)dsim_op_bytes(&cl->op), w->msg_id_next++);
}

static void send_request(dsim_world *w, client *cl)
{
    if (w->workload.send != CLIENT_SEND_ALL) {
        send_to(w, cl, cl->target);
        return;
    }
    for (int n = 0; n < w->nodes_len; n++)
        send_to(w, cl, n);
}

/* Where a new operation starts, by the send mode. */
static void pick_target(dsim_world *w, client *cl)
{
    if (w->workload.send == CLIENT_SEND_OWN)
        cl->target = cl->idx % w->nodes_len;
    else if (w->workload.send == CLIENT_SEND_RANDOM)
        cl->target = (int)rng_below(&cl->rng, (uint64_t)w->nodes_len);
    if (cl->answers)
        memset(cl->answers, 0, (size_t)w->nodes_len * sizeof *cl->answers);
}

static void arm_retransmit(dsim_world *w, client *cl)
{
    if (w->workload.retransmit_ns <= 0)
        return;
    queue_item it = {.kind = EV_CLIENT_TIMEOUT, .node = cl->idx, .peer = -1, .a = cl->op.id, .b = 1};
    world_push(w, w->now + w->workload.retransmit_ns, &it);
}

void client_next(dsim_world *w, int c, uint64_t gen)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    client *cl = &w->clients[c];
    if (cl->busy || gen != cl->gen)
        return;
    if (w->wl->idle && w->wl->idle(&w->workload, w->wl_state, c)) {
        schedule_next(w, cl);   /* nothing to ask now: think again */
        return;
    }
    make_op(w, cl);
    pick_target(w, cl);
    cl->busy = true;
    cl->redirects = 0;
    w->stats.ops_invoked++;
    world_fp(w, 0x09 ^ cl->op.id);
    history_record(w, "invoke", &cl->op, NULL, -1);
    queue_item it = {.kind = EV_CLIENT_TIMEOUT, .node = c, .peer = -1, .a = cl->op.id};
    DSIM_ASSERT(w->workload.timeout_ns > 0);
    cl->timeout_handle = world_push(w, w->now + w->workload.timeout_ns, &it);
    send_request(w, cl);
    arm_retransmit(w, cl);
}

static void finish(dsim_world *w, client *cl, const char *type, const dsim_result *res, int node,
                   uint64_t token)
{
    DSIM_ASSERT(cl->busy);
    history_record(w, type, &cl->op, res, node);
    world_fp_bytes(w, type, strlen(type));
    cl->busy = false;
    if (w->wl->done)
        w->wl->done(&w->workload, w->wl_state, &cl->op, strcmp(type, "ok") == 0, (uint32_t)token);
    schedule_next(w, cl);
}

/* The outcome is unknown: record 'info', retire the process, and try the
** next node with the next operation. */
static void give_up(dsim_world *w, client *cl)
{
    w->stats.ops_info++;
    cl->timeout_handle = 0;
    finish(w, cl, "info", NULL, -1, 0);
    cl->process += w->clients_len;   /* the old process may still act */
    cl->target = (cl->target + 1) % w->nodes_len;
    DSIM_ASSERT(cl->process % w->clients_len == cl->idx);
}

void client_timeout(dsim_world *w, int c, uint64_t op_id, bool retransmit)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    client *cl = &w->clients[c];
    if (!cl->busy || cl->op.id != op_id)
        return;
    if (!retransmit) {
        give_up(w, cl);
        return;
    }
    for (int n = 0; n < w->nodes_len; n++)   /* the same op: sessions keep it exactly-once */
        send_to(w, cl, n);
    arm_retransmit(w, cl);
}

/* With replies_min = k > 1: whether k distinct nodes have now given this
** same answer (status, value and words). */
static bool enough_alike(dsim_world *w, client *cl, const reply_body *r, const void *words,
                         uint32_t words_len)
{
    if (cl->answers == NULL)
        return true;
    DSIM_ASSERT(r->node >= 0 && r->node < w->nodes_len);
    uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)r->status;
    h = (h ^ (uint64_t)r->value) * 0xbf58476d1ce4e5b9u;
    const unsigned char *p = words;
    for (size_t i = 0; i < words_len * sizeof(int64_t); i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    h |= 1;   /* 0 means "no answer" */
    cl->answers[r->node] = h;
    int same = 0;
    for (int n = 0; n < w->nodes_len; n++)
        same += cl->answers[n] == h;
    return same >= w->workload.replies_min;
}

/* The reply's result, in a buffer of the world's (results can be large). */
static const dsim_result *result_of(dsim_world *w, const reply_body *r, const void *words,
                                    uint32_t words_len)
{
    DSIM_ASSERT(words_len <= DSIM_RESULT_WORDS_MAX);
    if (w->result == NULL) {
        w->result = malloc(sizeof *w->result);
        DSIM_ASSERT(w->result != NULL);
    }
    w->result->value = r->value;
    w->result->len = words_len;
    if (words_len > 0)
        memcpy(w->result->words, words, words_len * sizeof(int64_t));
    return w->result;
}

void client_on_reply(dsim_world *w, int c, const reply_body *r, uint64_t token, const void *words,
                     uint32_t words_len)
{
    DSIM_ASSERT(c >= 0);
    DSIM_ASSERT(c < w->clients_len);
    client *cl = &w->clients[c];
    if (!cl->busy || cl->op.id != r->op_id)
        return;   /* a late or duplicated reply */
    if (r->status == DSIM_REDIRECT) {
        if (w->workload.send == CLIENT_SEND_ALL)
            return;   /* it already asked every node */
        if (w->workload.retransmit_ns > 0 && r->node != cl->target)
            return;   /* a retransmission's redirect: only the node in charge moves us */
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
    if (!enough_alike(w, cl, r, words, words_len))
        return;
    queue_cancel(&w->q, cl->timeout_handle);
    if (r->status == DSIM_OK) {
        if (token > cl->token)
            cl->token = (uint32_t)token;
        w->stats.ops_ok++;
        cl->ok_count++;
        cl->last_ok_ns = w->now;
        finish(w, cl, "ok", result_of(w, r, words, words_len), r->node, token);
    } else {
        DSIM_ASSERT(r->status == DSIM_FAIL);
        w->stats.ops_fail++;
        finish(w, cl, "fail", NULL, r->node, 0);
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

/* The reply body, the token (when not 0) and 'len' result words, as one
** message; a reply without a token is the body and the words alone. */
static void reply_send(dsim_node *n, const dsim_op *op, dsim_status status, int64_t value,
                       const int64_t *words, uint32_t len, uint64_t token)
{
    dsim_world *w = dsim_world_of(n);
    DSIM_ASSERT(status == DSIM_OK || status == DSIM_FAIL || status == DSIM_REDIRECT);
    DSIM_ASSERT(op->client >= 0);
    DSIM_ASSERT(op->client < w->clients_len);
    DSIM_ASSERT(dsim_is_up(n));
    DSIM_ASSERT(len <= DSIM_RESULT_WORDS_MAX);
    reply_body r = {.op_id = op->id, .value = value, .status = (int32_t)status, .node = dsim_id(n)};
    uint32_t type = token ? REPLY_TOKEN : REPLY_PLAIN;
    if (n->byz[0] && strcmp(n->byz, "silent") == 0) {   /* a silent node answers nobody */
        net_send_dropped(w, n->ep, w->nodes_len + op->client, MSG_REPLY, 0, &r, sizeof r,
                         w->msg_id_next++, "byzantine");
        return;
    }
    if (len == 0 && token == 0) {
        net_send(w, n->ep, w->nodes_len + op->client, MSG_REPLY, 0, &r, sizeof r,
                 w->msg_id_next++);
        return;
    }
    /* Trade-off: one allocation per reply that carries words (reads of
    ** lists, transactions) or a token; plain replies, the common case,
    ** allocate none. */
    size_t head = sizeof r + (token ? sizeof token : 0);
    size_t bytes = head + len * sizeof *words;
    unsigned char *buf = malloc(bytes);
    DSIM_ASSERT(buf != NULL);
    memcpy(buf, &r, sizeof r);
    if (token)
        memcpy(buf + sizeof r, &token, sizeof token);
    if (len)
        memcpy(buf + head, words, len * sizeof *words);
    net_send(w, n->ep, w->nodes_len + op->client, MSG_REPLY, type, buf, (uint32_t)bytes,
             w->msg_id_next++);
    free(buf);
}

void dsim_reply(dsim_node *n, const dsim_op *op, dsim_status status, int64_t value)
{
    reply_send(n, op, status, value, NULL, 0, 0);
}

void dsim_reply_result(dsim_node *n, const dsim_op *op, dsim_status status, const dsim_result *r)
{
    dsim_reply_token(n, op, status, r, 0);
}

void dsim_reply_token(dsim_node *n, const dsim_op *op, dsim_status status, const dsim_result *r,
                      uint32_t token)
{
    if (status != DSIM_OK || r == NULL)
        reply_send(n, op, status, r ? r->value : 0, NULL, 0, token);
    else
        reply_send(n, op, status, r->value, r->words, r->len, token);
}
