/*
** workload_set.c — "set": add unique elements, read the whole set (one
** key), Jepsen's set-full workload.
**
** Draws: a roll in [0, 99] against 'read'. Elements count up from 1.
** With 'remove' > 0 (default 0: no draw below happens, so runs without it
** are the runs they were), an operation that is not a read is, that
** percent of the time, a remove of one of the 8 elements handed out last
** (elements the clients have added, and may have seen); otherwise half
** the time, when there is one, it adds again an element removed earlier
** (an item put back in a cart: an OR-Set must keep that add even where an
** earlier remove of the element arrives), else a new element. An element
** is in the pool of removed ones once; still, a remove can overtake the
** add it names, so the reference store (a list) may hold an element twice
** (it does not drop repeated appends: that would hide a protocol applying
** a list append twice); set-full and the set model read a set, repeats
** ignored.
** Judged linearizably by the set model, or by check "set-full" (every
** acknowledged add is visible to every read that began after it ended and
** never disappears afterwards, unless a remove that may have seen that add
** excuses it; how long each element took to become stably visible is
** reported).
*/
#include <stddef.h>

#include "world.h"

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    op->key = 0;
    if (rng_range(r, 0, 99) < cfg->read_pct) {
        op->f = DSIM_F_READ_LIST;
        op->value = DSIM_NIL;
        return;
    }
    if (cfg->remove_pct > 0) {
        int64_t last = st->next_value[0];
        if (last > 0 && rng_range(r, 0, 99) < cfg->remove_pct) {
            op->f = DSIM_F_REMOVE;
            op->value = rng_range(r, last > 8 ? last - 7 : 1, last);
            bool known = false;   /* once in the pool: added back once, never twice */
            for (uint32_t i = 0; i < st->removed_n; i++)
                known = known || st->removed[i] == op->value;
            if (!known) {
                st->removed[st->removed_n % 8] = op->value;
                if (st->removed_n < 8)
                    st->removed_n++;
            }
            return;
        }
        if (st->removed_n > 0 && rng_range(r, 0, 1) == 0) {
            uint32_t i = (uint32_t)rng_range(r, 0, (int64_t)st->removed_n - 1);
            op->f = DSIM_F_APPEND;
            op->value = st->removed[i];
            st->removed[i] = st->removed[--st->removed_n];
            return;
        }
    }
    op->f = DSIM_F_APPEND;
    op->value = ++st->next_value[0];
}

static const char *f_name(const dsim_op *op)
{
    return op->f == DSIM_F_READ_LIST ? "read" : op->f == DSIM_F_REMOVE ? "remove" : "add";
}

/* A list result as a JSON array (set, list-append, txn reads). */
void wl_list(wl_text *out, const int64_t *words, uint32_t len)
{
    wl_printf(out, "[");
    for (uint32_t i = 0; i < len; i++) {
        if (i)
            wl_printf(out, ",");
        wl_int(out, words[i]);
    }
    wl_printf(out, "]");
}

static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->f != DSIM_F_READ_LIST)
        wl_int(out, op->value);
    else if (res == NULL)
        wl_printf(out, "null");
    else
        wl_list(out, res->words, res->len);
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"read", P(read_pct), 20, 0, 100, "percent of reads; the rest add"},
    {"remove", P(remove_pct), 0, 0, 100, "percent of the non-reads that remove a recent element (then half "
     "the adds put a removed one back)"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"set-full", NULL};

const workload workload_set = {
    .name = "set", .summary = "one set: add unique elements, read the whole set (optionally remove and add again)",
    .params = params, .model = "set", .checks = checks, .keyed = false,
    .generate = generate, .f_name = f_name, .value = value,
};
