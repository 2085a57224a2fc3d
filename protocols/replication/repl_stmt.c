/*
** repl_stmt.c — computed columns, and statement- versus row-based
** shipping (option 'shipping'; demo S11).
**
** With option 'columns' the replicated table computes columns when a
** statement runs, as SQL does for "UPDATE t SET v = ?, updated_at = NOW(),
** nonce = RAND() WHERE id = k": every write of row k (keys 0..63) also
** sets its 'now' column (key 64 + k: the executing node's wall clock, ms)
** and its 'rand' column (key 128 + k: a draw from the executing node's
** randomness). Who executes:
** - shipping = row: the leader, once, when it appends the statement; the
**   entry carries the row image (the values it computed) and every
**   replica applies those values (MySQL's row-based binlog; the fix "the
**   leader substitutes values").
** - shipping = statement: the entry carries the statement alone and every
**   replica evaluates NOW() and RAND() when it applies it: with its own
**   clock, later than the leader, and its own random stream. The replicas'
**   states diverge although every log is the same: judged by the
**   convergence check (replica state equality after quiescence), and the
**   invariant that compares applied states at equal LSNs is off in this
**   combination (the divergence is the mode's, not a bug).
** Auto-increment is not modelled: this engine executes one statement at
** a time in log order, so a counter would come out equal everywhere; the
** interleaving anomaly needs concurrent transactions at the leader.
** A write to a key >= 64, or a transaction, is refused while columns are
** on (the table has 64 rows).
*/
#include <stdio.h>
#include <stdlib.h>

#include "repl.h"

static bool writes(const dsim_op *op)
{
    return !dsim_op_readonly(op);
}

bool repl_stmt_refused(const repl_state *s, const dsim_op *op)
{
    if (!s->opt.columns || !writes(op))
        return false;
    return op->f == DSIM_F_TXN || op->key >= REPL_ROWS;
}

static int64_t eval_now(dsim_node *n)
{
    return dsim_wall(n) / 1000000;
}

static int64_t eval_rand(dsim_node *n)
{
    return dsim_rand_range(n, 1, 1000000000);
}

void repl_stmt_execute(dsim_node *n, repl_entry *e)
{
    repl_state *s = repl_of(n);
    if (!s->opt.columns || s->opt.statement || e->kind != REPL_E_OP || !writes(&e->op))
        return;
    if (s->opt.columns & REPL_COL_NOW)
        e->now = eval_now(n);
    if (s->opt.columns & REPL_COL_RAND)
        e->rnd = eval_rand(n);
}

/* The column's write: the protocol's own op, outside every client session. */
static void set(dsim_kv *kv, uint32_t key, int64_t value)
{
    dsim_op w = {.f = DSIM_F_WRITE, .key = key, .value = value, .client = -1};
    dsim_status st;
    dsim_result *res = malloc(sizeof *res);
    DSIM_ASSERT(res != NULL);
    dsim_kv_verdict v = dsim_kv_apply(kv, &w, &st, res);
    DSIM_ASSERT(v == DSIM_KV_UNTRACKED && st == DSIM_OK);
    free(res);
}

void repl_stmt_apply(dsim_node *n, const repl_entry *e, dsim_status st)
{
    repl_state *s = repl_of(n);
    if (!s->opt.columns || e->kind != REPL_E_OP || st != DSIM_OK || !writes(&e->op))
        return;
    DSIM_ASSERT(e->op.f != DSIM_F_TXN && e->op.key < REPL_ROWS);   /* refused at the leader */
    if (s->opt.columns & REPL_COL_NOW)
        set(&s->kv, REPL_ROWS + e->op.key, s->opt.statement ? eval_now(n) : e->now);
    if (s->opt.columns & REPL_COL_RAND)
        set(&s->kv, 2 * REPL_ROWS + e->op.key, s->opt.statement ? eval_rand(n) : e->rnd);
}

/* inspect's "kv": every row written and its columns ("k3", "k3.now",
** "k3.rand"), for the convergence check's report. */
void repl_stmt_inspect(dsim_node *n, json_t *out)
{
    repl_state *s = repl_of(n);
    if (!s->opt.columns)
        return;
    json_t *kv = json_object();
    static const char *const suffix[] = {"", ".now", ".rand"};
    dsim_result *res = malloc(sizeof *res);
    DSIM_ASSERT(res != NULL);
    for (uint32_t k = 0; k < REPL_ROWS; k++) {
        for (uint32_t c = 0; c < 3; c++) {
            dsim_op r = {.f = DSIM_F_READ, .key = c * REPL_ROWS + k};
            if (dsim_kv_read(&s->kv, &r, res) != DSIM_OK || res->value == DSIM_NIL)
                continue;
            char name[32];
            snprintf(name, sizeof name, "k%u%s", k, suffix[c]);
            json_object_set_new(kv, name, json_integer((json_int_t)res->value));
        }
    }
    free(res);
    json_object_set_new(out, "kv", kv);
}
