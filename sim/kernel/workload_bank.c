/*
** workload_bank.c — "bank": Jepsen's bank test. 'accounts' accounts (the
** store's keys 0..accounts-1) open with 'balance' each; clients transfer
** money between two of them and read every balance at once.
**
**   transfer [from, to, amount]: one transaction of two add micro-ops,
**            from -= amount, to += amount; the store refuses it whole
**            (fail: nothing moved) when 'from' would go below zero;
**   read     -> [b0, b1, ...]: one transaction reading every account.
**
** The opening balances are the store's initial state ('init', applied by
** dsim_store_init wherever a protocol makes an empty store), not
** operations: nothing a client does can lose them. Judged by check "bank":
** every ok read sums to accounts x balance and shows no negative balance.
** Draws: a roll in [0, 99] against 'read'; for a transfer, two distinct
** accounts and an amount in [1, transfer_max]. Amounts are not unique per
** key (a bank history is judged by totals, not by version orders).
*/
#include <stddef.h>

#include "world.h"

static void init(const workload_cfg *cfg, dsim_store *s)
{
    DSIM_ASSERT(cfg->accounts >= 2 && cfg->accounts <= DSIM_MOPS_MAX);
    for (int a = 0; a < cfg->accounts; a++) {
        dsim_op w = {.f = DSIM_F_WRITE, .key = (uint32_t)a, .value = cfg->balance};
        DSIM_ASSERT(dsim_store_apply(s, &w, NULL) == DSIM_OK);
    }
}

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns, (void)st;
    DSIM_ASSERT(cfg->accounts >= 2 && cfg->accounts <= DSIM_MOPS_MAX);
    op->f = DSIM_F_TXN;
    if (rng_range(r, 0, 99) < cfg->read_pct) {
        op->mops_len = (uint32_t)cfg->accounts;
        for (uint32_t a = 0; a < op->mops_len; a++)
            op->mops[a] = (dsim_mop){.f = DSIM_F_READ, .key = a, .value = DSIM_NIL};
        return;
    }
    uint32_t from = (uint32_t)rng_below(r, (uint64_t)cfg->accounts);
    uint32_t to = (from + 1 + (uint32_t)rng_below(r, (uint64_t)cfg->accounts - 1)) % (uint32_t)cfg->accounts;
    int64_t amount = rng_range(r, 1, cfg->transfer_max);
    DSIM_ASSERT(from != to);
    op->mops_len = 2;
    op->mops[0] = (dsim_mop){.f = DSIM_F_ADD, .key = from, .value = -amount};
    op->mops[1] = (dsim_mop){.f = DSIM_F_ADD, .key = to, .value = amount};
}

static const char *f_name(const dsim_op *op)
{
    DSIM_ASSERT(op->f == DSIM_F_TXN && op->mops_len >= 1);
    return op->mops[0].f == DSIM_F_ADD ? "transfer" : "read";
}

/* transfer: [from, to, amount]; read: null, then [b0, b1, ...] (an
** account never written reads null). */
static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->mops[0].f == DSIM_F_ADD) {
        DSIM_ASSERT(op->mops_len == 2);
        wl_printf(out, "[%u,%u,", op->mops[0].key, op->mops[1].key);
        wl_int(out, op->mops[1].value);
        wl_printf(out, "]");
        return;
    }
    if (res == NULL) {
        wl_printf(out, "null");
        return;
    }
    DSIM_ASSERT(res->len == 2 * op->mops_len);
    wl_printf(out, "[");
    for (uint32_t a = 0; a < op->mops_len; a++) {
        DSIM_ASSERT(res->words[2 * a] == 1);   /* one value per register read */
        wl_printf(out, a ? "," : "");
        wl_int(out, res->words[2 * a + 1]);
    }
    wl_printf(out, "]");
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"read", P(read_pct), 50, 0, 100, "percent of reads of every balance; the rest transfer"},
    {"accounts", P(accounts), 5, 2, DSIM_MOPS_MAX, "accounts (a read reads them all in one transaction)"},
    {"balance", P(balance), 10, 0, 1000000, "each account's opening balance"},
    {"transfer_max", P(transfer_max), 5, 1, 1000000, "transfer amounts are drawn in 1..transfer_max"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"bank", NULL};

const workload workload_bank = {
    .name = "bank", .summary = "transfers between accounts and reads of every balance (Jepsen's bank)",
    .params = params, .model = NULL, .checks = checks, .keyed = false, .init = init,
    .generate = generate, .f_name = f_name, .value = value,
};
