/*
** history.c — the client operation history, as JSON lines (DESIGN.md).
**
** One line per invoke and per completion, in the order they happened, in
** Jepsen's shape: process, type, f, key (multi-key workloads only), value,
** time (true ns, for display), and on a completion that a node answered
** (ok, fail) the node that served it ("node": "n1"; not Jepsen's, which
** readers that do not know it ignore). The buffer only grows; checkers read the
** text, never kernel structures. The same event also goes to the trace as
** an "op" event with the operation id and client, for the viewer.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

/* Room for 'need' more bytes and a NUL at the end of the history; returns
** where they go. */
static char *hist_reserve(dsim_world *w, size_t need)
{
    DSIM_ASSERT(w->hist_len <= w->hist_cap);
    if (w->hist_len + need + 1 > w->hist_cap) {
        size_t cap = w->hist_cap ? w->hist_cap : 4096;
        while (cap < w->hist_len + need + 1)
            cap *= 2;
        char *p = realloc(w->hist, cap);
        DSIM_ASSERT(p != NULL);
        w->hist = p;
        w->hist_cap = cap;
    }
    return w->hist + w->hist_len;
}

static char *put(char *p, const char *s, size_t len)
{
    memcpy(p, s, len);
    return p + len;
}

/* The event's value as JSON text (the workload's shape), in 'w's scratch
** buffer; the old contents are overwritten. */
static const char *value_text(dsim_world *w, const char *type, const dsim_op *op,
                              const dsim_result *res)
{
    DSIM_ASSERT(type != NULL);
    wl_text *t = &w->hist_value;
    t->len = 0;
    bool ok = type[0] == 'o';
    w->wl->value(op, ok ? res : NULL, t);
    DSIM_ASSERT(t->p != NULL);
    return t->p;
}

void history_record(dsim_world *w, const char *type, const dsim_op *op, const dsim_result *res,
                    int node)
{
    DSIM_ASSERT(op->f < DSIM_F_COUNT_);
    DSIM_ASSERT(strcmp(type, "ok") == 0 || res == NULL);
    DSIM_ASSERT(node < w->nodes_len);
    const char *val = value_text(w, type, op, res);
    const char *f = w->wl->f_name(op);
    char key[32] = "";
    bool keyed = w->wl->keyed && w->workload.keys > 1;
    /* {"process":P,"type":"T","f":"F",["key":"kK",]"value":V,"time":NS[,"node":"nN"]}
    ** written in place at the history's end: printf's parsing, then a
    ** buffer per piece, were most of its cost. At most 68 bytes of fixed
    ** text and four integers of at most WL_INT_MAX characters. */
    size_t type_len = strlen(type), f_len = strlen(f), val_len = w->hist_value.len;
    size_t need = 68 + 4 * WL_INT_MAX + type_len + f_len + val_len;
    char *start = hist_reserve(w, need), *p = start;
#define PUT(lit) (p = put(p, lit, sizeof lit - 1))
    PUT("{\"process\":");
    p = wl_fmt_int(p, op->process);
    PUT(",\"type\":\"");
    p = put(p, type, type_len);
    PUT("\",\"f\":\"");
    p = put(p, f, f_len);
    PUT("\",");
    if (keyed) {
        PUT("\"key\":\"k");
        p = wl_fmt_int(p, op->key);
        PUT("\",");
    }
    PUT("\"value\":");
    p = put(p, val, val_len);
    PUT(",\"time\":");
    p = wl_fmt_int(p, w->now);
    if (node >= 0) {
        PUT(",\"node\":\"n");
        p = wl_fmt_int(p, node + 1);
        PUT("\"");
    }
    PUT("}\n");
#undef PUT
    DSIM_ASSERT((size_t)(p - start) <= need);
    w->hist_len += (size_t)(p - start);
    w->hist[w->hist_len] = 0;
    json_t *e = trace_event(w, "op");
    if (!e)
        return;
    char buf[16];
    json_object_set_new(e, "client", json_string(endpoint_name(w, w->nodes_len + op->client, buf, sizeof buf)));
    json_object_set_new(e, "op", json_integer((json_int_t)op->id));
    json_object_set_new(e, "process", json_integer(op->process));
    json_object_set_new(e, "type", json_string(type));
    json_object_set_new(e, "f", json_string(f));
    if (keyed) {
        snprintf(key, sizeof key, "k%u", op->key);
        json_object_set_new(e, "key", json_string(key));
    }
    json_object_set_new(e, "value", json_loads(val, JSON_DECODE_ANY, NULL));
    if (node >= 0)
        json_object_set_new(e, "node", json_string(endpoint_name(w, node, buf, sizeof buf)));
    trace_emit(w, e);
}
