/*
** workload_resize.c — "resize": two channels between clients, the store
** and a message queue (demo C5, cross_channel_resize in DEMOS.md).
**
** Client c1 is the web server: it uploads images, each time one of 'keys'
** drawn from its stream, each upload a write of the image's next version
** (1, 2, ...).
** When an upload is acknowledged it puts a message on the queue: (image,
** version) and, with 'carry' = 1, the reply's session token (the LSN of
** the write, dsim_reply_token). The queue is the world's, between the
** clients: it delivers at once, faster than any replication. Every other
** client is a resizer: it takes the next message, reads the image (the
** thumbnail is made from what that read returns) with the message's token
** when it carries one, and waits when the queue is empty (it skips its
** turn: 'idle'). A resize that fails or times out puts its message back
** at the front (the broker redelivers what was not acknowledged); an
** upload that fails or times out sends no message.
** History: f "upload" (value: the version written) and "resize" (invoke:
** the version the message announced; ok: the version read, null for
** none). Judged by check "resize" (sim/check/resize.c): every thumbnail
** was made from the announced version or a newer one.
** Draws from the client's stream: the uploader's image, nothing else.
*/
#include <stddef.h>

#include "world.h"

static bool idle(const workload_cfg *cfg, const workload_state *st, int client)
{
    (void)cfg;
    if (client == 0)
        return st->mq_len + st->mq_held >= WL_MQ_MAX;   /* the queue is full: back-pressure */
    return st->mq_len == 0;
}

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    DSIM_ASSERT(cfg->keys >= 1);
    if (op->client == 0) {
        op->f = DSIM_F_WRITE;
        op->key = (uint32_t)rng_below(r, (uint64_t)cfg->keys);
        op->value = ++st->next_value[op->key];
        return;
    }
    DSIM_ASSERT(st->mq_len > 0);
    const wl_msg *m = &st->mq[st->mq_head];
    st->mq_head = (st->mq_head + 1) % WL_MQ_MAX;
    st->mq_len--;
    st->mq_held++;
    op->f = DSIM_F_READ;
    op->key = m->key;
    op->value = m->version;   /* the read ignores it; the history shows it */
    if (cfg->carry && m->token > op->token)
        op->token = m->token;
}

static void push(workload_state *st, wl_msg m, bool front)
{
    DSIM_ASSERT(st->mq_len < WL_MQ_MAX);
    if (front) {
        st->mq_head = (st->mq_head + WL_MQ_MAX - 1) % WL_MQ_MAX;
        st->mq[st->mq_head] = m;
    } else {
        st->mq[(st->mq_head + st->mq_len) % WL_MQ_MAX] = m;
    }
    st->mq_len++;
}

static void done(const workload_cfg *cfg, workload_state *st, const dsim_op *op, bool ok, uint32_t token)
{
    (void)cfg;
    wl_msg m = {.key = op->key, .token = op->f == DSIM_F_WRITE ? token : op->token, .version = op->value};
    if (op->f == DSIM_F_READ) {
        DSIM_ASSERT(st->mq_held > 0);
        st->mq_held--;
    }
    if (op->f == DSIM_F_WRITE && ok)
        push(st, m, false);   /* idle() kept a place for it */
    else if (op->f == DSIM_F_READ && !ok)
        push(st, m, true);    /* redelivered: its place was freed when it was taken */
}

static const char *f_name(const dsim_op *op)
{
    DSIM_ASSERT(op->f == DSIM_F_WRITE || op->f == DSIM_F_READ);
    return op->f == DSIM_F_WRITE ? "upload" : "resize";
}

static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->f == DSIM_F_READ && res)
        wl_int(out, res->value);
    else
        wl_int(out, op->value);
}

static int validate(const workload_cfg *cfg, char *err, size_t cap)
{
    if (cfg->count >= 2)
        return 0;
    snprintf(err, cap, "workload resize: at least 2 clients (c1 uploads, the others resize)");
    return -1;
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"keys", P(keys), 2, 1, 64, "images, each upload draws one"},
    {"carry", P(carry), 0, 0, 1, "1: the message carries the upload's session token and the resizer "
     "reads with it"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"resize", NULL};

const workload workload_resize = {
    .name = "resize", .summary = "c1 uploads images and queues a message each; the others read the "
    "image a message names (demo C5)",
    .params = params, .model = NULL, .checks = checks, .keyed = true, .validate = validate,
    .idle = idle, .generate = generate, .done = done, .f_name = f_name, .value = value,
};
