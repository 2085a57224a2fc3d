/*
** lin_explain.c — shrinks a non-linearizable partition to a small set of
** operations that cannot be linearized together.
**
** Start: the operations called before the return event where the search
** stopped furthest ('block_op'). That set is already not linearizable:
** the history cut just after that return is not, and completing its
** pending operations only adds constraints. Those whose completion is
** unknown (info, open) start relaxed, since relaxing one changes nothing:
** it may or may not have happened either way. So no core lists one, and
** no trial (a whole failing search) is spent to find that out.
**
** Shrinking does not delete an operation (deleting the write a read saw
** would leave a "read of a value nobody wrote", a true but useless core):
** it relaxes it. A relaxed operation may or may not have happened; if it
** did, it was between its invocation and its completion, with its result
** (lin_op.optional). A relaxed read-only operation is simply left out. The
** core is the set of operations that must have happened as observed:
** "these operations cannot be linearized, even if any other operation
** called before them may not have happened at all". Relaxing does not
** make the search harder than the original one (an operation floating to
** the end of the history would).
**
** Delta debugging: relax chunks of half, a quarter, ... one operation;
** keep a relaxation whenever the history still fails; repeat single ones
** until none works. The result is 1-minimal (no single operation can be
** relaxed) when the budget allows (EXPLAIN_STATES_MAX states for all
** trials, and the caller's deadline if any); a sub-search that runs out
** counts as "does not fail", so the core is always proven.
**
** Each trial first runs the model's 'prune' over its relaxed operations
** (prune_relaxed): a relaxed write that no remaining read observed is
** dropped, not left to float through the search.
**
** Trade-off: each trial is a full search, O(trials) searches in all; the
** sets are small in practice (a stale read and the writes around it).
*/
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hosttime.h"
#include "lin.h"

/* Budgets in states, not seconds, so that the same history always gets the
** same explanation (reports reach traces, which must be reproducible). */
enum { TRIAL_STATES_MAX = 300000, EXPLAIN_STATES_MAX = 3000000 };

typedef struct shrink {
    lin_ctx *c;
    const lin_model *m;
    const lin_op *ops;         /* by call position */
    size_t n_base;             /* ops[0 .. n_base) were called before the block */
    lin_op *scratch;
    lin_op *view;              /* the scratch as the model's 'prune' sees it */
    bool *drop;                /* its marks */
    double deadline;           /* the caller's, 0: none */
    uint64_t states_left;      /* for all trials together */
    bool timed_out;
} shrink;

/* The model's 'prune' on a trial's 'm' operations: a relaxed operation may
** never have happened, as one whose outcome is unknown may not, so the same
** argument drops those that change nothing observed (a relaxed write of a
** value no remaining read returned: relaxed reads are left out, so most
** writes go with them). Returns how many operations are kept. */
static size_t prune_relaxed(shrink *k, size_t m)
{
    if (k->m->prune == NULL)
        return m;
    for (size_t i = 0; i < m; i++) {
        k->view[i] = k->scratch[i];
        k->view[i].out_known = k->scratch[i].out_known && !k->scratch[i].optional;
        k->drop[i] = false;
    }
    k->m->prune(k->c, k->view, m, k->drop);
    size_t kept = 0;
    for (size_t i = 0; i < m; i++) {
        CHECK_ASSERT(!k->drop[i] || !k->view[i].out_known);   /* only what may never happen */
        if (!k->drop[i])
            k->scratch[kept++] = k->scratch[i];
    }
    return kept;
}

/* Does the history fail with the core 'idx' minus [skip, skip + len)
** and every other operation in 'base' (n_base of them, by call position)
** relaxed? -1 on OOM. */
static int fails_without(shrink *k, const uint32_t *idx, size_t n, size_t skip, size_t len)
{
    size_t m = 0, j = 0;
    for (size_t i = 0; i < k->n_base; i++) {
        lin_op o = k->ops[i];
        bool core = false;
        while (j < n && idx[j] < i)
            j++;
        if (j < n && idx[j] == i)
            core = j < skip || j >= skip + len;
        if (!core && o.readonly)
            continue;   /* relaxed and read-only: it may as well never happen */
        o.optional = !core;
        k->scratch[m++] = o;
    }
    m = prune_relaxed(k, m);
    if ((k->deadline > 0 && host_seconds() > k->deadline) || k->states_left == 0) {
        k->timed_out = true;
        return 0;
    }
    uint64_t budget = k->states_left < TRIAL_STATES_MAX ? k->states_left : TRIAL_STATES_MAX;
    lin_limits lim = {.states_max = budget, .deadline = k->deadline};
    lin_outcome o;
    if (lin_search(k->c, k->m, k->scratch, m, &lim, false, &o) != 0)
        return -1;
    k->states_left -= o.states < k->states_left ? o.states : k->states_left;
    if (o.result == LIN_UNKNOWN)
        k->timed_out = true;
    return o.result == LIN_FAIL;
}

/* One pass with chunks of 'len'; returns how many operations it removed
** (in place from 'idx', '*n' updated), or -1 on OOM. */
static long pass(shrink *k, uint32_t *idx, size_t *n, size_t len)
{
    long removed = 0;
    for (size_t i = 0; i < *n && *n > 1;) {
        size_t l = i + len <= *n ? len : *n - i;
        int r = fails_without(k, idx, *n, i, l);
        if (r < 0)
            return -1;
        if (r == 1) {
            memmove(idx + i, idx + i + l, (*n - i - l) * sizeof *idx);
            *n -= l;
            removed += (long)l;
        } else {
            i += l;
        }
    }
    return removed;
}

int lin_explain(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
                uint32_t block_op, double deadline, uint32_t **keep,
                size_t *keep_count, bool *minimal)
{
    CHECK_ASSERT(block_op < n);
    uint64_t limit = ops[block_op].ret_pos;
    uint32_t *idx = malloc((n + 1) * sizeof *idx);
    shrink k = {.c = c, .m = m, .ops = ops, .scratch = malloc((n + 1) * sizeof(lin_op)),
                .view = malloc((n + 1) * sizeof(lin_op)), .drop = malloc((n + 1) * sizeof(bool)),
                .deadline = deadline, .states_left = EXPLAIN_STATES_MAX};
    if (idx == NULL || k.scratch == NULL || k.view == NULL || k.drop == NULL) {
        free(idx);
        free(k.scratch);
        free(k.view);
        free(k.drop);
        return -1;
    }
    size_t cnt = 0;   /* the core: operations with a known completion */
    for (size_t i = 0; i < n; i++) {
        if (ops[i].call_pos >= limit)
            continue;
        k.n_base = i + 1;
        if (ops[i].ret_pos < LIN_POS_INF)
            idx[cnt++] = (uint32_t)i;
    }
    for (size_t i = 1; i < cnt; i++)
        CHECK_ASSERT(ops[idx[i - 1]].call_pos < ops[idx[i]].call_pos);
    long r = 0;
    for (size_t len = cnt / 2; len > 1 && r >= 0; len /= 2)
        r = pass(&k, idx, &cnt, len);
    while (r >= 0 && !k.timed_out) {   /* single removals until a fixpoint */
        r = pass(&k, idx, &cnt, 1);
        if (r == 0)
            break;
    }
    free(k.scratch);
    free(k.view);
    free(k.drop);
    if (r < 0) {
        free(idx);
        return -1;
    }
    *keep = idx;
    *keep_count = cnt;
    *minimal = !k.timed_out;
    return 0;
}
