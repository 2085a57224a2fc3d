/*
** txn_graph.c — the dependency graph and the search for its cycles.
**
** The edges of txn_infer.c become a CSR graph (one entry per ordered pair
** of transactions, the kinds OR-ed). The search runs three passes, as Elle
** does: over ww, wr and rw edges; then with process edges added; then with
** real-time edges too. Each pass splits the graph into strongly connected
** components (Tarjan's algorithm, iterative: no recursion on a million
** nodes) and looks, inside each component, for the cycles that name the
** anomalies:
**   G0              ww only: the SCCs of the ww subgraph, then the
**                   shortest cycle through the smallest node (BFS);
**   G1c             ww and wr, at least one wr: a wr edge a -> b inside an
**                   SCC of the ww+wr subgraph, then the shortest path b -> a;
**   G-single        exactly one rw: an rw edge a -> b and a path b -> a
**                   without rw (BFS per edge);
**   G-nonadjacent   several rw, never two in a row: a BFS over the states
**                   (node, last edge was rw, an rw seen) from an rw edge;
**   G2-item         any other cycle with rw (two rw edges in a row).
** Process and real-time edges count as neither rw nor ww/wr; a cycle that
** needs them is the "-process" or "-realtime" variant. A pass searches
** only the kinds the earlier passes did not find: a model that forbids
** the variant forbids the kind itself, so verdicts do not change.
**
** Budget: every edge a BFS relaxes counts; when 'states_max' (default
** TXN_WORK_DEFAULT) or the deadline is reached, the kinds not yet decided
** are marked unknown, never absent. G0, G1c and the existence of a cycle
** at all (serializable) are decided by the SCCs alone, before any budget
** can run out.
*/
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hosttime.h"
#include "txn.h"

#define NONE UINT32_MAX

enum { TXN_WORK_DEFAULT = 500000000, CANDIDATES_MAX = 16, DEADLINE_EVERY = 1 << 16 };

typedef struct graph {
    uint32_t n;
    uint32_t *first;     /* n + 1 */
    uint32_t *to;
    uint8_t *kinds;
} graph;

typedef struct search {
    const graph *g;
    txn_cycles *out;
    size_t per_kind_max;
    uint64_t work_max;
    double deadline;     /* host seconds, 0: none */
    bool exhausted;
    bool free_running;   /* a search that always ends in O(edges): no budget */
    /* Tarjan */
    uint32_t *index, *low, *stack, *comp, *sub, *call_v, *call_e;
    bool *on_stack;
    /* BFS over up to 4 states per node */
    uint32_t *stamp, *parent, *queue, serial;
    uint8_t *pkind;
} search;

/* --- CSR ------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int graph_build(const txn_infer *inf, graph *g)
{
    size_t n = inf->th->count, e = inf->edge_count;
    g->n = (uint32_t)n;
    g->first = calloc(n + 2, sizeof *g->first);
    uint64_t *pairs = malloc((e ? e : 1) * sizeof *pairs);
    uint8_t *pk = malloc(e ? e : 1);
    if (g->first == NULL || pairs == NULL || pk == NULL) {
        free(pairs);
        free(pk);
        return -1;
    }
    for (size_t i = 0; i < e; i++)
        g->first[inf->edges[i].from + 1]++;
    for (size_t v = 0; v < n; v++)
        g->first[v + 1] += g->first[v];
    uint32_t *fill = malloc((n + 1) * sizeof *fill);
    if (fill == NULL) {
        free(pairs);
        free(pk);
        return -1;
    }
    memcpy(fill, g->first, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < e; i++) {   /* bucket by source: (to << 8 | kind) */
        const txn_edge *x = &inf->edges[i];
        CHECK_ASSERT(x->from != x->to);
        CHECK_ASSERT(x->kinds <= TXN_EDGE_ALL);
        pairs[fill[x->from]++] = (uint64_t)x->to << 8 | x->kinds;
    }
    free(fill);
    g->to = malloc((e ? e : 1) * sizeof *g->to);
    g->kinds = pk;
    if (g->to == NULL) {
        free(pairs);
        return -1;
    }
    uint32_t out = 0;
    for (uint32_t v = 0; v < n; v++) {   /* sort each list, merge duplicates */
        uint32_t lo = g->first[v], hi = g->first[v + 1];
        qsort(pairs + lo, hi - lo, sizeof *pairs, cmp_u64);
        g->first[v] = out;
        for (uint32_t i = lo; i < hi; i++) {
            uint32_t to = (uint32_t)(pairs[i] >> 8);
            if (out > g->first[v] && g->to[out - 1] == to) {
                g->kinds[out - 1] |= (uint8_t)pairs[i];
                continue;
            }
            g->to[out] = to;
            g->kinds[out++] = (uint8_t)pairs[i];
        }
    }
    g->first[n] = out;
    free(pairs);
    return 0;
}

static void graph_free(graph *g)
{
    free(g->first);
    free(g->to);
    free(g->kinds);
}

/* --- Tarjan's SCCs, iterative ---------------------------------------------- */

/* Components of the subgraph of edges with a kind in 'mask', over the
** nodes 'nodes[0..count)' whose 'within[v] == within_id' (all nodes when
** 'within' is NULL). Writes component ids (starting at '*next_id') to
** 'out[v]'. Returns 0, -1 never (arrays are preallocated). */
static void tarjan(search *s, uint32_t mask, const uint32_t *nodes, uint32_t count,
                   const uint32_t *within, uint32_t within_id, uint32_t *out, uint32_t *next_id)
{
    const graph *g = s->g;
    uint32_t counter = 0, sp = 0;
    for (uint32_t i = 0; i < count; i++)
        s->index[nodes[i]] = NONE;
    for (uint32_t r = 0; r < count; r++) {
        uint32_t root = nodes[r], depth = 0;
        if (s->index[root] != NONE)
            continue;
        s->call_v[depth] = root;
        s->call_e[depth++] = g->first[root];
        s->index[root] = s->low[root] = counter++;
        s->stack[sp++] = root;
        s->on_stack[root] = true;
        while (depth > 0) {
            uint32_t v = s->call_v[depth - 1], e = s->call_e[depth - 1];
            if (e < g->first[v + 1]) {
                s->call_e[depth - 1]++;
                uint32_t w = g->to[e];
                if (!(g->kinds[e] & mask) || (within != NULL && within[w] != within_id))
                    continue;
                if (s->index[w] == NONE) {
                    s->index[w] = s->low[w] = counter++;
                    s->stack[sp++] = w;
                    s->on_stack[w] = true;
                    s->call_v[depth] = w;
                    s->call_e[depth++] = g->first[w];
                } else if (s->on_stack[w] && s->index[w] < s->low[v]) {
                    s->low[v] = s->index[w];
                }
                continue;
            }
            depth--;
            if (depth > 0 && s->low[v] < s->low[s->call_v[depth - 1]])
                s->low[s->call_v[depth - 1]] = s->low[v];
            if (s->low[v] != s->index[v])
                continue;
            uint32_t w;
            do {
                w = s->stack[--sp];
                s->on_stack[w] = false;
                out[w] = *next_id;
            } while (w != v);
            (*next_id)++;
        }
    }
}

/* Groups the nodes of components with two or more members: 'members'
** lists them component by component, 'starts' the offsets (count + 1). */
static int nontrivial(const uint32_t *comp, const uint32_t *nodes, uint32_t count,
                      uint32_t id_lo, uint32_t id_hi, uint32_t **members, uint32_t **starts,
                      uint32_t *groups)
{
    uint32_t ids = id_hi - id_lo;
    uint32_t *size = calloc((size_t)ids + 1, sizeof *size);
    uint32_t *slot = malloc(((size_t)ids + 1) * sizeof *slot);
    *members = malloc(((size_t)count + 1) * sizeof **members);
    *starts = malloc(((size_t)ids + 2) * sizeof **starts);
    if (size == NULL || slot == NULL || *members == NULL || *starts == NULL) {
        free(size);
        free(slot);
        return -1;
    }
    for (uint32_t i = 0; i < count; i++)
        size[comp[nodes[i]] - id_lo]++;
    uint32_t gcount = 0, off = 0;
    for (uint32_t c = 0; c < ids; c++) {   /* components in order of their ids */
        slot[c] = NONE;
        if (size[c] < 2)
            continue;
        slot[c] = gcount;
        (*starts)[gcount++] = off;
        off += size[c];
    }
    (*starts)[gcount] = off;
    uint32_t *fill = size;   /* reuse: next free position per group */
    for (uint32_t gi = 0; gi < gcount; gi++)
        fill[gi] = (*starts)[gi];
    for (uint32_t i = 0; i < count; i++) {   /* nodes ascending within a group */
        uint32_t c = slot[comp[nodes[i]] - id_lo];
        if (c != NONE)
            (*members)[fill[c]++] = nodes[i];
    }
    free(size);
    free(slot);
    *groups = gcount;
    return 0;
}

/* --- BFS ------------------------------------------------------------------- */

static uint32_t pick(uint32_t kinds)
{
    static const uint32_t pref[] = {TXN_EDGE_WW, TXN_EDGE_WR, TXN_EDGE_PROCESS,
                                    TXN_EDGE_REALTIME, TXN_EDGE_RW};
    for (size_t i = 0; i < sizeof pref / sizeof *pref; i++)
        if (kinds & pref[i])
            return pref[i];
    return 0;
}

static bool over_budget(search *s)
{
    if (s->free_running)
        return false;
    if (s->exhausted)
        return true;
    if (s->out->work >= s->work_max)
        s->exhausted = true;
    else if (s->deadline > 0 && s->out->work % DEADLINE_EVERY == 0 && host_seconds() > s->deadline)
        s->exhausted = true;
    return s->exhausted;
}

typedef enum bfs_mode { BFS_PLAIN, BFS_NONADJ } bfs_mode;

/* State of node v: v * 4 + (last edge rw ? 1 : 0) + (an rw seen ? 2 : 0). */
static uint32_t state(uint32_t v, bool rw_last, bool rw_seen)
{
    return v * 4 + (rw_last ? 1u : 0u) + (rw_seen ? 2u : 0u);
}

/* Shortest path from state 'from' to state 'goal' over edges in 'mask'
** inside component 'comp_id' (and, when 'sub' is not NULL, inside its
** sub-component 'sub_id': 'sub' holds stale ids outside the component). PLAIN uses states with both flags clear.
** Writes the steps (node, kind of edge to the next) of the path without
** its goal into 'path' (capacity 'g->n'); returns its length, 0 when no
** path exists, NONE when the budget ran out. */
static uint32_t bfs(search *s, bfs_mode mode, uint32_t from, uint32_t goal, uint32_t mask,
                    uint32_t comp_id, const uint32_t *sub, uint32_t sub_id, txn_step *path)
{
    const graph *g = s->g;
    uint32_t head = 0, tail = 0, serial = ++s->serial;
    s->stamp[from] = serial;
    s->queue[tail++] = from;
    bool found = from == goal;
    while (head < tail && !found) {
        uint32_t st = s->queue[head++], v = st / 4;
        bool last = st & 1, seen = st & 2;
        for (uint32_t e = g->first[v]; e < g->first[v + 1] && !found; e++) {
            uint32_t w = g->to[e], k = g->kinds[e] & mask;
            s->out->work++;
            if (over_budget(s))
                return NONE;
            if (k == 0 || s->comp[w] != comp_id || (sub != NULL && sub[w] != sub_id))
                continue;
            uint32_t nrw = pick(k & ~(uint32_t)TXN_EDGE_RW), next[2], kinds[2], nn = 0;
            if (mode == BFS_PLAIN) {
                next[nn] = state(w, false, false);
                kinds[nn++] = nrw ? nrw : TXN_EDGE_RW;
            } else {
                if (nrw) {
                    next[nn] = state(w, false, seen);
                    kinds[nn++] = nrw;
                }
                if ((k & TXN_EDGE_RW) && !last) {
                    next[nn] = state(w, true, true);
                    kinds[nn++] = TXN_EDGE_RW;
                }
            }
            for (uint32_t i = 0; i < nn && !found; i++) {
                if (s->stamp[next[i]] == serial)
                    continue;
                s->stamp[next[i]] = serial;
                s->parent[next[i]] = st;
                s->pkind[next[i]] = (uint8_t)kinds[i];
                s->queue[tail++] = next[i];
                found = next[i] == goal;
            }
        }
    }
    if (!found)
        return 0;
    CHECK_ASSERT(s->stamp[goal] == serial);
    uint32_t len = 0;
    for (uint32_t st = goal; st != from; st = s->parent[st])
        len++;
    uint32_t i = len;
    for (uint32_t st = goal; st != from; st = s->parent[st]) {
        i--;
        path[i] = (txn_step){s->parent[st] / 4, s->pkind[st]};
    }
    return len;
}

/* --- classification and reporting ---------------------------------------- */

txn_anomaly txn_cycle_classify(const txn_step *steps, uint32_t len)
{
    uint32_t rw = 0, wr = 0, adjacent = 0, all = 0;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t k = steps[i].kind;
        all |= k;
        rw += k == TXN_EDGE_RW;
        wr += k == TXN_EDGE_WR;
        adjacent += k == TXN_EDGE_RW && steps[(i + 1) % len].kind == TXN_EDGE_RW;
    }
    txn_anomaly base = rw == 0 ? (wr == 0 ? TXN_G0 : TXN_G1C)
                     : rw == 1 ? TXN_GSINGLE
                     : adjacent == 0 ? TXN_GNONADJ : TXN_G2ITEM;
    int variant = (all & TXN_EDGE_REALTIME) ? 2 : (all & TXN_EDGE_PROCESS) ? 1 : 0;
    return (txn_anomaly)(base + variant * TXN_CYCLE_KINDS);
}

/* Records the cycle 'steps' (copied) unless its kind has enough examples. */
static int report(search *s, const txn_step *steps, uint32_t len)
{
    CHECK_ASSERT(len >= 2);
    CHECK_ASSERT(len <= 4 * s->g->n);   /* a walk over (node, flags) states */
    txn_cycles *o = s->out;
    txn_anomaly a = txn_cycle_classify(steps, len);
    o->found |= 1u << a;
    size_t have = 0;
    for (size_t i = 0; i < o->count; i++)
        have += o->items[i].anomaly == a;
    if (have >= s->per_kind_max)
        return 0;
    if (o->count == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 16;
        txn_cycle *ni = realloc(o->items, nc * sizeof *ni);
        if (ni == NULL)
            return -1;
        o->items = ni;
        o->cap = nc;
    }
    txn_step *copy = malloc(len * sizeof *copy);
    if (copy == NULL)
        return -1;
    memcpy(copy, steps, len * sizeof *copy);
    o->items[o->count++] = (txn_cycle){a, len, copy};
    return 0;
}

/* --- the searches inside one component ------------------------------------ */

typedef struct comp_ctx {
    uint32_t mask;           /* the pass's edge kinds */
    const uint32_t *nodes;   /* members, ascending */
    uint32_t count;
    uint32_t id;             /* component id in 's->comp' */
    txn_step *path, *best;   /* scratch of g->n steps each */
} comp_ctx;

/* G0 (no_wr) or G1c: sub-components without rw (and without wr for G0),
** then one cycle in each that has the wanted edge. Returns 1 when one was
** found, 0 when none, -1 on OOM. */
static int search_nonrw(search *s, comp_ctx *cc, bool no_wr, uint32_t *sub_next)
{
    uint32_t mask = cc->mask & ~(uint32_t)TXN_EDGE_RW & (no_wr ? ~(uint32_t)TXN_EDGE_WR : ~0u);
    uint32_t lo = *sub_next, groups, *members, *starts;
    tarjan(s, mask, cc->nodes, cc->count, s->comp, cc->id, s->sub, sub_next);
    if (nontrivial(s->sub, cc->nodes, cc->count, lo, *sub_next, &members, &starts, &groups))
        return -1;
    int found = 0;
    for (uint32_t gi = 0; gi < groups && found >= 0; gi++) {
        uint32_t a = NONE, b = NONE, kind = 0;
        for (uint32_t i = starts[gi]; i < starts[gi + 1] && a == NONE; i++) {
            uint32_t v = members[i];
            for (uint32_t e = s->g->first[v]; e < s->g->first[v + 1] && a == NONE; e++) {
                uint32_t w = s->g->to[e], k = s->g->kinds[e] & mask;
                if (k && s->comp[w] == cc->id && s->sub[w] == s->sub[v] &&
                    (no_wr || (k & TXN_EDGE_WR))) {
                    a = v, b = w;
                    kind = no_wr ? pick(k) : TXN_EDGE_WR;
                }
            }
        }
        if (a == NONE)
            continue;
        cc->path[0] = (txn_step){a, kind};
        uint32_t len = bfs(s, BFS_PLAIN, state(b, false, false), state(a, false, false), mask,
                           cc->id, s->sub, s->sub[a], cc->path + 1);
        if (len == NONE)
            break;
        found = len > 0 ? (report(s, cc->path, len + 1) ? -1 : 1) : found;
    }
    free(members);
    free(starts);
    return found;
}

/* Does the closed walk visit each transaction once? (The G-nonadjacent
** search walks over states, so it may pass a node twice; such a walk
** still proves that no snapshot-isolated order exists: it is a cycle of
** the relation (ww | wr | process | realtime) ; rw?, Cerone and Gotsman's
** characterisation of SI.) */
static bool is_simple(search *s, const txn_step *steps, uint32_t len)
{
    uint32_t serial = ++s->serial;
    for (uint32_t i = 0; i < len; i++) {
        if (s->stamp[state(steps[i].txn, true, true)] == serial)
            return false;
        s->stamp[state(steps[i].txn, true, true)] = serial;
    }
    return true;
}

/* Cycles through an rw edge: G-single (no other rw: PLAIN over the pass's
** mask without rw), G-nonadjacent (NONADJ), G2-item (PLAIN, any edge).
** Tries up to CANDIDATES_MAX rw edges that work and keeps the shortest.
** Returns 1 found, 0 none, 2 budget ran out, -1 OOM. */
static int search_rw(search *s, comp_ctx *cc, txn_anomaly want)
{
    uint32_t best_len = 0, tries = 0;
    bool best_simple = false;
    uint32_t mask = want == TXN_GSINGLE ? cc->mask & ~(uint32_t)TXN_EDGE_RW : cc->mask;
    for (uint32_t i = 0; i < cc->count && tries < CANDIDATES_MAX && best_len != 2; i++) {
        uint32_t a = cc->nodes[i];
        for (uint32_t e = s->g->first[a]; e < s->g->first[a + 1] && tries < CANDIDATES_MAX; e++) {
            uint32_t b = s->g->to[e];
            if (!(s->g->kinds[e] & TXN_EDGE_RW) || s->comp[b] != cc->id)
                continue;
            uint32_t len;
            if (want == TXN_GNONADJ)
                len = bfs(s, BFS_NONADJ, state(b, true, false), state(a, false, true), mask,
                          cc->id, NULL, 0, cc->path + 1);
            else
                len = bfs(s, BFS_PLAIN, state(b, false, false), state(a, false, false), mask,
                          cc->id, NULL, 0, cc->path + 1);
            if (len == NONE)
                return best_len ? (report(s, cc->best, best_len) ? -1 : 1) : 2;
            if (len == 0)
                continue;
            tries++;
            cc->path[0] = (txn_step){a, TXN_EDGE_RW};
            bool simple = is_simple(s, cc->path, len + 1);
            if (best_len == 0 || (simple && (!best_simple || len + 1 < best_len))) {
                best_simple = simple;
                best_len = len + 1;
                memcpy(cc->best, cc->path, best_len * sizeof *cc->best);
            }
        }
    }
    if (best_len == 0)
        return 0;
    return report(s, cc->best, best_len) ? -1 : 1;
}

/* Every search of one pass inside component 'cc'; 'searched' says which
** base kinds this pass looks for; 'unknown' collects those whose search
** ran out of budget. G0 and G1c (one BFS per sub-component) and one G2-item
** cycle (one BFS: the component is strongly connected) always finish. */
static int search_component(search *s, comp_ctx *cc, const bool *searched, uint32_t *sub_next,
                            bool *unknown)
{
    s->free_running = true;
    for (int b = TXN_G0; b <= TXN_G1C; b++)
        if (searched[b] && search_nonrw(s, cc, b == TXN_G0, sub_next) < 0)
            return -1;
    s->free_running = false;
    bool rw_found = false;
    for (int b = TXN_GSINGLE; b <= TXN_G2ITEM; b++) {
        if (!searched[b] || (b != TXN_GSINGLE && rw_found))
            continue;   /* a G-single here also proves what the others would */
        s->free_running = b == TXN_G2ITEM && s->exhausted;
        int r = s->exhausted && b != TXN_G2ITEM ? 2 : search_rw(s, cc, (txn_anomaly)b);
        s->free_running = false;
        if (r < 0)
            return -1;
        rw_found |= r == 1;
        unknown[b] |= r == 2;
    }
    return 0;
}

/* One pass: components of 'mask', then the searches in each. */
static int run_pass(search *s, uint32_t mask, const bool *searched, bool *unknown,
                    comp_ctx *cc, const uint32_t *all_nodes)
{
    uint32_t next_id = 0, groups, *members, *starts, sub_next = 0;
    tarjan(s, mask, all_nodes, s->g->n, NULL, 0, s->comp, &next_id);
    if (nontrivial(s->comp, all_nodes, s->g->n, 0, next_id, &members, &starts, &groups))
        return -1;
    int rc = 0;
    for (uint32_t gi = 0; gi < groups && rc == 0; gi++) {
        cc->mask = mask;
        cc->nodes = members + starts[gi];
        cc->count = starts[gi + 1] - starts[gi];
        cc->id = s->comp[cc->nodes[0]];
        rc = search_component(s, cc, searched, &sub_next, unknown);
    }
    free(members);
    free(starts);
    return rc;
}

static int search_alloc(search *s, uint32_t n)
{
    size_t m = (size_t)n + 1;
    s->index = malloc(m * sizeof *s->index);
    s->low = malloc(m * sizeof *s->low);
    s->stack = malloc(m * sizeof *s->stack);
    s->comp = malloc(m * sizeof *s->comp);
    s->sub = malloc(m * sizeof *s->sub);
    s->call_v = malloc(m * sizeof *s->call_v);
    s->call_e = malloc(m * sizeof *s->call_e);
    s->on_stack = calloc(m, sizeof *s->on_stack);
    s->stamp = calloc(4 * m, sizeof *s->stamp);
    s->parent = malloc(4 * m * sizeof *s->parent);
    s->queue = malloc(4 * m * sizeof *s->queue);
    s->pkind = malloc(4 * m);
    return s->index && s->low && s->stack && s->comp && s->sub && s->call_v && s->call_e &&
                   s->on_stack && s->stamp && s->parent && s->queue && s->pkind
               ? 0 : -1;
}

static void search_free(search *s)
{
    free(s->index); free(s->low); free(s->stack); free(s->comp); free(s->sub);
    free(s->call_v); free(s->call_e); free(s->on_stack);
    free(s->stamp); free(s->parent); free(s->queue); free(s->pkind);
}

int txn_cycles_find(const txn_infer *inf, const check_budget *budget, size_t per_kind_max,
                    txn_cycles *out)
{
    *out = (txn_cycles){0};
    graph g = {0};
    search s = {.g = &g, .out = out, .per_kind_max = per_kind_max};
    s.work_max = budget && budget->states_max ? budget->states_max : TXN_WORK_DEFAULT;
    s.deadline = budget && budget->seconds_max > 0 ? host_seconds() + budget->seconds_max : 0;
    uint32_t *nodes = NULL;
    txn_step *scratch = NULL;
    int rc = graph_build(inf, &g);
    if (rc == 0)
        rc = search_alloc(&s, g.n);
    if (rc == 0) {
        nodes = malloc(((size_t)g.n + 1) * sizeof *nodes);
        scratch = malloc(2 * ((size_t)g.n + 2) * sizeof *scratch);
        rc = nodes && scratch ? 0 : -1;
    }
    for (uint32_t v = 0; rc == 0 && v < g.n; v++)
        nodes[v] = v;
    static const uint32_t masks[3] = {
        TXN_EDGE_WW | TXN_EDGE_WR | TXN_EDGE_RW,
        TXN_EDGE_WW | TXN_EDGE_WR | TXN_EDGE_RW | TXN_EDGE_PROCESS,
        TXN_EDGE_ALL};
    comp_ctx cc = {.path = scratch, .best = scratch ? scratch + g.n + 2 : NULL};
    /* Every pass's graph is a subgraph of the last one's: without a cycle
    ** there (the common case), there is nothing to search. */
    bool acyclic = false;
    if (rc == 0) {
        uint32_t next_id = 0;
        tarjan(&s, TXN_EDGE_ALL, nodes, g.n, NULL, 0, s.comp, &next_id);
        acyclic = next_id == g.n;   /* every component a single node */
    }
    for (int p = 0; p < 3 && rc == 0 && !acyclic; p++) {
        bool searched[TXN_CYCLE_KINDS], unknown[TXN_CYCLE_KINDS] = {false};
        bool found[TXN_CYCLE_KINDS];
        for (int b = 0; b < TXN_CYCLE_KINDS; b++)
            found[b] = (out->found >> b | out->found >> (b + TXN_CYCLE_KINDS) |
                        out->found >> (b + 2 * TXN_CYCLE_KINDS)) & 1;
        bool rw_known = found[TXN_GSINGLE] || found[TXN_GNONADJ] || found[TXN_G2ITEM];
        for (int b = 0; b < TXN_CYCLE_KINDS; b++)
            searched[b] = !found[b] && !(b == TXN_G2ITEM && rw_known) &&
                          !(b == TXN_GNONADJ && found[TXN_GSINGLE]);
        rc = run_pass(&s, masks[p], searched, unknown, &cc, nodes);
        for (int b = 0; b < TXN_CYCLE_KINDS; b++)
            if (unknown[b])
                for (int q = p; q < 3; q++)
                    out->unknown |= 1u << (b + q * TXN_CYCLE_KINDS);
    }
    out->unknown &= ~out->found;
    free(nodes);
    free(scratch);
    search_free(&s);
    graph_free(&g);
    return rc;
}

void txn_cycles_free(txn_cycles *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->items[i].steps);
    free(c->items);
    *c = (txn_cycles){0};
}
