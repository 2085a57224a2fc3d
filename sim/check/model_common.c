/*
** model_common.c — the model registry and what models share: reading an
** operation's values and the (state, argument) -> state transition cache.
**
** The cache lets models whose states are interned values (kv strings, set
** and queue lists) skip rebuilding and re-hashing a state they already
** reached by the same step; it only grows (bounded by the number of
** distinct transitions the search makes, itself bounded by its budget).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "lin.h"

static const lin_model *const models[] = {
    &lin_model_register, &lin_model_cas_register, &lin_model_kv, &lin_model_counter,
    &lin_model_set,      &lin_model_queue,        &lin_model_mutex, &lin_model_list_append, NULL,
};

const lin_model *const *lin_models(void) { return models; }

const lin_model *lin_model_find(const char *name)
{
    for (size_t i = 0; models[i] != NULL; i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

int lin_ctx_init(lin_ctx *c, hist *h)
{
    *c = (lin_ctx){.h = h, .memo = lin_memo_new()};
    return c->memo != NULL ? 0 : -1;
}

void lin_ctx_free(lin_ctx *c)
{
    lin_memo_free(c->memo);
    if (c->model_free != NULL)
        c->model_free(c->model_data);
    *c = (lin_ctx){0};
}

const hist_value *lin_invoke_value(lin_ctx *c, const hist_op *op)
{
    return c->h->events[op->invoke].value;
}

const hist_value *lin_result_value(lin_ctx *c, const hist_op *op)
{
    if (op->complete == HIST_NO_EVENT)
        return hist_nil(c->h);
    return c->h->events[op->complete].value;
}

bool lin_f_is(lin_ctx *c, const hist_op *op, const char *name)
{
    return strcmp(c->h->events[op->invoke].f, name) == 0;
}

typedef struct memo_slot { uint64_t state, arg, next; uint32_t kind; } memo_slot;

struct lin_memo { memo_slot *slots; size_t cap, count; };

static uint64_t memo_hash(uint64_t s, uint64_t a, uint32_t k)
{
    uint64_t x = s * 0x9e3779b97f4a7c15ULL ^ (a + k) * 0xc2b2ae3d27d4eb4fULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    return x ^ (x >> 29);
}

lin_memo *lin_memo_new(void)
{
    lin_memo *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->cap = 1024;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (m->slots == NULL) {
        free(m);
        return NULL;
    }
    return m;
}

void lin_memo_free(lin_memo *m)
{
    if (m == NULL)
        return;
    free(m->slots);
    free(m);
}

uint64_t lin_memo_get(lin_memo *m, uint64_t state, uint64_t arg, uint32_t kind)
{
    size_t j = memo_hash(state, arg, kind) & (m->cap - 1);
    for (; m->slots[j].next != 0; j = (j + 1) & (m->cap - 1)) {
        memo_slot *s = &m->slots[j];
        if (s->state == state && s->arg == arg && s->kind == kind)
            return s->next;
    }
    return 0;
}

/* On allocation failure the entry is simply not cached (it is a cache). */
void lin_memo_put(lin_memo *m, uint64_t state, uint64_t arg, uint32_t kind, uint64_t next)
{
    CHECK_ASSERT(next != 0);
    if (2 * (m->count + 1) > m->cap) {
        size_t cap = 2 * m->cap;
        memo_slot *t = calloc(cap, sizeof *t);
        if (t == NULL)
            return;
        for (size_t i = 0; i < m->cap; i++) {
            if (m->slots[i].next == 0)
                continue;
            size_t j = memo_hash(m->slots[i].state, m->slots[i].arg, m->slots[i].kind) & (cap - 1);
            while (t[j].next != 0)
                j = (j + 1) & (cap - 1);
            t[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = t;
        m->cap = cap;
    }
    size_t j = memo_hash(state, arg, kind) & (m->cap - 1);
    while (m->slots[j].next != 0) {
        if (m->slots[j].state == state && m->slots[j].arg == arg && m->slots[j].kind == kind)
            return;
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j] = (memo_slot){state, arg, next, kind};
    m->count++;
}

_Noreturn void lin_out_of_memory(const char *model)
{
    fprintf(stderr, "dsim: out of memory in the %s model\n", model);
    abort();
}
