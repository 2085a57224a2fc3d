/*
** hist_json.c — the dsim JSON-lines reader (DESIGN.md, "History format").
**
** One JSON object per line: "process" (integer), "type" (invoke, ok, fail,
** info), "f" (string), optional "key" (string or integer), optional "value"
** (null, boolean, integer, string or array of these), optional "time"
** (integer nanoseconds), optional "node" (a string: the node that served
** the operation, for reports; other types are ignored). Blank lines are skipped; anything else is bad
** input reported with its line.
**
** Lines in exactly the shape dsim itself writes (history.c: the keys in
** that order, "node" last when present, plain strings, a value that is
** null, an integer, a plain string or a list of these, nested up to four
** deep: the register and txn workloads) take a fast path that reads them
** without building a JSON tree;
** anything else, however slight the difference, goes to jansson. Both
** paths give the same event, so the fast one changes speed only. In the
** Raft fuzz benchmark the JSON reader was a third of all the time.
*/
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "hist_internal.h"

/* JSON -> canonical value; NULL with 'err' set when the JSON holds
** something a history value cannot (a real number, an object). */
static const hist_value *to_value(hist *h, json_t *j, uint32_t line, char *err, size_t cap)
{
    switch (json_typeof(j)) {
    case JSON_NULL: return hist_nil(h);
    case JSON_TRUE: return hist_bool(h, true);
    case JSON_FALSE: return hist_bool(h, false);
    case JSON_INTEGER: return hist_int(h, (int64_t)json_integer_value(j));
    case JSON_STRING: return hist_str(h, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        const hist_value *small[16];
        const hist_value **items = n <= 16 ? small : hist_alloc(h, n * sizeof *items);
        if (items == NULL)
            break;
        for (size_t i = 0; i < n; i++) {
            items[i] = to_value(h, json_array_get(j, i), line, err, cap);
            if (items[i] == NULL)
                return NULL;
        }
        return hist_list(h, items, n);
    }
    default:
        hist_error(err, cap, h->source, line,
                   "expected a value that is null, a boolean, an integer, a string or an array");
        return NULL;
    }
    hist_error(err, cap, h->source, line, "out of memory");
    return NULL;
}

static int parse_type(const char *s, hist_type *t)
{
    static const char *const names[] = {"invoke", "ok", "fail", "info"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *t = (hist_type)i;
            return 0;
        }
    return -1;
}

/* ---- the fast path ------------------------------------------------------- */

static bool lit(const char **p, const char *e, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(e - *p) < n || memcmp(*p, s, n) != 0)
        return false;
    *p += n;
    return true;
}

/* An integer of at most 18 digits (no overflow possible), optional '-'. */
static bool num(const char **p, const char *e, int64_t *out)
{
    const char *q = *p;
    bool neg = q < e && *q == '-';
    q += neg;
    const char *d = q;
    uint64_t v = 0;   /* wraps past 19 digits: those are refused below */
    while (q < e && (unsigned char)(*q - '0') < 10)
        v = v * 10 + (uint64_t)(*q++ - '0');
    size_t digits = (size_t)(q - d);
    if (digits == 0 || digits > 18 || (digits > 1 && *d == '0'))
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *p = q;
    return true;
}

/* A string without escapes, up to the closing quote, copied NUL-terminated. */
static bool plain_str(const char **p, const char *e, char *buf, size_t cap)
{
    size_t n = 0;
    const char *q = *p;
    while (q < e && *q != '"') {
        if (*q == '\\' || (unsigned char)*q < 0x20 || n + 1 >= cap)
            return false;
        buf[n++] = *q++;
    }
    if (q == e)
        return false;
    buf[n] = 0;
    *p = q + 1;
    return true;
}

enum { FAST_DEPTH_MAX = 4, FAST_ITEMS_MAX = 256 };

/* null | integer | "plain string" | [value,value,...] (no spaces, at most
** FAST_DEPTH_MAX deep and FAST_ITEMS_MAX items a list: the shapes of
** dsim's register and txn histories). NULL: not this shape. */
static const hist_value *fast_value(hist *h, const char **p, const char *e, int depth)
{
    int64_t a;
    if (lit(p, e, "null"))
        return hist_nil(h);
    if (lit(p, e, "\"")) {
        char buf[64];
        return plain_str(p, e, buf, sizeof buf) ? hist_str(h, buf, strlen(buf)) : NULL;
    }
    if (lit(p, e, "[")) {
        const hist_value *items[FAST_ITEMS_MAX];
        size_t n = 0;
        if (depth >= FAST_DEPTH_MAX)
            return NULL;
        if (lit(p, e, "]"))
            return hist_list(h, NULL, 0);
        do {
            if (n == FAST_ITEMS_MAX || (items[n] = fast_value(h, p, e, depth + 1)) == NULL)
                return NULL;
            n++;
        } while (lit(p, e, ","));
        return lit(p, e, "]") ? hist_list(h, items, n) : NULL;
    }
    return num(p, e, &a) ? hist_int(h, a) : NULL;
}

/* Returns 0 when the line had dsim's own shape and was added, 1 when it
** must go to the general reader, -1 when out of memory. */
static int fast_line(hist *h, const char *s, size_t n, uint32_t line)
{
    const char *p = s, *e = s + n;
    int64_t process, t;
    char type_s[8], f[64], key[64];
    hist_type type;
    bool has_key = false;
    if (!lit(&p, e, "{\"process\":") || !num(&p, e, &process) || !lit(&p, e, ",\"type\":\"") ||
        !plain_str(&p, e, type_s, sizeof type_s) || parse_type(type_s, &type) != 0 ||
        !lit(&p, e, ",\"f\":\"") || !plain_str(&p, e, f, sizeof f))
        return 1;
    if (lit(&p, e, ",\"key\":\"")) {
        if (!plain_str(&p, e, key, sizeof key))
            return 1;
        has_key = true;
    }
    if (!lit(&p, e, ",\"value\":"))
        return 1;
    const hist_value *val = fast_value(h, &p, e, 0);
    if (val == NULL)
        return 1;   /* not the shape (or out of memory: the general reader says) */
    if (!lit(&p, e, ",\"time\":") || !num(&p, e, &t))
        return 1;
    char node[32];
    bool has_node = false;
    if (lit(&p, e, ",\"node\":\"")) {
        if (!plain_str(&p, e, node, sizeof node))
            return 1;
        has_node = true;
    }
    if (!lit(&p, e, "}") || p != e)
        return 1;
    if (hist_add(h, process, type, f, has_key ? key : NULL, val, t, line) != 0)
        return -1;
    return !has_node || hist_set_node(h, node, strlen(node)) == 0 ? 0 : -1;
}

/* ---- the general path -------------------------------------------------- */

/* Parses one object line into an event; returns 0 or -1 with 'err'. */
static int json_line(hist *h, const char *s, size_t n, uint32_t line, char *err, size_t cap)
{
    json_error_t je;
    json_t *o = json_loadb(s, n, 0, &je);
    if (o == NULL || !json_is_object(o)) {
        hist_error(err, cap, h->source, line, "expected a JSON object (%s)",
                   o == NULL ? je.text : "got another JSON value");
        json_decref(o);
        return -1;
    }
    json_t *p = json_object_get(o, "process"), *ty = json_object_get(o, "type");
    json_t *f = json_object_get(o, "f"), *k = json_object_get(o, "key");
    json_t *v = json_object_get(o, "value"), *tm = json_object_get(o, "time");
    hist_type type;
    const char *why = NULL;
    char keybuf[32];
    const char *key = NULL;
    if (!json_is_integer(p))
        why = "expected \"process\": an integer";
    else if (!json_is_string(ty) || parse_type(json_string_value(ty), &type) != 0)
        why = "expected \"type\": \"invoke\", \"ok\", \"fail\" or \"info\"";
    else if (!json_is_string(f))
        why = "expected \"f\": a string";
    else if (tm != NULL && !json_is_integer(tm) && !json_is_null(tm))
        why = "expected \"time\": integer nanoseconds";
    else if (k != NULL && json_is_string(k))
        key = json_string_value(k);
    else if (k != NULL && json_is_integer(k)) {
        snprintf(keybuf, sizeof keybuf, "%lld", (long long)json_integer_value(k));
        key = keybuf;
    } else if (k != NULL && !json_is_null(k))
        why = "expected \"key\": a string or an integer";
    if (why != NULL) {
        hist_error(err, cap, h->source, line, "%s", why);
        json_decref(o);
        return -1;
    }
    const hist_value *val = v ? to_value(h, v, line, err, cap) : hist_nil(h);
    int rc = -1;
    if (val != NULL) {
        int64_t t = json_is_integer(tm) ? (int64_t)json_integer_value(tm) : -1;
        rc = hist_add(h, (int64_t)json_integer_value(p), type, json_string_value(f), key,
                      val, t, line);
        json_t *nd = json_object_get(o, "node");
        if (rc == 0 && json_is_string(nd))
            rc = hist_set_node(h, json_string_value(nd), json_string_length(nd));
        if (rc != 0)
            hist_error(err, cap, h->source, line, "out of memory");
    }
    json_decref(o);
    return rc;
}

int hist_read_json(hist *h, const char *text, size_t len, char *err, size_t cap)
{
    uint32_t line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        size_t b = i;
        while (b < end && (text[b] == ' ' || text[b] == '\t' || text[b] == '\r'))
            b++;
        if (b < end) {
            int fast = fast_line(h, text + b, end - b, line);
            if (fast < 0) {
                hist_error(err, cap, h->source, line, "out of memory");
                return -1;
            }
            if (fast > 0 && json_line(h, text + b, end - b, line, err, cap) != 0)
                return -1;
        }
        i = end + 1;
    }
    return 0;
}
