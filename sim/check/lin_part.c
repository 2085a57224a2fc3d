/*
** lin_part.c — from a parsed history to per-key partitions of prepared
** operations (P-compositionality: a history is linearizable iff each
** key's sub-history is, for models whose operations touch one key).
**
** Positions: an operation calls at its invoke's event index and returns at
** its completion's; an info or open operation returns at LIN_POS_INF plus
** its invoke index, after every real event. fail operations did not happen
** and are dropped here, as are operations the model calls no-ops (reads
** whose result is unknown) and, per partition, the unknown-result
** operations the model's 'prune' shows to be irrelevant. Partitions come out sorted by key text and
** their operations by call position, so the output never depends on
** pointer or hash order.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hist_internal.h"
#include "lin.h"

typedef struct keyed { const char *key; lin_op op; } keyed;

static int by_key_then_call(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key) {
        if (x->key == NULL || y->key == NULL)
            return x->key == NULL ? -1 : 1;
        int c = strcmp(x->key, y->key);
        if (c != 0)
            return c;
    }
    return (x->op.call_pos > y->op.call_pos) - (x->op.call_pos < y->op.call_pos);
}

/* Prepares every operation into 'ks'; returns how many, or -1 (bad input). */
static long prepare_all(lin_ctx *c, const lin_model *m, lin_parts *out, keyed *ks,
                        char *err, size_t cap)
{
    long n = 0;
    for (size_t i = 0; i < out->hop_count; i++) {
        const hist_op *hop = &out->hops[i];
        if (hop->status == HIST_OP_FAIL) {
            out->dropped++;
            continue;
        }
        lin_op op = {0};
        char why[200] = "";
        int rc = m->prepare(c, hop, &op, why, sizeof why);
        const hist_event *inv = &c->h->events[hop->invoke];
        if (rc == LIN_PREP_BAD) {
            hist_error(err, cap, c->h->source, inv->line, "%s", why[0] ? why : "out of memory");
            return -1;
        }
        if (rc == LIN_PREP_SKIP) {
            out->dropped++;
            continue;
        }
        CHECK_ASSERT(op.out_known == (hop->status == HIST_OP_OK));
        op.src = (uint32_t)i;
        op.call_pos = hop->invoke;
        op.ret_pos = hop->status == HIST_OP_OK ? hop->complete : LIN_POS_INF + hop->invoke;
        ks[n++] = (keyed){inv->key, op};
    }
    return n;
}

/* Copies the partition's operations from 'ks', leaving out those the
** model's 'prune' says can be assumed never to have happened. */
static int prune(lin_ctx *c, const lin_model *m, lin_part *p, const keyed *ks, size_t *dropped)
{
    for (size_t k = 0; k < p->count; k++)
        p->ops[k] = ks[k].op;
    if (m->prune == NULL)
        return 0;
    bool *drop = calloc(p->count + 1, sizeof *drop);
    if (drop == NULL)
        return -1;
    m->prune(c, p->ops, p->count, drop);
    size_t n = 0;
    for (size_t k = 0; k < p->count; k++) {
        CHECK_ASSERT(!drop[k] || !p->ops[k].out_known);
        if (!drop[k])
            p->ops[n++] = p->ops[k];
    }
    *dropped += p->count - n;
    p->count = n;
    free(drop);
    return 0;
}

int lin_partition(lin_ctx *c, const lin_model *m, lin_parts *out, char *err, size_t cap)
{
    *out = (lin_parts){0};
    if (hist_pair(c->h, &out->hops, &out->hop_count, err, cap) != 0)
        return -1;
    keyed *ks = malloc((out->hop_count + 1) * sizeof *ks);
    out->parts = calloc(out->hop_count + 1, sizeof *out->parts);
    long n = ks && out->parts ? prepare_all(c, m, out, ks, err, cap) : -2;
    if (n < 0) {
        if (n == -2)
            hist_error(err, cap, c->h->source, 0, "out of memory");
        free(ks);
        lin_parts_free(out);
        return -1;
    }
    qsort(ks, (size_t)n, sizeof *ks, by_key_then_call);
    for (long i = 0; i < n;) {
        long j = i;
        while (j < n && ks[j].key == ks[i].key)
            j++;
        CHECK_ASSERT(out->count <= out->hop_count);   /* no more keys than operations */
        lin_part *p = &out->parts[out->count++];
        p->key = ks[i].key;
        p->count = (size_t)(j - i);
        p->ops = malloc(p->count * sizeof *p->ops);
        if (p->ops == NULL || prune(c, m, p, ks + i, &out->dropped) != 0) {
            hist_error(err, cap, c->h->source, 0, "out of memory");
            free(ks);
            lin_parts_free(out);
            return -1;
        }
        CHECK_ASSERT(p->count <= (size_t)(j - i));   /* pruning only drops */
        i = j;
    }
    free(ks);
    CHECK_ASSERT(n == 0 || out->count >= 1);
    return 0;
}

void lin_parts_free(lin_parts *p)
{
    CHECK_ASSERT(p != NULL);
    for (size_t i = 0; p->parts != NULL && i < p->count; i++)
        free(p->parts[i].ops);
    free(p->parts);
    free(p->hops);
    *p = (lin_parts){0};
}
