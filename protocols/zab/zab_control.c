/*
** zab_control.c — the administrative verbs of a ZAB server (c:control),
** for demos and tests:
**   propose {key=, value=}   the established leader proposes "key := value"
**                            (a scripted write: no client, no reply);
**                            result {zxid = "e.c"}
**   log                      result {log = {"e.c:kv k=v", ...}}: the history
**                            past the snapshot, "*" marking committed ones
**   liveness_failed {why=}   a scenario's liveness check failed: the
**                            invariants check reports it
*/
#include <inttypes.h>
#include <stdio.h>

#include "zab.h"

static int refuse(json_t *result, const char *why)
{
    json_object_set_new(result, "error", json_string(why));
    return -1;
}

static void entry_text(const zab_state *s, const zab_entry *e, char *buf, size_t cap)
{
    int k = snprintf(buf, cap, "%" PRIu64 ".%" PRIu64 "%s", zab_epoch_of(e->zxid), zab_counter_of(e->zxid),
                     e->zxid <= s->commit_zxid ? "*" : "");
    if (e->len >= 1 && e->data[0] == ZAB_TXN_KV) {
        dsim_op op;
        memset(&op, 0, sizeof op);
        memcpy(&op, e->data + 1, e->len - 1);
        if (op.f == DSIM_F_WRITE)
            snprintf(buf + k, cap - (size_t)k, ":k%u=%" PRId64, op.key, op.value);
        else
            snprintf(buf + k, cap - (size_t)k, ":op%d", (int)op.f);
    } else {
        snprintf(buf + k, cap - (size_t)k, ":%s", e->len >= 1 && e->data[0] == ZAB_TXN_ZK ? "zk" : "noop");
    }
}

int zab_control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    zab_state *s = zab_of(n);
    if (strcmp(verb, "liveness_failed") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->liveness, sizeof s->liveness, "%s", why ? why : "(no reason given)");
        return 0;
    }
    if (!s->started)
        return refuse(result, "the node has not started; call this after c:run began");
    if (strcmp(verb, "log") == 0) {
        json_t *log = json_array();
        for (uint64_t p = s->snap_pos + 1; p <= s->last_pos; p++) {
            char b[96];
            entry_text(s, zab_entry_at(s, p), b, sizeof b);
            json_array_append_new(log, json_string(b));
        }
        json_object_set_new(result, "log", log);
        return 0;
    }
    if (strcmp(verb, "propose") == 0) {
        json_t *key = json_object_get(args, "key"), *value = json_object_get(args, "value");
        if (!json_is_integer(key) || !json_is_integer(value) || json_integer_value(key) < 0 ||
            json_integer_value(key) >= DSIM_STORE_KEYS)
            return refuse(result, "propose needs integer key (0..255) and value");
        dsim_op op;
        memset(&op, 0, sizeof op);
        op.client = -1;
        op.f = DSIM_F_WRITE;
        op.key = (uint32_t)json_integer_value(key);
        op.value = json_integer_value(value);
        uint8_t txn[ZAB_TXN_MAX];
        txn[0] = ZAB_TXN_KV;
        memcpy(txn + 1, &op, dsim_op_bytes(&op));
        uint64_t z = zab_leader_propose(n, txn, (uint32_t)(1 + dsim_op_bytes(&op)), 0, dsim_id(n));
        if (z == 0)
            return refuse(result, "not an established leader (or its log is full)");
        char b[48];
        snprintf(b, sizeof b, "%" PRIu64 ".%" PRIu64, zab_epoch_of(z), zab_counter_of(z));
        json_object_set_new(result, "zxid", json_string(b));
        return 0;
    }
    return refuse(result, "unknown verb (zab knows: propose, log, liveness_failed)");
}
