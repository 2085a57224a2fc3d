/*
** hist_pair.c — pairs invocations with completions (see 'hist_pair').
**
** One pass in event order keeps, per process, the index of its outstanding
** operation in a small open-addressing table keyed by process id. A process
** has at most one outstanding operation (Jepsen's rule), so a second invoke
** or a stray completion is bad input, reported with its line.
*/
#include <stdlib.h>

#include "check_assert.h"
#include "hist_internal.h"

typedef struct proc_slot { int64_t process; size_t op; bool used; } proc_slot;

typedef struct proc_table { proc_slot *slots; size_t cap, count; } proc_table;

static uint64_t proc_hash(int64_t p)
{
    uint64_t x = (uint64_t)p * 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 31);
}

/* Returns the slot of 'p' (used or the free one where it goes), or NULL on
** allocation failure. */
static proc_slot *proc_find(proc_table *t, int64_t p)
{
    if (2 * (t->count + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        proc_slot *s = calloc(cap, sizeof *s);
        if (s == NULL)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].used)
                continue;
            size_t j = proc_hash(t->slots[i].process) & (cap - 1);
            while (s[j].used)
                j = (j + 1) & (cap - 1);
            s[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = s;
        t->cap = cap;
    }
    CHECK_ASSERT((t->cap & (t->cap - 1)) == 0);   /* a power of two: masks index it */
    CHECK_ASSERT(2 * t->count < t->cap);           /* probing ends at a free slot */
    size_t j = proc_hash(p) & (t->cap - 1);
    while (t->slots[j].used && t->slots[j].process != p)
        j = (j + 1) & (t->cap - 1);
    return &t->slots[j];
}

static hist_status status_of(hist_type t)
{
    return t == HIST_OK ? HIST_OP_OK : t == HIST_FAIL ? HIST_OP_FAIL : HIST_OP_INFO;
}

/* Handles one completion event 'i'; returns 0 or -1 with 'err'. */
static int complete(const hist *h, proc_table *t, hist_op *ops, size_t i,
                    char *err, size_t cap)
{
    const hist_event *e = &h->events[i];
    proc_slot *s = proc_find(t, e->process);
    if (s == NULL) {
        hist_error(err, cap, h->source, e->line, "out of memory");
        return -1;
    }
    if (!s->used || s->op == HIST_NO_EVENT) {
        hist_error(err, cap, h->source, e->line,
                   "expected an invoke before this %s of process %lld (completion without invoke)",
                   hist_type_name(e->type), (long long)e->process);
        return -1;
    }
    hist_op *op = &ops[s->op];
    const hist_event *inv = &h->events[op->invoke];
    if (inv->f != e->f || inv->key != e->key) {
        hist_error(err, cap, h->source, e->line,
                   "expected the completion of '%s' invoked at line %u, got '%s'%s",
                   inv->f, inv->line, e->f, inv->f == e->f ? " on another key" : "");
        return -1;
    }
    op->complete = i;
    op->status = status_of(e->type);
    s->op = HIST_NO_EVENT;
    return 0;
}

static int invoke(const hist *h, proc_table *t, hist_op *ops, size_t *n, size_t i,
                  char *err, size_t cap)
{
    const hist_event *e = &h->events[i];
    proc_slot *s = proc_find(t, e->process);
    if (s == NULL) {
        hist_error(err, cap, h->source, e->line, "out of memory");
        return -1;
    }
    if (s->used && s->op != HIST_NO_EVENT) {
        hist_error(err, cap, h->source, e->line,
                   "expected a completion of process %lld's operation invoked at line %u "
                   "before a new invoke (two outstanding operations on one process)",
                   (long long)e->process, h->events[ops[s->op].invoke].line);
        return -1;
    }
    if (!s->used)
        t->count++;
    *s = (proc_slot){.process = e->process, .op = *n, .used = true};
    ops[(*n)++] = (hist_op){.invoke = i, .complete = HIST_NO_EVENT, .status = HIST_OP_OPEN};
    return 0;
}

int hist_pair(const hist *h, hist_op **ops_out, size_t *count, char *err, size_t cap)
{
    hist_op *ops = malloc((h->count + 1) * sizeof *ops);
    proc_table t = {0};
    size_t n = 0;
    int rc = ops == NULL ? -1 : 0;
    if (rc != 0)
        hist_error(err, cap, h->source, 0, "out of memory");
    for (size_t i = 0; rc == 0 && i < h->count; i++) {
        const hist_event *e = &h->events[i];
        rc = e->type == HIST_INVOKE ? invoke(h, &t, ops, &n, i, err, cap)
                                    : complete(h, &t, ops, i, err, cap);
    }
    free(t.slots);
    if (rc != 0) {
        free(ops);
        return -1;
    }
    CHECK_ASSERT(n <= h->count);
    *ops_out = ops;
    *count = n;
    return 0;
}
