/*
** hist_edn.c — the Jepsen EDN reader (also Porcupine's KV logs).
**
** The subset Jepsen writes: one map per line with keyword keys, or a
** vector of such maps ('[' first, ']' last; any number of maps per line
** inside it, as 'pr-str' of a history writes them); values are
** nil, true/false, integers, strings, keywords, vectors, lists and sets
** (#{...}, read as lists). Fields
** used: :process :type :f :value, optional :key and :time; others (:index,
** :error ...) are ignored. Events whose :process is not an integer (the
** :nemesis) are skipped: they are not client operations.
**
** Independent keys: Jepsen's 'independent' workloads write :value as a
** [k v] tuple. When no event has a :key and every event's value is a
** 2-element vector, and the history is not made only of cas operations on
** integer pairs (a plain cas register also writes [from to]), each event is
** split into key k and value v.
**
** The parser is a small recursive descent over one line; nesting depth is
** bounded by 'DEPTH_MAX' so hostile input cannot exhaust the stack.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist_internal.h"

enum { DEPTH_MAX = 64, ITEMS_MAX = 1 << 20 };

typedef struct edn {
    hist *h;
    const char *p, *end, *start;   /* 'start': beginning of the line */
    uint32_t line;
    char *err;
    size_t cap;
} edn;

static void skip_ws(edn *e)
{
    while (e->p < e->end && (*e->p == ' ' || *e->p == '\t' || *e->p == ',' || *e->p == '\r'))
        e->p++;
}

static bool sym_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-_.*+!?/<>=#'", c) != NULL;
}

static const hist_value *fail(edn *e, const char *what)
{
    if (e->err[0] == '\0')
        hist_error(e->err, e->cap, e->h->source, e->line, "expected %s at column %d", what,
                   (int)(e->p - e->start) + 1);
    return NULL;
}

static const hist_value *parse(edn *e, int depth);

static const hist_value *parse_string(edn *e)
{
    e->p++;   /* opening quote */
    char small[256];
    char *buf = small;
    size_t n = 0, capb = sizeof small;
    const hist_value *v = NULL;
    for (; e->p < e->end && *e->p != '"'; e->p++) {
        char c = *e->p;
        if (c == '\\' && e->p + 1 < e->end) {
            c = *++e->p;
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
        if (n + 1 >= capb) {
            char *nb = malloc(capb * 2);
            if (nb == NULL)
                goto out;
            memcpy(nb, buf, n);
            if (buf != small)
                free(buf);
            buf = nb;
            capb *= 2;
        }
        buf[n++] = c;
    }
    if (e->p >= e->end) {
        fail(e, "a closing '\"'");
        goto out;
    }
    e->p++;
    v = hist_str(e->h, buf, n);
out:
    if (buf != small)
        free(buf);
    return v;
}

static const hist_value *parse_seq(edn *e, char close, int depth)
{
    e->p++;
    size_t n = 0, capi = 8;
    const hist_value **items = malloc(capi * sizeof *items);
    const hist_value *v = NULL;
    for (;;) {
        skip_ws(e);
        if (items == NULL || e->p >= e->end) {
            fail(e, close == ']' ? "a closing ']'" : close == ')' ? "a closing ')'" : "a closing '}'");
            break;
        }
        if (*e->p == close) {
            e->p++;
            v = hist_list(e->h, items, n);
            break;
        }
        if (n == capi) {
            const hist_value **ni = capi < ITEMS_MAX ? realloc(items, 2 * capi * sizeof *ni) : NULL;
            if (ni == NULL) {
                fail(e, "a shorter sequence");
                break;
            }
            items = ni;
            capi *= 2;
        }
        if ((items[n++] = parse(e, depth + 1)) == NULL)
            break;
    }
    free(items);
    return v;
}

static const hist_value *parse_atom(edn *e)
{
    const char *s = e->p;
    bool kw = *s == ':';
    if (kw)
        e->p++;
    while (e->p < e->end && sym_char(*e->p))
        e->p++;
    size_t n = (size_t)(e->p - s);
    if (kw)
        return n > 1 ? hist_keyword(e->h, s + 1, n - 1) : fail(e, "a keyword name");
    if (n == 3 && memcmp(s, "nil", 3) == 0)
        return hist_nil(e->h);
    if (n == 4 && memcmp(s, "true", 4) == 0)
        return hist_bool(e->h, true);
    if (n == 5 && memcmp(s, "false", 5) == 0)
        return hist_bool(e->h, false);
    char num[32];
    if (n == 0 || n >= sizeof num) {
        e->p = s;
        return fail(e, "a value (nil, an integer, a string, a keyword, a vector)");
    }
    memcpy(num, s, n);
    num[n] = '\0';
    char *endp;
    long long x = strtoll(num, &endp, 10);
    if (*endp == 'N' && endp[1] == '\0')
        endp++;
    if (*endp != '\0') {
        e->p = s;
        return fail(e, "an integer");
    }
    return hist_int(e->h, (int64_t)x);
}

static const hist_value *parse(edn *e, int depth)
{
    skip_ws(e);
    if (depth > DEPTH_MAX)
        return fail(e, "less nesting");
    if (e->p >= e->end)
        return fail(e, "a value");
    switch (*e->p) {
    case '"': return parse_string(e);
    case '[': return parse_seq(e, ']', depth);
    case '(': return parse_seq(e, ')', depth);
    case '#':   /* a set, #{...}: read as a list (the set model sorts it) */
        if (e->p + 1 < e->end && e->p[1] == '{') {
            e->p++;
            return parse_seq(e, '}', depth);
        }
        return fail(e, "a value ('#' starts only a set, #{...})");
    case '{': return fail(e, "a value that is not a nested map");
    default: return parse_atom(e);
    }
}

typedef struct edn_fields {
    const hist_value *process, *type, *f, *key, *value, *time;
} edn_fields;

/* Parses "{:k v, ...}" into 'fl'; unknown keys are ignored. */
static int parse_map(edn *e, edn_fields *fl)
{
    static const char *const names[] = {"process", "type", "f", "key", "value", "time"};
    const hist_value **slots[] = {&fl->process, &fl->type, &fl->f, &fl->key, &fl->value,
                                  &fl->time};
    *fl = (edn_fields){0};
    if (*e->p != '{')
        return fail(e, "a map '{'"), -1;
    e->p++;
    for (;;) {
        skip_ws(e);
        if (e->p < e->end && *e->p == '}') {
            e->p++;
            break;
        }
        if (e->p >= e->end || *e->p != ':')
            return fail(e, "a keyword key or '}'"), -1;
        const hist_value *k = parse_atom(e);
        const hist_value *v = k ? parse(e, 1) : NULL;
        if (v == NULL)
            return -1;
        for (int i = 0; i < 6; i++)
            if (strcmp(k->s, names[i]) == 0)
                *slots[i] = v;
    }
    return 0;
}

static int type_of(const hist_value *v, hist_type *t)
{
    static const char *const names[] = {"invoke", "ok", "fail", "info"};
    if (v == NULL || v->kind != HIST_KEYWORD)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(v->s, names[i]) == 0) {
            *t = (hist_type)i;
            return 0;
        }
    return -1;
}

/* One map at 'e->p'; leaves 'e->p' after it. */
static int edn_map(edn *e)
{
    edn_fields fl;
    const char *map_start = e->p;
    if (parse_map(e, &fl) != 0)
        return -1;
    const char *after = e->p;
    e->p = map_start;   /* errors below point at the map */
    if (fl.process != NULL && fl.process->kind == HIST_KEYWORD) {
        e->p = after;
        return 0;   /* :nemesis and friends: not a client operation */
    }
    hist_type t;
    const char *why = NULL;
    if (fl.process == NULL || fl.process->kind != HIST_INT)
        why = ":process an integer";
    else if (type_of(fl.type, &t) != 0)
        why = ":type one of :invoke :ok :fail :info";
    else if (fl.f == NULL || (fl.f->kind != HIST_KEYWORD && fl.f->kind != HIST_STR))
        why = ":f a keyword";
    else if (fl.key != NULL && fl.key->kind != HIST_STR && fl.key->kind != HIST_INT &&
             fl.key->kind != HIST_KEYWORD)
        why = ":key a string, keyword or integer";
    else if (fl.time != NULL && fl.time->kind != HIST_INT)
        why = ":time an integer";
    if (why != NULL)
        return fail(e, why), -1;
    char keybuf[32];
    const char *key = NULL;
    if (fl.key != NULL && fl.key->kind == HIST_INT) {
        snprintf(keybuf, sizeof keybuf, "%lld", (long long)fl.key->i);
        key = keybuf;
    } else if (fl.key != NULL)
        key = fl.key->s;
    if (hist_add(e->h, fl.process->i, t, fl.f->s, key, fl.value,
                 fl.time ? fl.time->i : -1, e->line) != 0)
        return fail(e, "less input (out of memory)"), -1;
    e->p = after;
    return 0;
}

/* One line: a map, or (inside a vector of maps) any number of maps and
** the vector's brackets. '*vec': 0 no vector, 1 inside, 2 closed. */
static int edn_line(edn *e, int *vec, bool first)
{
    for (;;) {
        skip_ws(e);
        if (e->p >= e->end || *e->p == ';')
            return 0;
        if (*vec == 2)
            return fail(e, "nothing after the vector's closing ']'"), -1;
        if (*e->p == '[' && *vec == 0 && first) {
            *vec = 1;
            e->p++;
            continue;
        }
        if (*e->p == ']' && *vec == 1) {
            *vec = 2;
            e->p++;
            continue;
        }
        if (edn_map(e) != 0)
            return -1;
        skip_ws(e);
        if (*vec == 0 && e->p < e->end && *e->p != ';')
            return fail(e, "the end of the line after the map"), -1;
    }
}

/* Jepsen 'independent' histories: see the file comment. */
static int split_tuples(hist *h)
{
    bool all_pairs = h->count > 0, only_int_cas = true;
    for (size_t i = 0; i < h->count && all_pairs; i++) {
        const hist_event *ev = &h->events[i];
        const hist_value *v = ev->value;
        if (ev->key != NULL || v->kind != HIST_LIST || v->len != 2 || strcmp(ev->f, "txn") == 0)
            all_pairs = false;   /* a transaction of two micro-operations is no tuple */
        else if (strcmp(ev->f, "cas") != 0 || v->items[0]->kind != HIST_INT ||
                 v->items[1]->kind != HIST_INT)
            only_int_cas = false;
    }
    if (!all_pairs || only_int_cas)
        return 0;
    char keybuf[32];
    for (size_t i = 0; i < h->count; i++) {
        hist_event *ev = &h->events[i];
        const hist_value *k = ev->value->items[0];
        const char *ks = k->s;
        if (k->kind == HIST_INT) {
            snprintf(keybuf, sizeof keybuf, "%lld", (long long)k->i);
            ks = keybuf;
        } else if (k->kind != HIST_STR && k->kind != HIST_KEYWORD) {
            char vb[64];
            hist_value_format(k, vb, sizeof vb);
            ks = vb;
            ev->key = hist_intern(h, vb, strlen(vb));
        }
        if (ev->key == NULL)
            ev->key = hist_intern(h, ks, strlen(ks));
        ev->value = ev->value->items[1];
        if (ev->key == NULL)
            return -1;
    }
    return 0;
}

int hist_read_edn(hist *h, const char *text, size_t len, char *err, size_t cap)
{
    edn e = {.h = h, .err = err, .cap = cap};
    int vec = 0;
    if (cap > 0)
        err[0] = '\0';
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        e.line++;
        e.start = e.p = text + i;
        e.end = text + end;
        if (edn_line(&e, &vec, h->count == 0 && vec == 0) != 0)
            return -1;
        i = end + 1;
    }
    if (vec == 1) {
        hist_error(err, cap, h->source, e.line, "expected the vector's closing ']'");
        return -1;
    }
    if (split_tuples(h) != 0) {
        hist_error(err, cap, h->source, 0, "out of memory");
        return -1;
    }
    return 0;
}
