/*
** hist_etcd.c — the reader for Porcupine's Jepsen etcd logs, and the
** format dispatcher 'hist_read' / 'hist_detect'.
**
** A line is "INFO  jepsen.util - P<TAB>:type<TAB>:f<TAB>VALUE" where VALUE
** is nil, an integer, "[a b]" or ":timed-out". The corpus README fixes the
** semantics, which this reader maps onto Jepsen's usual meaning so that the
** models need no etcd special case:
** - ':fail :cas' is a cas that returned false: recorded as an ok cas whose
**   completion value is the boolean false;
** - ':fail :read :timed-out' is a read with an unknown result: info;
** - ':info ... :timed-out' stays info; an invocation never completed stays
**   open (the pairing treats both as "may or may not have happened").
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist_internal.h"

typedef struct cursor { const char *p, *end; } cursor;

static bool eat(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

static void blanks(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static bool integer(cursor *c, int64_t *out)
{
    const char *s = c->p;
    bool neg = c->p < c->end && *c->p == '-';
    if (neg)
        c->p++;
    int64_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && x < INT64_MAX / 16)
        x = x * 10 + (*c->p++ - '0');
    *out = neg ? -x : x;
    return c->p > s + neg;
}

static bool word(cursor *c, const char **s, size_t *n)
{
    *s = c->p;
    while (c->p < c->end && *c->p != '\t' && *c->p != ' ' && *c->p != '\r' && *c->p != ']')
        c->p++;
    *n = (size_t)(c->p - *s);
    return *n > 0;
}

/* VALUE: nil | integer | [a b] | :keyword */
static const hist_value *value(hist *h, cursor *c)
{
    int64_t a, b;
    const char *s;
    size_t n;
    if (eat(c, "nil"))
        return hist_nil(h);
    if (eat(c, "[")) {
        blanks(c);
        if (!integer(c, &a))
            return NULL;
        blanks(c);
        if (!integer(c, &b))
            return NULL;
        blanks(c);
        if (!eat(c, "]"))
            return NULL;
        const hist_value *items[2] = {hist_int(h, a), hist_int(h, b)};
        return items[0] && items[1] ? hist_list(h, items, 2) : NULL;
    }
    if (eat(c, ":"))
        return word(c, &s, &n) ? hist_keyword(h, s, n) : NULL;
    return integer(c, &a) ? hist_int(h, a) : NULL;
}

static int etcd_line(hist *h, cursor *c, uint32_t line, char *err, size_t cap)
{
    static const char *const types[] = {":invoke", ":ok", ":fail", ":info"};
    const char *fs;
    size_t fn;
    int64_t proc;
    int t = -1;
    blanks(c);
    if (!eat(c, "INFO") || (blanks(c), !eat(c, "jepsen.util")) || (blanks(c), !eat(c, "-")) ||
        (blanks(c), !integer(c, &proc))) {
        hist_error(err, cap, h->source, line, "expected 'INFO  jepsen.util - PROCESS'");
        return -1;
    }
    blanks(c);
    for (int i = 0; i < 4 && t < 0; i++)
        if (eat(c, types[i]))
            t = i;
    blanks(c);
    if (t < 0 || !eat(c, ":") || !word(c, &fs, &fn) || fn >= 32) {
        hist_error(err, cap, h->source, line, "expected ':invoke|:ok|:fail|:info :f'");
        return -1;
    }
    blanks(c);
    const hist_value *v = value(h, c);
    blanks(c);
    if (v == NULL || c->p != c->end) {
        hist_error(err, cap, h->source, line, "expected a value: nil, an integer, [a b] or :keyword");
        return -1;
    }
    char f[32];
    memcpy(f, fs, fn);
    f[fn] = '\0';
    hist_type type = (hist_type)t;
    if (type == HIST_FAIL && strcmp(f, "cas") == 0) {
        type = HIST_OK;
        v = hist_bool(h, false);
    } else if (type == HIST_FAIL && v->kind == HIST_KEYWORD) {
        type = HIST_INFO;   /* ':fail :read :timed-out': result unknown */
    }
    if (v == NULL || hist_add(h, proc, type, f, NULL, v, -1, line) != 0) {
        hist_error(err, cap, h->source, line, "out of memory");
        return -1;
    }
    return 0;
}

int hist_read_etcd(hist *h, const char *text, size_t len, char *err, size_t cap)
{
    uint32_t line = 0;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        line++;
        cursor c = {text + i, text + end};
        blanks(&c);
        if (c.p < c.end && etcd_line(h, &c, line, err, cap) != 0)
            return -1;
        i = end + 1;
    }
    return 0;
}

/* The first byte that is not white space or part of a ';' comment line;
** '*line' is its 1-based line. */
static size_t first_meaningful(const char *text, size_t len, uint32_t *line)
{
    size_t i = 0;
    *line = 1;
    while (i < len) {
        char c = text[i];
        if (c == '\n')
            (*line)++;
        if (c == ';' ) {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',')
            break;
        i++;
    }
    return i;
}

static hist_format detect_at(const char *text, size_t len, uint32_t *line)
{
    size_t i = first_meaningful(text, len, line);
    if (len - i >= 4 && memcmp(text + i, "INFO", 4) == 0)
        return HIST_FMT_ETCD;
    if (i < len && (text[i] == '[' || text[i] == '(' || text[i] == '#' || text[i] == ';'))
        return HIST_FMT_EDN;   /* a vector or list of maps, a tagged record */
    if (i < len && text[i] == '{') {
        i++;
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                           text[i] == '\n' || text[i] == ','))
            i++;
        if (i < len && text[i] == ':')
            return HIST_FMT_EDN;
    }
    return HIST_FMT_JSON;
}

hist_format hist_detect(const char *text, size_t len)
{
    uint32_t line;
    return detect_at(text, len, &line);
}

static const char *format_title(hist_format fmt)
{
    switch (fmt) {
    case HIST_FMT_EDN: return "Jepsen EDN";
    case HIST_FMT_ETCD: return "Porcupine's etcd log";
    case HIST_FMT_KV: return "Porcupine's KV log";
    default: return "dsim JSON lines";
    }
}

hist *hist_read(const char *text, size_t len, const char *source, hist_format fmt,
                char *err, size_t err_cap)
{
    hist *h = hist_new(source);
    if (h == NULL) {
        hist_error(err, err_cap, source ? source : "history", 0, "out of memory");
        return NULL;
    }
    bool guessed = fmt == HIST_FMT_AUTO;
    uint32_t guess_line = 0;
    if (guessed)
        fmt = detect_at(text, len, &guess_line);
    int rc = fmt == HIST_FMT_ETCD ? hist_read_etcd(h, text, len, err, err_cap)
           : fmt == HIST_FMT_JSON ? hist_read_json(h, text, len, err, err_cap)
                                  : hist_read_edn(h, text, len, err, err_cap);
    if (rc != 0) {
        size_t n = strnlen(err, err_cap);
        if (guessed && n + 1 < err_cap)
            snprintf(err + n, err_cap - n, " (read as %s, the format guessed from line %u; "
                     "--format json|edn|etcd|kv chooses)", format_title(fmt), guess_line);
        hist_free(h);
        return NULL;
    }
    return h;
}
