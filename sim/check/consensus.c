/*
** consensus.c — 'check_consensus': the clients' view of one consensus
** decision (single-decree Paxos and anything shaped like it).
**
** Input: a client history (JSON lines of DESIGN.md, or any format
** hist_read takes) where clients propose with 'write v' and learn with
** 'read'. A client learnt value v when its write of v completed ok (the
** protocol answers ok only when v is the chosen value, fail when another
** one is) or its read completed ok with v (nil: nothing chosen yet).
** The property (Lamport's safety requirements for consensus):
**   Agreement  every client that learnt a value learnt the same one;
**   Validity   that value was proposed: some client invoked 'write v'.
** Operations that completed with fail or info teach nothing. The report
** holds the value learnt and how many learnt it; on a violation, the two
** first different learnings (process, f, value, line) or the unproposed
** value. Cost: O(events) plus a sort of the proposals.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hist.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static json_t *learning(const hist *h, const hist_op *op, int64_t v)
{
    const hist_event *c = &h->events[op->complete];
    return json_pack("{s:I, s:s, s:I, s:I}", "process", (json_int_t)c->process, "f", c->f,
                     "value", (json_int_t)v, "line", (json_int_t)c->line);
}

check_verdict check_consensus(const char *text, size_t len, const char *source, json_t *report,
                              char *err, size_t err_cap)
{
    hist *h = hist_read(text, len, source, HIST_FMT_AUTO, err, err_cap);
    if (!h)
        return CHECK_BAD_INPUT;
    hist_op *ops = NULL;
    size_t count = 0;
    if (hist_pair(h, &ops, &count, err, err_cap) != 0) {
        hist_free(h);
        return CHECK_BAD_INPUT;
    }
    int64_t *proposed = malloc((count + 1) * sizeof *proposed);
    if (!proposed) {
        snprintf(err, err_cap, "%s: out of memory", source);
        free(ops);
        hist_free(h);
        return CHECK_BAD_INPUT;
    }
    size_t nproposed = 0, learners = 0;
    const hist_op *first = NULL;
    int64_t first_v = 0;
    check_verdict verdict = CHECK_OK;
    for (size_t i = 0; i < count; i++) {
        const hist_event *in = &h->events[ops[i].invoke];
        if (strcmp(in->f, "write") == 0 && in->value->kind == HIST_INT)
            proposed[nproposed++] = in->value->i;
    }
    qsort(proposed, nproposed, sizeof *proposed, cmp_i64);
    for (size_t i = 0; i < count && verdict == CHECK_OK; i++) {
        if (ops[i].status != HIST_OP_OK)
            continue;
        const hist_event *in = &h->events[ops[i].invoke], *out = &h->events[ops[i].complete];
        const hist_value *v = strcmp(in->f, "write") == 0 ? in->value
                            : strcmp(in->f, "read") == 0 ? out->value : NULL;
        if (!v || v->kind != HIST_INT)
            continue;
        learners++;
        if (!first) {
            first = &ops[i];
            first_v = v->i;
            if (!bsearch(&first_v, proposed, nproposed, sizeof *proposed, cmp_i64)) {
                verdict = CHECK_VIOLATION;
                json_object_set_new(report, "violation",
                    json_sprintf("Validity: %" PRId64 " was learnt but nobody proposed it", first_v));
                json_object_set_new(report, "learnt", learning(h, first, first_v));
            }
        } else if (v->i != first_v) {
            verdict = CHECK_VIOLATION;
            json_object_set_new(report, "violation",
                json_sprintf("Agreement: process %" PRId64 " learnt %" PRId64 ", process %" PRId64
                             " learnt %" PRId64, h->events[first->complete].process, first_v,
                             out->process, v->i));
            json_object_set_new(report, "learnt", json_pack("[o, o]", learning(h, first, first_v),
                                                            learning(h, &ops[i], v->i)));
        }
    }
    json_object_set_new(report, "valid", json_boolean(verdict == CHECK_OK));
    json_object_set_new(report, "learners", json_integer((json_int_t)learners));
    if (first && verdict == CHECK_OK)
        json_object_set_new(report, "value", json_integer(first_v));
    free(proposed);
    free(ops);
    hist_free(h);
    return verdict;
}
