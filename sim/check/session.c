/*
** session.c — session guarantees of a register/kv history (Terry, Demers,
** Petersen, Spreitzer, Theimer, Welch, "Session Guarantees for Weakly
** Consistent Replicated Data", PDIS 1994): read-your-writes, monotonic
** reads, monotonic writes, writes-follow-reads; and consistent prefix
** (Terry 2013). A session is a Jepsen process: its operations in invoke
** order (one outstanding at a time).
**
** What is read. Ok operations: 'read' (its result), 'write v', 'cas [a b]'
** (a read of a, then a write of b; an ok cas whose completion value is
** false did not swap and is skipped), 'txn' with rw-register micro-ops
** ["r",k,v] / ["w",k,v] (in micro-op order, as reads and writes of the
** session). The key is the event's "key" (none: one register) or the
** micro-op's. Failed operations did not happen; info and open ones have no
** place in their session (dsim retires the process), but a value they
** wrote that some read returned is a version like any other.
**
** The version order. Values written to a key are unique, so a read names
** the write it saw, and each key's versions are: its initial value (a read
** of nil) and each value written. The checker never guesses the order of
** two versions: it knows only what the history forces,
**   base:  the initial value precedes every written value; an ok cas [a b]
**          puts a before b;
** and what each guarantee, if it held, would force in every session:
**   read-your-writes:    a write of v, then a read of u:  v <= u;
**   monotonic reads:     a read of a, then a read of b:   a <= b;
**   monotonic writes:    a write of a, then a write of b: a <  b;
**   writes-follow-reads: a read of a, then a write of b:  a <  b;
** (same key, same session; <= between two different versions is <).
** A guarantee is violated when the base order and its own constraints
** from every session have a cycle: no version order of any key lets it
** hold. Each is judged apart, so a report names the guarantee that fails
** alone; "together" judges the four at once (a violation that needs two of
** them, e.g. one session writes 1 then 2 and another reads 2 then 1, is
** only there). Where the order is ambiguous (two versions no constraint
** relates) any order is allowed: a verdict is never a guess.
**
** Consistent prefix: a read that observes several keys at once (a txn of
** reads only: a transaction that also writes reads its own writes midway,
** which is no snapshot) sees a prefix of the one sequence of writes. The sequence
** extends the base order and each writing session's issue order (the
** baseball paper's scorekeeper); a read that saw b = vb, where some write
** of a after the a it saw comes before vb in that order, saw a later write
** without an earlier one. With one key per read (plain register and kv
** histories) nothing can refute it: the report says "not tested".
**
** Bounds: per session and key, the last SESSION_RECENT_MAX distinct writes
** and reads add read-your-writes and writes-follow-reads edges (older ones
** add none: the work stays linear in the history, and a violation may be
** missed, never invented). One cycle per guarantee is reported: the
** shortest through the first vertex found on a cycle.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "session.h"
#include "wlcheck.h"

#define SESSION_RECENT_MAX 256

const char *const session_names[SESSION_G_COUNT] = {
    "read-your-writes", "monotonic-reads", "monotonic-writes", "writes-follow-reads",
    "consistent-prefix",
};

static void *grow(void *p, uint32_t *cap, size_t size, bool *oom)
{
    uint32_t n = *cap ? *cap * 2 : 64;
    void *q = realloc(p, (size_t)n * size);
    if (q == NULL) {
        *oom = true;
        return p;
    }
    *cap = n;
    return q;
}

static uint64_t vhash(const char *key, uint32_t id)
{
    uint64_t h = 1469598103934665603u ^ id;
    for (const char *s = key; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h * 0x9E3779B97F4A7C15u;
}

static void rehash(sgraph *g)
{
    uint32_t n = g->nslots ? g->nslots * 2 : 256;
    uint32_t *s = calloc(n, sizeof *s);
    if (s == NULL) {
        g->oom = true;
        return;
    }
    for (uint32_t i = 0; i < g->nverts; i++) {
        uint64_t h = vhash(g->verts[i].key, g->verts[i].val ? g->verts[i].val->id + 1 : 0);
        uint32_t k = (uint32_t)(h % n);
        while (s[k])
            k = (k + 1) % n;
        s[k] = i + 1;
    }
    free(g->slots);
    g->slots = s;
    g->nslots = n;
}

static void add_edge(sgraph *g, uint32_t from, uint32_t to, enum session_tag t, uint32_t op_a, uint32_t op_b)
{
    if (from == to || from == NONE || to == NONE)
        return;
    if (g->nedges == g->cap_edges)
        g->edges = grow(g->edges, &g->cap_edges, sizeof *g->edges, &g->oom);
    if (g->nedges < g->cap_edges)
        g->edges[g->nedges++] = (sv_edge){from, to, op_a, op_b, (uint8_t)t};
}

static uint32_t vid(const hist_value *val) { return val ? val->id + 1 : 0; }

/* The vertex of (key, val), or NONE; 'key' is interned, 'val' NULL is
** the key's initial value. '*slot' is where it would go. */
static uint32_t find(const sgraph *g, const char *key, const hist_value *val, uint32_t *slot)
{
    uint32_t k = (uint32_t)(vhash(key, vid(val)) % g->nslots);
    for (; g->slots[k]; k = (k + 1) % g->nslots) {
        const sv_vert *v = &g->verts[g->slots[k] - 1];
        if (v->key == key && vid(v->val) == vid(val))
            return g->slots[k] - 1;
    }
    *slot = k;
    return NONE;
}

static uint32_t insert(sgraph *g, const char *key, const hist_value *val)
{
    uint32_t slot;
    if ((g->nverts + 1) * 2 >= g->nslots)
        rehash(g);
    if (g->nverts + 1 >= g->cap_verts)
        g->verts = grow(g->verts, &g->cap_verts, sizeof *g->verts, &g->oom);
    if (g->oom)
        return NONE;
    uint32_t v = find(g, key, val, &slot);
    if (v != NONE)
        return v;
    g->verts[g->nverts] = (sv_vert){key, val};
    g->slots[slot] = ++g->nverts;
    return g->nverts - 1;
}

/* The vertex of a version, made on first sight together with its key's
** initial vertex and the base edge initial -> val. */
static uint32_t version(sgraph *g, const char *key, const hist_value *val)
{
    if (val && val->kind == HIST_NIL)
        val = NULL;
    uint32_t before = g->nverts, init = insert(g, key, NULL);
    uint32_t v = val ? insert(g, key, val) : init;
    if (v != NONE && v >= before && val != NULL)
        add_edge(g, init, v, T_INIT, NONE, NONE);
    return v;
}

static void push_access(sgraph *g, uint32_t op, uint32_t v, bool write)
{
    if (g->nacc == g->cap_acc)
        g->acc = grow(g->acc, &g->cap_acc, sizeof *g->acc, &g->oom);
    if (g->nacc < g->cap_acc)
        g->acc[g->nacc++] = (sv_access){op, v, write};
}

static const char *key_of(sgraph *g, const hist_value *k)
{
    char buf[64];
    if (k->kind == HIST_STR || k->kind == HIST_KEYWORD)
        return k->s;
    int n = snprintf(buf, sizeof buf, "%lld", (long long)k->i);
    return hist_intern(g->w.h, buf, (size_t)n);
}

static int bad(sgraph *g, const hist_event *e, const char *what, char *err, size_t cap)
{
    snprintf(err, cap, "%s:%u: expected %s", g->w.h->source, e->line, what);
    return -1;
}

/* The accesses of one txn: rw-register micro-ops in order. */
static int txn_accesses(sgraph *g, uint32_t i, const hist_value *mops, bool ok, char *err, size_t cap)
{
    const hist_event *e = &g->w.h->events[g->w.ops[i].invoke];
    if (mops->kind != HIST_LIST)
        return bad(g, e, "a list of micro-operations as a txn's value", err, cap);
    for (size_t m = 0; m < mops->len; m++) {
        const hist_value *mo = mops->items[m];
        if (mo->kind != HIST_LIST || mo->len != 3 ||
            (mo->items[0]->kind != HIST_STR && mo->items[0]->kind != HIST_KEYWORD) ||
            (strcmp(mo->items[0]->s, "r") != 0 && strcmp(mo->items[0]->s, "w") != 0) ||
            (mo->items[1]->kind != HIST_INT && mo->items[1]->kind != HIST_STR))
            return bad(g, e, "rw-register micro-operations [\"r\"|\"w\", key, value]", err, cap);
        bool w = mo->items[0]->s[0] == 'w';
        if (w && mo->items[2]->kind == HIST_NIL)
            return bad(g, e, "a value to write", err, cap);
        if (!ok && !w)
            continue;
        uint32_t v = version(g, key_of(g, mo->items[1]), mo->items[2]);
        if (ok)
            push_access(g, i, v, w);
    }
    return 0;
}

/* One operation's accesses (none unless ok) and versions. */
static int op_accesses(sgraph *g, uint32_t i, char *err, size_t cap)
{
    const hist_op *op = &g->w.ops[i];
    const hist_event *e = &g->w.h->events[op->invoke];
    const hist_value *in = wlcheck_invoke_value(&g->w, op), *out = wlcheck_result_value(&g->w, op);
    bool ok = op->status == HIST_OP_OK;
    if (op->status == HIST_OP_FAIL)
        return 0;
    if (strcmp(e->f, "read") == 0) {
        if (ok)
            push_access(g, i, version(g, e->key, out), false);
    } else if (strcmp(e->f, "write") == 0) {
        if (in->kind == HIST_NIL)
            return bad(g, e, "a value to write", err, cap);
        uint32_t v = version(g, e->key, in);
        if (ok)
            push_access(g, i, v, true);
    } else if (strcmp(e->f, "cas") == 0) {
        if (in->kind != HIST_LIST || in->len != 2)
            return bad(g, e, "[old, new] as a cas's value", err, cap);
        if (!ok || (out->kind == HIST_BOOL && out->i == 0))
            return 0;   /* may not have swapped, or did not */
        uint32_t a = version(g, e->key, in->items[0]), b = version(g, e->key, in->items[1]);
        add_edge(g, a, b, T_CAS, i, NONE);
        push_access(g, i, a, false);
        push_access(g, i, b, true);
    } else if (strcmp(e->f, "txn") == 0) {
        return txn_accesses(g, i, ok ? out : in, ok, err, cap);
    } else {
        snprintf(err, cap, "%s:%u: expected read, write, cas or txn (a register, kv or rw-register "
                 "history), got '%s'", g->w.h->source, e->line, e->f);
        return -1;
    }
    return 0;
}

/* --- per-session edges -------------------------------------------------- */

typedef struct recent { uint32_t v, op; } recent;
typedef struct keystate {
    const char *key;
    recent writes[SESSION_RECENT_MAX], reads[SESSION_RECENT_MAX];
    uint32_t nw, nr, last_read, last_read_op, last_write, last_write_op, w_at_last_read;
} keystate;

static void remember(recent *list, uint32_t *n, uint32_t v, uint32_t op)
{
    if (*n > 0 && list[*n - 1].v == v)
        return;
    if (*n == SESSION_RECENT_MAX) {
        memmove(list, list + 1, (SESSION_RECENT_MAX - 1) * sizeof *list);
        (*n)--;
    }
    list[(*n)++] = (recent){v, op};
}

static void session_access(sgraph *g, keystate *ks, const sv_access *a, uint32_t *issue_v, uint32_t *issue_op)
{
    if (a->write) {
        add_edge(g, ks->last_write, a->v, T_MW, ks->last_write_op, a->op);
        for (uint32_t r = 0; r < ks->nr; r++)
            add_edge(g, ks->reads[r].v, a->v, T_WFR, ks->reads[r].op, a->op);
        remember(ks->writes, &ks->nw, a->v, a->op);
        ks->last_write = a->v, ks->last_write_op = a->op;
        add_edge(g, *issue_v, a->v, T_ISSUE, *issue_op, a->op);
        *issue_v = a->v, *issue_op = a->op;
        return;
    }
    if (a->v != ks->last_read || ks->nw != ks->w_at_last_read)
        for (uint32_t k = 0; k < ks->nw; k++)
            add_edge(g, ks->writes[k].v, a->v, T_RYW, ks->writes[k].op, a->op);
    add_edge(g, ks->last_read, a->v, T_MR, ks->last_read_op, a->op);
    remember(ks->reads, &ks->nr, a->v, a->op);
    ks->last_read = a->v, ks->last_read_op = a->op, ks->w_at_last_read = ks->nw;
}

typedef struct slot_op { int64_t process; uint32_t op; } slot_op;

static int by_process(const void *x, const void *y)
{
    const slot_op *a = x, *b = y;
    if (a->process != b->process)
        return (a->process > b->process) - (a->process < b->process);
    return (a->op > b->op) - (a->op < b->op);
}

/* Walks each session's accesses in order; returns the number of sessions. */
static size_t session_edges(sgraph *g)
{
    size_t n = g->w.count, sessions = 0;
    slot_op *order = malloc((n + 1) * sizeof *order);
    keystate *ks = NULL;
    size_t nks = 0, cap_ks = 0;
    if (order == NULL) {
        g->oom = true;
        return 0;
    }
    for (uint32_t i = 0; i < n; i++)
        order[i] = (slot_op){g->w.h->events[g->w.ops[i].invoke].process, i};
    qsort(order, n, sizeof *order, by_process);
    uint32_t issue_v = NONE, issue_op = NONE;
    for (size_t i = 0; i < n && !g->oom; i++) {
        if (i == 0 || order[i].process != order[i - 1].process)
            nks = 0, sessions++, issue_v = NONE, issue_op = NONE;
        uint32_t o = order[i].op;
        for (uint32_t a = g->acc_first[o]; a < g->acc_end[o]; a++) {
            const char *key = g->verts[g->acc[a].v].key;
            size_t k = 0;
            while (k < nks && ks[k].key != key)
                k++;
            if (k == nks) {
                if (nks == cap_ks) {
                    keystate *nk = realloc(ks, (cap_ks = cap_ks ? cap_ks * 2 : 4) * sizeof *ks);
                    if (nk == NULL) {
                        g->oom = true;
                        break;
                    }
                    ks = nk;
                }
                ks[nks++] = (keystate){.key = key, .last_read = NONE, .last_write = NONE,
                                       .last_read_op = NONE, .last_write_op = NONE};
            }
            session_access(g, &ks[k], &g->acc[a], &issue_v, &issue_op);
        }
    }
    free(ks);
    free(order);
    return sessions;
}

int session_graph(sgraph *g, char *err, size_t cap)
{
    size_t n = g->w.count;
    g->acc_first = malloc((n + 1) * sizeof *g->acc_first);
    g->acc_end = malloc((n + 1) * sizeof *g->acc_end);
    if (g->acc_first == NULL || g->acc_end == NULL || n >= NONE) {
        snprintf(err, cap, "%s: out of memory", g->w.h->source);
        return -1;
    }
    rehash(g);
    for (uint32_t i = 0; i < n && !g->oom; i++) {
        g->acc_first[i] = g->nacc;
        if (op_accesses(g, i, err, cap) != 0)
            return -1;
        g->acc_end[i] = g->nacc;
    }
    if (!g->oom)
        g->sessions = session_edges(g);
    if (g->oom) {
        snprintf(err, cap, "%s: out of memory", g->w.h->source);
        return -1;
    }
    return 0;
}

void session_graph_free(sgraph *g)
{
    free(g->verts);
    free(g->slots);
    free(g->edges);
    free(g->acc);
    free(g->acc_first);
    free(g->acc_end);
    wlcheck_free(&g->w);
}

check_verdict check_session(const char *text, size_t len, const char *source, const char *format,
                            json_t *report, char *err, size_t cap)
{
    sgraph g = {0};
    if (wlcheck_load(text, len, source ? source : "history", format, &g.w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    if (session_graph(&g, err, cap) != 0) {
        session_graph_free(&g);
        return CHECK_BAD_INPUT;
    }
    json_t *each = json_object(), *kept = json_array(), *violated = json_array();
    for (int k = 0; k <= SESSION_G_COUNT; k++) {
        json_t *r = k == SESSION_CP ? session_judge_prefix(&g)
                  : session_judge(&g, k == SESSION_G_COUNT ? SESSION_G_COUNT : k);
        CHECK_ASSERT(r != NULL);
        const char *name = k == SESSION_G_COUNT ? "together" : session_names[k];
        bool ok = json_is_true(json_object_get(r, "valid"));
        if (k < SESSION_G_COUNT)
            json_array_append_new(ok ? kept : violated, json_string(name));
        json_object_set_new(each, name, r);
    }
    bool valid = json_array_size(violated) == 0 &&
                 json_is_true(json_object_get(json_object_get(each, "together"), "valid"));
    json_object_set_new(report, "valid", json_boolean(valid));
    json_object_set_new(report, "source", json_string(g.w.h->source));
    json_object_set_new(report, "ops", json_integer((json_int_t)g.w.count));
    json_object_set_new(report, "sessions", json_integer((json_int_t)g.sessions));
    json_object_set_new(report, "versions", json_integer((json_int_t)g.nverts));
    json_object_set_new(report, "kept", kept);
    json_object_set_new(report, "violated", violated);
    json_object_set_new(report, "guarantees", each);
    session_graph_free(&g);
    return valid ? CHECK_OK : CHECK_VIOLATION;
}
