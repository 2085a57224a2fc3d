/*
** hist.c — the history container: arena, interned strings, hash-consed
** values, events, and the pairing of invocations with completions.
**
** Memory: everything a history owns lives in 'hist_arena': a chain of
** blocks that never move (so interned pointers stay valid) plus the growable
** 'events' array. Two open-addressing tables (power-of-two sizes, load at
** most 1/2) give interning: 'strs' maps text to its one copy, 'vals' maps a
** value's content to its one node. Values are built bottom-up, so a list's
** items are already canonical and a list is hashed by its items' ids.
*/
#include "check_assert.h"
#include "hist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist_internal.h"

enum { BLOCK_SIZE = 64 * 1024 };

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} block;

typedef struct slot_str { const char *s; size_t len; uint64_t hash; } slot_str;

struct hist_arena {
    block *blocks;
    slot_str *strs; size_t strs_cap, strs_count;
    const hist_value **vals; size_t vals_cap, vals_count;
    size_t events_cap;
    const hist_value *nil;
};

/* 8 bytes per round (multiply-xorshift); used for every interned string,
** so its speed matters to models that build strings (kv appends). */
static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    h ^= 0x9e3779b97f4a7c15ULL + n;
    for (; n >= 8; n -= 8, b += 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t t = 0;
    memcpy(&t, b, n);
    h = (h ^ t) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Bump allocation from the block chain; big requests get their own block. */
void *hist_alloc(hist *h, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    CHECK_ASSERT(size % 16 == 0);   /* every allocation stays 16-byte aligned */
    block *b = h->arena->blocks;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        block *nb = malloc(sizeof(block) + cap);
        if (nb == NULL)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b != NULL && size > BLOCK_SIZE) {   /* keep the current block on top */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            h->arena->blocks = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    CHECK_ASSERT(b->used <= b->cap);
    return p;
}

static int strs_grow(hist_arena *a)
{
    size_t cap = a->strs_cap ? a->strs_cap * 2 : 256;
    slot_str *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < a->strs_cap; i++) {
        if (a->strs[i].s == NULL)
            continue;
        size_t j = a->strs[i].hash & (cap - 1);
        while (t[j].s != NULL)
            j = (j + 1) & (cap - 1);
        t[j] = a->strs[i];
    }
    free(a->strs);
    a->strs = t;
    a->strs_cap = cap;
    CHECK_ASSERT((cap & (cap - 1)) == 0);   /* a power of two: masks index it */
    CHECK_ASSERT(2 * a->strs_count < cap);
    return 0;
}

const char *hist_intern(hist *h, const char *s, size_t len)
{
    hist_arena *a = h->arena;
    if (2 * (a->strs_count + 1) > a->strs_cap && strs_grow(a) != 0)
        return NULL;
    CHECK_ASSERT(s != NULL || len == 0);
    CHECK_ASSERT(a->strs_count < a->strs_cap);   /* probing ends at an empty slot */
    uint64_t hash = hash_bytes(s, len, 0);
    size_t j = hash & (a->strs_cap - 1);
    for (; a->strs[j].s != NULL; j = (j + 1) & (a->strs_cap - 1)) {
        slot_str *e = &a->strs[j];
        if (e->hash == hash && e->len == len && memcmp(e->s, s, len) == 0)
            return e->s;
    }
    char *copy = hist_alloc(h, len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    a->strs[j] = (slot_str){copy, len, hash};
    a->strs_count++;
    return copy;
}

static uint64_t value_hash(const hist_value *v)
{
    uint64_t h = mix64((uint64_t)v->kind * 0x9e3779b97f4a7c15ULL ^ (uint64_t)v->i);
    h ^= mix64((uint64_t)(uintptr_t)v->s + v->len);
    for (size_t i = 0; v->kind == HIST_LIST && i < v->len; i++)
        h = mix64(h ^ v->items[i]->id);
    return h;
}

static bool value_same(const hist_value *a, const hist_value *b)
{
    CHECK_ASSERT(a != NULL);
    CHECK_ASSERT(b != NULL);
    if (a->kind != b->kind || a->i != b->i || a->s != b->s || a->len != b->len)
        return false;
    if (a->kind == HIST_LIST)
        for (size_t i = 0; i < a->len; i++)
            if (a->items[i] != b->items[i])
                return false;
    return true;
}

static int vals_grow(hist_arena *a)
{
    size_t cap = a->vals_cap ? a->vals_cap * 2 : 256;
    const hist_value **t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < a->vals_cap; i++) {
        if (a->vals[i] == NULL)
            continue;
        size_t j = value_hash(a->vals[i]) & (cap - 1);
        while (t[j] != NULL)
            j = (j + 1) & (cap - 1);
        t[j] = a->vals[i];
    }
    free(a->vals);
    a->vals = t;
    a->vals_cap = cap;
    CHECK_ASSERT((cap & (cap - 1)) == 0);   /* a power of two: masks index it */
    CHECK_ASSERT(2 * a->vals_count < cap);
    return 0;
}

/* Returns the canonical node equal to 'proto' (items already canonical),
** copying 'proto' (and its item array) into the arena when it is new. */
static const hist_value *value_intern(hist *h, const hist_value *proto)
{
    hist_arena *a = h->arena;
    if (2 * (a->vals_count + 1) > a->vals_cap && vals_grow(a) != 0)
        return NULL;
    CHECK_ASSERT(a->vals_count < a->vals_cap);   /* probing ends at an empty slot */
    size_t j = value_hash(proto) & (a->vals_cap - 1);
    for (; a->vals[j] != NULL; j = (j + 1) & (a->vals_cap - 1))
        if (value_same(a->vals[j], proto))
            return a->vals[j];
    hist_value *v = hist_alloc(h, sizeof *v);
    if (v == NULL)
        return NULL;
    *v = *proto;
    v->id = (uint32_t)a->vals_count;
    if (proto->kind == HIST_LIST && proto->len > 0) {
        const hist_value **items = hist_alloc(h, proto->len * sizeof *items);
        if (items == NULL)
            return NULL;
        memcpy(items, proto->items, proto->len * sizeof *items);
        v->items = items;
    }
    a->vals[j] = v;
    a->vals_count++;
    CHECK_ASSERT(v->id + 1 == a->vals_count);   /* ids are dense, in order of first sight */
    return v;
}

const hist_value *hist_nil(hist *h) { return h->arena->nil; }

const hist_value *hist_bool(hist *h, bool b)
{
    return value_intern(h, &(hist_value){.kind = HIST_BOOL, .i = b});
}

const hist_value *hist_int(hist *h, int64_t i)
{
    return value_intern(h, &(hist_value){.kind = HIST_INT, .i = i});
}

static const hist_value *text_value(hist *h, hist_kind kind, const char *s, size_t len)
{
    const char *in = hist_intern(h, s, len);
    if (in == NULL)
        return NULL;
    return value_intern(h, &(hist_value){.kind = kind, .s = in, .len = len});
}

const hist_value *hist_str(hist *h, const char *s, size_t len)
{
    return text_value(h, HIST_STR, s, len);
}

const hist_value *hist_keyword(hist *h, const char *s, size_t len)
{
    return text_value(h, HIST_KEYWORD, s, len);
}

const hist_value *hist_list(hist *h, const hist_value *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK_ASSERT(items[i] != NULL);
    return value_intern(h, &(hist_value){.kind = HIST_LIST, .len = n, .items = items});
}

hist *hist_new(const char *source)
{
    hist *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->arena = calloc(1, sizeof *h->arena);
    if (h->arena == NULL) {
        free(h);
        return NULL;
    }
    h->arena->nil = value_intern(h, &(hist_value){.kind = HIST_NIL});
    if (source == NULL)
        source = "history";
    h->source = hist_intern(h, source, strlen(source));
    if (h->arena->nil == NULL || h->source == NULL) {
        hist_free(h);
        return NULL;
    }
    CHECK_ASSERT(h->arena->nil->id == 0);
    return h;
}

void hist_free(hist *h)
{
    if (h == NULL)
        return;
    block *b = h->arena->blocks;
    while (b != NULL) {
        block *next = b->next;
        free(b);
        b = next;
    }
    free(h->arena->strs);
    free(h->arena->vals);
    free(h->arena);
    free(h->events);
    free(h);
}

int hist_add(hist *h, int64_t process, hist_type type, const char *f, const char *key,
             const hist_value *value, int64_t time, uint32_t line)
{
    hist_arena *a = h->arena;
    if (h->count == a->events_cap) {
        size_t cap = a->events_cap ? a->events_cap * 2 : 256;
        hist_event *ev = realloc(h->events, cap * sizeof *ev);
        if (ev == NULL)
            return -1;
        h->events = ev;
        a->events_cap = cap;
    }
    const char *fi = hist_intern(h, f, strlen(f));
    const char *ki = key ? hist_intern(h, key, strlen(key)) : NULL;
    if (fi == NULL || (key != NULL && ki == NULL))
        return -1;
    h->events[h->count++] = (hist_event){
        .process = process, .type = type, .f = fi, .key = ki,
        .value = value ? value : a->nil, .time = time, .line = line};
    return 0;
}

int hist_set_node(hist *h, const char *node, size_t len)
{
    CHECK_ASSERT(h->count > 0);
    const char *ni = hist_intern(h, node, len);
    if (ni == NULL)
        return -1;
    h->events[h->count - 1].node = ni;
    return 0;
}

const char *hist_type_name(hist_type t)
{
    static const char *const names[] = {"invoke", "ok", "fail", "info"};
    CHECK_ASSERT((unsigned)t < 4);
    return names[t];
}

/* snprintf-like append: advances '*n' by what was needed. */
static void put(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*n < cap ? buf + *n : NULL, *n < cap ? cap - *n : 0, fmt, ap);
    va_end(ap);
    if (k > 0)
        *n += (size_t)k;
}

static void format_rec(const hist_value *v, char *buf, size_t cap, size_t *n)
{
    switch (v->kind) {
    case HIST_NIL: put(buf, cap, n, "null"); break;
    case HIST_BOOL: put(buf, cap, n, v->i ? "true" : "false"); break;
    case HIST_INT: put(buf, cap, n, "%lld", (long long)v->i); break;
    case HIST_KEYWORD: put(buf, cap, n, "\":%s\"", v->s); break;
    case HIST_STR:
        put(buf, cap, n, "\"");
        for (size_t i = 0; i < v->len; i++) {
            unsigned char c = (unsigned char)v->s[i];
            if (c == '"' || c == '\\')
                put(buf, cap, n, "\\%c", c);
            else if (c < 0x20)
                put(buf, cap, n, "\\u%04x", c);
            else
                put(buf, cap, n, "%c", c);
        }
        put(buf, cap, n, "\"");
        break;
    case HIST_LIST:
        put(buf, cap, n, "[");
        for (size_t i = 0; i < v->len; i++) {
            if (i > 0)
                put(buf, cap, n, ",");
            format_rec(v->items[i], buf, cap, n);
        }
        put(buf, cap, n, "]");
        break;
    }
}

size_t hist_value_format(const hist_value *v, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap > 0)
        buf[0] = '\0';
    format_rec(v, buf, cap, &n);
    return n;
}

int hist_format_parse(const char *name, hist_format *out)
{
    static const char *const names[] = {"auto", "json", "edn", "etcd", "kv"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (hist_format)i;
            return 0;
        }
    return -1;
}

const char *hist_format_name(hist_format fmt)
{
    static const char *const names[] = {"auto", "json", "edn", "etcd", "kv"};
    CHECK_ASSERT((unsigned)fmt < 5);
    return names[fmt];
}

void hist_error(char *err, size_t cap, const char *source, uint32_t line, const char *fmt, ...)
{
    if (cap == 0)
        return;
    int k = line ? snprintf(err, cap, "%s:%u: ", source, line)
                 : snprintf(err, cap, "%s: ", source);
    if (k < 0 || (size_t)k >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + k, cap - (size_t)k, fmt, ap);
    va_end(ap);
}
