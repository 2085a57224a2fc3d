/*
** hist_edn_write.c — dsim's JSON-lines history written as Jepsen EDN, one
** map per line, for tools that read Jepsen histories (and 'dsim check
** --format edn').
**
**   {"process":0,"type":"ok","f":"txn","value":[["append",3,1],["r",4,[1]]],"time":5}
**   {:process 0, :type :ok, :f :txn, :value [[:append 3 1] [:r 4 [1]]], :time 5}
**
** :type and :f become keywords, :key stays a string, null becomes nil,
** arrays become vectors; in a transaction (f "txn") each micro-op's
** function becomes a keyword, as Elle writes it. Other strings stay strings.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct edn_out {
    char *p;
    size_t len, cap;
    bool oom;
} edn_out;

static void put(edn_out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (p == NULL) {
            o->oom = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = 0;
}

static void puts_(edn_out *o, const char *s) { put(o, s, strlen(s)); }

static void put_string(edn_out *o, const char *s)
{
    puts_(o, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            puts_(o, "\\");
        put(o, s, 1);
    }
    puts_(o, "\"");
}

/* 'kw_first': the first element of each inner vector is a keyword (txn). */
static void put_value(edn_out *o, const json_t *v, int depth, bool txn)
{
    char buf[64];
    if (json_is_null(v)) {
        puts_(o, "nil");
    } else if (json_is_true(v) || json_is_false(v)) {
        puts_(o, json_is_true(v) ? "true" : "false");
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        puts_(o, buf);
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        puts_(o, buf);
    } else if (json_is_string(v)) {
        put_string(o, json_string_value(v));
    } else if (json_is_array(v)) {
        puts_(o, "[");
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x) {
            if (i)
                puts_(o, " ");
            if (txn && depth == 1 && i == 0 && json_is_string(x)) {
                puts_(o, ":");
                puts_(o, json_string_value(x));
            } else {
                put_value(o, x, depth + 1, txn);
            }
        }
        puts_(o, "]");
    } else {
        puts_(o, "nil");   /* objects: not in dsim's histories */
    }
}

char *check_history_to_edn(const char *text, size_t len, size_t *out_len, char *err, size_t cap)
{
    edn_out o = {0};
    put(&o, "", 0);
    size_t line = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        line++;
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        json_error_t je;
        json_t *ev = q < stop ? json_loadb(p, (size_t)(stop - p), 0, &je) : NULL;
        p = nl ? nl + 1 : end;
        if (q == stop)
            continue;   /* a blank line */
        if (!json_is_object(ev)) {
            json_decref(ev);
            free(o.p);
            snprintf(err, cap, "history:%zu: expected one JSON object per line", line);
            return NULL;
        }
        const char *f = json_string_value(json_object_get(ev, "f"));
        bool txn = f && strcmp(f, "txn") == 0;
        static const char *const order[] = {"process", "type", "f", "key", "value", "time", NULL};
        puts_(&o, "{");
        for (int i = 0, n = 0; order[i]; i++) {
            const json_t *x = json_object_get(ev, order[i]);
            if (x == NULL)
                continue;
            puts_(&o, n++ ? ", :" : ":");
            puts_(&o, order[i]);
            puts_(&o, " ");
            if ((i == 1 || i == 2) && json_is_string(x)) {
                puts_(&o, ":");
                puts_(&o, json_string_value(x));
            } else {
                put_value(&o, x, 0, txn);
            }
        }
        puts_(&o, "}\n");
        json_decref(ev);
    }
    if (o.oom) {
        free(o.p);
        snprintf(err, cap, "history: out of memory");
        return NULL;
    }
    *out_len = o.len;
    return o.p;
}
