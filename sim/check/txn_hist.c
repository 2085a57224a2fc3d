/*
** txn_hist.c — from a parsed history (hist.h) to transactions.
**
** Each operation is a transaction: 'f' is "txn" (or :txn in EDN) and the
** value is a list of micro-operations [f k v], f one of "append", "r",
** "w" (strings or keywords), k an integer, string or keyword, v the
** appended or written value (an integer or a string) or, for "r", what
** was read (nil, or a list for list-append; nil or a value for
** rw-register). The micro-operations come from the completion of an ok
** transaction (it carries the reads' results) and from the invocation
** otherwise: reads of fail, info and open transactions are unknown.
**
** Everything else is bad input naming the line: an operation that is not
** a transaction, a malformed micro-operation, a micro-operation of the
** other workload, a completion whose micro-operations do not match the
** invocation's.
*/
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hist_internal.h"
#include "txn.h"

const txn_workload_def txn_workloads[] = {
    {"txn-append", TXN_WL_APPEND, "transactions of append and r (list-append, Elle)"},
    {"txn-rw", TXN_WL_RW, "transactions of w and r (rw-register, unique writes)"},
    {NULL, TXN_WL_AUTO, NULL},
};

static bool text_is(const hist_value *v, const char *s)
{
    return (v->kind == HIST_STR || v->kind == HIST_KEYWORD) && strcmp(v->s, s) == 0;
}

static bool is_atom(const hist_value *v)
{
    return v->kind == HIST_INT || v->kind == HIST_STR || v->kind == HIST_KEYWORD;
}

/* A read's result: nil, or (list-append) a list of atoms, or (rw) an atom. */
static bool read_result_ok(const hist_value *v, txn_workload wl)
{
    if (v->kind == HIST_NIL)
        return true;
    if (wl == TXN_WL_RW)
        return is_atom(v);
    if (v->kind != HIST_LIST)
        return false;
    for (size_t i = 0; i < v->len; i++)
        if (!is_atom(v->items[i]))
            return false;
    return true;
}

/* Parses micro-operation 'v' into 'm'; 'known' says whether a read carries
** its result. Returns NULL or what was expected. */
static const char *parse_mop(const hist_value *v, txn_workload wl, bool known, txn_mop *m)
{
    if (v->kind != HIST_LIST || v->len != 3)
        return "a micro-operation [f key value]";
    const hist_value *f = v->items[0], *k = v->items[1], *x = v->items[2];
    if (!is_atom(k))
        return "a micro-operation key that is an integer, a string or a keyword";
    m->key = k;
    if (text_is(f, "r")) {
        m->kind = TXN_MOP_READ;
        if (known && !read_result_ok(x, wl))
            return wl == TXN_WL_APPEND ? "a read result that is nil or a list of values"
                                       : "a read result that is nil or a value";
        m->arg = known ? x : NULL;
        return NULL;
    }
    bool app = text_is(f, "append"), wr = text_is(f, "w");
    if (!app && !wr)
        return "a micro-operation named \"append\", \"r\" or \"w\"";
    if (app && wl == TXN_WL_RW)
        return "no \"append\" in a txn-rw history (only \"w\" and \"r\")";
    if (wr && wl == TXN_WL_APPEND)
        return "no \"w\" in a txn-append history (only \"append\" and \"r\")";
    if (!is_atom(x))
        return "an appended or written value that is an integer or a string";
    m->kind = app ? TXN_MOP_APPEND : TXN_MOP_WRITE;
    m->arg = x;
    return NULL;
}

static txn_workload guess_workload(const hist *h)
{
    for (size_t i = 0; i < h->count; i++) {
        const hist_value *v = h->events[i].value;
        for (size_t j = 0; v->kind == HIST_LIST && j < v->len; j++) {
            const hist_value *m = v->items[j];
            if (m->kind == HIST_LIST && m->len == 3 && text_is(m->items[0], "w"))
                return TXN_WL_RW;
        }
    }
    return TXN_WL_APPEND;
}

/* Checks that the completion's micro-operations match the invocation's:
** same count, same kinds and keys, same written values. */
static const char *matches(const hist_value *inv, const hist_value *cmp)
{
    if (inv->kind != HIST_LIST || cmp->kind != HIST_LIST || inv->len != cmp->len)
        return "a completion with as many micro-operations as its invocation";
    for (size_t i = 0; i < inv->len; i++) {
        const hist_value *a = inv->items[i], *b = cmp->items[i];
        if (a->kind != HIST_LIST || b->kind != HIST_LIST || a->len != 3 || b->len != 3 ||
            a->items[0] != b->items[0] || a->items[1] != b->items[1])
            return "a completion whose micro-operations match its invocation's";
        if (!text_is(a->items[0], "r") && a->items[2] != b->items[2])
            return "a completion that writes what its invocation wrote";
    }
    return NULL;
}

static int add_txn(const hist *h, const hist_op *op, txn_workload wl, txn_hist *th,
                   size_t *mop_cap, char *err, size_t cap)
{
    const hist_event *inv = &h->events[op->invoke];
    const hist_event *cmp = op->complete != HIST_NO_EVENT ? &h->events[op->complete] : NULL;
    bool ok = op->status == HIST_OP_OK;
    const hist_event *src = ok ? cmp : inv;
    const char *why = NULL;
    if (strcmp(inv->f, "txn") != 0)
        why = "an operation \"txn\" (txn checks read txn-append or txn-rw histories)";
    else if (src->value->kind != HIST_LIST)
        why = "a list of micro-operations as the value";
    else if (ok)
        why = matches(inv->value, cmp->value);
    if (why != NULL) {
        uint32_t line = strcmp(inv->f, "txn") != 0 ? inv->line : src->line;
        hist_error(err, cap, h->source, line, "expected %s", why);
        return -1;
    }
    CHECK_ASSERT(th->mop_count <= UINT32_MAX - src->value->len);   /* mop indices are 32-bit */
    txn *t = &th->txns[th->count++];
    *t = (txn){.mop_first = (uint32_t)th->mop_count, .mop_count = (uint32_t)src->value->len,
               .process = inv->process, .status = op->status, .invoke_pos = op->invoke,
               .complete_pos = op->complete};
    for (size_t j = 0; j < src->value->len; j++) {
        if (th->mop_count == *mop_cap) {
            size_t nc = *mop_cap ? *mop_cap * 2 : 1024;
            txn_mop *nm = realloc(th->mops, nc * sizeof *nm);
            if (nm == NULL) {
                hist_error(err, cap, h->source, src->line, "out of memory");
                return -1;
            }
            th->mops = nm;
            *mop_cap = nc;
        }
        txn_mop *m = &th->mops[th->mop_count];
        why = parse_mop(src->value->items[j], wl, ok, m);
        if (why != NULL) {
            hist_error(err, cap, h->source, src->line, "expected %s (micro-operation %zu)", why,
                       j + 1);
            return -1;
        }
        uint32_t ids[2] = {m->key->id, m->arg ? m->arg->id : 0};
        for (int i = 0; i < 2; i++)
            th->value_id_max = ids[i] > th->value_id_max ? ids[i] : th->value_id_max;
        th->mop_count++;
    }
    return 0;
}

int txn_hist_build(const hist *h, txn_workload want, txn_hist *out, char *err, size_t cap)
{
    *out = (txn_hist){.h = h, .workload = want == TXN_WL_AUTO ? guess_workload(h) : want};
    hist_op *ops = NULL;
    size_t n = 0, mop_cap = 0;
    if (hist_pair(h, &ops, &n, err, cap) != 0)
        return -1;
    out->txns = malloc((n ? n : 1) * sizeof *out->txns);
    int rc = out->txns ? 0 : -1;
    if (rc != 0)
        hist_error(err, cap, h->source, 0, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_txn(h, &ops[i], out->workload, out, &mop_cap, err, cap);
    free(ops);
    if (rc != 0)
        txn_hist_free(out);
    return rc;
}

void txn_hist_free(txn_hist *th)
{
    free(th->txns);
    free(th->mops);
    th->txns = NULL;
    th->mops = NULL;
    th->count = th->mop_count = 0;
}
