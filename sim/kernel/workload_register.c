/*
** workload_register.c — the register family: "register" (one key; read,
** write), "cas-register" (one key; read, write, cas) and "kv" (many keys;
** read, write, cas, checked per key).
**
** Draws, in this order, from the client's stream: the key (only when
** keys > 1), a roll in [0, 99] against read/write/cas, and for a cas the
** expected value among the last four written (so some cas succeed and
** some fail). Written values count up per key from 1.
** kv's 'final' phase (from 'final' ms on) draws nothing: every client
** reads the keys in turn, so each key is read after the last write (a
** final read of every key: an acknowledged write lost by a failover shows
** as a read that misses it).
*/
#include <stddef.h>

#include "world.h"

enum { REG_PLAIN, REG_CAS };

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, dsim_op *op, bool cas_ok)
{
    op->key = cfg->keys > 1 ? (uint32_t)rng_below(r, (uint64_t)cfg->keys) : 0;
    DSIM_ASSERT(op->key < DSIM_STORE_KEYS);
    int64_t roll = rng_range(r, 0, 99);
    if (roll < cfg->read_pct) {
        op->f = DSIM_F_READ;
        op->value = DSIM_NIL;
    } else if (roll < cfg->read_pct + cfg->write_pct || !cas_ok) {
        op->f = DSIM_F_WRITE;
        op->value = ++st->next_value[op->key];
    } else {
        op->f = DSIM_F_CAS;
        int64_t last = st->next_value[op->key];
        op->value = last > 0 ? rng_range(r, last > 3 ? last - 3 : 1, last) : 1;
        op->value2 = ++st->next_value[op->key];
    }
}

static void gen_plain(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    generate(cfg, st, r, op, false);
}

static void gen_cas(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    generate(cfg, st, r, op, true);
}

static void gen_kv(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    if (cfg->final_ms > 0 && now_ns >= DSIM_MS(cfg->final_ms)) {
        DSIM_ASSERT(cfg->keys >= 1);
        op->f = DSIM_F_READ;
        op->key = st->final_next++ % (uint32_t)cfg->keys;
        op->value = DSIM_NIL;
        return;
    }
    generate(cfg, st, r, op, true);
}

static const char *f_name(const dsim_op *op)
{
    static const char *const names[] = {"read", "write", "cas"};
    DSIM_ASSERT(op->f <= DSIM_F_CAS);
    return names[op->f];
}

static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->f == DSIM_F_READ)
        wl_int(out, res ? res->value : DSIM_NIL);
    else if (op->f == DSIM_F_WRITE)
        wl_int(out, op->value);
    else
    {
        wl_put(out, "[", 1);
        wl_put_int(out, op->value);
        wl_put(out, ",", 1);
        wl_put_int(out, op->value2);
        wl_put(out, "]", 1);
    }
}

static int validate(const workload_cfg *cfg, char *err, size_t cap)
{
    if (cfg->read_pct + cfg->write_pct + cfg->cas_pct == 100)
        return 0;
    snprintf(err, cap, "read + write + cas must add up to 100");
    return -1;
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param register_params[] = {
    {"read", P(read_pct), 50, 0, 100, "percent of reads"},
    {"write", P(write_pct), 50, 0, 100, "percent of writes"},
    {"cas", P(cas_pct), 0, 0, 0, "no cas in this workload"},
    {"keys", P(keys), 1, 1, 1, "one register"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const workload_param cas_params[] = {
    {"read", P(read_pct), 40, 0, 100, "percent of reads"},
    {"write", P(write_pct), 40, 0, 100, "percent of writes"},
    {"cas", P(cas_pct), 20, 0, 100, "percent of compare-and-sets"},
    {"keys", P(keys), 1, 1, 1, "one register"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const workload_param kv_params[] = {
    {"read", P(read_pct), 40, 0, 100, "percent of reads"},
    {"write", P(write_pct), 40, 0, 100, "percent of writes"},
    {"cas", P(cas_pct), 20, 0, 100, "percent of compare-and-sets"},
    {"keys", P(keys), 8, 1, DSIM_STORE_KEYS, "registers, drawn uniformly"},
    {"final", P(final_ms), 0, 0, 3600000, "from this time (ms) only reads, every key in turn: "
     "a final read of every key; 0: never"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const lin_checks[] = {"linearizable", NULL};

const workload workload_register = {
    .name = "register", .summary = "one register: read, write (unique values)",
    .params = register_params, .model = "register", .checks = lin_checks, .keyed = true,
    .validate = validate, .generate = gen_plain, .f_name = f_name, .value = value,
};

const workload workload_cas_register = {
    .name = "cas-register", .summary = "one register: read, write, compare-and-set",
    .params = cas_params, .model = "cas-register", .checks = lin_checks, .keyed = true,
    .validate = validate, .generate = gen_cas, .f_name = f_name, .value = value,
};

const workload workload_kv = {
    .name = "kv", .summary = "many registers: read, write, cas per key, checked per key",
    .params = kv_params, .model = "cas-register", .checks = lin_checks, .keyed = true,
    .validate = validate, .generate = gen_kv, .f_name = f_name, .value = value,
};
