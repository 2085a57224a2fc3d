/*
** ml_serve.c — client operations at a leader, and the scenario's cart.
**
** A follower forwards every operation to its data centre's leader, which
** answers the client itself. A leader answers a read from its replica and
** turns a write into an update of its own ('ml_rop': origin itself, the
** next seq, its clock before as dependencies), applies it, syncs, replies
** ok, then replicates it. What each workload's operation becomes:
**   register, kv   read / write: the key's register (MV or LWW by
**                  'resolve'; a read of siblings gives the newest by
**                  (wall, node)); cas fails: no leader can compare and
**                  set what another leader may be writing;
**   counter        read / add (reads with data=counters): PN-Counter (G-Counter: a negative add
**                  fails), or with resolve=lww a register of the sum that
**                  the leader reads, adds to and writes back;
**   set            read-list / append (add) / remove: the OR-Set of key 0;
**                  a remove marks the element's tags this leader holds
**                  (those it observed), so an add it has not seen survives.
** Anything else (transactions, dequeue, keys past ML_KEYS) fails. An update
** is applied once per (client, seq): a duplicated request is ignored (its
** first copy answered); the table is volatile, as in 'single'.
*/
#include <string.h>

#include "multileader.h"

static ml_rop local_rop(dsim_node *n, ml_state *s, uint32_t kind, uint32_t key)
{
    ml_rop r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.key = key;
    r.origin = (uint32_t)dsim_id(n);
    r.seq = s->d.vc.c[r.origin] + 1;
    r.deps = s->d.vc;
    r.wall = dsim_wall(n);
    return r;
}

/* Applies a local update, syncs, and replicates it; false when it does
** not fit (nothing changed). */
static bool update(dsim_node *n, ml_state *s, const ml_rop *r)
{
    DSIM_ASSERT(r->seq < ML_SEQ_MAX);
    if (!ml_apply(n, s, r))
        return false;
    ml_persist(n, s);
    ml_local_update(n, s, r);
    return true;
}

static void reply(dsim_node *n, const dsim_op *op, bool ok, int64_t value)
{
    dsim_reply(n, op, ok ? DSIM_OK : DSIM_FAIL, value);
}

static void serve_counter(dsim_node *n, ml_state *s, const dsim_op *op)
{
    ml_data *d = &s->d;
    if (op->f == DSIM_F_READ) {
        reply(n, op, true, pn_value(&d->cnt[op->key]) + mv_read(&d->cnt_lww[op->key], 0));
        return;
    }
    if (s->conf.resolve == RES_LWW) {   /* read, add, write back: lost updates */
        ml_rop r = local_rop(n, s, ROP_CNT_LWW, op->key);
        r.value = mv_read(&d->cnt_lww[op->key], 0) + op->value;
        reply(n, op, update(n, s, &r), op->value);
        return;
    }
    if (s->conf.gcounter && op->value < 0) {
        reply(n, op, false, op->value);
        return;
    }
    ml_rop r = local_rop(n, s, ROP_CNT, op->key);
    pncounter c = d->cnt[op->key];
    pn_add(&c, dsim_id(n), op->value);
    r.value = c.p[dsim_id(n)];
    r.value2 = c.n[dsim_id(n)];
    reply(n, op, update(n, s, &r), op->value);
}

void ml_serve(dsim_node *n, ml_state *s, const dsim_op *op)
{
    ml_data *d = &s->d;
    if (!dsim_op_readonly(op) && op->client >= 0 && op->client < ML_CLIENTS_MAX) {
        if (op->seq <= s->client_seq[op->client])
            return;   /* a duplicate: its first copy answered */
        s->client_seq[op->client] = op->seq;
    }
    if (op->key >= ML_KEYS) {
        reply(n, op, false, DSIM_NIL);
        return;
    }
    if (op->f == DSIM_F_ADD || (op->f == DSIM_F_READ && s->conf.counters)) {
        serve_counter(n, s, op);
        return;
    }
    if (op->f == DSIM_F_READ) {
        reply(n, op, true, mv_read(&d->reg[op->key], DSIM_NIL));
    } else if (op->f == DSIM_F_WRITE) {
        ml_rop r = local_rop(n, s, ROP_REG, op->key);
        r.value = op->value;
        reply(n, op, update(n, s, &r), op->value);
    } else if (op->f == DSIM_F_APPEND && op->key == 0) {
        ml_rop r = local_rop(n, s, ROP_SET_ADD, 0);
        r.value = op->value;
        reply(n, op, update(n, s, &r), op->value);
    } else if (op->f == DSIM_F_REMOVE && op->key == 0) {
        ml_rop r = local_rop(n, s, ROP_SET_REM, 0);
        r.value = op->value;
        reply(n, op, update(n, s, &r), op->value);
    } else if (op->f == DSIM_F_READ_LIST && op->key == 0) {
        dsim_result res;
        memset(&res, 0, sizeof res.value + sizeof res.len);
        _Static_assert(ML_SET_TAGS <= DSIM_RESULT_WORDS_MAX, "a set read fits a result");
        res.len = orset_read(&d->set, res.words);
        dsim_reply_result(n, op, DSIM_OK, &res);
    } else {
        reply(n, op, false, op->value);
    }
}

int ml_cart(dsim_node *n, ml_state *s, bool add, int64_t item, json_t *result)
{
    ml_rop r = local_rop(n, s, add ? ROP_CART_ADD : ROP_CART_REM, 0);
    r.value = item;
    if (!add) {   /* the tags this remove observes, for the scenario's oracle */
        json_t *tags = json_array();
        for (uint32_t i = 0; i < s->d.cart.n; i++) {
            const orset_tag *t = &s->d.cart.t[i];
            if (t->elem == item && !t->removed)
                json_array_append_new(tags, json_pack("[i, i]", (int)t->node + 1, (int)t->seq));
        }
        json_object_set_new(result, "removed", tags);
    }
    if (!update(n, s, &r)) {
        json_object_set_new(result, "error", json_string("the cart is full"));
        return -1;
    }
    if (add)
        json_object_set_new(result, "tag", json_pack("[i, i]", (int)r.origin + 1, (int)r.seq));
    return 0;
}

int ml_script_op(dsim_node *n, ml_state *s, const char *verb, int64_t key, int64_t value, json_t *result)
{
    ml_data *d = &s->d;
    if (key < 0 || key >= ML_KEYS) {
        json_object_set_new(result, "error", json_string("key must be 0..7"));
        return -1;
    }
    uint32_t k = (uint32_t)key;
    if (strcmp(verb, "read") == 0) {
        int64_t v = mv_read(&d->reg[k], DSIM_NIL);
        json_object_set_new(result, "value", v == DSIM_NIL ? json_null() : json_integer((json_int_t)v));
        json_t *sib = json_array();
        for (uint32_t i = 0; i < d->reg[k].n; i++)
            json_array_append_new(sib, json_integer((json_int_t)d->reg[k].v[i].value));
        json_object_set_new(result, "siblings", sib);
        return 0;
    }
    if (strcmp(verb, "counter") == 0) {
        json_object_set_new(result, "value", json_integer((json_int_t)(pn_value(&d->cnt[k]) +
                                                                       mv_read(&d->cnt_lww[k], 0))));
        return 0;
    }
    ml_rop r;
    if (strcmp(verb, "write") == 0) {
        r = local_rop(n, s, ROP_REG, k);
        r.value = value;
    } else if (s->conf.resolve == RES_LWW) {   /* add */
        r = local_rop(n, s, ROP_CNT_LWW, k);
        r.value = mv_read(&d->cnt_lww[k], 0) + value;
    } else {
        if (s->conf.gcounter && value < 0) {
            json_object_set_new(result, "error", json_string("a G-Counter only grows"));
            return -1;
        }
        r = local_rop(n, s, ROP_CNT, k);
        pncounter c = d->cnt[k];
        pn_add(&c, dsim_id(n), value);
        r.value = c.p[dsim_id(n)];
        r.value2 = c.n[dsim_id(n)];
    }
    DSIM_ASSERT(update(n, s, &r));
    json_object_set_new(result, "seq", json_integer(r.seq));
    return 0;
}
