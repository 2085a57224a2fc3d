/*
** causal_cm.c — the causal-memory patterns WriteHBInitRead and CyclicHB.
**
** For an operation o, hb_o is the smallest transitive relation that
** (1) contains co restricted to the causal past of o, and
** (2) whenever a read r of x with r in the program-order past of o
**     (o included) reads from w2, and another write w1 of x has
**     w1 hb_o r, also has w1 hb_o w2.
** CyclicHB: some hb_o is cyclic. WriteHBInitRead: some read r of the
** initial value of x in the program-order past of o has a write of x
** hb_o-before it.
**
** Design.
** - hb_o only grows when o moves forward in its session (both the causal
**   past and the program-order past grow, and (1), (2) are monotone), so
**   a pattern exists for some o iff it exists for the last operation of a
**   session: one hb computation per session, not per operation.
** - hb_o contains po on its domain (the causal past of o, closed under po
**   and rf), so the hb-predecessors of an operation form a per-session
**   prefix: hb_o is a set of vector clocks, like co.
** - The fixpoint is computed incrementally, in rounds. The clocks start
**   as co's (co restricted to a causal past keeps each operation's
**   predecessors), copied on write. Each queued read r is scanned: per
**   session, the last write w1 of r's key hb-before r yields the derived
**   edge w1 -> w2 (r's writer) unless already implied (earlier writes of
**   that session reach w1 by po); the edge merges w1's clock into w2's.
**   At the end of a round the growth is pushed forward along po, rf and
**   derived edges until nothing grows (all the round's edges at once, so a
**   clock grows once per round rather than once per edge), and the reads
**   whose clocks grew are queued for the next round. An edge w1 -> w2 with
**   w2 hb-before w1 (seen when scanning, or after the spread) closes a
**   cycle: CyclicHB. Clocks only grow and each needed edge is added once,
**   so the rounds end; clocks under-approximate hb_o until then, so every
**   pattern seen is real, and at the fixpoint none is missed.
** - A pre-check first computes hb_all (rule (2) for every session's reads
**   at once, see 'all_hb'), which contains every hb_o: when it shows no
**   pattern, neither does any hb_o, and one computation replaces one per
**   session. Only histories it flags pay for the exact per-session ones.
*/
#include "causal.h"
#include "check_assert.h"

#include <stdlib.h>
#include <string.h>

typedef struct cm_ctx {
    const causal_history *h;
    const uint32_t *vc;        /* co clocks */
    causal_result *r;
    uint32_t *over;            /* per op: its row in 'pool', or CM_END (then
                               ** its hb_o clock is its co clock in 'vc') */
    uint32_t *pool;            /* grown clocks, one row of n_sessions each */
    uint32_t *owner;           /* per pool row: the op it belongs to */
    uint32_t n_pool, pool_cap; /* rows used and allocated */
    const uint32_t *limit;     /* the causal past of o, as prefix lengths */
    uint32_t s, o;             /* o: the last operation of session s */
    uint32_t *rd_start, *rd;   /* readers of each write (CSR), built once */
    causal_edges d;            /* derived edges of the current o */
    uint32_t *d_head;          /* per op: its first derived out-edge, or CM_END */
    uint32_t *d_next;          /* per edge: the next out-edge of its source */
    uint32_t round_start;      /* first derived edge of the current round */
    uint32_t d_next_cap;
    uint32_t *stack;           /* propagation worklist */
    uint32_t n_stack;
    uint32_t *reads;           /* reads of o's session to (re)scan */
    uint32_t n_reads;
    uint8_t *flags;            /* CM_ON_STACK, CM_QUEUED per op */
} cm_ctx;

#define CM_END UINT32_MAX
#define CM_ALL UINT32_MAX      /* c->s: rule (2) for the reads of every session */
enum { CM_ON_STACK = 1, CM_QUEUED = 2 };

/* hb_o clocks are co clocks until they grow: only grown rows are copied
** into 'pool' (copy on write), so a session costs what it changes, not
** n_ops * n_sessions. */
static const uint32_t *clock_of(const cm_ctx *c, uint32_t id)
{
    uint32_t k = c->h->n_sessions;
    return c->over[id] == CM_END ? c->vc + (size_t)id * k : c->pool + (size_t)c->over[id] * k;
}

/* The writable clock row of 'id' (copied from co on first write); NULL when
** out of memory. May move 'pool': earlier row pointers become invalid. */
static uint32_t *own_clock(cm_ctx *c, uint32_t id)
{
    uint32_t k = c->h->n_sessions;
    if (c->over[id] == CM_END) {
        if (c->n_pool == c->pool_cap) {
            uint32_t cap = c->pool_cap ? c->pool_cap * 2 : 1024;
            uint32_t *p = realloc(c->pool, (size_t)cap * k * sizeof *p);
            if (p == NULL)
                return NULL;
            c->pool = p;
            uint32_t *o = realloc(c->owner, (size_t)cap * sizeof *o);
            if (o == NULL)
                return NULL;
            c->owner = o;
            c->pool_cap = cap;
        }
        c->owner[c->n_pool] = id;
        c->over[id] = c->n_pool++;
        memcpy(c->pool + (size_t)c->over[id] * k, c->vc + (size_t)id * k, k * sizeof *c->pool);
    }
    return c->pool + (size_t)c->over[id] * k;
}

static bool hb_before(const cm_ctx *c, uint32_t a, uint32_t b)
{
    const causal_loc *x = &c->h->loc[a];
    return a != b && clock_of(c, b)[x->session] > x->pos;
}

static bool in_past(const cm_ctx *c, uint32_t id)
{
    const causal_loc *op = &c->h->loc[id];
    return op->pos < c->limit[op->session];
}

/* Merges the clock of 'from' into 'to'; when 'to' grows it is queued for
** propagation and, if a read of o's session, for a rescan. */
static int merge(cm_ctx *c, uint32_t from, uint32_t to)
{
    CHECK_ASSERT(from != to);
    CHECK_ASSERT(in_past(c, from));
    CHECK_ASSERT(in_past(c, to));
    uint32_t k = c->h->n_sessions;
    const uint32_t *a = clock_of(c, from), *b0 = clock_of(c, to);
    uint32_t t = 0;
    while (t < k && a[t] <= b0[t])
        t++;
    if (t == k)
        return 0;                       /* nothing to add: no copy either */
    uint32_t *b = own_clock(c, to);
    if (b == NULL)
        return -1;
    a = clock_of(c, from);              /* 'pool' may have moved */
    bool grew = false;
    for (uint32_t t = 0; t < k; t++)
        if (a[t] > b[t]) {
            b[t] = a[t];
            grew = true;
        }
    if (!grew)
        return 0;
    if (!(c->flags[to] & CM_ON_STACK)) {
        c->flags[to] |= CM_ON_STACK;
        c->stack[c->n_stack++] = to;
    }
    const causal_loc *op = &c->h->loc[to];
    if ((c->s == CM_ALL || op->session == c->s) && !op->is_write &&
        !(c->flags[to] & CM_QUEUED)) {
        c->flags[to] |= CM_QUEUED;
        c->reads[c->n_reads++] = to;
    }
    return 0;
}

/* Restores "every edge's target clock contains its source's": pushes
** growth along po, rf and derived edges until nothing grows. Terminates
** because the relation stays acyclic (checked before each edge is added)
** and clocks only grow, bounded by the session lengths. */
static int propagate(cm_ctx *c)
{
    const causal_history *h = c->h;
    int rc = 0;
    while (c->n_stack > 0 && rc == 0) {
        uint32_t y = c->stack[--c->n_stack];
        c->flags[y] &= (uint8_t)~CM_ON_STACK;
        const causal_loc *op = &h->loc[y];
        if (op->pos + 1 < c->limit[op->session])   /* its program-order successor */
            rc |= merge(c, y, causal_id(h, op->session, op->pos + 1));
        for (uint32_t i = c->rd_start[y]; i < c->rd_start[y + 1]; i++)   /* readers */
            if (in_past(c, c->rd[i]))
                rc |= merge(c, y, c->rd[i]);
        for (uint32_t e = c->d_head[y]; e != CM_END; e = c->d_next[e])
            rc |= merge(c, y, c->d.dst[e]);
    }
    return rc;
}

/* Adds the derived edge w1 -> w2 (justified by the read 'rd'). */
static int add_edge(cm_ctx *c, uint32_t w1, uint32_t w2, uint32_t rd)
{
    CHECK_ASSERT(w1 != w2);
    CHECK_ASSERT(c->h->ops[w1].is_write);
    CHECK_ASSERT(c->h->ops[w2].is_write);
    CHECK_ASSERT(c->h->ops[w1].key == c->h->ops[w2].key);
    CHECK_ASSERT(!hb_before(c, w2, w1));
    if (causal_edges_push(&c->d, w1, w2, rd) != 0)
        return -1;
    if (c->d.cap > c->d_next_cap) {
        uint32_t *next = realloc(c->d_next, (size_t)c->d.cap * sizeof *next);
        if (next == NULL)
            return -1;
        c->d_next = next;
        c->d_next_cap = c->d.cap;
    }
    uint32_t e = c->d.n - 1;
    c->d_next[e] = c->d_head[w1];
    c->d_head[w1] = e;
    return merge(c, w1, w2);   /* the spread waits for the end of the round */
}

/* CyclicHB: w2 already hb-precedes w1, so the edge w1 -> w2 closes a cycle
** ('push': the edge is not yet among the derived ones). The topological
** pass over po, rf and the derived edges extracts one for the witness. */
static int cyclic_hb(cm_ctx *c, uint32_t w1, uint32_t w2, uint32_t rd, bool push)
{
    if (push && causal_edges_push(&c->d, w1, w2, rd) != 0)
        return -1;
    causal_witness w = {0};
    w.pattern = CAUSAL_CYCLIC_HB;
    int rc = causal_topo(c->h, c->limit, &c->d, NULL, &w);
    CHECK_ASSERT(rc != 0);   /* the derived edge closes a cycle */
    if (rc != 1)
        return -1;
    if (c->r->found[CAUSAL_CYCLIC_HB]) {
        causal_witness_free(&w);    /* one witness per pattern is enough */
        return 1;
    }
    w.o = (int32_t)c->o;
    c->r->w[CAUSAL_CYCLIC_HB] = w;
    c->r->found[CAUSAL_CYCLIC_HB] = true;
    return 1;
}

enum { CM_PATH_HOPS_MAX = 64 };

/* The derived edge into 'y' whose source is 'w' or hb-after 'w', or -1. */
static int32_t derived_into(const cm_ctx *c, uint32_t y, uint32_t w)
{
    for (uint32_t e = 0; e < c->d.n; e++)
        if (c->d.dst[e] == y && (c->d.src[e] == w || hb_before(c, w, c->d.src[e])))
            return (int32_t)e;
    return -1;
}

/* A path w -> ... -> x in hb_o, for a witness, written backwards into
** 'ops'/'edges'/'vias' (at most 2 * CM_PATH_HOPS_MAX + 1 entries). Any hb
** path into x from outside x's session enters it at some y <=po x by an rf
** or derived edge from p with p = w or w hb p; so walk back session by
** session. Returns the number of entries, or 0 past the hop bound (the
** witness then shows w and x only). Only for witnesses: O(ops) per hop. */
static uint32_t hb_path(const cm_ctx *c, uint32_t w, uint32_t x, uint32_t *ops,
                        causal_edge *edges, int32_t *vias)
{
    const causal_history *h = c->h;
    uint32_t n = 0, ws = h->ops[w].session;
    ops[n] = x, edges[n] = CAUSAL_E_NONE, vias[n] = -1, n++;
    for (uint32_t hop = 0; hop < CM_PATH_HOPS_MAX; hop++) {
        uint32_t t = h->ops[x].session, q = h->ops[x].pos + 1, y = x, p = 0;
        if (t == ws && h->ops[w].pos <= h->ops[x].pos) {
            if (w != x)
                ops[n] = w, edges[n] = CAUSAL_E_PO, vias[n] = -1, n++;
            return n;
        }
        causal_edge kind = CAUSAL_E_NONE;
        int32_t via = -1;
        while (kind == CAUSAL_E_NONE && q-- > 0) {
            y = causal_id(h, t, q);
            int32_t wr = h->ops[y].is_write ? -1 : h->ops[y].writer;
            int32_t e = derived_into(c, y, w);
            if (wr >= 0 && ((uint32_t)wr == w || hb_before(c, w, (uint32_t)wr)))
                p = (uint32_t)wr, kind = CAUSAL_E_RF;
            else if (e >= 0)
                p = c->d.src[e], kind = CAUSAL_E_HB, via = (int32_t)c->d.via[e];
        }
        if (kind == CAUSAL_E_NONE)
            return 0;
        if (y != x)
            ops[n] = y, edges[n] = CAUSAL_E_PO, vias[n] = -1, n++;
        ops[n] = p, edges[n] = kind, vias[n] = via, n++;
        x = p;
        if (x == w)
            return n;
    }
    return 0;
}

/* WriteHBInitRead for the read 'rd' of the initial value, under hb_o: the
** witness is a path from the write to the read in hb_o. */
static int init_read(cm_ctx *c, uint32_t rd)
{
    const causal_history *h = c->h;
    for (uint32_t t = 0; t < h->n_sessions; t++) {
        int32_t w = causal_first_write(h, h->loc[rd].key, t);
        if (w < 0 || !hb_before(c, (uint32_t)w, rd))
            continue;
        uint32_t ops[2 * CM_PATH_HOPS_MAX + 2];
        causal_edge edges[2 * CM_PATH_HOPS_MAX + 2];
        int32_t vias[2 * CM_PATH_HOPS_MAX + 2];
        uint32_t n = hb_path(c, (uint32_t)w, rd, ops, edges, vias);
        if (n < 2) {   /* past the bound: just the two ends */
            ops[0] = rd, edges[0] = CAUSAL_E_NONE, vias[0] = -1;
            ops[1] = (uint32_t)w, edges[1] = CAUSAL_E_HB, vias[1] = -1;
            n = 2;
        }
        causal_witness *wit = &c->r->w[CAUSAL_WRITE_HB_INIT_READ];
        if (causal_witness_make(wit, CAUSAL_WRITE_HB_INIT_READ, n) != 0)
            return -1;
        for (uint32_t i = 0; i < n; i++) {   /* reverse: from the write to the read */
            wit->ops[i] = ops[n - 1 - i];
            wit->edges[i] = edges[n - 1 - i];
            wit->vias[i] = vias[n - 1 - i];
        }
        wit->edges[n - 1] = CAUSAL_E_NONE;
        wit->o = (int32_t)c->o;
        c->r->found[CAUSAL_WRITE_HB_INIT_READ] = true;
        return 0;
    }
    return 0;
}

static int scan_read(cm_ctx *c, uint32_t rd);

/* Ends a round: spreads the growth of the round's new edges all at once
** (a clock grows once per round, not once per edge), which queues the
** reads whose clocks grew. An edge w1 -> w2 whose w2 now hb-precedes w1
** closes a cycle: CyclicHB (returns 1). */
static int end_round(cm_ctx *c)
{
    if (propagate(c) != 0)
        return -1;
    for (uint32_t e = c->round_start; e < c->d.n; e++)
        if (hb_before(c, c->d.dst[e], c->d.src[e]))
            return cyclic_hb(c, c->d.src[e], c->d.dst[e], c->d.via[e], false);
    c->round_start = c->d.n;
    return 0;
}

/* Scans the queued reads in rounds until no clock grows. Returns 0, 1 when
** a pattern stopped the scan early, -1 when out of memory. */
static int scan_rounds(cm_ctx *c, bool stop_at_init_read)
{
    int rc = 0;
    c->round_start = 0;
    while (rc == 0) {
        while (c->n_reads > 0 && rc == 0) {
            uint32_t rd = c->reads[--c->n_reads];
            c->flags[rd] &= (uint8_t)~CM_QUEUED;
            rc = scan_read(c, rd);
            if (stop_at_init_read && c->r->found[CAUSAL_WRITE_HB_INIT_READ])
                rc = 1;
        }
        if (rc == 0)
            rc = end_round(c);
        if (c->n_reads == 0)
            break;
    }
    return rc;
}

/* Scans one read of o's session: WriteHBInitRead for a read of the initial
** value; otherwise the derived edges into its writer, one per session (the
** last write of its key hb-before it). Returns 1 on a cycle. */
static int scan_read(cm_ctx *c, uint32_t rd)
{
    const causal_history *h = c->h;
    const causal_loc *op = &h->loc[rd];
    if (op->writer == CAUSAL_INIT)
        return c->r->found[CAUSAL_WRITE_HB_INIT_READ] ? 0 : init_read(c, rd);
    if (op->writer < 0)
        return 0;   /* a thin-air read: no writer to order */
    uint32_t w2 = (uint32_t)op->writer;
    for (uint32_t t = 0; t < h->n_sessions; t++) {
        /* Both clocks may grow while this loop adds edges: read them here.
        ** Where w2 sees all that rd sees of t, every such write hb-precedes
        ** w2 (or is w2): nothing to add. */
        uint32_t end = clock_of(c, rd)[t];
        if (clock_of(c, w2)[t] >= end)
            continue;
        int32_t w1 = causal_last_write_before(h, op->key, t, end);
        if (w1 < 0 || (uint32_t)w1 == w2 || hb_before(c, (uint32_t)w1, w2))
            continue;
        if (hb_before(c, w2, (uint32_t)w1))
            return cyclic_hb(c, (uint32_t)w1, w2, rd, true);
        if (add_edge(c, (uint32_t)w1, w2, rd) != 0)
            return -1;
    }
    return 0;
}

/* Undoes what a session changed, in time proportional to it: grown clocks,
** derived edges' out-lists, and worklist flags left by an early stop. */
static void session_reset(cm_ctx *c)
{
    for (uint32_t i = 0; i < c->d.n; i++)
        c->d_head[c->d.src[i]] = CM_END;
    c->d.n = 0;
    for (uint32_t i = 0; i < c->n_stack; i++)
        c->flags[c->stack[i]] = 0;
    for (uint32_t i = 0; i < c->n_reads; i++)
        c->flags[c->reads[i]] = 0;
    c->n_stack = 0;
    c->n_reads = 0;
    for (uint32_t i = 0; i < c->n_pool; i++)
        c->over[c->owner[i]] = CM_END;
    c->n_pool = 0;
}

/* hb_o for o, the last operation of session 's'. Its clocks start as the
** co clocks (co restricted to a causal past has the same predecessor sets),
** then every read of the session is scanned, and scanned again whenever
** its clock grows, until none changes: the least fixpoint of rule (2). */
static int session_hb(cm_ctx *c, uint32_t s)
{
    const causal_history *h = c->h;
    uint32_t k = h->n_sessions;
    c->s = s;
    c->o = causal_id(h, s, causal_session_len(h, s) - 1);
    c->limit = c->vc + (size_t)c->o * k;
    c->n_reads = 0;
    for (uint32_t q = causal_session_len(h, s); q-- > 0;) {
        uint32_t rd = causal_id(h, s, q);
        if (!h->loc[rd].is_write) {
            c->flags[rd] |= CM_QUEUED;
            c->reads[c->n_reads++] = rd;
        }
    }
    int rc = scan_rounds(c, false);
    session_reset(c);
    return rc < 0 ? -1 : 0;
}

/* The pre-check: hb_all, the smallest transitive relation containing co
** and closed under rule (2) for the reads of every session. Each hb_o is
** contained in it (its base co|CausalPast(o) is in co, and hb_all is closed
** under o's instances of rule (2)), so when hb_all is acyclic and orders no
** write before a read of its key's initial value, no hb_o has a pattern and
** the per-session computations are skipped. Otherwise they decide (hb_all
** may order more than any hb_o). Sets '*clean'. */
static int all_hb(cm_ctx *c, bool *clean)
{
    const causal_history *h = c->h;
    causal_result tmp;
    memset(&tmp, 0, sizeof tmp);
    uint32_t *lengths = malloc((h->n_sessions + 1) * sizeof *lengths);
    if (lengths == NULL)
        return -1;
    for (uint32_t s = 0; s < h->n_sessions; s++)
        lengths[s] = causal_session_len(h, s);
    causal_result *real = c->r;
    c->r = &tmp;
    c->s = CM_ALL;
    c->o = 0;
    c->limit = lengths;
    c->n_reads = 0;
    for (uint32_t id = h->n_ops; id-- > 0;)
        if (!h->loc[id].is_write) {
            c->flags[id] |= CM_QUEUED;
            c->reads[c->n_reads++] = id;
        }
    int rc = scan_rounds(c, true);
    session_reset(c);
    *clean = rc == 0 && !tmp.found[CAUSAL_CYCLIC_HB] && !tmp.found[CAUSAL_WRITE_HB_INIT_READ];
    causal_result_free(&tmp);
    c->r = real;
    free(lengths);
    return rc < 0 ? -1 : 0;
}

/* Readers of each write, as CSR over write ids. */
static int build_readers(cm_ctx *c)
{
    const causal_history *h = c->h;
    c->rd_start = calloc((size_t)h->n_ops + 2, sizeof *c->rd_start);
    c->rd = malloc(((size_t)h->n_ops + 1) * sizeof *c->rd);
    if (c->rd_start == NULL || c->rd == NULL)
        return -1;
    for (uint32_t id = 0; id < h->n_ops; id++)
        if (!h->ops[id].is_write && h->ops[id].writer >= 0)
            c->rd_start[h->ops[id].writer + 2]++;
    for (uint32_t id = 0; id < h->n_ops; id++)
        c->rd_start[id + 2] += c->rd_start[id + 1];
    for (uint32_t id = 0; id < h->n_ops; id++)
        if (!h->ops[id].is_write && h->ops[id].writer >= 0)
            c->rd[c->rd_start[h->ops[id].writer + 1]++] = id;
    return 0;
}

int causal_cm_patterns(const causal_history *h, const uint32_t *vc, causal_result *r)
{
    size_t n = h->n_ops;
    cm_ctx c = {0};
    c.h = h;
    c.vc = vc;
    c.r = r;
    c.d.kind = CAUSAL_E_HB;
    c.over = malloc((n + 1) * sizeof *c.over);
    c.d_head = malloc((n + 1) * sizeof *c.d_head);
    c.stack = malloc((n + 1) * sizeof *c.stack);
    c.reads = malloc((n + 1) * sizeof *c.reads);
    c.flags = calloc(n + 1, 1);
    int rc = -1;
    if (c.over && c.d_head && c.stack && c.reads && c.flags && build_readers(&c) == 0) {
        for (size_t id = 0; id < n; id++)
            c.over[id] = c.d_head[id] = CM_END;
        bool clean = false;
        rc = all_hb(&c, &clean);
        for (uint32_t s = 0; s < h->n_sessions && rc == 0 && !clean; s++) {
            if (r->found[CAUSAL_CYCLIC_HB] && r->found[CAUSAL_WRITE_HB_INIT_READ])
                break;
            rc = session_hb(&c, s);
        }
    }
    causal_edges_free(&c.d);
    free(c.over);
    free(c.pool);
    free(c.owner);
    free(c.d_head);
    free(c.d_next);
    free(c.stack);
    free(c.reads);
    free(c.flags);
    free(c.rd_start);
    free(c.rd);
    return rc;
}
