/*
** causal_hist.c — builds the causal checker's history (causal.h) from
** operations in memory or from a parsed 'hist'.
**
** Input semantics (issue 4): ok operations count; fail operations are
** dropped; an info (or never completed) write may or may not have happened,
** and it happened iff some ok read returned its value, so unread info
** writes are dropped and read ones are kept at their place in program
** order; info reads tell nothing and are dropped. Written values must be
** unique per key (the history is "differentiated"), and no write may write
** nil, the initial value: otherwise the input is refused.
**
** Invariants of the result: see causal.h. Sessions are ordered by process
** id, so the result does not depend on the order processes first appear.
*/
#include "causal.h"
#include "check_assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a small open-addressing map from nonzero 64-bit keys to uint32 ---- */

typedef struct u64map {
    uint64_t *keys;     /* 0 marks an empty slot */
    uint32_t *vals;
    size_t cap;         /* a power of two, at least twice the count */
} u64map;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31; x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27; x *= 0x81dadef4bc2dd44dULL;
    return x ^ (x >> 33);
}

static int map_init(u64map *m, size_t count)
{
    m->cap = 16;
    while (m->cap < 2 * count + 2)
        m->cap *= 2;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    return m->keys != NULL && m->vals != NULL ? 0 : -1;
}

static void map_free(u64map *m)
{
    free(m->keys);
    free(m->vals);
}

/* The slot of 'k': holding it, or the empty one where it would go. The map
** never fills (cap > 2 * count), so the probe ends. */
static size_t map_slot(const u64map *m, uint64_t k)
{
    CHECK_ASSERT(k != 0);
    size_t j = mix(k) & (m->cap - 1);
    while (m->keys[j] != 0 && m->keys[j] != k)
        j = (j + 1) & (m->cap - 1);
    return j;
}

static uint64_t kv_key(uint32_t key, uint32_t value)
{
    return ((uint64_t)(key + 1) << 32) | value;   /* never 0 */
}

/* --- building ---------------------------------------------------------- */

typedef struct build_ctx {
    const causal_input_op *in;
    size_t n;
    const char *source;
    char *err;
    size_t err_cap;
} build_ctx;

/* qsort has no context argument: sort (process, input index) pairs. */
typedef struct pi { int64_t process; uint32_t i; } pi;

static int cmp_pi(const void *a, const void *b)
{
    const pi *x = a, *y = b;
    if (x->process != y->process)
        return x->process < y->process ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Finds each write's (key, value) slot; refuses duplicates and nil writes.
** On success 'writes' maps (key, value) to the input index of its write. */
static int index_writes(build_ctx *c, u64map *writes)
{
    for (size_t i = 0; i < c->n; i++) {
        const causal_input_op *op = &c->in[i];
        if (!op->is_write)
            continue;
        if (op->value == 0) {
            snprintf(c->err, c->err_cap, "%s:%u: a write of nil (the initial value); "
                     "the causal checker needs every written value to differ from nil",
                     c->source, op->line);
            return -1;
        }
        size_t j = map_slot(writes, kv_key(op->key, op->value));
        if (writes->keys[j] != 0) {
            const causal_input_op *first = &c->in[writes->vals[j]];
            snprintf(c->err, c->err_cap, "%s:%u: key %u value %u is written twice "
                     "(first at line %u); written values must be unique per key",
                     c->source, op->line, op->key, op->value, first->line);
            return -2;   /* the caller rewrites the message with names */
        }
        writes->keys[j] = kv_key(op->key, op->value);
        writes->vals[j] = (uint32_t)i;
    }
    return 0;
}

/* Marks which inputs are kept: every read and ok write, read info writes. */
static void mark_kept(build_ctx *c, const u64map *writes, bool *kept)
{
    for (size_t i = 0; i < c->n; i++)
        kept[i] = !(c->in[i].is_write && c->in[i].info);
    for (size_t i = 0; i < c->n; i++) {
        const causal_input_op *op = &c->in[i];
        if (op->is_write || op->value == 0)
            continue;
        size_t j = map_slot(writes, kv_key(op->key, op->value));
        if (writes->keys[j] != 0)
            kept[writes->vals[j]] = true;
    }
}

static int alloc_history(causal_history *h, uint32_t n_ops, uint32_t n_sessions,
                         uint32_t n_keys)
{
    h->ops = calloc(n_ops + 1, sizeof *h->ops);
    h->loc = calloc(n_ops + 1, sizeof *h->loc);
    h->session_start = calloc(n_sessions + 1, sizeof *h->session_start);
    h->session_ops = calloc(n_ops + 1, sizeof *h->session_ops);
    h->session_process = calloc(n_sessions + 1, sizeof *h->session_process);
    h->key_write_start = calloc(n_keys + 1, sizeof *h->key_write_start);
    h->key_writes = calloc(n_ops + 1, sizeof *h->key_writes);
    h->key_names = calloc(n_keys + 1, sizeof *h->key_names);
    if (!h->ops || !h->loc || !h->session_start || !h->session_ops || !h->session_process ||
        !h->key_write_start || !h->key_writes || !h->key_names)
        return -1;
    h->n_ops = n_ops;
    h->n_sessions = n_sessions;
    h->n_keys = n_keys;
    return 0;
}

/* Sets each read's writer (an id) and the per-key lists of write slots. */
static void link_writes(const u64map *writes, causal_history *h, const uint32_t *id_of,
                        uint32_t *cursor)
{
    for (uint32_t id = 0; id < h->n_ops; id++) {
        causal_op *op = &h->ops[id];
        h->key_write_start[op->key + 1] += op->is_write;
        if (op->is_write || op->value == 0)
            continue;
        size_t j = map_slot(writes, kv_key(op->key, op->value));
        op->writer = writes->keys[j] != 0 ? (int32_t)id_of[writes->vals[j]] : CAUSAL_THIN_AIR;
        h->loc[id].writer = op->writer;
    }
    for (uint32_t k = 0; k < h->n_keys; k++)
        h->key_write_start[k + 1] += h->key_write_start[k];
    memcpy(cursor, h->key_write_start, h->n_keys * sizeof *cursor);
    for (uint32_t slot = 0; slot < h->n_ops; slot++) {   /* ascending slots */
        const causal_op *op = &h->ops[h->session_ops[slot]];
        if (op->is_write)
            h->key_writes[cursor[op->key]++] = slot;
    }
}

/* The optional (key, session) index into 'key_writes': it narrows each
** search to one session's writes of a key. Built only when the table is
** small next to the history (at most 4 entries per operation, or 4096). */
static void index_key_sessions(causal_history *h)
{
    uint64_t size = (uint64_t)h->n_keys * h->n_sessions;
    if (size > 4 * (uint64_t)h->n_ops && size > 4096)
        return;
    uint32_t *t = malloc((size + 1) * sizeof *t);
    if (t == NULL)
        return;   /* the searches fall back to the whole key's list */
    for (uint32_t k = 0; k < h->n_keys; k++) {
        uint32_t i = h->key_write_start[k], end = h->key_write_start[k + 1];
        for (uint32_t s = 0; s < h->n_sessions; s++) {
            while (i < end && h->key_writes[i] < h->session_start[s])
                i++;
            t[(size_t)k * h->n_sessions + s] = i;
        }
    }
    t[size] = h->key_write_start[h->n_keys];
    h->key_session_start = t;
}

/* Each kept input's session: processes are numbered by increasing process
** id (not by first appearance), in O(inputs + sessions log sessions).
** Fills 'session_of' (per input) and 'procs' (per session: its process);
** returns the number of sessions, or -1 when out of memory. */
static long number_sessions(build_ctx *c, const bool *kept, uint32_t *session_of,
                            int64_t *procs)
{
    u64map m;
    if (map_init(&m, c->n) != 0) {
        map_free(&m);
        return -1;
    }
    uint32_t n = 0, minus_one = UINT32_MAX;   /* process -1 has map key 0 */
    for (size_t i = 0; i < c->n; i++) {
        if (!kept[i])
            continue;
        uint64_t key = (uint64_t)c->in[i].process + 1;
        uint32_t *idx = &minus_one;
        if (key != 0) {
            size_t j = map_slot(&m, key);
            if (m.keys[j] == 0) {
                m.keys[j] = key;
                m.vals[j] = UINT32_MAX;
            }
            idx = &m.vals[j];
        }
        if (*idx == UINT32_MAX) {
            procs[n] = c->in[i].process;
            *idx = n++;
        }
        session_of[i] = *idx;   /* provisional: order of first appearance */
    }
    map_free(&m);
    pi *sorted = malloc((n + 1) * sizeof *sorted);
    uint32_t *rank = malloc((n + 1) * sizeof *rank);
    if (sorted == NULL || rank == NULL) {
        free(sorted);
        free(rank);
        return -1;
    }
    for (uint32_t k = 0; k < n; k++)
        sorted[k] = (pi){procs[k], k};
    qsort(sorted, n, sizeof *sorted, cmp_pi);
    for (uint32_t k = 0; k < n; k++) {
        rank[sorted[k].i] = k;
        procs[k] = sorted[k].process;
    }
    for (size_t i = 0; i < c->n; i++)
        if (kept[i])
            session_of[i] = rank[session_of[i]];
    free(sorted);
    free(rank);
    return n;
}

/* Lays the kept operations out: ids in input order; sessions by process
** id, each in input order (program order), by a counting sort; then
** writers and write lists. */
static int layout(build_ctx *c, const bool *kept, const u64map *writes,
                  causal_history *h, uint32_t n_keys)
{
    uint32_t *session_of = malloc((c->n + 1) * sizeof *session_of);
    int64_t *procs = malloc((c->n + 1) * sizeof *procs);
    uint32_t *id_of = malloc((c->n + n_keys + 1) * sizeof *id_of);   /* input -> id */
    uint32_t *cursor = malloc((c->n + n_keys + 1) * sizeof *cursor);
    int rc = -1;
    long n_sessions = -1;
    if (session_of && procs && id_of && cursor)
        n_sessions = number_sessions(c, kept, session_of, procs);
    if (n_sessions > UINT16_MAX) {
        snprintf(c->err, c->err_cap, "%s: %ld sessions (processes); at most %u are supported",
                 c->source, n_sessions, (unsigned)UINT16_MAX);
        goto out;
    }
    uint32_t n_ops = 0;
    for (size_t i = 0; i < c->n; i++)
        if (kept[i])
            id_of[i] = n_ops++;
    if (n_sessions < 0 || alloc_history(h, n_ops, (uint32_t)n_sessions, n_keys) != 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < c->n; i++)          /* session sizes, then starts */
        if (kept[i])
            h->session_start[session_of[i] + 1]++;
    for (long s = 0; s < n_sessions; s++) {
        h->session_start[s + 1] += h->session_start[s];
        h->session_process[s] = procs[s];
        cursor[s] = h->session_start[s];
    }
    for (size_t i = 0; i < c->n; i++) {
        if (!kept[i])
            continue;
        const causal_input_op *in = &c->in[i];
        uint32_t s = session_of[i], slot = cursor[s]++, pos = slot - h->session_start[s];
        uint32_t id = id_of[i];
        h->session_ops[slot] = id;
        h->loc[id] = (causal_loc){pos, (uint16_t)s, in->is_write, 0, in->key, CAUSAL_INIT};
        h->ops[id] = (causal_op){s, pos, in->key, in->value, CAUSAL_INIT, in->is_write,
                                 in->info, in->line, in->index, in->hv};
    }
    link_writes(writes, h, id_of, cursor);
    index_key_sessions(h);
out:
    free(session_of);
    free(procs);
    free(id_of);
    free(cursor);
    return rc;
}

/* Rewrites the duplicate-value message with the key's name and the
** value's text (the first duplicate in input order). */
static void duplicate_message(build_ctx *c, const u64map *writes, const char **key_names)
{
    for (size_t i = 0; i < c->n; i++) {
        const causal_input_op *op = &c->in[i];
        if (!op->is_write)
            continue;
        size_t j = map_slot(writes, kv_key(op->key, op->value));
        if (writes->keys[j] == 0 || writes->vals[j] == i)
            continue;
        char val[96];
        if (op->hv != NULL)
            hist_value_format(op->hv, val, sizeof val);
        else
            snprintf(val, sizeof val, "%u", op->value);
        snprintf(c->err, c->err_cap, "%s:%u: key \"%s\": value %s is written twice "
                 "(first at line %u); written values must be unique per key",
                 c->source, op->line, key_names ? key_names[op->key] : "", val,
                 c->in[writes->vals[j]].line);
        return;
    }
}

int causal_build(causal_history *out, const causal_input_op *in, size_t n,
                 uint32_t n_keys, const char **key_names, const hist *src,
                 const char *source, char *err, size_t err_cap)
{
    memset(out, 0, sizeof *out);
    build_ctx c = {in, n, source ? source : "history", err, err_cap};
    if (n >= UINT32_MAX / 2) {
        snprintf(err, err_cap, "%s: too many operations (%zu)", c.source, n);
        return -1;
    }
    u64map writes;
    bool *kept = malloc((n + 1) * sizeof *kept);
    if (map_init(&writes, n) != 0 || kept == NULL) {
        map_free(&writes);
        free(kept);
        snprintf(err, err_cap, "%s: out of memory", c.source);
        return -1;
    }
    int rc = index_writes(&c, &writes);
    if (rc == -2)
        duplicate_message(&c, &writes, key_names);
    if (rc == 0) {
        mark_kept(&c, &writes, kept);
        rc = layout(&c, kept, &writes, out, n_keys);
        if (rc != 0)
            snprintf(err, err_cap, "%s: out of memory", c.source);
    }
    if (rc == 0 && (uint64_t)out->n_ops * out->n_sessions > CAUSAL_VC_WORDS_MAX) {
        snprintf(err, err_cap, "%s: %u operations in %u sessions exceed the vector-clock "
                 "bound (%llu words)", c.source, out->n_ops, out->n_sessions,
                 (unsigned long long)CAUSAL_VC_WORDS_MAX);
        rc = -1;
    }
    if (rc == 0)
        for (uint32_t k = 0; k < n_keys; k++)
            out->key_names[k] = key_names ? key_names[k] : "";
    out->src = src;
    map_free(&writes);
    free(kept);
    if (rc != 0)
        causal_history_free(out);
    return rc == 0 ? 0 : -1;
}

void causal_history_free(causal_history *h)
{
    free(h->ops);
    free(h->loc);
    free(h->session_start);
    free(h->session_ops);
    free(h->session_process);
    free(h->key_write_start);
    free(h->key_writes);
    free(h->key_session_start);
    free(h->key_names);
    memset(h, 0, sizeof *h);
}

/* --- lookups ------------------------------------------------------------- */

/* The first index in key_writes[lo, hi) whose slot is >= 'id'. */
static uint32_t lower_bound(const uint32_t *a, uint32_t lo, uint32_t hi, uint32_t id)
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t causal_last_write_before(const causal_history *h, uint32_t key, uint32_t s,
                                 uint32_t pos_end)
{
    CHECK_ASSERT(key < h->n_keys);
    CHECK_ASSERT(s < h->n_sessions);
    uint32_t lo = h->key_write_start[key], hi = h->key_write_start[key + 1];
    if (h->key_session_start != NULL) {
        const uint32_t *ks = h->key_session_start + (size_t)key * h->n_sessions + s;
        lo = ks[0];
        hi = ks[1];
    }
    uint32_t end_slot = h->session_start[s] + pos_end;
    CHECK_ASSERT(end_slot <= h->session_start[s + 1]);
    uint32_t i = lower_bound(h->key_writes, lo, hi, end_slot);
    if (i == lo || h->key_writes[i - 1] < h->session_start[s])
        return -1;
    return (int32_t)h->session_ops[h->key_writes[i - 1]];
}

int32_t causal_first_write(const causal_history *h, uint32_t key, uint32_t s)
{
    CHECK_ASSERT(key < h->n_keys);
    CHECK_ASSERT(s < h->n_sessions);
    uint32_t lo = h->key_write_start[key], hi = h->key_write_start[key + 1];
    if (h->key_session_start != NULL) {
        const uint32_t *ks = h->key_session_start + (size_t)key * h->n_sessions + s;
        lo = ks[0];
        hi = ks[1];
    }
    uint32_t i = lower_bound(h->key_writes, lo, hi, h->session_start[s]);
    if (i == hi || h->key_writes[i] >= h->session_start[s + 1])
        return -1;
    return (int32_t)h->session_ops[h->key_writes[i]];
}

/* --- the adapter from a parsed history ----------------------------------- */

static int op_kind(const char *f)
{
    if (!strcmp(f, "read") || !strcmp(f, "r") || !strcmp(f, "get"))
        return 0;
    if (!strcmp(f, "write") || !strcmp(f, "w") || !strcmp(f, "put"))
        return 1;
    return -1;
}

/* Dense index of an interned key pointer (NULL: the keyless register). */
static int key_index(u64map *keys, const char **names, uint32_t *n_keys, const char *key)
{
    /* Interned pointers are aligned, so never 1: 1 stands for "no key". */
    uint64_t k = key ? (uint64_t)(uintptr_t)key : 1;
    size_t j = map_slot(keys, k);
    if (keys->keys[j] == 0) {
        keys->keys[j] = k;
        keys->vals[j] = (*n_keys)++;
        names[keys->vals[j]] = key ? key : "";
    }
    return (int)keys->vals[j];
}

/* Converts paired operations to builder inputs; returns the count kept, or
** -1 with a message. */
static long convert_ops(const hist *h, const hist_op *ops, size_t n, causal_input_op *in,
                        const char **names, uint32_t *n_keys, char *err, size_t err_cap)
{
    u64map keys;
    if (map_init(&keys, n) != 0) {
        map_free(&keys);
        snprintf(err, err_cap, "%s: out of memory", h->source);
        return -1;
    }
    long m = 0;
    for (size_t i = 0; i < n; i++) {
        const hist_event *inv = &h->events[ops[i].invoke];
        int kind = op_kind(inv->f);
        if (kind < 0) {
            snprintf(err, err_cap, "%s:%u: operation '%s' is not a read or a write; the "
                     "causal checker takes read/write (or get/put) register histories",
                     h->source, inv->line, inv->f);
            map_free(&keys);
            return -1;
        }
        hist_status st = ops[i].status;
        if (st == HIST_OP_FAIL || (kind == 0 && st != HIST_OP_OK))
            continue;
        const hist_value *v = inv->value;
        if (st == HIST_OP_OK && (kind == 0 || v->id == 0))
            v = h->events[ops[i].complete].value;
        in[m] = (causal_input_op){inv->process, kind == 1, st != HIST_OP_OK,
                                  (uint32_t)key_index(&keys, names, n_keys, inv->key),
                                  v->id, inv->line, (uint32_t)i, v};
        m++;
    }
    map_free(&keys);
    return m;
}

int causal_from_hist(causal_history *out, const hist *h, char *err, size_t err_cap)
{
    memset(out, 0, sizeof *out);
    hist_op *ops = NULL;
    size_t n = 0;
    if (hist_pair(h, &ops, &n, err, err_cap) != 0)
        return -1;
    causal_input_op *in = malloc((n + 1) * sizeof *in);
    const char **names = malloc((n + 1) * sizeof *names);
    uint32_t n_keys = 0;
    int rc = -1;
    if (in == NULL || names == NULL) {
        snprintf(err, err_cap, "%s: out of memory", h->source);
    } else {
        long m = convert_ops(h, ops, n, in, names, &n_keys, err, err_cap);
        if (m >= 0)
            rc = causal_build(out, in, (size_t)m, n_keys, names, h, h->source, err,
                              err_cap);
    }
    free(ops);
    free(in);
    free(names);
    return rc;
}

int causal_load(const char *text, size_t len, const char *source, const char *format,
                hist **hh, causal_history *out, char *err, size_t err_cap)
{
    hist_format fmt;
    if (hist_format_parse(format ? format : "auto", &fmt) != 0) {
        snprintf(err, err_cap, "unknown format '%s'", format);
        return -1;
    }
    *hh = hist_read(text, len, source ? source : "history", fmt, err, err_cap);
    if (*hh == NULL)
        return -1;
    if (causal_from_hist(out, *hh, err, err_cap) != 0) {
        hist_free(*hh);
        *hh = NULL;
        return -1;
    }
    return 0;
}
