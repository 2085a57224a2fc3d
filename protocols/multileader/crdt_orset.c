/*
** crdt_orset.c — the observed-remove set (OR-Set, add wins).
**
** Every add gets a unique tag (the adding node and its update number); a
** remove marks removed the tags of the element that the remover had seen,
** so an add it had not seen (a concurrent one) survives it. Tags are kept
** sorted by (node, seq) and removed tags stay as tombstones: merge is a
** sorted union with the removed marks or-ed, a join. The planted bug
** orset_remove_wins removes every tag of an element that has one removed
** tag, adds the remove never saw included.
*/
#include <stdlib.h>
#include <string.h>

#include "crdt.h"
#include "dsim.h"

static int cmp_tag(const orset_tag *a, const orset_tag *b)
{
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return 0;
}

bool orset_add(orset *s, int64_t elem, uint32_t node, uint32_t seq)
{
    DSIM_ASSERT(s->n <= ML_SET_TAGS);
    if (s->n == ML_SET_TAGS)
        return false;
    orset_tag t;
    memset(&t, 0, sizeof t);
    t.elem = elem;
    t.node = node;
    t.seq = seq & 0x7fffffffu;
    uint32_t at = s->n;
    while (at > 0 && cmp_tag(&t, &s->t[at - 1]) < 0)
        at--;
    if (at > 0 && cmp_tag(&t, &s->t[at - 1]) == 0)
        return true;   /* the same add again */
    memmove(&s->t[at + 1], &s->t[at], (s->n - at) * sizeof s->t[0]);
    s->t[at] = t;
    s->n++;
    return true;
}

int orset_remove(orset *s, int64_t elem, const vclock *ctx)
{
    int marked = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        orset_tag *t = &s->t[i];
        DSIM_ASSERT(t->node < ML_NODES_MAX);
        if (t->elem == elem && !t->removed && t->seq <= ctx->c[t->node]) {
            t->removed = 1;
            marked++;
        }
    }
    return marked;
}

bool orset_merge(orset *s, const orset *other, bool bug_remove_wins)
{
    orset_tag out[ML_SET_TAGS];
    uint32_t i = 0, j = 0, m = 0;
    while (i < s->n || j < other->n) {
        if (m == ML_SET_TAGS)
            return false;
        int c = i == s->n ? 1 : j == other->n ? -1 : cmp_tag(&s->t[i], &other->t[j]);
        if (c < 0)
            out[m] = s->t[i++];
        else if (c > 0)
            out[m] = other->t[j++];
        else {
            DSIM_ASSERT(s->t[i].elem == other->t[j].elem);   /* tags are unique */
            out[m] = s->t[i];
            out[m].removed = s->t[i].removed | other->t[j].removed;
            i++, j++;
        }
        m++;
    }
    if (bug_remove_wins)
        for (uint32_t a = 0; a < m; a++)
            for (uint32_t b = 0; b < m; b++)
                if (out[b].removed && out[b].elem == out[a].elem)
                    out[a].removed = 1;
    memcpy(s->t, out, m * sizeof out[0]);
    memset(&s->t[m], 0, (ML_SET_TAGS - m) * sizeof s->t[0]);
    s->n = m;
    return true;
}

bool orset_contains(const orset *s, int64_t elem)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->t[i].elem == elem && !s->t[i].removed)
            return true;
    return false;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

uint32_t orset_read(const orset *s, int64_t *out)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (!s->t[i].removed)
            out[m++] = s->t[i].elem;
    qsort(out, m, sizeof *out, cmp_i64);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m; i++)
        if (k == 0 || out[k - 1] != out[i])
            out[k++] = out[i];
    return k;
}
