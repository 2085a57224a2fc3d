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
** - The fixpoint: a topological pass over po, rf and the derived edges
**   found so far gives clocks; then each read r of o's session adds, per
**   session, the last write of x hb-before r as a derived edge to r's
**   writer when not already ordered (earlier writes of that session reach
**   it by po). Passes repeat until none adds an edge. Each pass adds at
**   least one edge that was not implied, and there are at most
**   reads * sessions such edges, so it ends; in practice two passes.
**   A pass costs O((ops + edges) * sessions + reads * sessions * log ops).
** - Every relation found along the way is contained in hb_o, so a cycle
**   or WriteHBInitRead seen in any pass is real (no false alarm), and at
**   the fixpoint nothing is missed.
*/
#include "causal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct cm_ctx {
    const causal_history *h;
    const uint32_t *vc;      /* co clocks */
    uint32_t *hvc;           /* hb_o clocks (valid inside the causal past) */
    causal_result *r;
} cm_ctx;

static bool hb_before(const cm_ctx *c, uint32_t a, uint32_t b)
{
    const causal_op *x = &c->h->ops[a];
    return a != b && c->hvc[(size_t)b * c->h->n_sessions + x->session] > x->pos;
}

/* WriteHBInitRead for the read 'rd' of the initial value, under hb_o. */
static int init_read(cm_ctx *c, uint32_t rd, uint32_t o)
{
    const causal_history *h = c->h;
    for (uint32_t s = 0; s < h->n_sessions; s++) {
        int32_t w = causal_first_write(h, h->ops[rd].key, s);
        if (w < 0 || !hb_before(c, (uint32_t)w, rd))
            continue;
        causal_witness *wit = &c->r->w[CAUSAL_WRITE_HB_INIT_READ];
        if (causal_witness_make(wit, CAUSAL_WRITE_HB_INIT_READ, 2) != 0)
            return -1;
        wit->ops[0] = (uint32_t)w;
        wit->ops[1] = rd;
        wit->edges[0] = CAUSAL_E_HB;
        wit->o = (int32_t)o;
        c->r->found[CAUSAL_WRITE_HB_INIT_READ] = true;
        return 0;
    }
    return 0;
}

/* One pass over the reads of session 's' (the program-order past of its
** last operation 'o'): new derived edges into 'd', and WriteHBInitRead. */
static int scan_reads(cm_ctx *c, uint32_t s, uint32_t o, causal_edges *d, uint32_t *added)
{
    const causal_history *h = c->h;
    uint32_t k = h->n_sessions;
    for (uint32_t rd = h->session_start[s]; rd < h->session_start[s + 1]; rd++) {
        const causal_op *op = &h->ops[rd];
        if (op->is_write || op->writer == CAUSAL_THIN_AIR)
            continue;
        if (op->writer == CAUSAL_INIT) {
            if (!c->r->found[CAUSAL_WRITE_HB_INIT_READ] && init_read(c, rd, o) != 0)
                return -1;
            continue;
        }
        uint32_t w2 = (uint32_t)op->writer;
        const uint32_t *rv = c->hvc + (size_t)rd * k;
        for (uint32_t t = 0; t < k; t++) {
            int32_t w1 = causal_last_write_before(h, op->key, t, rv[t]);
            if (w1 < 0 || (uint32_t)w1 == w2 || hb_before(c, (uint32_t)w1, w2))
                continue;
            if (causal_edges_push(d, (uint32_t)w1, w2, rd) != 0)
                return -1;
            (*added)++;
        }
    }
    return 0;
}

/* Computes hb_o for the last operation 'o' of session 's' and records
** the CM patterns it shows. */
static int session_hb(cm_ctx *c, uint32_t s)
{
    const causal_history *h = c->h;
    uint32_t o = h->session_start[s + 1] - 1;
    const uint32_t *limit = c->vc + (size_t)o * h->n_sessions;   /* causal past of o */
    causal_edges d = {0};
    d.kind = CAUSAL_E_HB;
    int rc = 0;
    for (uint32_t pass = 0;; pass++) {
        assert(pass <= h->n_ops * h->n_sessions + 1);
        causal_witness w = {0};
        w.pattern = CAUSAL_CYCLIC_HB;
        rc = causal_topo(h, limit, &d, c->hvc, &w);
        if (rc == 1) {
            if (!c->r->found[CAUSAL_CYCLIC_HB]) {
                w.o = (int32_t)o;
                c->r->w[CAUSAL_CYCLIC_HB] = w;
                c->r->found[CAUSAL_CYCLIC_HB] = true;
            } else {
                causal_witness_free(&w);
            }
            rc = 0;
            break;
        }
        if (rc != 0)
            break;
        uint32_t added = 0;
        rc = scan_reads(c, s, o, &d, &added);
        if (rc != 0 || added == 0)
            break;
    }
    causal_edges_free(&d);
    return rc;
}

int causal_cm_patterns(const causal_history *h, const uint32_t *vc, causal_result *r)
{
    cm_ctx c = {h, vc, malloc(((size_t)h->n_ops * h->n_sessions + 1) * sizeof(uint32_t)), r};
    if (c.hvc == NULL)
        return -1;
    int rc = 0;
    for (uint32_t s = 0; s < h->n_sessions && rc == 0; s++) {
        if (r->found[CAUSAL_CYCLIC_HB] && r->found[CAUSAL_WRITE_HB_INIT_READ])
            break;
        rc = session_hb(&c, s);
    }
    free(c.hvc);
    return rc;
}
