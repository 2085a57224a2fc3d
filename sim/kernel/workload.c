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
    &workload_queue, NULL,
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

void wl_int(wl_text *t, int64_t v)
{
    if (v == DSIM_NIL)
        wl_printf(t, "null");
    else
        wl_printf(t, "%" PRId64, v);
}
