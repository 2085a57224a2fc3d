/*
** model_mutex.c — a lock: acquire succeeds only when free, release only
** when held (by anyone: the history does not say who owns a lock).
**
** State: 0 free, 1 held. 'lock'/'unlock' are accepted as synonyms. A failed
** acquire did not happen and was dropped before the model saw it.
*/
#include <stdio.h>

#include "lin.h"

enum { MTX_ACQUIRE, MTX_RELEASE };

static int mtx_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    o->out_known = op->status == HIST_OP_OK;
    if (lin_f_is(c, op, "acquire") || lin_f_is(c, op, "lock")) {
        o->kind = MTX_ACQUIRE;
        return LIN_PREP_OK;
    }
    if (lin_f_is(c, op, "release") || lin_f_is(c, op, "unlock")) {
        o->kind = MTX_RELEASE;
        return LIN_PREP_OK;
    }
    snprintf(err, cap, "expected an operation of the mutex model (acquire, release), got '%s'",
             c->h->events[op->invoke].f);
    return LIN_PREP_BAD;
}

static lin_state mtx_init(lin_ctx *c)
{
    (void)c;
    return 0;
}

static bool mtx_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    (void)c;
    bool acquire = op->kind == MTX_ACQUIRE;
    *next = acquire ? 1 : 0;
    return s == (acquire ? 0u : 1u);
}

static void mtx_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    snprintf(buf, cap, "%s", s ? "\"held\"" : "\"free\"");
}

const lin_model lin_model_mutex = {
    .name = "mutex",
    .summary = "acquire, release; starts free",
    .prepare = mtx_prepare, .init = mtx_init, .step = mtx_step, .describe = mtx_describe,
};
