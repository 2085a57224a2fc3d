/*
** lin_why.c — puts a failing partition's verdict in terms of model states:
** the state the register (queue, set ...) was in and why the operation
** the search could not pass is impossible there.
**
** Input: the longest linearizable prefix the search found (one order of
** the operations before the blocking return), the blocking operation and
** the core (lin_explain.c). The prefix is replayed from the initial state,
** keeping every state it goes through. Then:
** - the anchor is the last core operation (other than the blocked one) in
**   that order: the state just after it is "the state the model was in"
**   (a read saw it, a write made it); without one, the end of the prefix;
** - 'set_by' is the last operation up to the anchor that changed the state;
** - 'ended_by' is the operation after the last state, up to the anchor, in
**   which the blocked operation would have been legal: it is what made the
**   blocked operation impossible (the write that overwrote the value a
**   stale read returned).
** This is one linearization's account, not a proof: the core is the proof.
** Cost: one step per prefix operation and one trial step of the blocked
** operation per state, O(prefix) in all; 'n' states are kept.
*/
#include <stdlib.h>

#include "check_assert.h"
#include "lin.h"

static bool same(const lin_model *m, lin_state a, lin_state b)
{
    return m->equal ? m->equal(a, b) : a == b;
}

int lin_why(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
            const uint32_t *prefix, size_t count, uint32_t block_op,
            const uint32_t *core, size_t core_count, lin_why_out *out)
{
    CHECK_ASSERT(block_op < n);
    CHECK_ASSERT(count <= n);
    *out = (lin_why_out){.anchor = -1, .set_by = -1, .ended_by = -1};
    lin_state *st = malloc((count + 1) * sizeof *st);
    bool *in_core = calloc(n + 1, sizeof *in_core);
    if (st == NULL || in_core == NULL) {
        free(st);
        free(in_core);
        return -1;
    }
    for (size_t i = 0; i < core_count; i++)
        if (core[i] < n)
            in_core[core[i]] = true;
    st[0] = m->init(c);
    size_t done = 0;
    while (done < count && m->step(c, st[done], &ops[prefix[done]], &st[done + 1]))
        done++;
    if (done == count) {   /* the replay must succeed; if not, no account */
        size_t pa = count;  /* states st[0 .. pa] are up to the anchor */
        for (size_t i = count; i > 0; i--)
            if (in_core[prefix[i - 1]] && prefix[i - 1] != block_op) {
                pa = i;
                out->anchor = prefix[i - 1];
                break;
            }
        for (size_t j = pa; j > 0 && out->set_by < 0; j--)
            if (!same(m, st[j - 1], st[j]))
                out->set_by = prefix[j - 1];
        m->describe(c, st[pa], out->state, sizeof out->state);
        lin_state next;
        if (m->step(c, st[pa], &ops[block_op], &next)) {
            out->legal_there = true;
        } else {
            for (size_t j = pa; j > 0; j--)
                if (m->step(c, st[j - 1], &ops[block_op], &next)) {
                    out->ended_by = prefix[j - 1];
                    m->describe(c, st[j - 1], out->needs, sizeof out->needs);
                    break;
                }
        }
        out->ok = true;
    }
    free(st);
    free(in_core);
    return 0;
}
