/*
** zk_kv.c — the 'kv' recipe: a client node that reads and writes znodes
** /kv/0 .. /kv/<ZK_KV_KEYS-1> as registers, for the history checks (the
** 'zk' check, sim/check/zk_check.c). One operation at a time:
**   write v   set(/kv/k, v); on NONODE create it (and /kv first when that
**             is missing); on NODEEXISTS set again. Values are unique
**             (client, boot, n): the history is differentiated.
**   read      get(/kv/k) from the connected server: any value (nil when the
**             node does not exist yet) sequentially consistent with this
**             client's program order.
**   sync+read sync, then get: at least as new as every write that
**             completed before the sync began (linearizable).
** Each operation is a 'zk_op' event when invoked and when it completes
** (ok, fail, or info when the outcome is unknown: a lost answer, a
** reconnect, an expired session), which the check turns into a Jepsen
** register history. As in Jepsen, a client's process ends with an
** operation of unknown outcome (info) or a crash, and a new one goes on:
** a read after a write whose answer was lost need not see it.
*/
#include <string.h>

#include "zk.h"

enum { KV_NONE = 0, KV_WRITE, KV_READ, KV_SYNC_READ };
enum { KV_SET = 0, KV_CREATE_KEY, KV_CREATE_PARENT };   /* a write's steps */

static void create(dsim_node *n, zk_client *c, const char *path, int step)
{
    c->kv_step = step;
    uint8_t len = step == KV_CREATE_KEY ? (uint8_t)sizeof c->kv_value : 0;
    zk_client_send(n, c, ZK_OP_CREATE, path, 0, false, &c->kv_value, len);
}

static void kv_path(int key, char out[ZK_PATH_MAX])
{
    memset(out, 0, ZK_PATH_MAX);
    memcpy(out, "/kv/", 4);
    out[4] = (char)('0' + key);
}

static void op_event(dsim_node *n, const zk_client *c, const char *type, bool with_value, bool nil)
{
    static const char *const f_names[] = {"none", "write", "read", "read"};
    /* Jepsen's processes: a new one after each boot (an operation a crash
    ** cut short stays open) and after each operation of unknown outcome */
    json_int_t process = (json_int_t)(dsim_id(n) + 1) * 1000000 + (c->boot % 1000) * 1000 +
                         (json_int_t)(c->kv_infos % 1000);
    json_t *f = json_pack("{s:i, s:I, s:s, s:s, s:i, s:b}", "client", dsim_id(n) + 1, "process", process,
                          "type", type,
                          "f", f_names[c->kv_f], "key", c->kv_key, "sync", c->kv_f == KV_SYNC_READ);
    json_object_set_new(f, "value", with_value && !nil ? json_integer(c->kv_value) : json_null());
    dsim_emit(n, "zk_op", f);
}

static void done(dsim_node *n, zk_client *c, const char *type, bool nil)
{
    DSIM_ASSERT(c->kv_f != KV_NONE);
    /* a write's value always goes along; a read's only when ok */
    bool with_value = c->kv_f == KV_WRITE || strcmp(type, "ok") == 0;
    op_event(n, c, type, with_value, nil);
    if (strcmp(type, "info") == 0)
        c->kv_infos++;
    c->kv_f = KV_NONE;
    c->rounds_done++;
    dsim_timer(n, ZK_CT_THINK, (uint64_t)c->round, dsim_rand_range(n, 0, 20) * 1000000);
}

void zk_kv_next(dsim_node *n, zk_client *c)
{
    DSIM_ASSERT(c->recipe == ZK_R_KV);
    int64_t rounds = dsim_opt_int(n, "rounds");
    if (c->kv_f != KV_NONE || !c->session || (rounds > 0 && c->rounds_done >= rounds))
        return;
    c->kv_key = (int32_t)dsim_rand_range(n, 0, ZK_KV_KEYS - 1);
    int64_t r = dsim_rand_range(n, 0, 9);
    c->kv_f = r < 4 ? KV_WRITE : r < 7 ? KV_READ : KV_SYNC_READ;
    char path[ZK_PATH_MAX];
    kv_path(c->kv_key, path);
    if (c->kv_f == KV_WRITE) {
        /* unique: client, boot, count (a crash forgets the count) */
        c->kv_value = (int64_t)(dsim_id(n) + 1) * 1000000000 + (c->boot % 1000) * 1000000 +
                      (int64_t)(++c->kv_writes % 1000000);
        c->kv_step = KV_SET;
        op_event(n, c, "invoke", true, false);
        zk_client_send(n, c, ZK_OP_SET, path, 0, false, &c->kv_value, sizeof c->kv_value);
    } else {
        op_event(n, c, "invoke", false, false);
        if (c->kv_f == KV_READ)
            zk_client_send(n, c, ZK_OP_GET, path, 0, false, NULL, 0);
        else
            zk_client_send(n, c, ZK_OP_SYNC, NULL, 0, false, NULL, 0);
    }
}

void zk_kv_abort(dsim_node *n, zk_client *c)
{
    if (c->kv_f != KV_NONE)
        done(n, c, "info", false);
}

void zk_kv_reply(dsim_node *n, zk_client *c, const zk_reply *r)
{
    if (c->kv_f == KV_NONE)
        return;
    char path[ZK_PATH_MAX];
    kv_path(c->kv_key, path);
    switch (r->op) {
    case ZK_OP_SET:
        if (r->err == ZK_OK)
            done(n, c, "ok", false);
        else if (r->err == ZK_NONODE)
            create(n, c, path, KV_CREATE_KEY);
        else
            done(n, c, "fail", false);   /* refused when applied: it changed nothing */
        return;
    case ZK_OP_CREATE:
        if (c->kv_step == KV_CREATE_PARENT) {
            if (r->err == ZK_OK || r->err == ZK_NODEEXISTS)
                create(n, c, path, KV_CREATE_KEY);
            else
                done(n, c, "fail", false);
        } else if (r->err == ZK_OK) {
            done(n, c, "ok", false);
        } else if (r->err == ZK_NODEEXISTS) {
            c->kv_step = KV_SET;
            zk_client_send(n, c, ZK_OP_SET, path, 0, false, &c->kv_value, sizeof c->kv_value);
        } else if (r->err == ZK_NONODE) {
            create(n, c, "/kv", KV_CREATE_PARENT);
        } else {
            done(n, c, "fail", false);
        }
        return;
    case ZK_OP_SYNC:
        zk_client_send(n, c, ZK_OP_GET, path, 0, false, NULL, 0);
        return;
    case ZK_OP_GET:
        if (r->err == ZK_NONODE) {
            done(n, c, "ok", true);
        } else if (r->err == ZK_OK && r->data_len == sizeof c->kv_value) {
            memcpy(&c->kv_value, r->data, sizeof c->kv_value);
            done(n, c, "ok", false);
        } else {
            done(n, c, "fail", false);
        }
        return;
    default:
        return;
    }
}
