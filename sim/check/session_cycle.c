/*
** session_cycle.c — the verdicts of the session-guarantees checker on the
** version graph session.c built: a cycle in the base order plus one
** guarantee's constraints (no version order lets that guarantee hold),
** and consistent prefix from the multi-key reads.
**
** Every search is deterministic: vertices in the order they were first
** seen in the history, edges in the order they were added. A cycle is the
** shortest one through the first vertex an iterative depth-first search
** finds on a cycle (a breadth-first search from it), so reports are small.
** Cost: O(V + E) per guarantee; consistent prefix O(V + E) per pair of
** keys of each multi-key read (they read a handful of keys).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "session.h"

typedef struct csr { uint32_t *first, *edge; } csr;   /* out-edges of v: edge[first[v]..first[v+1]) */

static unsigned mask_of(int which)
{
    unsigned base = 1u << T_INIT | 1u << T_CAS;
    static const unsigned own[SESSION_G_COUNT] = {1u << T_RYW, 1u << T_MR, 1u << T_MW, 1u << T_WFR,
                                                  1u << T_ISSUE};
    if (which == SESSION_G_COUNT)
        return base | 1u << T_RYW | 1u << T_MR | 1u << T_MW | 1u << T_WFR;
    return base | own[which];
}

/* The edges of 'mask', by source ('reverse': by destination). */
static int csr_make(const sgraph *g, unsigned mask, bool reverse, csr *c)
{
    c->first = calloc((size_t)g->nverts + 2, sizeof *c->first);
    c->edge = malloc(((size_t)g->nedges + 1) * sizeof *c->edge);
    if (c->first == NULL || c->edge == NULL)
        return -1;
    for (uint32_t e = 0; e < g->nedges; e++)
        if (mask >> g->edges[e].tag & 1u)
            c->first[(reverse ? g->edges[e].to : g->edges[e].from) + 2]++;
    for (uint32_t v = 0; v < g->nverts; v++)
        c->first[v + 2] += c->first[v + 1];
    for (uint32_t e = 0; e < g->nedges; e++)
        if (mask >> g->edges[e].tag & 1u)
            c->edge[c->first[(reverse ? g->edges[e].to : g->edges[e].from) + 1]++] = e;
    return 0;
}

static void csr_free(csr *c)
{
    free(c->first);
    free(c->edge);
}

/* A vertex on some cycle, or NONE (iterative DFS, colours 0 white, 1 on
** the stack, 2 done). */
static uint32_t on_cycle(const sgraph *g, const csr *c, uint8_t *colour, uint32_t *stack, uint32_t *next)
{
    for (uint32_t root = 0; root < g->nverts; root++) {
        if (colour[root])
            continue;
        uint32_t top = 0;
        stack[top++] = root, colour[root] = 1, next[root] = c->first[root];
        while (top > 0) {
            uint32_t v = stack[top - 1];
            if (next[v] == c->first[v + 1]) {
                colour[v] = 2, top--;
                continue;
            }
            uint32_t to = g->edges[c->edge[next[v]++]].to;
            if (colour[to] == 1)
                return to;
            if (colour[to] == 0)
                stack[top++] = to, colour[to] = 1, next[to] = c->first[to];
        }
    }
    return NONE;
}

/* BFS from 'from' over 'c' ('parent' holds the edge that reached each
** vertex; NONE unreached). Stops when 'stop' is reached by an edge. */
static void bfs(const sgraph *g, const csr *c, uint32_t from, uint32_t stop, bool reverse,
                uint32_t *parent, uint32_t *queue)
{
    for (uint32_t v = 0; v < g->nverts; v++)
        parent[v] = NONE;
    uint32_t head = 0, tail = 0;
    queue[tail++] = from;
    while (head < tail) {
        uint32_t v = queue[head++];
        for (uint32_t k = c->first[v]; k < c->first[v + 1]; k++) {
            const sv_edge *e = &g->edges[c->edge[k]];
            uint32_t to = reverse ? e->from : e->to;
            if (parent[to] != NONE || (to == from && stop != from))
                continue;
            parent[to] = c->edge[k];
            if (to == stop)
                return;
            queue[tail++] = to;
        }
    }
}

/* --- explanations ------------------------------------------------------- */

static void fmt_version(const sgraph *g, uint32_t v, char *buf, size_t cap)
{
    char val[96] = "nil (initial)";
    const sv_vert *x = &g->verts[v];
    if (x->val)
        hist_value_format(x->val, val, sizeof val);
    if (x->key)
        snprintf(buf, cap, "%s = %s", x->key, val);
    else
        snprintf(buf, cap, "%s", val);
}

json_t *session_op_json(const sgraph *g, uint32_t i)
{
    const hist_op *op = &g->w.ops[i];
    const hist_event *e = &g->w.h->events[op->invoke];
    const hist_value *v = strcmp(e->f, "write") == 0 || strcmp(e->f, "cas") == 0
                        ? wlcheck_invoke_value(&g->w, op) : wlcheck_result_value(&g->w, op);
    char val[256];
    hist_value_format(v, val, sizeof val);
    json_t *j = json_pack("{s:I, s:I, s:s, s:s}", "process", (json_int_t)e->process,
                          "line", (json_int_t)e->line, "f", e->f, "value", val);
    if (e->key)
        json_object_set_new(j, "key", json_string(e->key));
    if (op->complete != HIST_NO_EVENT && g->w.h->events[op->complete].node)
        json_object_set_new(j, "node", json_string(g->w.h->events[op->complete].node));
    return j;
}

static const char *verb(const sgraph *g, uint32_t op, uint32_t v)
{
    const char *f = g->w.h->events[g->w.ops[op].invoke].f;
    for (uint32_t a = g->acc_first[op]; a < g->acc_end[op]; a++)
        if (g->acc[a].v == v)
            return g->acc[a].write ? (strcmp(f, "cas") == 0 ? "swapped in" : "wrote")
                                   : (strcmp(f, "cas") == 0 ? "compared" : "read");
    return "saw";
}

static json_t *edge_json(const sgraph *g, uint32_t e)
{
    const sv_edge *x = &g->edges[e];
    char a[128], b[128], why[1024];
    fmt_version(g, x->from, a, sizeof a);
    fmt_version(g, x->to, b, sizeof b);
    static const char *const rule[T_COUNT] = {
        NULL, NULL, "read-your-writes", "monotonic reads", "monotonic writes",
        "writes-follow-reads", "the writer's issue order"};
    if (x->tag == T_INIT)
        snprintf(why, sizeof why, "%s before %s: the initial value precedes every write", a, b);
    else if (x->tag == T_CAS)
        snprintf(why, sizeof why, "p%lld's cas (line %u) replaced %s with %s: %s before %s",
                 (long long)g->w.h->events[g->w.ops[x->op_a].invoke].process,
                 g->w.h->events[g->w.ops[x->op_a].invoke].line, a, b, a, b);
    else {
        const hist_event *ea = &g->w.h->events[g->w.ops[x->op_a].invoke];
        const hist_event *eb = &g->w.h->events[g->w.ops[x->op_b].invoke];
        snprintf(why, sizeof why, "p%lld %s %s (line %u), then %s %s (line %u): %s before %s by %s",
                 (long long)ea->process, verb(g, x->op_a, x->from), a, ea->line,
                 verb(g, x->op_b, x->to), b, eb->line, a, b, rule[x->tag]);
    }
    return json_pack("{s:s, s:s, s:s}", "from", a, "to", b, "why", why);
}

/* The report of a path of edges (a cycle, or consistent prefix's gap):
** each edge explained, and the operations involved, once each. */
static json_t *explain(const sgraph *g, const uint32_t *path, uint32_t n, uint32_t extra_op,
                       json_t *report)
{
    json_t *edges = json_array(), *ops = json_array();
    uint32_t seen[2 * 64 + 1];
    uint32_t nseen = 0;
    if (extra_op != NONE)
        seen[nseen++] = extra_op;
    for (uint32_t k = 0; k < n; k++) {
        json_array_append_new(edges, edge_json(g, path[k]));
        uint32_t two[2] = {g->edges[path[k]].op_a, g->edges[path[k]].op_b};
        for (int j = 0; j < 2; j++) {
            uint32_t s = 0;
            while (s < nseen && seen[s] != two[j])
                s++;
            if (two[j] == NONE || s < nseen || nseen == sizeof seen / sizeof *seen)
                continue;
            seen[nseen++] = two[j];
        }
    }
    for (uint32_t a = 1; a < nseen; a++)   /* operations in history order */
        for (uint32_t b = a; b > 0 && seen[b - 1] > seen[b]; b--) {
            uint32_t t = seen[b];
            seen[b] = seen[b - 1], seen[b - 1] = t;
        }
    for (uint32_t s = 0; s < nseen; s++)
        json_array_append_new(ops, session_op_json(g, seen[s]));
    json_object_set_new(report, "ops", ops);
    json_object_set_new(report, "edges", edges);
    return report;
}

#define PATH_MAX_EDGES 64

/* The path 'from' ->* 'to' that 'parent' (a BFS from 'from') holds, in
** order, at most PATH_MAX_EDGES (the last ones). Returns its length. */
static uint32_t unwind(const sgraph *g, const uint32_t *parent, uint32_t from, uint32_t to,
                       bool reverse, uint32_t *path)
{
    uint32_t n = 0, v = to;
    do {
        uint32_t e = parent[v];
        CHECK_ASSERT(e != NONE);
        if (n < PATH_MAX_EDGES)
            path[n++] = e;
        v = reverse ? g->edges[e].to : g->edges[e].from;
    } while (v != from);
    for (uint32_t a = 0, b = n - 1; !reverse && a < b; a++, b--) {
        uint32_t t = path[a];
        path[a] = path[b], path[b] = t;
    }
    return n;
}

typedef struct scratch { csr fwd, rev; uint8_t *colour; uint32_t *stack, *next, *parent, *parent2, *queue; } scratch;

static int scratch_make(const sgraph *g, unsigned mask, bool with_rev, scratch *s)
{
    size_t n = (size_t)g->nverts + 1;
    *s = (scratch){0};
    s->colour = calloc(n, 1);
    s->stack = malloc(n * sizeof *s->stack);
    s->next = malloc(n * sizeof *s->next);
    s->parent = malloc(n * sizeof *s->parent);
    s->parent2 = malloc(n * sizeof *s->parent2);
    s->queue = malloc(n * sizeof *s->queue);
    if (!s->colour || !s->stack || !s->next || !s->parent || !s->parent2 || !s->queue)
        return -1;
    if (csr_make(g, mask, false, &s->fwd) != 0)
        return -1;
    return with_rev ? csr_make(g, mask, true, &s->rev) : 0;
}

static void scratch_free(scratch *s)
{
    csr_free(&s->fwd);
    csr_free(&s->rev);
    free(s->colour), free(s->stack), free(s->next), free(s->parent), free(s->parent2), free(s->queue);
}

json_t *session_judge(const sgraph *g, int which)
{
    scratch s;
    json_t *report = json_object();
    if (scratch_make(g, mask_of(which), false, &s) != 0 || report == NULL) {
        scratch_free(&s);
        json_decref(report);
        return NULL;
    }
    uint32_t v = on_cycle(g, &s.fwd, s.colour, s.stack, s.next);
    json_object_set_new(report, "valid", json_boolean(v == NONE));
    if (v != NONE) {
        uint32_t path[PATH_MAX_EDGES];
        bfs(g, &s.fwd, v, v, false, s.parent, s.queue);
        explain(g, path, unwind(g, s.parent, v, v, false, path), NONE, report);
    }
    scratch_free(&s);
    return report;
}

/* Consistent prefix of one multi-key read 'op' seeing 'va' (key a) and
** 'vb': a version x of a after va (va ->+ x) that precedes vb (x ->* vb)
** is a write the read should have seen. Fills 'report' and returns true. */
static bool gap(const sgraph *g, scratch *s, uint32_t op, uint32_t va, uint32_t vb, json_t *report)
{
    bfs(g, &s->fwd, va, NONE, false, s->parent, s->queue);
    bfs(g, &s->rev, vb, NONE, true, s->parent2, s->queue);
    for (uint32_t x = 0; x < g->nverts; x++) {
        if (x == va || g->verts[x].key != g->verts[va].key || s->parent[x] == NONE ||
            (x != vb && s->parent2[x] == NONE))
            continue;
        uint32_t path[2 * PATH_MAX_EDGES];
        uint32_t n = unwind(g, s->parent, va, x, false, path);
        if (x != vb)
            n += unwind(g, s->parent2, vb, x, true, path + n);
        explain(g, path, n, op, report);
        json_t *read = session_op_json(g, op);
        char a[128], b[128], later[128];
        fmt_version(g, va, a, sizeof a), fmt_version(g, vb, b, sizeof b);
        fmt_version(g, x, later, sizeof later);
        char why[1024];
        snprintf(why, sizeof why, "p%lld's read (line %lld) saw %s and %s, but %s comes after %s and "
                 "before %s: not a prefix of the writes", (long long)json_integer_value(json_object_get(read, "process")),
                 (long long)json_integer_value(json_object_get(read, "line")), a, b, later, a, b);
        json_decref(read);
        json_object_set_new(report, "gap", json_string(why));
        return true;
    }
    return false;
}

json_t *session_judge_prefix(const sgraph *g)
{
    scratch s;
    json_t *report = json_object();
    if (scratch_make(g, 1u << T_INIT | 1u << T_CAS | 1u << T_ISSUE, true, &s) != 0 || report == NULL) {
        scratch_free(&s);
        json_decref(report);
        return NULL;
    }
    size_t multi = 0;
    bool found = false;
    for (uint32_t op = 0; op < g->w.count && !found; op++) {
        bool counted = false, writes = false;
        for (uint32_t i = g->acc_first[op]; i < g->acc_end[op]; i++)
            writes |= g->acc[i].write;
        if (writes)
            continue;   /* a snapshot is a read-only operation: its reads see one state */
        for (uint32_t i = g->acc_first[op]; i < g->acc_end[op] && !found; i++)
            for (uint32_t j = g->acc_first[op]; j < g->acc_end[op] && !found; j++) {
                const sv_access *a = &g->acc[i], *b = &g->acc[j];
                if (a->write || b->write || g->verts[a->v].key == g->verts[b->v].key)
                    continue;
                multi += !counted, counted = true;
                found = gap(g, &s, op, a->v, b->v, report);
            }
    }
    json_object_set_new(report, "valid", json_boolean(!found));
    json_object_set_new(report, "tested", json_boolean(multi > 0));
    json_object_set_new(report, "multi_key_reads", json_integer((json_int_t)multi));
    scratch_free(&s);
    return report;
}
