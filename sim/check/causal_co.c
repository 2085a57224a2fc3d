/*
** causal_co.c — the causal order co = (po U rf)+ as vector clocks, the
** patterns every criterion shares (CyclicCO, ThinAirRead, WriteCOInitRead,
** WriteCORead) and CCv's CyclicCF, after Bouajjani, Enea, Guerraoui and
** Hamza, "On verifying causal consistency" (POPL 2017).
**
** Design. Program order is implicit (ids are grouped by session), so a
** topological pass keeps one cursor per session: an operation is ready when
** its program-order predecessor is done, its writer (for a read) is done and
** all its extra in-edges are. The pass repeats sweeps over the sessions
** while one advances; when none can, the heads left form a cycle that we
** extract by following "blocked by" links from head to head (at most one
** step per session). A vector clock, filled during the pass, is the
** pointwise max of the clocks of the operation's predecessors, so each
** clock costs O(sessions) and the pass O((ops + edges) * sessions).
**
** Reductions, each sound because co is transitive and contains po:
** - a read r of w only needs searching in the sessions where r's clock
**   exceeds w's: elsewhere everything r sees, w sees (so it is co-before w);
** - "some write of x in session s is co-before r" iff the first one is;
** - "some write of x in session s lies strictly between w and r in co"
**   iff the last write of x in s co-before r is co-after w;
** - a CF edge w1 -> w2 (w1 co-before a read of w2) need only be added for
**   the last write of x in each session co-before that read: the others
**   reach it by po. So CF has at most (reads * sessions) edges.
*/
#include "causal.h"
#include "check_assert.h"

#include <stdlib.h>
#include <string.h>

int causal_witness_make(causal_witness *w, causal_pattern p, uint32_t n)
{
    memset(w, 0, sizeof *w);
    w->pattern = p;
    w->o = -1;
    w->ops = calloc(n + 1, sizeof *w->ops);
    w->edges = calloc(n + 1, sizeof *w->edges);
    w->vias = malloc((n + 1) * sizeof *w->vias);
    if (w->ops == NULL || w->edges == NULL || w->vias == NULL) {
        causal_witness_free(w);
        return -1;
    }
    for (uint32_t i = 0; i <= n; i++)
        w->vias[i] = -1;
    w->n = n;
    return 0;
}

void causal_witness_free(causal_witness *w)
{
    free(w->ops);
    free(w->edges);
    free(w->vias);
    w->ops = NULL;
    w->edges = NULL;
    w->vias = NULL;
    w->n = 0;
}

int causal_edges_push(causal_edges *e, uint32_t src, uint32_t dst, uint32_t via)
{
    if (e->n == e->cap) {
        uint32_t cap = e->cap ? e->cap * 2 : 64;
        uint32_t *s = realloc(e->src, cap * sizeof *s);
        if (s == NULL)
            return -1;
        e->src = s;
        uint32_t *d = realloc(e->dst, cap * sizeof *d);
        if (d == NULL)
            return -1;
        e->dst = d;
        uint32_t *v = realloc(e->via, cap * sizeof *v);
        if (v == NULL)
            return -1;
        e->via = v;
        e->cap = cap;
    }
    e->src[e->n] = src;
    e->dst[e->n] = dst;
    e->via[e->n] = via;
    e->n++;
    return 0;
}

void causal_edges_free(causal_edges *e)
{
    free(e->src);
    free(e->dst);
    free(e->via);
    memset(e, 0, sizeof *e);
}

/* --- the topological pass ------------------------------------------------ */

typedef struct topo {
    const causal_history *h;
    const causal_edges *extra;
    uint32_t *len;        /* per session: operations in scope */
    uint32_t *head;       /* per session: operations done */
    uint32_t *pend;       /* per op: extra in-edges not yet done */
    uint32_t *out_start;  /* CSR of extra edges by source: edge indices */
    uint32_t *out;
    uint32_t *in_start;   /* CSR of extra edges by destination */
    uint32_t *in;
} topo;

static bool done(const topo *t, uint32_t id)
{
    const causal_loc *l = &t->h->loc[id];
    return l->pos < t->head[l->session];
}

/* Builds the two CSR indexes of the extra edges. */
static int topo_index(topo *t, uint32_t n_ops)
{
    const causal_edges *e = t->extra;
    uint32_t m = e ? e->n : 0;
    t->out_start = calloc(n_ops + 2, sizeof *t->out_start);
    t->in_start = calloc(n_ops + 2, sizeof *t->in_start);
    t->out = malloc((m + 1) * sizeof *t->out);
    t->in = malloc((m + 1) * sizeof *t->in);
    if (!t->out_start || !t->in_start || !t->out || !t->in)
        return -1;
    for (uint32_t i = 0; i < m; i++) {
        t->out_start[e->src[i] + 2]++;
        t->in_start[e->dst[i] + 2]++;
        t->pend[e->dst[i]]++;
    }
    for (uint32_t i = 0; i < n_ops; i++) {
        t->out_start[i + 2] += t->out_start[i + 1];
        t->in_start[i + 2] += t->in_start[i + 1];
    }
    for (uint32_t i = 0; i < m; i++) {
        t->out[t->out_start[e->src[i] + 1]++] = i;
        t->in[t->in_start[e->dst[i] + 1]++] = i;
    }
    return 0;
}

static bool ready(const topo *t, uint32_t id)
{
    const causal_loc *op = &t->h->loc[id];
    if (!op->is_write && op->writer >= 0 && !done(t, (uint32_t)op->writer))
        return false;
    return t->pend[id] == 0;
}

static void vc_merge(uint32_t *dst, const uint32_t *src, uint32_t k)
{
    for (uint32_t s = 0; s < k; s++)
        if (src[s] > dst[s])
            dst[s] = src[s];
}

/* Marks 'id' done: fills its clock and releases its extra out-edges. */
static void finish(topo *t, uint32_t id, uint32_t *vc)
{
    const causal_history *h = t->h;
    const causal_loc *op = &h->loc[id];
    uint32_t k = h->n_sessions;
    if (vc != NULL) {
        uint32_t *mine = vc + (size_t)id * k;
        if (op->pos > 0)   /* start from the program-order predecessor's clock */
            memcpy(mine, vc + (size_t)causal_id(h, op->session, op->pos - 1) * k,
                   k * sizeof *mine);
        else
            memset(mine, 0, k * sizeof *mine);
        if (!op->is_write && op->writer >= 0)
            vc_merge(mine, vc + (size_t)op->writer * k, k);
        for (uint32_t i = t->in_start[id]; i < t->in_start[id + 1]; i++)
            vc_merge(mine, vc + (size_t)t->extra->src[t->in[i]] * k, k);
        mine[op->session] = op->pos + 1;
    }
    for (uint32_t i = t->out_start[id]; i < t->out_start[id + 1]; i++) {
        uint32_t d = t->extra->dst[t->out[i]];
        CHECK_ASSERT(t->pend[d] > 0);
        t->pend[d]--;
    }
    t->head[op->session]++;
}

/* One blocker of the stuck head 'id': its writer, or an extra in-edge's
** source that is not done. Sets the edge's kind and justifying read. */
static uint32_t blocker(const topo *t, uint32_t id, causal_edge *kind, int32_t *via)
{
    const causal_loc *op = &t->h->loc[id];
    if (!op->is_write && op->writer >= 0 && !done(t, (uint32_t)op->writer)) {
        *kind = CAUSAL_E_RF;
        *via = -1;
        return (uint32_t)op->writer;
    }
    for (uint32_t i = t->in_start[id]; i < t->in_start[id + 1]; i++) {
        uint32_t e = t->in[i];
        if (!done(t, t->extra->src[e])) {
            *kind = t->extra->kind;
            *via = (int32_t)t->extra->via[e];
            return t->extra->src[e];
        }
    }
    CHECK_ASSERT(!"a stuck head has a blocker");
    return id;
}

/* Extracts a cycle among the stuck heads into 'w' (pattern set by caller).
** Step i: head h_i is blocked by b_i, and h_{i+1} is the head of b_i's
** session, so h_{i+1} -po*-> b_i -> h_i; the cycle reads backwards. */
static int topo_cycle(const topo *t, causal_witness *w)
{
    const causal_history *h = t->h;
    uint32_t k = h->n_sessions;
    uint32_t *step_of = malloc((k + 1) * sizeof *step_of);
    uint32_t *hs = malloc((k + 2) * sizeof *hs), *bs = malloc((k + 2) * sizeof *bs);
    causal_edge *kinds = malloc((k + 2) * sizeof *kinds);
    int32_t *vias = malloc((k + 2) * sizeof *vias);
    int rc = -1;
    if (!step_of || !hs || !bs || !kinds || !vias)
        goto out;
    for (uint32_t s = 0; s < k; s++)
        step_of[s] = UINT32_MAX;
    uint32_t s = 0;
    while (t->head[s] >= t->len[s])
        s++;
    uint32_t n = 0;
    while (step_of[s] == UINT32_MAX) {
        CHECK_ASSERT(n <= k);
        step_of[s] = n;
        hs[n] = causal_id(h, s, t->head[s]);
        bs[n] = blocker(t, hs[n], &kinds[n], &vias[n]);
        s = h->ops[bs[n]].session;
        n++;
    }
    uint32_t first = step_of[s], count = 0;   /* the cycle is steps first..n-1 */
    for (uint32_t i = first; i < n; i++)
        count += 1 + (bs[i] != hs[i == n - 1 ? first : i + 1]);
    if (causal_witness_make(w, w->pattern, count) != 0)
        goto out;
    uint32_t j = 0;
    for (uint32_t i = n; i-- > first;) {      /* forward: b_i -> h_i -po*-> b_{i-1} */
        w->ops[j] = bs[i];
        w->edges[j] = kinds[i];
        w->vias[j] = vias[i];
        j++;
        uint32_t next_b = bs[i == first ? n - 1 : i - 1];
        if (hs[i] != next_b) {
            w->ops[j] = hs[i];
            w->edges[j] = CAUSAL_E_PO;
            j++;
        }
    }
    CHECK_ASSERT(j == count);
    rc = 0;
out:
    free(step_of);
    free(hs);
    free(bs);
    free(kinds);
    free(vias);
    return rc;
}

static void topo_free(topo *t)
{
    free(t->len);
    free(t->head);
    free(t->pend);
    free(t->out_start);
    free(t->out);
    free(t->in_start);
    free(t->in);
}

int causal_topo(const causal_history *h, const uint32_t *limit, const causal_edges *extra,
                uint32_t *vc, causal_witness *w)
{
    uint32_t k = h->n_sessions;
    topo t = {h, extra, calloc(k + 1, sizeof(uint32_t)), calloc(k + 1, sizeof(uint32_t)),
              calloc(h->n_ops + 1, sizeof(uint32_t)), NULL, NULL, NULL, NULL};
    int rc = -1;
    if (!t.len || !t.head || !t.pend || topo_index(&t, h->n_ops) != 0)
        goto out;
    uint32_t total = 0, finished = 0;
    for (uint32_t s = 0; s < k; s++) {
        uint32_t size = causal_session_len(h, s);
        t.len[s] = limit ? limit[s] : size;
        CHECK_ASSERT(t.len[s] <= size);
        total += t.len[s];
    }
    /* Each sweep finishes at least one operation or ends the loop: at most
    ** 'total' sweeps of 'k' sessions. */
    for (bool progress = true; progress && finished < total;) {
        progress = false;
        for (uint32_t s = 0; s < k; s++)
            while (t.head[s] < t.len[s] && ready(&t, causal_id(h, s, t.head[s]))) {
                finish(&t, causal_id(h, s, t.head[s]), vc);
                finished++;
                progress = true;
            }
    }
    rc = finished == total ? 0 : 1;
    if (rc == 1 && w != NULL && topo_cycle(&t, w) != 0)
        rc = -1;
out:
    topo_free(&t);
    return rc;
}

/* --- co and the shared patterns ----------------------------------------- */

int causal_co_clocks(const causal_history *h, uint32_t *vc, causal_witness *w)
{
    w->pattern = CAUSAL_CYCLIC_CO;
    return causal_topo(h, NULL, NULL, vc, w);
}

/* a <co b. */
static bool co_before(const causal_history *h, const uint32_t *vc, uint32_t a, uint32_t b)
{
    const causal_loc *x = &h->loc[a];
    return a != b && vc[(size_t)b * h->n_sessions + x->session] > x->pos;
}

/* Records a witness of 'n' operations with the given edges (NULL: none). */
static int record(causal_result *r, causal_pattern p, uint32_t n, const uint32_t *ops,
                  const causal_edge *edges)
{
    if (r->found[p])
        return 0;
    if (causal_witness_make(&r->w[p], p, n) != 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        r->w[p].ops[i] = ops[i];
        r->w[p].edges[i] = edges ? edges[i] : CAUSAL_E_NONE;
    }
    r->found[p] = true;
    return 0;
}

/* WriteCOInitRead: a read of the initial value of x with a write of x in
** its causal past. */
static int write_co_init_read(const causal_history *h, const uint32_t *vc, uint32_t r,
                              causal_result *res)
{
    const causal_loc *op = &h->loc[r];
    for (uint32_t s = 0; s < h->n_sessions; s++) {
        int32_t w = causal_first_write(h, op->key, s);
        if (w >= 0 && co_before(h, vc, (uint32_t)w, r)) {
            uint32_t ops[2] = {(uint32_t)w, r};
            causal_edge e[2] = {CAUSAL_E_CO, CAUSAL_E_NONE};
            return record(res, CAUSAL_WRITE_CO_INIT_READ, 2, ops, e);
        }
    }
    return 0;
}

/* WriteCORead: r reads x from w, and another write w2 of x has
** w <co w2 <co r. */
static int write_co_read(const causal_history *h, const uint32_t *vc, uint32_t r,
                         causal_result *res)
{
    const causal_loc *op = &h->loc[r];
    uint32_t w = (uint32_t)op->writer;
    const uint32_t *rv = vc + (size_t)r * h->n_sessions;
    const uint32_t *wv = vc + (size_t)w * h->n_sessions;
    for (uint32_t s = 0; s < h->n_sessions; s++) {
        if (wv[s] >= rv[s])
            continue;   /* what r sees of session s, w sees too: nothing after w */
        int32_t w2 = causal_last_write_before(h, op->key, s, rv[s]);
        if (w2 >= 0 && (uint32_t)w2 != w && co_before(h, vc, w, (uint32_t)w2)) {
            CHECK_ASSERT(co_before(h, vc, (uint32_t)w2, r));
            uint32_t ops[3] = {w, (uint32_t)w2, r};
            causal_edge e[3] = {CAUSAL_E_CO, CAUSAL_E_CO, CAUSAL_E_NONE};
            return record(res, CAUSAL_WRITE_CO_READ, 3, ops, e);
        }
    }
    return 0;
}

int causal_cc_patterns(const causal_history *h, const uint32_t *vc, causal_result *r)
{
    for (uint32_t id = 0; id < h->n_ops; id++) {
        const causal_loc *op = &h->loc[id];
        if (op->is_write)
            continue;
        int rc = 0;
        if (op->writer == CAUSAL_THIN_AIR)
            rc = record(r, CAUSAL_THIN_AIR_READ, 1, &id, NULL);
        else if (op->writer == CAUSAL_INIT && !r->found[CAUSAL_WRITE_CO_INIT_READ])
            rc = write_co_init_read(h, vc, id, r);
        else if (op->writer >= 0 && !r->found[CAUSAL_WRITE_CO_READ])
            rc = write_co_read(h, vc, id, r);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* CyclicCF: co U CF is cyclic, where w1 CF w2 iff w1 and w2 write the same
** key, w1 != w2, and w1 is co-before some read of w2. */
int causal_cf_pattern(const causal_history *h, const uint32_t *vc, causal_result *r)
{
    causal_edges cf = {0};
    cf.kind = CAUSAL_E_CF;
    int rc = 0;
    for (uint32_t id = 0; id < h->n_ops && rc == 0; id++) {
        const causal_loc *op = &h->loc[id];
        if (op->is_write || op->writer < 0)
            continue;
        uint32_t w2 = (uint32_t)op->writer;
        const uint32_t *rv = vc + (size_t)id * h->n_sessions;
        const uint32_t *wv = vc + (size_t)w2 * h->n_sessions;
        for (uint32_t s = 0; s < h->n_sessions && rc == 0; s++) {
            if (wv[s] >= rv[s])
                continue;   /* every write of s the read sees is co-before w2 */
            int32_t w1 = causal_last_write_before(h, op->key, s, rv[s]);
            if (w1 >= 0 && (uint32_t)w1 != w2 && !co_before(h, vc, (uint32_t)w1, w2))
                rc = causal_edges_push(&cf, (uint32_t)w1, w2, id);
        }
    }
    if (rc == 0 && cf.n > 0) {
        r->w[CAUSAL_CYCLIC_CF].pattern = CAUSAL_CYCLIC_CF;
        rc = causal_topo(h, NULL, &cf, NULL, &r->w[CAUSAL_CYCLIC_CF]);
        if (rc == 1) {
            r->found[CAUSAL_CYCLIC_CF] = true;
            rc = 0;
        }
    }
    causal_edges_free(&cf);
    return rc;
}
