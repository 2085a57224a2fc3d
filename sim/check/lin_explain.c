/*
** lin_explain.c — shrinks a non-linearizable partition to a small set of
** operations that cannot be linearized together.
**
** Start: the operations called before the return event where the search
** stopped furthest ('block_op'). That set is already not linearizable:
** the history cut just after that return is not, and completing its
** pending operations only adds constraints. Then delta debugging: remove
** chunks of half, a quarter, ... one operation; keep a removal whenever
** the rest still fails; repeat single removals until none works. The
** result is 1-minimal (no single operation can go) when the time allows;
** any sub-search that runs out of budget counts as "does not fail", so the
** set reported is always proven non-linearizable.
**
** Trade-off: each trial is a full search, O(trials) searches in all; the
** sets are small in practice (a stale read and the writes around it).
*/
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hosttime.h"
#include "lin.h"

enum { TRIAL_STATES_MAX = 2000000 };

typedef struct shrink {
    lin_ctx *c;
    const lin_model *m;
    const lin_op *ops;
    lin_op *scratch;
    double deadline;
    bool timed_out;
} shrink;

/* Does the subset 'idx' minus [skip, skip + len) fail? -1 on OOM. */
static int fails_without(shrink *k, const uint32_t *idx, size_t n, size_t skip, size_t len)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i < skip || i >= skip + len)
            k->scratch[m++] = k->ops[idx[i]];
    if (host_seconds() > k->deadline) {
        k->timed_out = true;
        return 0;
    }
    lin_limits lim = {.states_max = TRIAL_STATES_MAX, .deadline = k->deadline};
    lin_outcome o;
    if (lin_search(k->c, k->m, k->scratch, m, &lim, false, &o) != 0)
        return -1;
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
                uint32_t block_op, double seconds_max, uint32_t **keep,
                size_t *keep_count, bool *minimal)
{
    assert(block_op < n);
    uint64_t limit = ops[block_op].ret_pos;
    uint32_t *idx = malloc((n + 1) * sizeof *idx);
    shrink k = {.c = c, .m = m, .ops = ops, .scratch = malloc((n + 1) * sizeof(lin_op)),
                .deadline = host_seconds() + seconds_max};
    if (idx == NULL || k.scratch == NULL) {
        free(idx);
        free(k.scratch);
        return -1;
    }
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        if (ops[i].call_pos < limit)
            idx[cnt++] = (uint32_t)i;
    long r = 0;
    for (size_t len = cnt / 2; len > 1 && r >= 0; len /= 2)
        r = pass(&k, idx, &cnt, len);
    while (r >= 0 && !k.timed_out) {   /* single removals until a fixpoint */
        r = pass(&k, idx, &cnt, 1);
        if (r == 0)
            break;
    }
    free(k.scratch);
    if (r < 0) {
        free(idx);
        return -1;
    }
    *keep = idx;
    *keep_count = cnt;
    *minimal = !k.timed_out;
    return 0;
}
