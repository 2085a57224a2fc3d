/*
** workload.c — the workload registry and what its entries share: the
** text buffer for history values and parameter defaults.
**
** Adding a workload: one file workload_NAME.c exporting a 'workload', and
** one line below. Names, parameters and help are read from here by the
** scenario parser and `dsim list workloads`; never typed again elsewhere.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

const workload *const workloads[] = {
    &workload_register, &workload_cas_register, &workload_kv, &workload_counter,
    &workload_set, &workload_list_append, &workload_txn_append, &workload_txn_rw,
    &workload_queue, &workload_bank, &workload_resize, NULL,
};

const workload *workload_find(const char *name)
{
    for (size_t i = 0; name && workloads[i]; i++)
        if (strcmp(workloads[i]->name, name) == 0)
            return workloads[i];
    return NULL;
}

int *workload_param_slot(workload_cfg *cfg, const workload_param *p)
{
    DSIM_ASSERT(p->offset + sizeof(int) <= sizeof *cfg);
    return (int *)(void *)((char *)cfg + p->offset);
}

void workload_defaults(const workload *wl, workload_cfg *cfg)
{
    for (const workload_param *p = wl->params; p->name; p++) {
        DSIM_ASSERT(p->min <= p->def && p->def <= p->max);
        *workload_param_slot(cfg, p) = p->def;
    }
}

void wl_printf(wl_text *t, const char *fmt, ...)
{
    for (int round = 0; round < 2; round++) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? room : 0, fmt, ap);
        va_end(ap);
        DSIM_ASSERT(n >= 0);
        if (t->p && (size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        DSIM_ASSERT(p != NULL);
        t->p = p;
        t->cap = cap;
    }
    DSIM_ASSERT(!"wl_printf: the buffer did not grow");
}

void wl_put(wl_text *t, const char *s, size_t len)
{
    if (t->cap - t->len <= len || !t->p) {   /* room for the bytes and a NUL */
        size_t cap = t->cap ? t->cap : 256;
        while (cap <= t->len + len)
            cap *= 2;
        char *p = realloc(t->p, cap);
        DSIM_ASSERT(p != NULL);
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, len);
    t->len += len;
    t->p[t->len] = 0;
}

/* What "%" PRId64 prints, without printf's parsing (a history line has a
** few of these, and lines were a tenth of a Raft fuzz run). */
char *wl_fmt_int(char *out, int64_t v)
{
    char buf[WL_INT_MAX], *e = buf + sizeof buf, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *--p = '-';
    DSIM_ASSERT(p >= buf);
    memcpy(out, p, (size_t)(e - p));
    return out + (e - p);
}

void wl_put_int(wl_text *t, int64_t v)
{
    char buf[WL_INT_MAX];
    wl_put(t, buf, (size_t)(wl_fmt_int(buf, v) - buf));
}

void wl_int(wl_text *t, int64_t v)
{
    if (v == DSIM_NIL)
        wl_put(t, "null", 4);
    else
        wl_put_int(t, v);
}

json_t *workload_json(const workload *wl)
{
    json_t *params = json_array(), *checks = json_array();
    for (const workload_param *p = wl->params; p->name; p++)
        json_array_append_new(params, json_pack("{s:s, s:s, s:i, s:i, s:i, s:s}", "name", p->name,
                                                "type", "int", "default", p->def, "min", p->min,
                                                "max", p->max, "help", p->help));
    for (int i = 0; wl->checks[i]; i++)
        json_array_append_new(checks, json_string(wl->checks[i]));
    json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "name", wl->name, "summary", wl->summary,
                          "params", params, "checks", checks);
    json_object_set_new(o, "model", wl->model ? json_string(wl->model) : json_null());
    return o;
}

int workload_list(FILE *out, bool as_json)
{
    json_t *all = json_array();
    for (int i = 0; workloads[i]; i++)
        json_array_append_new(all, workload_json(workloads[i]));
    if (as_json) {
        char *s = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(out, "%s\n", s ? s : "[]");
        free(s);
        json_decref(all);
        return s ? 0 : -1;
    }
    size_t i, j;
    json_t *w, *p, *c;
    json_array_foreach(all, i, w) {
        fprintf(out, "%s — %s\n    checks:", json_string_value(json_object_get(w, "name")),
                json_string_value(json_object_get(w, "summary")));
        json_array_foreach(json_object_get(w, "checks"), j, c)
            fprintf(out, " %s", json_string_value(c));
        const char *model = json_string_value(json_object_get(w, "model"));
        fprintf(out, "%s%s\n", model ? "; model " : "", model ? model : "");
        json_array_foreach(json_object_get(w, "params"), j, p)
            fprintf(out, "    %-16s default %-6lld %lld..%lld  %s\n",
                    json_string_value(json_object_get(p, "name")),
                    (long long)json_integer_value(json_object_get(p, "default")),
                    (long long)json_integer_value(json_object_get(p, "min")),
                    (long long)json_integer_value(json_object_get(p, "max")),
                    json_string_value(json_object_get(p, "help")));
    }
    json_decref(all);
    return 0;
}
