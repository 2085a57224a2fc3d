/*
** workload_txn.c — "txn-append" and "txn-rw": transactions of
** micro-operations in Elle's shape, for the txn checker.
**
**   txn-append: [["append", k, v], ["r", k, null]]   r returns the list
**   txn-rw:     [["w", k, v], ["r", k, null]]        r returns the value
**
** The generator is Elle's: 'keys' keys are active at a time; a transaction
** has a length drawn in [txn_min, txn_max]; each micro-op draws an active
** key and a roll in [0, 99] against 'read'. Values count up per key from
** 1, so every append and write is unique per key. Key rotation: once a key
** has been written 'writes_per_key' times it retires and the next fresh key
** takes its slot (until the store's keys run out; then keys stay). Keys are
** integers in the history, as in Elle.
*/
#include <stddef.h>

#include "world.h"

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, dsim_op *op, uint32_t wf,
                     uint32_t rf)
{
    DSIM_ASSERT(cfg->keys >= 1 && cfg->keys <= DSIM_STORE_KEYS);
    if (st->fresh == 0) {
        for (int i = 0; i < cfg->keys; i++)
            st->active[i] = (uint32_t)i;
        st->fresh = (uint32_t)cfg->keys;
    }
    op->f = DSIM_F_TXN;
    op->mops_len = (uint32_t)rng_range(r, cfg->txn_min, cfg->txn_max);
    DSIM_ASSERT(op->mops_len >= 1 && op->mops_len <= DSIM_MOPS_MAX);
    for (uint32_t i = 0; i < op->mops_len; i++) {
        uint32_t slot = (uint32_t)rng_below(r, (uint64_t)cfg->keys);
        uint32_t key = st->active[slot];
        dsim_mop *m = &op->mops[i];
        m->key = key;
        if (rng_range(r, 0, 99) < cfg->read_pct) {
            m->f = rf;
            m->value = DSIM_NIL;
            continue;
        }
        m->f = wf;
        m->value = ++st->next_value[key];
        if (++st->writes[key] >= cfg->writes_per_key && st->fresh < DSIM_STORE_KEYS)
            st->active[slot] = st->fresh++;
    }
}

static void gen_append(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    generate(cfg, st, r, op, DSIM_F_APPEND, DSIM_F_READ_LIST);
}

static void gen_rw(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    generate(cfg, st, r, op, DSIM_F_WRITE, DSIM_F_READ);
}

static const char *f_name(const dsim_op *op)
{
    (void)op;
    return "txn";
}

/* [[f, k, v], ...]; with a result, reads show what they read. */
static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    uint32_t at = 0;
    wl_printf(out, "[");
    for (uint32_t i = 0; i < op->mops_len; i++) {
        const dsim_mop *m = &op->mops[i];
        bool read = m->f == DSIM_F_READ || m->f == DSIM_F_READ_LIST;
        const char *f = read ? "r" : m->f == DSIM_F_APPEND ? "append" : "w";
        wl_printf(out, "%s[\"%s\",%u,", i ? "," : "", f, m->key);
        uint32_t count = 0;
        if (res) {
            DSIM_ASSERT(at < res->len);
            count = (uint32_t)res->words[at++];
            DSIM_ASSERT(at + count <= res->len);
        }
        if (!read)
            wl_int(out, m->value);
        else if (!res)
            wl_printf(out, "null");
        else if (m->f == DSIM_F_READ)
            wl_int(out, res->words[at]);
        else
            wl_list(out, res->words + at, count);
        at += count;
        wl_printf(out, "]");
    }
    wl_printf(out, "]");
}

static int validate(const workload_cfg *cfg, char *err, size_t cap)
{
    if (cfg->txn_min <= cfg->txn_max)
        return 0;
    snprintf(err, cap, "txn_min must not exceed txn_max");
    return -1;
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"read", P(read_pct), 50, 0, 100, "percent of micro-operations that read"},
    {"keys", P(keys), 3, 1, 64, "keys active at a time (Elle's key-count)"},
    {"txn_min", P(txn_min), 1, 1, DSIM_MOPS_MAX, "micro-operations per transaction, at least"},
    {"txn_max", P(txn_max), 4, 1, DSIM_MOPS_MAX, "micro-operations per transaction, at most"},
    {"writes_per_key", P(writes_per_key), 32, 1, 1024, "writes before a key retires (rotation)"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"strict-serializable", NULL};

const workload workload_txn_append = {
    .name = "txn-append", .summary = "transactions of appends to lists and list reads (Elle)",
    .params = params, .model = NULL, .checks = checks, .keyed = false,
    .validate = validate, .generate = gen_append, .f_name = f_name, .value = value,
};

const workload workload_txn_rw = {
    .name = "txn-rw", .summary = "transactions of register writes and reads (Elle)",
    .params = params, .model = NULL, .checks = checks, .keyed = false,
    .validate = validate, .generate = gen_rw, .f_name = f_name, .value = value,
};
