/*
** crdt_register.c — vector clocks, the MV-Register and the LWW-Register.
**
** An MV-Register keeps every version no other version dominates: writes
** that saw each other leave one, concurrent writes leave siblings. A
** version's vector clock is its writer's after the write, so "dominates"
** is "was written after seeing". The LWW-Register orders versions by
** (wall clock, node, seq) alone: a total order, hence a join, but one that
** ignores causality, so a writer whose clock runs behind loses even a
** write made after seeing the winner.
*/
#include <string.h>

#include "crdt.h"
#include "dsim.h"

vc_order vc_compare(const vclock *a, const vclock *b)
{
    bool less = false, more = false;
    for (int i = 0; i < ML_NODES_MAX; i++) {
        less = less || a->c[i] < b->c[i];
        more = more || a->c[i] > b->c[i];
    }
    return less && more ? VC_CONCURRENT : less ? VC_BEFORE : more ? VC_AFTER : VC_EQUAL;
}

bool vc_leq(const vclock *a, const vclock *b)
{
    for (int i = 0; i < ML_NODES_MAX; i++)
        if (a->c[i] > b->c[i])
            return false;
    return true;
}

void vc_join(vclock *a, const vclock *b)
{
    for (int i = 0; i < ML_NODES_MAX; i++)
        if (b->c[i] > a->c[i])
            a->c[i] = b->c[i];
}

static bool same_version(const mv_version *a, const mv_version *b)
{
    return a->node == b->node && a->seq == b->seq;
}

static bool before(const mv_version *a, const mv_version *b)
{
    return a->node < b->node || (a->node == b->node && a->seq < b->seq);
}

void mv_merge_version(mvreg *r, const mv_version *ver)
{
    DSIM_ASSERT(r->n <= ML_NODES_MAX);
    for (uint32_t i = 0; i < r->n; i++) {
        if (same_version(&r->v[i], ver))
            return;
        vc_order o = vc_compare(&ver->vc, &r->v[i].vc);
        if (o == VC_BEFORE || o == VC_EQUAL)
            return;   /* a sibling already saw it */
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < r->n; i++)   /* drop what it saw */
        if (vc_compare(&r->v[i].vc, &ver->vc) != VC_BEFORE)
            r->v[m++] = r->v[i];
    DSIM_ASSERT(m < ML_NODES_MAX);   /* one sibling per origin at most */
    uint32_t at = m;
    while (at > 0 && before(ver, &r->v[at - 1])) {
        r->v[at] = r->v[at - 1];
        at--;
    }
    r->v[at] = *ver;
    r->n = m + 1;
    memset(&r->v[r->n], 0, (ML_NODES_MAX - r->n) * sizeof r->v[0]);
}

void mv_merge(mvreg *r, const mvreg *other)
{
    for (uint32_t i = 0; i < other->n; i++)
        mv_merge_version(r, &other->v[i]);
}

bool lww_newer(const mv_version *a, const mv_version *b)
{
    if (a->wall != b->wall)
        return a->wall > b->wall;
    if (a->node != b->node)
        return a->node > b->node;
    return a->seq > b->seq;
}

int64_t mv_read(const mvreg *r, int64_t nil)
{
    if (r->n == 0)
        return nil;
    const mv_version *best = &r->v[0];
    for (uint32_t i = 1; i < r->n; i++)
        if (lww_newer(&r->v[i], best))
            best = &r->v[i];
    return best->value;
}

bool lww_merge_version(mvreg *r, const mv_version *ver)
{
    DSIM_ASSERT(r->n <= 1);
    if (r->n == 1 && !lww_newer(ver, &r->v[0]))
        return false;
    r->v[0] = *ver;
    r->n = 1;
    return true;
}

void lww_merge(mvreg *r, const mvreg *other)
{
    if (other->n == 1)
        lww_merge_version(r, &other->v[0]);
}
