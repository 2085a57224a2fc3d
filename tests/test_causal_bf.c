/*
** test_causal_bf.c — brute force for CC, CM and CCv from the definitions
** (Bouajjani, Enea, Guerraoui, Hamza, POPL 2017, section 3), for tests.
**
** A causal order co is a strict partial order containing po. With
** CausalPast(o) = {o} U co^-1(o) and POPast(o) = {o} U po^-1(o):
**   CC : exists co, for all o, some linear extension of co on CausalPast(o)
**        makes o's output legal (other reads' outputs are ignored);
**   CM : exists co, for all o, some linear extension of co on CausalPast(o)
**        makes every read of POPast(o) legal;
**   CCv: exists co and a total order arb containing co such that for all o,
**        arb restricted to CausalPast(o) makes o legal.
** Legal: a read of x returns the value of the last write of x before it,
** or the initial value 0 when there is none.
**
** Which causal orders. 'exhaustive' enumerates every strict partial order
** containing po (feasible up to 5 operations). Otherwise only
** co0 = (po U rf)+ is tried, which decides the same thing on
** differentiated histories: (i) any co that works contains rf, since a
** read of v != 0 is legal only if the one write of v is in its causal past,
** so co contains co0 (and when co0 is cyclic, no co exists); (ii) shrinking
** co to co0 keeps every criterion: restrict each witness serialisation (or
** arb) to the smaller causal past; every checked read keeps its writer, which
** stays the last write of its key before it. The exhaustive mode checks
** (i)+(ii) on small histories in test_causal.c.
**
** Serialisations are enumerated by depth-first search over linear
** extensions, with a memo of dead states (placed set, last writer per key),
** which is exact because legality depends on nothing else.
*/
#include "test_causal_bf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef uint32_t mask;

typedef struct bf_ctx {
    const bf_hist *h;
    mask pred[BF_OPS_MAX];      /* co predecessors of each op */
    uint32_t *memo;             /* generation stamps of dead states */
    uint32_t gen;
} bf_ctx;

enum { MEMO_SIZE = (1 << BF_OPS_MAX) * 9 * 9 * 9 };

static int memo_index(mask placed, const int *last)
{
    int idx = (int)placed;
    for (int k = 0; k < BF_KEYS_MAX; k++)
        idx = idx * 9 + (last[k] + 1);
    assert(idx >= 0 && idx < MEMO_SIZE);
    return idx;
}

static bool legal(const bf_hist *h, int r, const int *last)
{
    int w = last[h->key[r]];
    return w < 0 ? h->value[r] == 0 : h->value[w] == h->value[r];
}

/* Is there a linear extension of co on 'set' (closed under co^-1) whose
** reads in 'check' are all legal? */
static bool serialise(bf_ctx *c, mask set, mask check, mask placed, int *last)
{
    if (placed == set)
        return true;
    int idx = memo_index(placed, last);
    if (c->memo[idx] == c->gen)
        return false;
    const bf_hist *h = c->h;
    for (int o = 0; o < h->n; o++) {
        mask bit = (mask)1 << o;
        if (!(set & bit) || (placed & bit) || (c->pred[o] & ~placed))
            continue;
        if (!h->is_write[o] && (check & bit) && !legal(h, o, last))
            continue;
        int saved = last[h->key[o]];
        if (h->is_write[o])
            last[h->key[o]] = o;
        bool ok = serialise(c, set, check, placed | bit, last);
        last[h->key[o]] = saved;
        if (ok)
            return true;
    }
    c->memo[idx] = c->gen;
    return false;
}

static bool exists_serialisation(bf_ctx *c, mask set, mask check)
{
    int last[BF_KEYS_MAX] = {-1, -1, -1};
    c->gen++;
    return serialise(c, set, check, 0, last);
}

static mask causal_past(const bf_ctx *c, int o)
{
    return c->pred[o] | ((mask)1 << o);
}

static mask po_past_reads(const bf_hist *h, int o)
{
    mask m = 0;
    for (int i = 0; i < h->n; i++)
        if (!h->is_write[i] && h->session[i] == h->session[o] && h->pos[i] <= h->pos[o])
            m |= (mask)1 << i;
    return m;
}

static bool holds_cc(bf_ctx *c)
{
    for (int o = 0; o < c->h->n; o++) {
        mask check = c->h->is_write[o] ? 0 : (mask)1 << o;
        if (!exists_serialisation(c, causal_past(c, o), check))
            return false;
    }
    return true;
}

static bool holds_cm(bf_ctx *c)
{
    for (int o = 0; o < c->h->n; o++)
        if (!exists_serialisation(c, causal_past(c, o), po_past_reads(c->h, o)))
            return false;
    return true;
}

/* CCv: extend arb one operation at a time (a linear extension of co); an
** operation's legality under arb|CausalPast(o) is known when it is placed,
** because its whole causal past is placed before it. */
static bool arb_search(bf_ctx *c, mask placed, int *order, int len)
{
    const bf_hist *h = c->h;
    if (len == h->n)
        return true;
    for (int o = 0; o < h->n; o++) {
        mask bit = (mask)1 << o;
        if ((placed & bit) || (c->pred[o] & ~placed))
            continue;
        if (!h->is_write[o]) {
            int w = -1;
            for (int i = 0; i < len; i++)
                if ((c->pred[o] >> order[i] & 1) && h->is_write[order[i]] &&
                    h->key[order[i]] == h->key[o])
                    w = order[i];
            if (w < 0 ? h->value[o] != 0 : h->value[w] != h->value[o])
                continue;
        }
        order[len] = o;
        if (arb_search(c, placed | bit, order, len + 1))
            return true;
    }
    return false;
}

static bool holds_ccv(bf_ctx *c)
{
    int order[BF_OPS_MAX];
    return arb_search(c, 0, order, 0);
}

/* Transitive closure of a relation given as successor masks; false when
** the closure is not irreflexive (a cycle). Fills 'pred'. */
static bool close_relation(int n, mask *succ, mask *pred)
{
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++)
            if (succ[i] >> k & 1)
                succ[i] |= succ[k];
    for (int i = 0; i < n; i++) {
        if (succ[i] >> i & 1)
            return false;
        pred[i] = 0;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (succ[i] >> j & 1)
                pred[j] |= (mask)1 << i;
    return true;
}

static void po_succ(const bf_hist *h, mask *succ)
{
    for (int i = 0; i < h->n; i++) {
        succ[i] = 0;
        for (int j = 0; j < h->n; j++)
            if (h->session[i] == h->session[j] && h->pos[i] < h->pos[j])
                succ[i] |= (mask)1 << j;
    }
}

static bf_verdict decide_with(bf_ctx *c)
{
    bf_verdict v = {holds_cc(c), holds_cm(c), holds_ccv(c)};
    return v;
}

/* Every strict partial order containing po: po plus any subset of the other
** pairs, kept when transitive (then also irreflexive and antisymmetric). */
static bf_verdict decide_exhaustive(bf_ctx *c)
{
    const bf_hist *h = c->h;
    int n = h->n, pi[32], pj[32], m = 0;
    mask po[BF_OPS_MAX];
    po_succ(h, po);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (i != j && !(po[i] >> j & 1)) {
                pi[m] = i;
                pj[m] = j;
                m++;
            }
    assert(m <= 20);
    bf_verdict any = {false, false, false};
    for (uint32_t sub = 0; sub < (1u << m); sub++) {
        mask succ[BF_OPS_MAX];
        memcpy(succ, po, sizeof po);
        for (int b = 0; b < m; b++)
            if (sub >> b & 1)
                succ[pi[b]] |= (mask)1 << pj[b];
        bool transitive = true;
        for (int i = 0; i < n && transitive; i++)
            for (int j = 0; j < n && transitive; j++)
                if ((succ[i] >> j & 1) && (succ[j] & ~succ[i]))
                    transitive = false;
        for (int i = 0; i < n && transitive; i++)
            if (succ[i] >> i & 1)
                transitive = false;
        if (!transitive)
            continue;
        close_relation(n, succ, c->pred);
        any.cc = any.cc || holds_cc(c);
        any.cm = any.cm || holds_cm(c);
        any.ccv = any.ccv || holds_ccv(c);
        if (any.cc && any.cm && any.ccv)
            break;
    }
    return any;
}

bf_verdict bf_decide(const bf_hist *h, bool exhaustive)
{
    assert(h->n <= BF_OPS_MAX);
    bf_ctx c = {h, {0}, calloc(MEMO_SIZE, sizeof(uint32_t)), 0};
    assert(c.memo != NULL);
    bf_verdict v = {false, false, false};
    if (exhaustive) {
        assert(h->n <= 5);
        v = decide_exhaustive(&c);
    } else {
        mask succ[BF_OPS_MAX];
        po_succ(h, succ);
        for (int r = 0; r < h->n; r++)       /* rf: the write of the read's value */
            for (int w = 0; w < h->n; w++)
                if (!h->is_write[r] && h->is_write[w] && h->key[w] == h->key[r] &&
                    h->value[w] == h->value[r])
                    succ[w] |= (mask)1 << r;
        if (close_relation(h->n, succ, c.pred))
            v = decide_with(&c);
    }
    free(c.memo);
    return v;
}

/* SC: a linear extension of po over all operations with every read legal. */
bool bf_sequential(const bf_hist *h)
{
    bf_ctx c = {h, {0}, calloc(MEMO_SIZE, sizeof(uint32_t)), 0};
    assert(c.memo != NULL);
    mask succ[BF_OPS_MAX];
    po_succ(h, succ);
    close_relation(h->n, succ, c.pred);
    mask all = (h->n == 32) ? ~(mask)0 : (((mask)1 << h->n) - 1);
    bool ok = exists_serialisation(&c, all, all);
    free(c.memo);
    return ok;
}
