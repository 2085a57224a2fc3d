/*
** zk_describe.c — 'describe' of the coordination service's message types
** for traces and the viewer (its events are ZK_EVENT_ROWS in zk.h).
*/
#include <string.h>

#include "zk.h"


static const char *const op_names[] = {"?", "connect", "ping", "create", "delete", "set", "get",
                                       "exists", "children", "sync", "close", "event"};

static const char *op_name(uint32_t op)
{
    return op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "?";
}

void zk_describe(const dsim_msg *m, json_t *out)
{
    if (m->type == ZK_MSG_REQ && m->len == sizeof(zk_req)) {
        zk_req q;
        memcpy(&q, m->data, sizeof q);
        q.path[ZK_PATH_MAX - 1] = 0;
        json_object_set_new(out, "zk", json_string(op_name(q.op)));
        json_object_set_new(out, "xid", json_integer(q.xid));
        json_object_set_new(out, "session", json_integer((json_int_t)q.session));
        if (q.path[0])
            json_object_set_new(out, "path", json_string(q.path));
        if (q.watch)
            json_object_set_new(out, "watch", json_true());
    } else if (m->type == ZK_MSG_REPLY && m->len == sizeof(zk_reply)) {
        zk_reply r;
        memcpy(&r, m->data, sizeof r);
        r.path[ZK_PATH_MAX - 1] = 0;
        json_object_set_new(out, "zk", json_string(op_name(r.op)));
        json_object_set_new(out, "seq", json_integer((json_int_t)r.seq));
        json_object_set_new(out, "err", json_string(r.err == ZK_CONNECTIONLOSS ? "CONNECTIONLOSS" : zk_err_name(r.err)));
        if (r.path[0])
            json_object_set_new(out, "path", json_string(r.path));
        if (r.op == ZK_OP_EVENT)
            json_object_set_new(out, "event", json_integer(r.event));
        if (r.op == ZK_OP_CHILDREN)
            json_object_set_new(out, "children", json_integer(r.count));
    } else if (m->type == ZK_MSG_FWD && m->len == ZK_TXN_BYTES) {
        zk_txn x;
        if (zk_txn_decode(m->data, m->len, &x))
            json_object_set_new(out, "txn", json_integer(x.kind));
    } else if (m->type == ZK_MSG_TOUCH && m->len == sizeof(zk_touch)) {
        zk_touch t;
        memcpy(&t, m->data, sizeof t);
        json_object_set_new(out, "session", json_integer((json_int_t)t.session));
    }
}
