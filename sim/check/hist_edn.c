/*
** hist_edn.c — the EDN reader: what Jepsen and Knossos write (also
** Porcupine's KV logs).
**
** Shapes taken, in any mix: one map per line (Jepsen's history.edn of old,
** Porcupine); a vector or list of maps, a map spread over several lines
** (Knossos's data/ folder); records 'Jepsen 0.3' prints as tagged maps
** (#jepsen.history.Op{...}). Comments (';' to the end of the line), the
** discard form '#_', commas as white space. Values: nil, true/false,
** integers (with an optional 'N'), strings, keywords (with namespaces),
** vectors, lists and sets (#{...}, read as lists).
**
** Values dsim's models cannot hold - maps, floats, ratios, characters,
** symbols, tagged literals such as #inst "..." - are read and kept as an
** "opaque" marker: harmless in fields the reader ignores (:error, :latency,
** a nemesis's :value), an error naming the field when an operation needs it.
** Integers must fit in 64 bits: '99999999999999999999999999999N' is refused,
** never clamped (a clamp would make two different values equal).
**
** Fields used: :process :type :f :value, optional :key, :time and :index;
** others are ignored. Events whose :process is not an integer (the
** :nemesis) are skipped: they are not client operations. Order: file
** order, or :index order when every operation has an integer :index. :time
** is only for display and never makes a history bad.
**
** Independent keys: Jepsen's 'independent' workloads write :value as a
** [k v] tuple. When no event has a :key and every event's value is a
** 2-element vector, and the history is not made only of cas operations on
** integer pairs (a plain cas register also writes [from to]), each event is
** split into key k and value v.
**
** The parser is recursive descent with nesting bounded by 'DEPTH_MAX', so
** hostile input cannot exhaust the stack; every loop advances the input.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist_internal.h"

enum { DEPTH_MAX = 64, ITEMS_MAX = 1 << 20 };

/* The marker of a value read but not representable (see the file comment).
** Its address is the identity; it never reaches an event. */
static const hist_value opaque_value = {.kind = HIST_NIL, .id = UINT32_MAX};
#define OPAQUE (&opaque_value)

typedef struct edn {
    hist *h;
    const char *p, *end;
    const char *line_start;   /* first byte of the current line */
    uint32_t line;            /* 1-based */
    char *err;
    size_t cap;
    int64_t *index;           /* :index per event (INT64_MIN when absent) */
    size_t index_cap;
    bool index_all;           /* every operation so far had an integer :index */
} edn;

static const hist_value *fail(edn *e, const char *what)
{
    if (e->err[0] == '\0')
        hist_error(e->err, e->cap, e->h->source, e->line, "expected %s at column %d", what,
                   (int)(e->p - e->line_start) + 1);
    return NULL;
}

/* White space, commas, newlines (counted) and comments. */
static void skip_ws(edn *e)
{
    while (e->p < e->end) {
        char c = *e->p;
        if (c == '\n') {
            e->p++;
            e->line++;
            e->line_start = e->p;
        } else if (c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\f') {
            e->p++;
        } else if (c == ';') {
            while (e->p < e->end && *e->p != '\n')
                e->p++;
        } else {
            return;
        }
    }
}

static bool sym_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("-_.*+!?/<>=#'$%&:", c) != NULL;
}

static const hist_value *parse(edn *e, int depth);

/* Skips white space and any '#_' discarded forms; NULL on a bad discard. */
static bool skip_ignorable(edn *e, int depth)
{
    for (;;) {
        skip_ws(e);
        if (e->end - e->p < 2 || e->p[0] != '#' || e->p[1] != '_')
            return true;
        e->p += 2;
        if (parse(e, depth + 1) == NULL)
            return false;
    }
}

static void put_utf8(char *b, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        b[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        b[(*n)++] = (char)(0xc0 | (cp >> 6));
        b[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        b[(*n)++] = (char)(0xe0 | (cp >> 12));
        b[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static const hist_value *parse_string(edn *e)
{
    e->p++;   /* opening quote */
    char small[256];
    char *buf = small;
    size_t n = 0, capb = sizeof small;
    const hist_value *v = NULL;
    for (; e->p < e->end && *e->p != '"'; e->p++) {
        if (n + 4 >= capb) {
            char *nb = malloc(capb * 2);
            if (nb == NULL)
                goto out;
            memcpy(nb, buf, n);
            if (buf != small)
                free(buf);
            buf = nb;
            capb *= 2;
        }
        char c = *e->p;
        if (c == '\n') {   /* strings may span lines */
            e->line++;
            e->line_start = e->p + 1;
        }
        if (c == '\\' && e->p + 1 < e->end) {
            c = *++e->p;
            if (c == 'u' && e->end - e->p > 4) {
                char hex[5] = {e->p[1], e->p[2], e->p[3], e->p[4], 0};
                char *endp;
                unsigned long cp = strtoul(hex, &endp, 16);
                if (*endp != '\0') {
                    fail(e, "four hex digits after \\u");
                    goto out;
                }
                put_utf8(buf, &n, (unsigned)cp);
                e->p += 4;
                continue;
            }
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'b' ? '\b'
              : c == 'f' ? '\f' : c;
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

/* A vector, list or set ('open' already seen); a map with 'is_map' (read as
** OPAQUE: see the file comment). Any opaque item makes the whole opaque. */
static const hist_value *parse_seq(edn *e, char close, int depth, bool is_map)
{
    e->p++;
    size_t n = 0, capi = 8;
    const hist_value **items = malloc(capi * sizeof *items);
    const hist_value *v = NULL;
    bool opaque = is_map;
    for (;;) {
        if (items == NULL) {
            fail(e, "less input (out of memory)");
            break;
        }
        if (!skip_ignorable(e, depth))
            break;
        if (e->p >= e->end) {
            fail(e, close == ']' ? "a closing ']'" : close == ')' ? "a closing ')'" : "a closing '}'");
            break;
        }
        if (*e->p == close) {
            e->p++;
            if (is_map && n % 2 != 0)
                fail(e, "a value for every key of the map");
            else
                v = opaque ? OPAQUE : hist_list(e->h, items, n);
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
        opaque = opaque || items[n - 1] == OPAQUE;
    }
    free(items);
    return v;
}

/* An integer (optional sign, optional 'N'), or NULL when 'text' is not one;
** '*range' is set when it is one but does not fit in 64 bits. */
static bool parse_int(const char *text, int64_t *out, bool *range)
{
    char *endp;
    errno = 0;
    long long x = strtoll(text, &endp, 10);
    if (endp == text || (*endp != '\0' && !(*endp == 'N' && endp[1] == '\0')))
        return false;
    *range = errno == ERANGE;
    *out = (int64_t)x;
    return true;
}

static bool number_start(const char *s, size_t n)
{
    return n > 0 && ((s[0] >= '0' && s[0] <= '9') ||
                     (n > 1 && (s[0] == '-' || s[0] == '+') && s[1] >= '0' && s[1] <= '9'));
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
    if (n == 0) {
        e->p = s;
        return fail(e, "a value (nil, an integer, a string, a keyword, a vector, a map)");
    }
    if (n == 3 && memcmp(s, "nil", 3) == 0)
        return hist_nil(e->h);
    if (n == 4 && memcmp(s, "true", 4) == 0)
        return hist_bool(e->h, true);
    if (n == 5 && memcmp(s, "false", 5) == 0)
        return hist_bool(e->h, false);
    if (!number_start(s, n))
        return OPAQUE;   /* a symbol */
    char num[64];
    if (n >= sizeof num) {
        bool digits = true;
        for (size_t i = 1; i < n; i++)
            digits = digits && ((s[i] >= '0' && s[i] <= '9') || (i == n - 1 && s[i] == 'N'));
        if (!digits)
            return OPAQUE;   /* a long float or ratio */
        e->p = s;
        return fail(e, "an integer that fits in 64 bits (dsim's histories hold 64-bit "
                       "integers; a longer one is refused, never rounded)");
    }
    memcpy(num, s, n);
    num[n] = '\0';
    int64_t x;
    bool range = false;
    if (!parse_int(num, &x, &range))
        return OPAQUE;   /* a float (1.5, 1e3, 2M) or a ratio (1/2) */
    if (range) {
        e->p = s;
        return fail(e, "an integer that fits in 64 bits (dsim's histories hold 64-bit "
                       "integers; a longer one is refused, never rounded)");
    }
    return hist_int(e->h, x);
}

static const hist_value *parse(edn *e, int depth)
{
    if (depth > DEPTH_MAX)
        return fail(e, "less nesting");
    if (!skip_ignorable(e, depth))
        return NULL;
    if (e->p >= e->end)
        return fail(e, "a value");
    switch (*e->p) {
    case '"': return parse_string(e);
    case '[': return parse_seq(e, ']', depth, false);
    case '(': return parse_seq(e, ')', depth, false);
    case '{': return parse_seq(e, '}', depth, true);
    case '\\':   /* a character: \a, \newline, \u0041 */
        e->p++;
        while (e->p < e->end && sym_char(*e->p))
            e->p++;
        return OPAQUE;
    case '#':
        if (e->p + 1 < e->end && e->p[1] == '{') {   /* a set: read as a list */
            e->p++;
            return parse_seq(e, '}', depth, false);
        }
        if (e->p + 1 < e->end && (e->p[1] == '#' || e->p[1] == '"')) {
            e->p++;   /* ##Inf, ##NaN; #"regex" */
            return parse(e, depth + 1) ? OPAQUE : NULL;
        }
        /* a tagged literal: #inst "...", #uuid "...", #my.ns/Record{...} */
        e->p++;
        if (e->p >= e->end || !sym_char(*e->p) || *e->p == '#')
            return fail(e, "a tag after '#' (#inst \"...\", #{...}, #_ ...)");
        while (e->p < e->end && sym_char(*e->p))
            e->p++;
        return parse(e, depth + 1) ? OPAQUE : NULL;
    case ']': case ')': case '}':
        return fail(e, "a value, not a closing bracket");
    default: return parse_atom(e);
    }
}

/* --- events ---------------------------------------------------------------- */

typedef struct edn_fields {
    const hist_value *process, *type, *f, *key, *value, *time, *index;
} edn_fields;

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

/* The fields of one operation map ('{' at e->p); unknown keys ignored. */
static int parse_event_map(edn *e, edn_fields *fl, int depth)
{
    static const char *const names[] = {"process", "type", "f", "key", "value", "time", "index"};
    const hist_value **slots[] = {&fl->process, &fl->type, &fl->f, &fl->key, &fl->value,
                                  &fl->time, &fl->index};
    *fl = (edn_fields){0};
    e->p++;
    for (;;) {
        if (!skip_ignorable(e, depth))
            return -1;
        if (e->p < e->end && *e->p == '}') {
            e->p++;
            return 0;
        }
        if (e->p >= e->end)
            return fail(e, "a closing '}' of the operation map"), -1;
        const hist_value *k = parse(e, depth + 1);
        if (k == NULL)
            return -1;
        if (!skip_ignorable(e, depth))
            return -1;
        if (e->p >= e->end || *e->p == '}')
            return fail(e, "a value after the key"), -1;
        const hist_value *v = parse(e, depth + 1);
        if (v == NULL)
            return -1;
        if (k == OPAQUE || k->kind != HIST_KEYWORD)
            continue;
        for (int i = 0; i < 7; i++)
            if (strcmp(k->s, names[i]) == 0)
                *slots[i] = v;
    }
}

static int remember_index(edn *e, const hist_value *index)
{
    size_t at = e->h->count - 1;
    if (at >= e->index_cap) {
        size_t cap = e->index_cap ? 2 * e->index_cap : 256;
        int64_t *ni = realloc(e->index, cap * sizeof *ni);
        if (ni == NULL)
            return -1;
        e->index = ni;
        e->index_cap = cap;
    }
    bool has = index != NULL && index != OPAQUE && index->kind == HIST_INT;
    e->index[at] = has ? index->i : INT64_MIN;
    e->index_all = e->index_all && has;
    return 0;
}

/* One operation: a map at e->p (after an optional tag). */
static int edn_event(edn *e, int depth)
{
    uint32_t line = e->line;
    uint32_t at_col = (uint32_t)(e->p - e->line_start) + 1;
    edn_fields fl;
    if (parse_event_map(e, &fl, depth) != 0)
        return -1;
    if (fl.process != NULL && fl.process != OPAQUE && fl.process->kind == HIST_KEYWORD)
        return 0;   /* :nemesis and friends: not a client operation */
    hist_type t;
    const char *why = NULL;
    if (fl.process == NULL || fl.process == OPAQUE || fl.process->kind != HIST_INT)
        why = ":process an integer";
    else if (fl.type == OPAQUE || type_of(fl.type, &t) != 0)
        why = ":type one of :invoke :ok :fail :info";
    else if (fl.f == NULL || fl.f == OPAQUE ||
             (fl.f->kind != HIST_KEYWORD && fl.f->kind != HIST_STR))
        why = ":f a keyword";
    else if (fl.key != NULL && (fl.key == OPAQUE || (fl.key->kind != HIST_STR &&
             fl.key->kind != HIST_INT && fl.key->kind != HIST_KEYWORD)))
        why = ":key a string, keyword or integer";
    else if (fl.value == OPAQUE)
        why = ":value nil, a boolean, an integer, a string, a keyword or a vector of these "
              "(maps, floats and tagged values are not values dsim's models hold)";
    if (why != NULL) {
        if (e->err[0] == '\0')
            hist_error(e->err, e->cap, e->h->source, line,
                       "expected %s in the operation map at column %u", why, at_col);
        return -1;
    }
    char keybuf[32];
    const char *key = NULL;
    if (fl.key != NULL && fl.key->kind == HIST_INT) {
        snprintf(keybuf, sizeof keybuf, "%lld", (long long)fl.key->i);
        key = keybuf;
    } else if (fl.key != NULL) {
        key = fl.key->s;
    }
    /* :time is for display only: a time that is not an integer is dropped */
    int64_t time = fl.time != NULL && fl.time != OPAQUE && fl.time->kind == HIST_INT ? fl.time->i : -1;
    if (hist_add(e->h, fl.process->i, t, fl.f->s, key, fl.value, time, line) != 0 ||
        remember_index(e, fl.index) != 0)
        return fail(e, "less input (out of memory)"), -1;
    return 0;
}

/* An operation, with an optional record tag (#jepsen.history.Op{...}). */
static int edn_op(edn *e, int depth)
{
    if (e->p < e->end && *e->p == '#' && e->p + 1 < e->end && e->p[1] != '{' &&
        e->p[1] != '_') {
        e->p++;
        while (e->p < e->end && sym_char(*e->p))
            e->p++;
        if (!skip_ignorable(e, depth))
            return -1;
    }
    if (e->p >= e->end || *e->p != '{')
        return fail(e, "an operation map '{' (Jepsen's {:process 0, :type :invoke, ...})"), -1;
    return edn_event(e, depth);
}

/* A top-level vector or list of operations ('[' or '(' at e->p). */
static int edn_ops(edn *e)
{
    char close = *e->p == '[' ? ']' : ')';
    e->p++;
    for (;;) {
        if (!skip_ignorable(e, 1))
            return -1;
        if (e->p >= e->end)
            return fail(e, close == ']' ? "a closing ']' of the history" :
                                          "a closing ')' of the history"), -1;
        if (*e->p == close) {
            e->p++;
            return 0;
        }
        if (edn_op(e, 1) != 0)
            return -1;
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

typedef struct by_index { int64_t index; size_t pos; } by_index;

static int cmp_index(const void *a, const void *b)
{
    const by_index *x = a, *y = b;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* When every operation has an :index, orders them by it (ties by position). */
static int order_by_index(edn *e)
{
    hist *h = e->h;
    if (!e->index_all || h->count < 2)
        return 0;
    by_index *order = malloc(h->count * sizeof *order);
    hist_event *copy = malloc(h->count * sizeof *copy);
    if (order == NULL || copy == NULL) {
        free(order);
        free(copy);
        return -1;
    }
    for (size_t i = 0; i < h->count; i++)
        order[i] = (by_index){e->index[i], i};
    qsort(order, h->count, sizeof *order, cmp_index);
    memcpy(copy, h->events, h->count * sizeof *copy);
    for (size_t i = 0; i < h->count; i++)
        h->events[i] = copy[order[i].pos];
    free(order);
    free(copy);
    return 0;
}

int hist_read_edn(hist *h, const char *text, size_t len, char *err, size_t cap)
{
    edn e = {.h = h, .err = err, .cap = cap, .p = text, .end = text + len, .line_start = text,
             .line = 1, .index_all = true};
    if (cap > 0)
        err[0] = '\0';
    int rc = 0;
    while (rc == 0) {
        if (!skip_ignorable(&e, 0)) {
            rc = -1;
            break;
        }
        if (e.p >= e.end)
            break;
        if (*e.p == '[' || *e.p == '(')
            rc = edn_ops(&e);
        else
            rc = edn_op(&e, 0);
    }
    if (rc == 0 && (order_by_index(&e) != 0 || split_tuples(h) != 0)) {
        hist_error(err, cap, h->source, 0, "out of memory");
        rc = -1;
    }
    free(e.index);
    return rc;
}

const hist_value *hist_parse_value(hist *h, const char *text, char *err, size_t cap)
{
    size_t len = strlen(text);
    edn e = {.h = h, .err = err, .cap = cap, .p = text, .end = text + len, .line_start = text,
             .line = 0};
    if (cap > 0)
        err[0] = '\0';
    if (strcmp(text, "null") == 0)
        return hist_nil(h);
    const hist_value *v = parse(&e, 0);
    if (v == NULL)
        return NULL;
    skip_ws(&e);
    if (v == OPAQUE || e.p < e.end) {
        hist_error(err, cap, h->source, 0, "expected one value (nil, an integer, a string, a "
                   "keyword or a vector of these), got '%s'", text);
        return NULL;
    }
    return v;
}
