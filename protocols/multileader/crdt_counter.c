/*
** crdt_counter.c — the G-Counter and the PN-Counter.
**
** Each node counts its own increments (p) and decrements (n); the value is
** the sum of p minus the sum of n. Merge takes each entry's maximum: every
** entry only grows, so the larger one has seen everything the smaller one
** has, and merging the same state twice changes nothing. The planted bug
** gcounter_sum_merge adds the entries instead, which counts an increment
** once per delivery: duplication and repeated gossip inflate the value.
*/
#include <stdint.h>

#include "crdt.h"
#include "dsim.h"

void pn_add(pncounter *c, int node, int64_t delta)
{
    DSIM_ASSERT(node >= 0 && node < ML_NODES_MAX);
    if (delta >= 0)
        c->p[node] += delta;
    else
        c->n[node] -= delta;
}

int64_t pn_value(const pncounter *c)
{
    int64_t v = 0;
    for (int i = 0; i < ML_NODES_MAX; i++)
        v += c->p[i] - c->n[i];
    return v;
}

void pn_merge(pncounter *c, const pncounter *other, bool bug_sum)
{
    for (int i = 0; i < ML_NODES_MAX; i++) {
        DSIM_ASSERT(other->p[i] >= 0 && other->n[i] >= 0);
        if (bug_sum) {   /* saturating: the sum doubles with every gossip */
            c->p[i] = other->p[i] > INT64_MAX / 4 - c->p[i] ? INT64_MAX / 4 : c->p[i] + other->p[i];
            c->n[i] = other->n[i] > INT64_MAX / 4 - c->n[i] ? INT64_MAX / 4 : c->n[i] + other->n[i];
            continue;
        }
        if (other->p[i] > c->p[i])
            c->p[i] = other->p[i];
        if (other->n[i] > c->n[i])
            c->n[i] = other->n[i];
    }
}
