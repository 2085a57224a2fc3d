/*
** zk_check.c — the 'zk' check: ZooKeeper's consistency guarantees judged
** from the history of a coordination service's kv clients.
**
** Input: the run's emitted protocol events [{t, node, name, fields}]; it
** reads 'zk_op' {client, process?, type: invoke|ok|fail|info, f:
** read|write, key, value, sync} (protocols/zab/zk_kv.c) and ignores all
** other names. Each process (default: the client) is a Jepsen process
** with one operation at a time; keys are
** the znodes /kv/<key>, each a register whose first value is nil; writes
** carry unique values.
** Two histories are made as JSON lines (DESIGN.md's format) and judged by
** the existing checkers:
**   sequential    every read and write: sequentially consistent
**                 ('check_sequential'), ZooKeeper's per-session order;
**   linearizable  the writes and the reads that began with a sync: a
**                 register per key ('check_linearizable', model
**                 "register"). Plain reads are left out: a server may
**                 answer them from a state older than the last write, which
**                 ZooKeeper allows. Dropping completed reads from a
**                 linearizable history leaves it linearizable, so the
**                 verdict on the rest is exact.
** "valid" is false when either is violated, "unknown" when either ran out
** of budget, true otherwise. Bad input (a field missing or of the wrong
** type) is reported with the event's index.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct zk_text {
    char *buf;
    size_t len, cap;
} zk_text;

static bool text_add(zk_text *t, const char *line)
{
    size_t n = strlen(line);
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b)
            return false;
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, line, n + 1);
    t->len += n;
    return true;
}

/* One history line for event 'f' at time 't' (ns); false on bad input. */
static bool line_of(const json_t *f, json_int_t t, char *out, size_t cap)
{
    json_t *client = json_object_get(f, "process"), *type = json_object_get(f, "type");
    if (!client)
        client = json_object_get(f, "client");
    json_t *fn = json_object_get(f, "f"), *key = json_object_get(f, "key");
    json_t *value = json_object_get(f, "value");
    if (!json_is_integer(client) || !json_is_string(type) || !json_is_string(fn) ||
        !json_is_integer(key) || !(json_is_integer(value) || json_is_null(value)))
        return false;
    char v[32];
    if (json_is_null(value))
        snprintf(v, sizeof v, "null");
    else
        snprintf(v, sizeof v, "%lld", (long long)json_integer_value(value));
    int n = snprintf(out, cap, "{\"process\":%lld,\"type\":\"%s\",\"f\":\"%s\",\"key\":\"k%lld\","
                     "\"value\":%s,\"time\":%lld}\n",
                     (long long)json_integer_value(client), json_string_value(type),
                     json_string_value(fn), (long long)json_integer_value(key), v, (long long)t);
    return n > 0 && (size_t)n < cap;
}

/* Builds both histories; the sync flag of a completion is its invocation's. */
static check_verdict histories(const json_t *events, zk_text *all, zk_text *lin, json_t *report,
                               size_t *ops, size_t *sync_reads)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *name = json_string_value(json_object_get(ev, "name"));
        if (!name || strcmp(name, "zk_op") != 0)
            continue;
        json_t *f = json_object_get(ev, "fields");
        char line[256];
        if (!line_of(f, json_integer_value(json_object_get(ev, "t")), line, sizeof line)) {
            json_object_set_new(report, "error",
                                json_sprintf("event %zu: a zk_op needs client, type, f, key, value", i));
            return CHECK_BAD_INPUT;
        }
        bool read = strcmp(json_string_value(json_object_get(f, "f")), "read") == 0;
        bool sync = json_is_true(json_object_get(f, "sync"));
        bool invoke = strcmp(json_string_value(json_object_get(f, "type")), "invoke") == 0;
        if (!text_add(all, line) || ((!read || sync) && !text_add(lin, line))) {
            json_object_set_new(report, "error", json_string("out of memory"));
            return CHECK_BAD_INPUT;
        }
        if (invoke) {
            (*ops)++;
            if (read && sync)
                (*sync_reads)++;
        }
    }
    return CHECK_OK;
}

check_verdict check_zk(const json_t *events, const json_t *args, json_t *report, char *err,
                       size_t err_cap)
{
    (void)args;
    zk_text all = {0}, lin = {0};
    size_t ops = 0, sync_reads = 0;
    check_verdict v = histories(events, &all, &lin, report, &ops, &sync_reads);
    if (v != CHECK_OK) {
        snprintf(err, err_cap, "%s", json_string_value(json_object_get(report, "error")));
        free(all.buf);
        free(lin.buf);
        return v;
    }
    check_budget budget = {0, 10.0};
    json_t *seq = json_object(), *li = json_object();
    check_verdict vs = check_sequential(all.buf ? all.buf : "", all.len, "zk history", "json",
                                        &budget, seq, err, err_cap);
    check_verdict vl = vs == CHECK_BAD_INPUT ? vs
        : check_linearizable(lin.buf ? lin.buf : "", lin.len, "zk history (writes, sync reads)",
                             "json", "register", &budget, li, err, err_cap);
    free(all.buf);
    free(lin.buf);
    json_object_set_new(report, "ops", json_integer((json_int_t)ops));
    json_object_set_new(report, "sync_reads", json_integer((json_int_t)sync_reads));
    json_object_set_new(report, "sequential", seq);
    json_object_set_new(report, "linearizable", li);
    if (vs == CHECK_BAD_INPUT || vl == CHECK_BAD_INPUT)
        return CHECK_BAD_INPUT;
    if (vs == CHECK_VIOLATION || vl == CHECK_VIOLATION) {
        json_object_set_new(report, "valid", json_false());
        json_object_set_new(report, "explain", json_string(vl == CHECK_VIOLATION
            ? "a read after sync missed a write that completed before the sync began (not linearizable)"
            : "the reads and writes have no order that keeps each client's program order (not "
              "sequentially consistent)"));
        return CHECK_VIOLATION;
    }
    if (vs == CHECK_UNKNOWN || vl == CHECK_UNKNOWN) {
        json_object_set_new(report, "valid", json_string("unknown"));
        return CHECK_UNKNOWN;
    }
    json_object_set_new(report, "valid", json_true());
    return CHECK_OK;
}
