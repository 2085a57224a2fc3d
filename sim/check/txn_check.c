/*
** txn_check.c — the transactional isolation check: registries of anomalies
** and consistency models, the verdict, and the report with every anomaly
** explained in words.
**
** Models (Adya; Elle's names): each forbids a set of anomalies. Read
** uncommitted forbids G0; read committed adds G1a, G1b, G1c; snapshot
** isolation adds G-single and G-nonadjacent (SI allows a cycle only with
** two adjacent rw edges: write skew) and non-repeatable reads inside a
** transaction (read committed allows those); serializable adds G2-item. On these
** item histories (no predicate reads) Adya's repeatable read (PL-2.99: G1
** and G2-item) forbids the same as serializable. The "strong-session-"
** models also forbid the -process variants, the "strong-" models and
** strict-serializable the -realtime ones (and lost appends). Every model
** forbids what no isolation level allows: internal inconsistency,
** duplicate elements, incompatible orders, garbage reads.
**
** Verdict for the requested models: a violation if one forbidden anomaly
** was found; else unknown if the search for one ran out of budget; else
** ok. "strongest" lists the models of the registry the history is proven
** compatible with and that no stronger compatible model implies.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "txn.h"

enum { EXAMPLES_MAX = 8, MODELS_MAX = 32 };

#define BIT(a) (1u << (a))
#define CYCLES(m) ((m) & 0x1fu)
#define PROCESS_OF(m) (CYCLES(m) << TXN_CYCLE_KINDS)
#define REALTIME_OF(m) (CYCLES(m) << (2 * TXN_CYCLE_KINDS) | BIT(TXN_LOST_APPEND))
#define ALWAYS (BIT(TXN_INTERNAL) | BIT(TXN_DUPLICATE) | BIT(TXN_INCOMPATIBLE) | BIT(TXN_GARBAGE))
#define RU (ALWAYS | BIT(TXN_G0))
#define RC (RU | BIT(TXN_G1A) | BIT(TXN_G1B) | BIT(TXN_G1C))
#define SI (RC | BIT(TXN_GSINGLE) | BIT(TXN_GNONADJ) | BIT(TXN_NONREPEATABLE))
#define SER (SI | BIT(TXN_G2ITEM))

const txn_anomaly_def txn_anomalies[] = {
    {"G0", TXN_G0, "write cycle: a cycle of ww edges (transactions overwrite each other)"},
    {"G1c", TXN_G1C, "circular information flow: a cycle of ww and wr edges"},
    {"G-single", TXN_GSINGLE, "read skew: a cycle with exactly one rw (anti-dependency) edge"},
    {"G-nonadjacent", TXN_GNONADJ, "a cycle with several rw edges, no two of them adjacent"},
    {"G2-item", TXN_G2ITEM, "a cycle with two adjacent rw edges (write skew)"},
    {"G0-process", TXN_G0_P, "G0 that needs process order"},
    {"G1c-process", TXN_G1C_P, "G1c that needs process order"},
    {"G-single-process", TXN_GSINGLE_P, "G-single that needs process order"},
    {"G-nonadjacent-process", TXN_GNONADJ_P, "G-nonadjacent that needs process order"},
    {"G2-item-process", TXN_G2ITEM_P, "G2-item that needs process order"},
    {"G0-realtime", TXN_G0_RT, "G0 that needs real-time order"},
    {"G1c-realtime", TXN_G1C_RT, "G1c that needs real-time order"},
    {"G-single-realtime", TXN_GSINGLE_RT, "G-single that needs real-time order"},
    {"G-nonadjacent-realtime", TXN_GNONADJ_RT, "G-nonadjacent that needs real-time order"},
    {"G2-item-realtime", TXN_G2ITEM_RT, "G2-item that needs real-time order"},
    {"G1a", TXN_G1A, "aborted read: a read saw a write of a failed transaction"},
    {"G1b", TXN_G1B, "intermediate read: a read saw a write its transaction later replaced"},
    {"internal", TXN_INTERNAL, "a transaction did not see its own earlier writes"},
    {"duplicate-elements", TXN_DUPLICATE, "a read shows one appended element twice"},
    {"incompatible-order", TXN_INCOMPATIBLE, "two reads of a key are not prefixes of one order"},
    {"garbage-read", TXN_GARBAGE, "a read saw a value no transaction wrote"},
    {"lost-append", TXN_LOST_APPEND,
     "an ok append no read shows, though a read began after it committed"},
    {"non-repeatable-read", TXN_NONREPEATABLE,
     "a transaction read a key twice and saw another version the second time"},
    {NULL, TXN_ANOMALY_COUNT_, NULL},
};

const txn_model_def txn_models[] = {
    {"read-uncommitted", RU, "forbids G0 (dirty writes)"},
    {"read-committed", RC, "forbids G0, G1a, G1b, G1c"},
    {"repeatable-read", SER, "forbids G1 and G2-item (Adya PL-2.99; = serializable on items)"},
    {"snapshot-isolation", SI, "forbids G1, G-single, G-nonadjacent, non-repeatable reads"},
    {"serializable", SER, "forbids G1 and every cycle with rw edges"},
    {"strong-session-read-uncommitted", RU | PROCESS_OF(RU), "read-uncommitted + process order"},
    {"strong-session-read-committed", RC | PROCESS_OF(RC), "read-committed + process order"},
    {"strong-session-snapshot-isolation", SI | PROCESS_OF(SI),
     "snapshot-isolation + process order"},
    {"strong-session-serializable", SER | PROCESS_OF(SER), "serializable + process order"},
    {"strong-read-uncommitted", RU | PROCESS_OF(RU) | REALTIME_OF(RU),
     "read-uncommitted + real-time order"},
    {"strong-read-committed", RC | PROCESS_OF(RC) | REALTIME_OF(RC),
     "read-committed + real-time order"},
    {"strong-snapshot-isolation", SI | PROCESS_OF(SI) | REALTIME_OF(SI),
     "snapshot-isolation + real-time order"},
    {"strict-serializable", SER | PROCESS_OF(SER) | REALTIME_OF(SER),
     "serializable + real-time order"},
    {NULL, 0, NULL},
};

_Static_assert(TXN_ANOMALY_COUNT_ <= 32, "anomaly bits fit in a uint32_t");

const txn_model_def *txn_model_find(const char *name)
{
    for (const txn_model_def *m = txn_models; m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

static const char *anomaly_name(txn_anomaly a)
{
    CHECK_ASSERT((unsigned)a < TXN_ANOMALY_COUNT_);
    return txn_anomalies[a].name;
}

/* --- text helpers ----------------------------------------------------------- */

typedef struct text { char *buf; size_t cap, len; } text;

static void say(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->len = t->len + (size_t)k < t->cap ? t->len + (size_t)k : t->cap - 1;
}

/* A value as text: JSON, but lists with spaces as Elle prints them. */
static const char *val(const hist_value *v, char *buf, size_t cap)
{
    if (v == NULL || v->kind == HIST_NIL) {
        snprintf(buf, cap, v == NULL ? "?" : "nil");
        return buf;
    }
    hist_value_format(v, buf, cap);
    for (char *p = buf; *p; p++)
        *p = *p == ',' ? ' ' : *p;
    return buf;
}

static const char *read_text(const txn_hist *th, const hist_value *v, char *buf, size_t cap)
{
    if (th->workload == TXN_WL_APPEND && v != NULL && v->kind == HIST_NIL) {
        snprintf(buf, cap, "[]");
        return buf;
    }
    return val(v, buf, cap);
}

/* --- explanations of edges ---------------------------------------------------- */

typedef struct explain_ctx {
    const txn_hist *th;
    const txn_infer *inf;
} explain_ctx;

static const txn_mop *mop_of(const explain_ctx *x, uint32_t t, uint32_t j)
{
    return &x->th->mops[x->th->txns[t].mop_first + j];
}

/* The position of 'el' in key 'k's observed order, or UINT32_MAX. */
static uint32_t position(const explain_ctx *x, const hist_value *key, const hist_value *el)
{
    uint32_t k = txn_infer_key(x->inf, key);
    const txn_key_order *o = &x->inf->orders[k];
    for (uint32_t i = 0; k != UINT32_MAX && i < o->count; i++)
        if (o->elements[i] == el)
            return i;
    return UINT32_MAX;
}

static uint32_t writer_txn(const explain_ctx *x, const hist_value *key, const hist_value *el)
{
    uint32_t w = txn_infer_writer(x->inf, key, el);
    return w == UINT32_MAX ? UINT32_MAX : x->inf->mop_txn[w];
}

static bool external_read(const explain_ctx *x, uint32_t t, uint32_t j)
{
    for (uint32_t i = 0; i < j; i++)
        if (mop_of(x, t, i)->key == mop_of(x, t, j)->key)
            return false;
    return mop_of(x, t, j)->kind == TXN_MOP_READ && mop_of(x, t, j)->arg != NULL;
}

/* ww for list-append: b appended right after a's element, or b's append
** was never read and a wrote the last element read. */
static bool why_ww_append(const explain_ctx *x, uint32_t a, uint32_t b, text *t)
{
    char e1[64], e2[64], kb[64];
    for (uint32_t j = 0; j < x->th->txns[b].mop_count; j++) {
        const txn_mop *m = mop_of(x, b, j);
        if (m->kind == TXN_MOP_READ)
            continue;
        uint32_t k = txn_infer_key(x->inf, m->key), p = position(x, m->key, m->arg);
        const txn_key_order *o = &x->inf->orders[k];
        if (p != UINT32_MAX && p > 0 && writer_txn(x, m->key, o->elements[p - 1]) == a) {
            say(t, "T%u appended %s to key %s right after T%u's %s (the order T%u read), so "
                   "T%u < T%u (ww)", b, val(m->arg, e2, sizeof e2), val(m->key, kb, sizeof kb), a,
                val(o->elements[p - 1], e1, sizeof e1), o->source_txn, a, b);
            return true;
        }
        if (p == UINT32_MAX && o->count > 0 &&
            writer_txn(x, m->key, o->elements[o->count - 1]) == a) {
            say(t, "T%u's append of %s to key %s was never read, so it follows every element "
                   "read, the last of them %s by T%u; so T%u < T%u (ww)",
                b, val(m->arg, e2, sizeof e2), val(m->key, kb, sizeof kb),
                val(o->elements[o->count - 1], e1, sizeof e1), a, a, b);
            return true;
        }
    }
    return false;
}

/* ww for rw-register: b read a's value and then wrote the key. */
static bool why_ww_rw(const explain_ctx *x, uint32_t a, uint32_t b, text *t)
{
    char v1[64], v2[64], kb[64];
    for (uint32_t j = 0; j < x->th->txns[b].mop_count; j++) {
        const txn_mop *r = mop_of(x, b, j);
        if (!external_read(x, b, j) || r->arg->kind == HIST_NIL ||
            writer_txn(x, r->key, r->arg) != a)
            continue;
        for (uint32_t i = j + 1; i < x->th->txns[b].mop_count; i++) {
            const txn_mop *w = mop_of(x, b, i);
            if (w->kind == TXN_MOP_WRITE && w->key == r->key) {
                say(t, "T%u read key %s = %s (written by T%u) and then wrote %s, so T%u < T%u (ww)",
                    b, val(r->key, kb, sizeof kb), val(r->arg, v1, sizeof v1), a,
                    val(w->arg, v2, sizeof v2), a, b);
                return true;
            }
        }
    }
    return false;
}

static bool why_wr(const explain_ctx *x, uint32_t a, uint32_t b, text *t)
{
    char rb[256], kb[64], eb[64];
    for (uint32_t j = 0; j < x->th->txns[b].mop_count; j++) {
        const txn_mop *r = mop_of(x, b, j);
        if (!external_read(x, b, j) || r->arg->kind == HIST_NIL ||
            (r->arg->kind == HIST_LIST && r->arg->len == 0))
            continue;
        const hist_value *last = r->arg->kind == HIST_LIST ? r->arg->items[r->arg->len - 1]
                                                           : r->arg;
        if (writer_txn(x, r->key, last) != a)
            continue;
        if (x->th->workload == TXN_WL_APPEND)
            say(t, "T%u read key %s = %s and T%u appended %s, its last element, so T%u < T%u (wr)",
                b, val(r->key, kb, sizeof kb), val(r->arg, rb, sizeof rb), a,
                val(last, eb, sizeof eb), a, b);
        else
            say(t, "T%u read key %s = %s, which T%u wrote, so T%u < T%u (wr)", b,
                val(r->key, kb, sizeof kb), val(r->arg, rb, sizeof rb), a, a, b);
        return true;
    }
    return false;
}

/* Does b write key 'key' (its append 'el' at order position 'p', or a
** write following 'read')? Returns the mop or NULL. */
static const txn_mop *rw_target(const explain_ctx *x, uint32_t b, const txn_mop *r, bool *unread)
{
    uint32_t k = txn_infer_key(x->inf, r->key);
    const txn_key_order *o = &x->inf->orders[k];
    for (uint32_t j = 0; j < x->th->txns[b].mop_count; j++) {
        const txn_mop *w = mop_of(x, b, j);
        if (w->kind == TXN_MOP_READ || w->key != r->key)
            continue;
        if (x->th->workload == TXN_WL_APPEND) {
            size_t n = r->arg->kind == HIST_LIST ? r->arg->len : 0;
            uint32_t p = position(x, w->key, w->arg);
            *unread = p == UINT32_MAX;
            if ((p != UINT32_MAX && p == n) || (*unread && n == o->count))
                return w;
            continue;
        }
        bool follows = r->arg->kind == HIST_NIL;   /* nil precedes every write */
        for (uint32_t i = 0; i < j && !follows; i++) {
            const txn_mop *q = mop_of(x, b, i);
            follows = q->kind == TXN_MOP_READ && q->key == w->key && q->arg == r->arg;
        }
        *unread = false;
        if (follows)
            return w;
    }
    return NULL;
}

static bool why_rw(const explain_ctx *x, uint32_t a, uint32_t b, text *t)
{
    char rb[256], kb[64], eb[64];
    for (uint32_t j = 0; j < x->th->txns[a].mop_count; j++) {
        const txn_mop *r = mop_of(x, a, j);
        bool unread = false;
        const txn_mop *w = external_read(x, a, j) ? rw_target(x, b, r, &unread) : NULL;
        if (w == NULL)
            continue;
        const char *rt = read_text(x->th, r->arg, rb, sizeof rb);
        val(r->key, kb, sizeof kb);
        val(w->arg, eb, sizeof eb);
        if (x->th->workload == TXN_WL_RW && r->arg->kind == HIST_NIL)
            say(t, "T%u read key %s = nil (the initial state) and T%u wrote %s, a later version, "
                   "so T%u < T%u (rw)", a, kb, b, eb, a, b);
        else if (x->th->workload == TXN_WL_RW)
            say(t, "T%u read key %s = %s and T%u overwrote that version with %s, so T%u < T%u (rw)",
                a, kb, rt, b, eb, a, b);
        else if (unread)
            say(t, "T%u read key %s = %s, all that was ever read of it, and T%u appended %s, "
                   "never read, so it came later: T%u < T%u (rw)", a, kb, rt, b, eb, a, b);
        else if (r->arg->kind != HIST_LIST || r->arg->len == 0)
            say(t, "T%u read key %s = [] and T%u appended %s, its first element, so T%u < T%u (rw)",
                a, kb, b, eb, a, b);
        else {
            char lb[64];
            say(t, "T%u read key %s = %s and T%u appended %s after %s, so T%u < T%u (rw)", a, kb,
                rt, b, eb, val(r->arg->items[r->arg->len - 1], lb, sizeof lb), a, b);
        }
        return true;
    }
    return false;
}

static void line_text(const explain_ctx *x, size_t pos, char *buf, size_t cap)
{
    const hist_event *ev = &x->th->h->events[pos];
    if (ev->time >= 0)
        snprintf(buf, cap, "line %u, t=%.3f ms", ev->line, (double)ev->time / 1e6);
    else
        snprintf(buf, cap, "line %u", ev->line);
}

/* One edge of a cycle, in words. */
static void why_edge(const explain_ctx *x, uint32_t a, uint32_t b, uint32_t kind, text *t)
{
    const txn *ta = &x->th->txns[a], *tb = &x->th->txns[b];
    char l1[64], l2[64];
    bool done = false;
    switch (kind) {
    case TXN_EDGE_WW:
        done = x->th->workload == TXN_WL_APPEND ? why_ww_append(x, a, b, t) : why_ww_rw(x, a, b, t);
        break;
    case TXN_EDGE_WR: done = why_wr(x, a, b, t); break;
    case TXN_EDGE_RW: done = why_rw(x, a, b, t); break;
    case TXN_EDGE_PROCESS:
        say(t, "T%u and T%u ran on process %lld, T%u first, so T%u < T%u (process)", a, b,
            (long long)ta->process, a, a, b);
        done = true;
        break;
    case TXN_EDGE_REALTIME:
        line_text(x, ta->complete_pos, l1, sizeof l1);
        line_text(x, tb->invoke_pos, l2, sizeof l2);
        say(t, "T%u completed (%s) before T%u was invoked (%s), so T%u < T%u (realtime)", a, l1,
            b, l2, a, b);
        done = true;
        break;
    default: break;
    }
    CHECK_ASSERT(done);   /* every edge the inference makes has a reason here */
}

/* --- explanations of the other anomalies ------------------------------------ */

static void why_finding(const explain_ctx *x, const txn_finding *f, text *t)
{
    char kb[64], rb[256], eb[64];
    const txn_mop *m = &x->th->mops[f->mop];
    const char *rt = m->kind == TXN_MOP_READ ? read_text(x->th, m->arg, rb, sizeof rb) : "";
    val(m->key, kb, sizeof kb);
    val(f->element, eb, sizeof eb);
    switch (f->anomaly) {
    case TXN_G1A:
        say(t, "T%u read key %s = %s, but %s was written by T%u, which failed (aborted read)",
            f->txn, kb, rt, eb, f->other);
        break;
    case TXN_G1B:
        say(t, "T%u read key %s = %s, but T%u wrote %s and then wrote the key again: T%u saw "
               "an intermediate state (intermediate read)", f->txn, kb, rt, f->other, eb, f->txn);
        break;
    case TXN_INTERNAL:
        say(t, "T%u read key %s = %s (micro-operation %u), which does not follow from its own "
               "earlier micro-operations on the key: a transaction must see its own writes",
            f->txn, kb, rt, f->mop - x->th->txns[f->txn].mop_first + 1);
        break;
    case TXN_DUPLICATE:
        say(t, "T%u read key %s = %s, where an element appears twice", f->txn, kb, rt);
        break;
    case TXN_NONREPEATABLE:
        say(t, "T%u read key %s = %s (micro-operation %u), another version than its earlier "
               "read of the key showed (non-repeatable read)", f->txn, kb, rt,
            f->mop - x->th->txns[f->txn].mop_first + 1);
        break;
    case TXN_INCOMPATIBLE: {
        char ob[256];
        say(t, "T%u read key %s = %s and T%u read %s: one is not a prefix of the other, so "
               "no version order fits both", f->txn, kb, rt, f->other,
            read_text(x->th, x->th->mops[f->other_mop].arg, ob, sizeof ob));
        break;
    }
    case TXN_GARBAGE:
        say(t, "T%u read key %s = %s, and no transaction ever wrote %s to it (garbage read)",
            f->txn, kb, rt, eb);
        break;
    case TXN_LOST_APPEND: {
        char l1[64];
        line_text(x, x->th->txns[f->txn].complete_pos, l1, sizeof l1);
        say(t, "T%u appended %s to key %s and committed (%s); reads of the key began later, "
               "and none of them, nor any other read, shows %s (lost append)",
            f->txn, eb, kb, l1, eb);
        break;
    }
    default:
        CHECK_ASSERT(!"not a finding");
    }
}

/* --- the report ---------------------------------------------------------------- */

static json_t *value_json(const hist_value *v)
{
    switch (v->kind) {
    case HIST_NIL: return json_null();
    case HIST_BOOL: return json_boolean(v->i);
    case HIST_INT: return json_integer((json_int_t)v->i);
    case HIST_STR: return json_stringn(v->s, v->len);
    case HIST_KEYWORD: return json_string(v->s);
    case HIST_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->len; i++)
            json_array_append_new(a, value_json(v->items[i]));
        return a;
    }
    }
    return json_null();
}

static json_t *txn_json(const explain_ctx *x, uint32_t t)
{
    static const char *const status[] = {"ok", "fail", "info", "open"};
    static const char *const kind[] = {"r", "append", "w"};
    const txn *tx = &x->th->txns[t];
    const hist_event *inv = &x->th->h->events[tx->invoke_pos];
    const hist_event *cmp = tx->complete_pos != HIST_NO_EVENT ? &x->th->h->events[tx->complete_pos]
                                                              : NULL;
    json_t *mops = json_array();
    for (uint32_t j = 0; j < tx->mop_count; j++) {
        const txn_mop *m = mop_of(x, t, j);
        json_array_append_new(mops, json_pack("[s, o, o]", kind[m->kind], value_json(m->key),
                                              m->arg ? value_json(m->arg) : json_null()));
    }
    json_t *o = json_pack("{s:I, s:I, s:s, s:o, s:I, s:o}", "index", (json_int_t)t, "process",
                          (json_int_t)tx->process, "status", status[tx->status], "value", mops,
                          "invoke_line", (json_int_t)inv->line, "complete_line",
                          cmp ? json_integer(cmp->line) : json_null());
    if (inv->time >= 0)
        json_object_set_new(o, "invoke_time", json_integer(inv->time));
    if (cmp != NULL && cmp->time >= 0)
        json_object_set_new(o, "complete_time", json_integer(cmp->time));
    return o;
}

static const char *edge_name(uint32_t kind)
{
    switch (kind) {
    case TXN_EDGE_WW: return "ww";
    case TXN_EDGE_WR: return "wr";
    case TXN_EDGE_RW: return "rw";
    case TXN_EDGE_PROCESS: return "process";
    case TXN_EDGE_REALTIME: return "realtime";
    }
    return "?";
}

static json_t *cycle_json(const explain_ctx *x, const txn_cycle *c)
{
    CHECK_ASSERT(c->len >= 2);   /* no self-loops */
    CHECK_ASSERT(c->anomaly < TXN_CYCLE_KINDS * 3);
    json_t *txns = json_array(), *steps = json_array();
    char buf[1024];
    for (uint32_t i = 0; i < c->len; i++) {
        uint32_t a = c->steps[i].txn, b = c->steps[(i + 1) % c->len].txn;
        text t = {buf, sizeof buf, 0};
        buf[0] = '\0';
        why_edge(x, a, b, c->steps[i].kind, &t);
        json_array_append_new(txns, txn_json(x, a));
        json_array_append_new(steps, json_pack("{s:I, s:I, s:s, s:s}", "from", (json_int_t)a,
                                               "to", (json_int_t)b, "edge",
                                               edge_name(c->steps[i].kind), "why", buf));
    }
    return json_pack("{s:s, s:o, s:o}", "anomaly", anomaly_name(c->anomaly), "txns", txns,
                     "steps", steps);
}

static json_t *finding_json(const explain_ctx *x, const txn_finding *f)
{
    char buf[1024];
    text t = {buf, sizeof buf, 0};
    buf[0] = '\0';
    why_finding(x, f, &t);
    json_t *txns = json_array();
    json_array_append_new(txns, txn_json(x, f->txn));
    if (f->other != UINT32_MAX)
        json_array_append_new(txns, txn_json(x, f->other));
    return json_pack("{s:s, s:o, s:s}", "anomaly", anomaly_name(f->anomaly), "txns", txns, "why",
                     buf);
}

/* --- models and the verdict ------------------------------------------------------ */

/* Parses "a,b,c" into 'out'; -1 with 'err' naming the unknown model. */
static int parse_models(const char *list, const txn_model_def **out, size_t *n, char *err,
                        size_t cap)
{
    *n = 0;
    const char *p = list ? list : "strict-serializable";
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), p);
        const txn_model_def *m = len < 63 ? txn_model_find(name) : NULL;
        if (m == NULL || *n == MODELS_MAX) {
            text t = {err, cap, 0};
            say(&t, "unknown consistency model '%s' (known:", name);
            for (const txn_model_def *k = txn_models; k->name; k++)
                say(&t, " %s", k->name);
            say(&t, ")");
            return -1;
        }
        out[(*n)++] = m;
        p += len + (p[len] == ',');
    }
    if (*n == 0) {
        snprintf(err, cap, "expected at least one consistency model");
        return -1;
    }
    return 0;
}

static json_t *model_valid(uint32_t forbidden, uint32_t found, uint32_t unknown)
{
    if (forbidden & found)
        return json_false();
    return forbidden & unknown ? json_string("unknown") : json_true();
}

static json_t *names_of(uint32_t bits)
{
    json_t *a = json_array();
    for (const txn_anomaly_def *d = txn_anomalies; d->name; d++)
        if (bits & BIT(d->anomaly))
            json_array_append_new(a, json_string(d->name));
    return a;
}

/* "not": every model of the registry a found anomaly rules out;
** "strongest": the compatible ones no stronger compatible one implies. */
static void add_model_summary(json_t *report, uint32_t found, uint32_t unknown)
{
    json_t *not = json_array(), *strongest = json_array();
    for (const txn_model_def *m = txn_models; m->name; m++) {
        if (m->forbidden & found) {
            json_array_append_new(not, json_string(m->name));
            continue;
        }
        if (m->forbidden & unknown)
            continue;
        bool dominated = false;
        for (const txn_model_def *o = txn_models; o->name && !dominated; o++)
            dominated = o != m && !(o->forbidden & (found | unknown)) &&
                        (o->forbidden & m->forbidden) == m->forbidden &&
                        o->forbidden != m->forbidden;
        if (!dominated)
            json_array_append_new(strongest, json_string(m->name));
    }
    json_object_set_new(report, "not", not);
    json_object_set_new(report, "strongest", strongest);
}

static void add_examples(json_t *report, const explain_ctx *x, const txn_cycles *cy)
{
    json_t *an = json_object(), *counts = json_object();
    for (const txn_anomaly_def *d = txn_anomalies; d->name; d++) {
        json_t *list = json_array();
        size_t count = 0;
        for (size_t i = 0; i < cy->count; i++)
            if (cy->items[i].anomaly == d->anomaly && count++ < EXAMPLES_MAX)
                json_array_append_new(list, cycle_json(x, &cy->items[i]));
        for (size_t i = 0; i < x->inf->finding_count; i++)
            if (x->inf->findings[i].anomaly == d->anomaly && count++ < EXAMPLES_MAX)
                json_array_append_new(list, finding_json(x, &x->inf->findings[i]));
        if (count > 0) {
            json_object_set_new(an, d->name, list);
            json_object_set_new(counts, d->name, json_integer((json_int_t)count));
        } else {
            json_decref(list);
        }
    }
    json_object_set_new(report, "anomalies", an);
    json_object_set_new(report, "anomaly_counts", counts);
}

static void fill_report(json_t *report, const explain_ctx *x, const txn_cycles *cy,
                        const txn_model_def *const *models, size_t nm, uint32_t found,
                        uint32_t unknown, check_verdict v)
{
    size_t st[4] = {0};
    for (size_t t = 0; t < x->th->count; t++)
        st[x->th->txns[t].status]++;
    const char *wl = x->th->workload == TXN_WL_APPEND ? txn_workloads[0].name
                                                       : txn_workloads[1].name;
    json_object_set_new(report, "valid", v == CHECK_OK ? json_true() : v == CHECK_VIOLATION
                                                                          ? json_false()
                                                                          : json_string("unknown"));
    json_object_set_new(report, "checker", json_string("txn"));
    json_object_set_new(report, "workload", json_string(wl));
    json_object_set_new(report, "source", json_string(x->th->h->source));
    json_object_set_new(report, "txns", json_pack("{s:I, s:I, s:I, s:I}", "total",
                                                  (json_int_t)x->th->count, "ok", (json_int_t)st[0],
                                                  "fail", (json_int_t)st[1], "info",
                                                  (json_int_t)(st[2] + st[3])));
    json_object_set_new(report, "edges", json_integer((json_int_t)x->inf->edge_count));
    if (x->inf->edges_dropped)
        json_object_set_new(report, "note", json_string("too many edges: cycle kinds not found "
                                                        "are unknown"));
    json_object_set_new(report, "search_work", json_integer((json_int_t)cy->work));
    json_t *mj = json_object(), *fj = json_object();
    for (size_t i = 0; i < nm; i++) {
        json_object_set_new(mj, models[i]->name, model_valid(models[i]->forbidden, found, unknown));
        json_object_set_new(fj, models[i]->name, names_of(models[i]->forbidden));
    }
    json_object_set_new(report, "models", mj);
    json_object_set_new(report, "forbidden", fj);
    json_object_set_new(report, "anomaly_types", names_of(found));
    json_object_set_new(report, "unknown_types", names_of(unknown));
    add_model_summary(report, found, unknown);
    add_examples(report, x, cy);
}

/* Inference, cycles, verdict, report, from transactions already built. */
static check_verdict judge(const txn_hist *th, const txn_model_def *const *models, size_t nm,
                           const check_budget *budget, json_t *report, txn_result *res,
                           char *err, size_t cap)
{
    txn_infer inf;
    txn_cycles cy = {0};
    int rc = txn_infer_run(th, &inf, err, cap);
    if (rc == -1) {
        txn_infer_free(&inf);
        return CHECK_BAD_INPUT;
    }
    if (rc == 0 && txn_cycles_find(&inf, budget, report ? EXAMPLES_MAX : 1, &cy) != 0)
        rc = -2;
    if (rc != 0) {
        txn_cycles_free(&cy);
        txn_infer_free(&inf);
        snprintf(err, cap, "%s: out of memory", th->h->source);
        return CHECK_BAD_INPUT;
    }
    uint32_t found = cy.found, unknown = 0, forbidden = 0;
    for (size_t i = 0; i < inf.finding_count; i++)
        found |= BIT(inf.findings[i].anomaly);
    unknown = cy.unknown & ~found;
    if (inf.edges_dropped)   /* a cycle may need an edge that was not kept */
        unknown |= (BIT(3 * TXN_CYCLE_KINDS) - 1) & ~found;
    for (size_t i = 0; i < nm; i++)
        forbidden |= models[i]->forbidden;
    check_verdict v = CHECK_OK;
    for (size_t i = 0; i < nm; i++) {
        json_t *mv = model_valid(models[i]->forbidden, found, unknown);
        v = json_is_false(mv) ? CHECK_VIOLATION : json_is_string(mv) && v == CHECK_OK
                                                      ? CHECK_UNKNOWN : v;
        json_decref(mv);
    }
    if (report != NULL) {
        explain_ctx x = {th, &inf};
        fill_report(report, &x, &cy, models, nm, found, unknown, v);
    }
    if (res != NULL)
        *res = (txn_result){found, unknown, v};
    txn_cycles_free(&cy);
    txn_infer_free(&inf);
    return v;
}

check_verdict txn_check_hist(const hist *h, txn_workload wl, const char *models,
                             const check_budget *budget, json_t *report, txn_result *res,
                             char *err, size_t cap)
{
    const txn_model_def *ms[MODELS_MAX];
    size_t nm;
    if (parse_models(models, ms, &nm, err, cap) != 0)
        return CHECK_BAD_INPUT;
    txn_hist th;
    if (txn_hist_build(h, wl, &th, err, cap) != 0)
        return CHECK_BAD_INPUT;
    check_verdict v = judge(&th, ms, nm, budget, report, res, err, cap);
    txn_hist_free(&th);
    return v;
}

check_verdict check_txn(const char *text, size_t len, const char *source, const char *format,
                        const char *workload, const char *models, const check_budget *budget,
                        json_t *report, char *err, size_t cap)
{
    hist_format fmt;
    txn_workload wl = TXN_WL_AUTO;
    if (hist_format_parse(format ? format : "auto", &fmt) != 0) {
        snprintf(err, cap, "unknown format '%s'", format);
        return CHECK_BAD_INPUT;
    }
    for (const txn_workload_def *d = txn_workloads; workload && d->name; d++)
        wl = strcmp(d->name, workload) == 0 ? d->workload : wl;
    if (workload != NULL && wl == TXN_WL_AUTO) {
        snprintf(err, cap, "unknown txn workload '%s' (txn-append or txn-rw)", workload);
        return CHECK_BAD_INPUT;
    }
    hist *h = hist_read(text, len, source, fmt, err, cap);
    if (h == NULL)
        return CHECK_BAD_INPUT;
    check_verdict v = txn_check_hist(h, wl, models, budget, report, NULL, err, cap);
    hist_free(h);
    return v;
}

/* --- text form ----------------------------------------------------------------------- */

static void print_txn(const json_t *t, FILE *out)
{
    char *v = json_dumps(json_object_get(t, "value"), JSON_COMPACT);
    json_int_t cl = json_integer_value(json_object_get(t, "complete_line"));
    fprintf(out, "    T%lld  process %lld  %s  line %lld", (long long)json_integer_value(json_object_get(t, "index")),
            (long long)json_integer_value(json_object_get(t, "process")),
            json_string_value(json_object_get(t, "status")),
            (long long)json_integer_value(json_object_get(t, "invoke_line")));
    if (cl > 0)
        fprintf(out, "-%lld", (long long)cl);
    const json_t *t0 = json_object_get(t, "invoke_time"), *t1 = json_object_get(t, "complete_time");
    if (t0 != NULL)
        fprintf(out, "  t=%.3f", (double)json_integer_value(t0) / 1e6);
    if (t0 != NULL && t1 != NULL)
        fprintf(out, "-%.3f ms", (double)json_integer_value(t1) / 1e6);
    else if (t0 != NULL)
        fprintf(out, " ms");
    fprintf(out, "  %s\n", v ? v : "?");
    free(v);
}

static void print_anomaly(const char *name, const json_t *list, FILE *out)
{
    const char *summary = "";
    for (const txn_anomaly_def *d = txn_anomalies; d->name; d++)
        summary = strcmp(d->name, name) == 0 ? d->summary : summary;
    fprintf(out, "%s: %s\n", name, summary);
    size_t i, j;
    const json_t *ex, *x;
    json_array_foreach(list, i, ex) {
        json_array_foreach(json_object_get(ex, "txns"), j, x)
            print_txn(x, out);
        const json_t *steps = json_object_get(ex, "steps");
        json_array_foreach(steps, j, x)
            fprintf(out, "      %s\n", json_string_value(json_object_get(x, "why")));
        if (json_object_get(ex, "why") != NULL)
            fprintf(out, "      %s\n", json_string_value(json_object_get(ex, "why")));
        if (steps != NULL)
            fprintf(out, "      a cycle of %zu transactions\n", json_array_size(steps));
    }
}

static void print_list(const char *label, const json_t *a, FILE *out)
{
    size_t i;
    const json_t *x;
    fprintf(out, "%s:", label);
    json_array_foreach(a, i, x)
        fprintf(out, " %s", json_string_value(x));
    fprintf(out, "%s\n", json_array_size(a) ? "" : " none");
}

void txn_print_text(const json_t *report, FILE *out)
{
    const json_t *valid = json_object_get(report, "valid"), *txns = json_object_get(report, "txns");
    fprintf(out, "%s: %s (%s, %lld transactions: %lld ok, %lld info, %lld fail; %lld edges)\n",
            json_string_value(json_object_get(report, "source")),
            json_is_true(valid) ? "ok" : json_is_false(valid) ? "VIOLATED"
                                                              : "UNKNOWN: budget exhausted",
            json_string_value(json_object_get(report, "workload")),
            (long long)json_integer_value(json_object_get(txns, "total")),
            (long long)json_integer_value(json_object_get(txns, "ok")),
            (long long)json_integer_value(json_object_get(txns, "info")),
            (long long)json_integer_value(json_object_get(txns, "fail")),
            (long long)json_integer_value(json_object_get(report, "edges")));
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(report, "models"), name, v)
        fprintf(out, "  %s: %s\n", name, json_is_true(v) ? "ok" : json_is_false(v) ? "VIOLATED"
                                                                                  : "unknown");
    if (json_is_string(json_object_get(report, "note")))
        fprintf(out, "note: %s\n", json_string_value(json_object_get(report, "note")));
    print_list("anomalies found", json_object_get(report, "anomaly_types"), out);
    if (json_array_size(json_object_get(report, "unknown_types")) > 0)
        print_list("not decided (budget)", json_object_get(report, "unknown_types"), out);
    print_list("strongest models still possible", json_object_get(report, "strongest"), out);
    json_object_foreach((json_t *)json_object_get(report, "anomalies"), name, v)
        print_anomaly(name, v, out);
}
