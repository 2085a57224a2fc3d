/*
** model_kv.c — one key of a string key-value store (Porcupine's KV tests).
**
** Operations: get returns the whole string (a nil result reads as ""), put
** replaces it, append concatenates. Keys start as "". The checker
** partitions by key, so one search sees one key.
**
** States are strings, and the search creates one new string for nearly
** every state it visits (each interleaving of appends is a different
** string), so strings are never materialised. A state is a node of a
** trie: a root holds a whole string value (from a put, or ""), a child is
** its parent plus one appended value. Each node keeps its length and a
** polynomial hash of its content, H(s + a) = H(s) * P^|a| + H(a) (mod
** 2^64), computed in O(1).
**
** Invariant: nodes are canonical - two nodes never hold the same content.
** A new (parent, value) transition looks its (hash, length) up in an
** intern table and compares content on a match (walking the chains), so
** equal strings reached by different paths are one state. The same
** (parent, value) transition taken again finds its node by the same hash
** and is recognised without comparing content, so the intern table is
** also the transition cache. A get
** compares (length, hash) and then the content, once per (node, result):
** a node remembers the last string value it was proven equal to.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "lin.h"

enum { KV_GET, KV_PUT, KV_APPEND };
#define KV_P 0x100000001b3ULL   /* odd: the polynomial hash's base */

typedef struct kv_node {
    uint64_t hash;
    size_t len;
    uint32_t parent;            /* 0: a root, 'text' is the whole string */
    const hist_value *text;     /* root: the string; child: the appended part */
    const hist_value *equal_to; /* a string value proven equal, or NULL */
} kv_node;

typedef struct kv_store {
    kv_node *nodes;             /* index 0 unused: states are indices >= 1 */
    size_t count, cap;
    /* for 'kv_doomed': the low 32 bits of the hash of every prefix of every
    ** get's result (a get's 'a' is its offset + 1 here) */
    uint32_t *prefix;
    size_t prefix_count, prefix_cap;
    uint64_t *table;            /* intern: 0 empty, else (hash high half, node index) */
    size_t table_cap;
} kv_store;

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * KV_P + (unsigned char)s[i];
    return h;
}

static uint64_t pow_p(size_t n)
{
    uint64_t r = 1, b = KV_P;
    for (; n > 0; n >>= 1, b *= b)
        if (n & 1)
            r *= b;
    return r;
}

static void store_free(void *p)
{
    kv_store *k = p;
    if (k == NULL)
        return;
    free(k->nodes);
    free(k->table);
    free(k->prefix);
    free(k);
}

static kv_store *store(lin_ctx *c)
{
    if (c->model_data == NULL) {
        kv_store *k = calloc(1, sizeof *k);
        if (k == NULL)
            return NULL;
        c->model_data = k;
        c->model_free = store_free;
    }
    return c->model_data;
}

/* Does node 'x' hold exactly the 'n' bytes ending at 'end'? Walks the
** chain backwards, one appended part at a time. */
static bool node_is(const kv_store *k, uint32_t x, const char *start, size_t n)
{
    if (k->nodes[x].len != n)
        return false;
    const char *end = start + n;
    while (x != 0) {
        const kv_node *nd = &k->nodes[x];
        const hist_value *t = nd->text;
        CHECK_ASSERT((size_t)(end - start) >= t->len);
        if (memcmp(end - t->len, t->s, t->len) != 0)
            return false;
        end -= t->len;
        x = nd->parent;
    }
    return end == start;
}

/* Writes node 'x''s content into 'buf' (which holds its length). */
static void node_text(const kv_store *k, uint32_t x, char *buf)
{
    char *end = buf + k->nodes[x].len;
    for (; x != 0; x = k->nodes[x].parent) {
        const hist_value *t = k->nodes[x].text;
        end -= t->len;
        memcpy(end, t->s, t->len);
    }
    CHECK_ASSERT(end == buf);
}

#define HIGH 0xffffffff00000000ULL

static int table_grow(kv_store *k)
{
    size_t cap = k->table_cap ? 2 * k->table_cap : 1024;
    uint64_t *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 1; i < k->count; i++) {
        size_t j = k->nodes[i].hash & (cap - 1);
        while (t[j] != 0)
            j = (j + 1) & (cap - 1);
        t[j] = (k->nodes[i].hash & HIGH) | i;
    }
    free(k->table);
    k->table = t;
    k->table_cap = cap;
    return 0;
}

/* The canonical node for 'nd' (parent, text, len, hash filled in): an
** existing node with the same content, or 'nd' added. 0 on OOM. */
static uint32_t intern(kv_store *k, kv_node nd)
{
    if ((2 * (k->count + 1) > k->table_cap && table_grow(k) != 0))
        return 0;
    char small[1024];
    char *buf = NULL;
    size_t j = nd.hash & (k->table_cap - 1);
    for (; k->table[j] != 0; j = (j + 1) & (k->table_cap - 1)) {
        if ((k->table[j] & HIGH) != (nd.hash & HIGH))
            continue;
        uint32_t x = (uint32_t)(k->table[j] & ~HIGH);
        const kv_node *cand = &k->nodes[x];
        if (cand->hash != nd.hash || cand->len != nd.len)
            continue;
        if (cand->parent == nd.parent && cand->text == nd.text)
            return x;   /* the same transition again: same content */
        if (buf == NULL) {   /* materialise the candidate once, then compare */
            buf = nd.len <= sizeof small ? small : malloc(nd.len);
            if (buf == NULL)
                return 0;
            char *end = buf + nd.len - nd.text->len;
            memcpy(end, nd.text->s, nd.text->len);
            if (nd.parent != 0)
                node_text(k, nd.parent, buf);
        }
        if (node_is(k, x, buf, nd.len)) {
            if (buf != small)
                free(buf);
            return x;
        }
    }
    if (buf != small)
        free(buf);
    if (k->count == 0)
        k->count = 1;   /* node 0 is the "no parent" marker */
    if (k->count >= k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 1024;
        kv_node *n = realloc(k->nodes, cap * sizeof *n);
        if (n == NULL || cap > UINT32_MAX)
            return 0;
        k->nodes = n;
        k->cap = cap;
    }
    uint32_t x = (uint32_t)k->count++;
    k->nodes[x] = nd;
    k->table[j] = (nd.hash & HIGH) | x;
    return x;
}

static uint32_t root_of(kv_store *k, const hist_value *s)
{
    return intern(k, (kv_node){.hash = str_hash(s->s, s->len), .len = s->len, .text = s});
}

static const hist_value *as_string(lin_ctx *c, const hist_value *v)
{
    if (v->kind == HIST_NIL)
        return hist_str(c->h, "", 0);
    return v->kind == HIST_STR ? v : NULL;
}

/* The prefix hashes of 'v' (len + 1 of them); their offset + 1, 0 on OOM. */
static uint64_t prefix_hashes(kv_store *k, const hist_value *v)
{
    if (k->prefix_count + v->len + 1 > k->prefix_cap) {
        size_t cap = k->prefix_cap ? 2 * k->prefix_cap : 4096;
        while (cap < k->prefix_count + v->len + 1)
            cap *= 2;
        uint32_t *p = realloc(k->prefix, cap * sizeof *p);
        if (p == NULL)
            return 0;
        k->prefix = p;
        k->prefix_cap = cap;
    }
    uint32_t *p = k->prefix + k->prefix_count;
    uint64_t h = 0;
    p[0] = 0;
    for (size_t i = 0; i < v->len; i++) {
        h = h * KV_P + (unsigned char)v->s[i];
        p[i + 1] = (uint32_t)h;
    }
    k->prefix_count += v->len + 1;
    return k->prefix_count - v->len;   /* offset + 1 */
}

/* get: out = the result string, b = its hash, a = its prefix hashes (see
** 'prefix_hashes'). put: a = the root node of its value. append: a = the
** value, b = P^len, out = the value's hash. */
static int kv_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    kv_store *k = store(c);
    bool get = lin_f_is(c, op, "get"), put = lin_f_is(c, op, "put");
    o->out_known = op->status == HIST_OP_OK;
    if (!get && !put && !lin_f_is(c, op, "append")) {
        snprintf(err, cap, "expected an operation of the kv model (get, put, append), got '%s'",
                 c->h->events[op->invoke].f);
        return LIN_PREP_BAD;
    }
    if (get && !o->out_known)
        return LIN_PREP_SKIP;
    const hist_value *v = as_string(c, get ? lin_result_value(c, op) : lin_invoke_value(c, op));
    if (v == NULL) {
        snprintf(err, cap, "expected a string %s for %s", get ? "result" : "value",
                 get ? "get" : put ? "put" : "append");
        return LIN_PREP_BAD;
    }
    if (k == NULL)
        return LIN_PREP_BAD;   /* out of memory: 'err' left empty */
    o->kind = get ? KV_GET : put ? KV_PUT : KV_APPEND;
    o->readonly = get;
    if (get) {
        o->out = lin_handle(v);
        o->b = str_hash(v->s, v->len);
        o->a = prefix_hashes(k, v);
        if (o->a == 0)
            return LIN_PREP_BAD;
    } else if (put) {
        o->resets = true;
        o->a = root_of(k, v);
        if (o->a == 0)
            return LIN_PREP_BAD;
    } else {
        o->a = lin_handle(v);
        o->b = pow_p(v->len);
        o->out = str_hash(v->s, v->len);
    }
    return LIN_PREP_OK;
}

static lin_state kv_init(lin_ctx *c)
{
    kv_store *k = store(c);
    uint32_t x = k ? root_of(k, hist_str(c->h, "", 0)) : 0;
    if (x == 0)
        lin_out_of_memory("kv");
    return x;
}

static bool kv_get(kv_store *k, lin_state s, const lin_op *op)
{
    kv_node *nd = &k->nodes[s];
    const hist_value *v = lin_value(op->out);
    if (nd->len != v->len || nd->hash != op->b)
        return false;
    if (nd->equal_to == v)
        return true;
    if (!node_is(k, (uint32_t)s, v->s, v->len))
        return false;
    nd->equal_to = v;
    return true;
}

/* Running out of memory cannot be reported through 'step' (an illegal
** step would be a wrong verdict), so it aborts with a message. */
static bool kv_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    kv_store *k = c->model_data;
    CHECK_ASSERT(k != NULL);
    CHECK_ASSERT(s > 0);
    CHECK_ASSERT(s < k->count);
    if (op->kind == KV_GET) {
        *next = s;
        return kv_get(k, s, op);
    }
    if (op->kind == KV_PUT) {
        *next = op->a;
        return true;
    }
    const kv_node *p = &k->nodes[s];
    const hist_value *v = lin_value(op->a);
    lin_state r = intern(k, (kv_node){.hash = p->hash * op->b + op->out,
                                      .len = p->len + v->len, .parent = (uint32_t)s,
                                      .text = v});
    if (r == 0)
        lin_out_of_memory("kv");
    *next = r;
    return true;
}

/* From 's', appends only make longer strings that start with it: a get
** whose result does not start with 's' can never be legal again. The
** test compares 32-bit prefix hashes, so it may miss a doomed get (a hash
** collision) but never calls a reachable one doomed. */
static bool kv_doomed(lin_ctx *c, lin_state s, const lin_op *ro)
{
    const kv_store *k = c->model_data;
    const kv_node *nd = &k->nodes[s];
    const hist_value *v = lin_value(ro->out);
    CHECK_ASSERT(ro->kind == KV_GET);
    CHECK_ASSERT(ro->a >= 1 && ro->a - 1 + v->len < k->prefix_count);
    if (nd->len > v->len)
        return true;
    return k->prefix[ro->a - 1 + nd->len] != (uint32_t)nd->hash;
}

static bool has_substring(const hist_value *hay, const hist_value *needle, bool prefix_only)
{
    if (needle->len > hay->len)
        return false;
    size_t last = prefix_only ? 0 : hay->len - needle->len;
    for (size_t i = 0; i <= last; i++)
        if (memcmp(hay->s + i, needle->s, needle->len) == 0)
            return true;
    return false;
}

/* An info append of x may be assumed never to have happened when no get
** returned a string containing x: from it to the next put every string
** contains x, so no get was linearized there, and removing it changes no
** observed state. Likewise an info put of v when no get returned a string
** starting with v. (Puts are prepared to their node; their text is the
** node's root value.) */
static void kv_prune(lin_ctx *c, const lin_op *ops, size_t n, bool *drop)
{
    kv_store *k = c->model_data;
    for (size_t i = 0; k != NULL && i < n; i++) {
        if (ops[i].out_known || ops[i].kind == KV_GET)
            continue;
        bool put = ops[i].kind == KV_PUT;
        const hist_value *x = put ? k->nodes[ops[i].a].text : lin_value(ops[i].a);
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = ops[j].kind == KV_GET && has_substring(lin_value(ops[j].out), x, put);
        drop[i] = !seen;
    }
}

static void kv_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    kv_store *k = c->model_data;
    size_t n = k->nodes[s].len;
    char *t = malloc(n + 1);
    const hist_value *v = NULL;
    if (t != NULL) {
        node_text(k, (uint32_t)s, t);
        v = hist_str(c->h, t, n);
        free(t);
    }
    if (v != NULL)
        hist_value_format(v, buf, cap);
    else
        snprintf(buf, cap, "\"(out of memory)\"");
}

const lin_model lin_model_kv = {
    .name = "kv",
    .summary = "get, put, append on strings, per key; keys start as \"\"",
    .prepare = kv_prepare, .init = kv_init, .step = kv_step, .describe = kv_describe,
    .prune = kv_prune, .doomed = kv_doomed,
};
