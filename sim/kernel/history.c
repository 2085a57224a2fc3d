/*
** history.c — the client operation history, as JSON lines (DESIGN.md).
**
** One line per invoke and per completion, in the order they happened, in
** Jepsen's shape: process, type, f, key (multi-key workloads only), value,
** time (true ns, for display). The buffer only grows; checkers read the
** text, never kernel structures. The same event also goes to the trace as
** an "op" event with the operation id and client, for the viewer.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

static const char *const f_names[DSIM_F_COUNT_] = {"read", "write", "cas"};

static void hist_append(dsim_world *w, const char *s, size_t len)
{
    DSIM_ASSERT(len > 0);
    DSIM_ASSERT(w->hist_len <= w->hist_cap);
    if (w->hist_len + len + 1 > w->hist_cap) {
        size_t cap = w->hist_cap ? w->hist_cap : 4096;
        while (cap < w->hist_len + len + 1)
            cap *= 2;
        char *p = realloc(w->hist, cap);
        DSIM_ASSERT(p != NULL);
        w->hist = p;
        w->hist_cap = cap;
    }
    memcpy(w->hist + w->hist_len, s, len);
    w->hist_len += len;
    w->hist[w->hist_len] = 0;
    DSIM_ASSERT(w->hist[w->hist_len - 1] == '\n');   /* JSON lines, one per record */
}

static int format_value(char *buf, size_t cap, const char *type, const dsim_op *op,
                        int64_t value, bool has_value)
{
    DSIM_ASSERT(type != NULL);
    DSIM_ASSERT(cap >= 64);   /* two 20-digit numbers and the brackets fit */
    if (strcmp(type, "ok") == 0 && op->f == DSIM_F_READ) {
        if (!has_value || value == DSIM_NIL)
            return snprintf(buf, cap, "null");
        return snprintf(buf, cap, "%" PRId64, value);
    }
    switch (op->f) {
    case DSIM_F_READ:
        return snprintf(buf, cap, "null");
    case DSIM_F_WRITE:
        return snprintf(buf, cap, "%" PRId64, op->value);
    case DSIM_F_CAS:
        return snprintf(buf, cap, "[%" PRId64 ",%" PRId64 "]", op->value, op->value2);
    default:
        DSIM_ASSERT(!"unknown operation");
        return 0;
    }
}

void history_record(dsim_world *w, const char *type, const dsim_op *op, int64_t value, bool has_value)
{
    DSIM_ASSERT(op->f < DSIM_F_COUNT_);
    char val[64], key[32] = "", line[256];
    format_value(val, sizeof val, type, op, value, has_value);
    if (w->workload.keys > 1)
        snprintf(key, sizeof key, "\"key\":\"k%u\",", op->key);
    int len = snprintf(line, sizeof line,
                       "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",%s\"value\":%s,\"time\":%" PRId64 "}\n",
                       op->process, type, f_names[op->f], key, val, w->now);
    DSIM_ASSERT(len > 0);
    DSIM_ASSERT((size_t)len < sizeof line);
    hist_append(w, line, (size_t)len);
    json_t *e = trace_event(w, "op");
    if (!e)
        return;
    char buf[16];
    json_object_set_new(e, "client", json_string(endpoint_name(w, w->nodes_len + op->client, buf, sizeof buf)));
    json_object_set_new(e, "op", json_integer((json_int_t)op->id));
    json_object_set_new(e, "process", json_integer(op->process));
    json_object_set_new(e, "type", json_string(type));
    json_object_set_new(e, "f", json_string(f_names[op->f]));
    if (w->workload.keys > 1) {
        snprintf(key, sizeof key, "k%u", op->key);
        json_object_set_new(e, "key", json_string(key));
    }
    json_object_set_new(e, "value", json_loads(val, JSON_DECODE_ANY, NULL));
    trace_emit(w, e);
}
