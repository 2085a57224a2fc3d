/*
** txn_infer.c — what the reads say: version orders, the anomalies that are
** not cycles, and the dependency edges between transactions.
**
** List-append (Elle, section 4): every ok read of a key is a version of
** it; all of them must be prefixes of the longest one, which gives the
** key's version order of the observed elements. An element never read but
** appended by a transaction that happened comes after all of them. Then
**   ww  the writers of consecutive elements, and the writer of the last
**       observed element before every unobserved appender;
**   wr  the writer of a read's last element before the reader;
**   rw  a reader before the writer of the element after what it read (or
**       before every unobserved appender when it read the whole order).
** With these edges the inference is exact for list-append: a history with
** no cycle and no other anomaly has a serial order (the oracle test in
** tests/test_txn_oracle.c checks it against all serial orders).
**
** Rw-register: the initial (nil) version precedes every write, and a
** transaction that reads a then writes b puts a before b (write follows
** read). ww, wr and rw follow from those pairs only, so the inference is
** sound but not complete: an unread version order cannot be recovered.
**
** Only reads "external" to a transaction (its first access to the key)
** make edges; the later ones are checked for internal consistency: a
** transaction must see its own writes.
**
** Process edges join consecutive transactions of one process (from an ok
** one); real-time edges a -> b when a completed before b was invoked,
** reduced as Elle does: the frontier of completed transactions not yet
** covered by a later completion, so about (concurrency) edges each.
*/
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hist_internal.h"
#include "txn.h"

#define NONE UINT32_MAX

/* --- a u64 -> u32 open-addressing map (load at most 1/2) ------------------ */

typedef struct u64map { uint64_t *keys; uint32_t *vals; size_t cap, count; } u64map;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Keys are stored plus one so that 0 marks an empty slot. */
static int map_grow(u64map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *k = calloc(cap, sizeof *k);
    uint32_t *v = malloc(cap * sizeof *v);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = mix(m->keys[i]) & (cap - 1);
        while (k[j] != 0)
            j = (j + 1) & (cap - 1);
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return 0;
}

static uint32_t map_get(const u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return NONE;
    key++;
    for (size_t j = mix(key) & (m->cap - 1); m->keys[j] != 0; j = (j + 1) & (m->cap - 1))
        if (m->keys[j] == key)
            return m->vals[j];
    return NONE;
}

/* The value slot of 'key', created (set to NONE, '*created' true) when
** absent. NULL on OOM. The slot is valid until the next insertion. */
static uint32_t *map_ref(u64map *m, uint64_t key, bool *created)
{
    if (2 * (m->count + 1) > m->cap && map_grow(m) != 0)
        return NULL;
    key++;
    size_t j = mix(key) & (m->cap - 1);
    for (; m->keys[j] != 0; j = (j + 1) & (m->cap - 1))
        if (m->keys[j] == key) {
            *created = false;
            return &m->vals[j];
        }
    m->keys[j] = key;
    m->vals[j] = NONE;
    m->count++;
    *created = true;
    return &m->vals[j];
}

/* Inserts 'key' -> 'val' unless present; '*old' gets the present value or
** NONE. -1 on OOM. */
static int map_put(u64map *m, uint64_t key, uint32_t val, uint32_t *old)
{
    bool created;
    uint32_t *slot = map_ref(m, key, &created);
    if (slot == NULL)
        return -1;
    *old = created ? NONE : *slot;
    if (created)
        *slot = val;
    return 0;
}

static void map_free(u64map *m)
{
    free(m->keys);
    free(m->vals);
}

/* --- state shared by the passes ------------------------------------------ */

typedef struct ctx {
    txn_infer *inf;
    const txn_hist *th;
    u64map writes;           /* (key index, value id) -> writing mop */
    bool *external;          /* per mop: a read that is the txn's first access */
    bool *observed;          /* per mop: a write some ok read saw */
    uint32_t *read_first;    /* per key: reads of the key, grouped (CSR) */
    uint32_t *reads;
    size_t *last_read_invoke;   /* per key: latest invocation of an ok read */
    char *err;
    size_t cap;
} ctx;

static uint64_t wkey(uint32_t key, const hist_value *v)
{
    return (uint64_t)key << 32 | v->id;
}

uint32_t txn_infer_key(const txn_infer *inf, const hist_value *key)
{
    if (key->id > inf->th->value_id_max || inf->key_index[key->id] == 0)
        return NONE;
    return inf->key_index[key->id] - 1;
}

uint32_t txn_infer_writer(const txn_infer *inf, const hist_value *key, const hist_value *value)
{
    uint32_t k = txn_infer_key(inf, key);
    return k == NONE || value == NULL ? NONE : map_get((const u64map *)inf->writes, wkey(k, value));
}

/* Records from -> to unless it is a self-loop or an end is not "in" (a
** transaction not known to have happened constrains nothing). -2 on OOM,
** like every helper here (-1 is bad input). */
static int add_edge(txn_infer *inf, uint32_t from, uint32_t to, uint32_t kind)
{
    CHECK_ASSERT(kind != 0);
    CHECK_ASSERT((kind & (kind - 1)) == 0);   /* one kind per call */
    if (from == to || from == NONE || to == NONE || !inf->in[from] || !inf->in[to])
        return 0;
    CHECK_ASSERT(from < inf->th->count);
    CHECK_ASSERT(to < inf->th->count);
    if (inf->edge_count >= TXN_EDGES_MAX) {
        inf->edges_dropped = true;
        return 0;
    }
    if (inf->edge_count == inf->edge_cap) {
        size_t nc = inf->edge_cap ? inf->edge_cap * 2 : 4096;
        txn_edge *ne = realloc(inf->edges, nc * sizeof *ne);
        if (ne == NULL)
            return -2;
        inf->edges = ne;
        inf->edge_cap = nc;
    }
    inf->edges[inf->edge_count++] = (txn_edge){from, to, kind};
    return 0;
}

static int add_finding(txn_infer *inf, txn_finding f)
{
    CHECK_ASSERT(f.anomaly >= TXN_G1A);   /* cycles are txn_graph.c's */
    CHECK_ASSERT(f.txn < inf->th->count);
    if (inf->finding_count == inf->finding_cap) {
        size_t nc = inf->finding_cap ? inf->finding_cap * 2 : 64;
        txn_finding *nf = realloc(inf->findings, nc * sizeof *nf);
        if (nf == NULL)
            return -2;
        inf->findings = nf;
        inf->finding_cap = nc;
    }
    inf->findings[inf->finding_count++] = f;
    return 0;
}

static txn_finding finding(txn_anomaly a, uint32_t t, uint32_t mop, uint32_t other,
                           uint32_t other_mop, const hist_value *el)
{
    return (txn_finding){a, t, mop, other, other_mop, el};
}

/* --- pass 1: keys, writers, unique writes ---------------------------------- */

static int index_writes(ctx *c)
{
    txn_infer *inf = c->inf;
    const txn_hist *th = c->th;
    for (size_t t = 0; t < th->count; t++)
        for (uint32_t j = 0; j < th->txns[t].mop_count; j++) {
            uint32_t m = th->txns[t].mop_first + j;
            const txn_mop *mp = &th->mops[m];
            inf->mop_txn[m] = (uint32_t)t;
            if (inf->key_index[mp->key->id] == 0)
                inf->key_index[mp->key->id] = (uint32_t)++inf->key_count;
            if (mp->kind == TXN_MOP_READ)
                continue;
            uint32_t old, k = inf->key_index[mp->key->id] - 1;
            if (map_put(&c->writes, wkey(k, mp->arg), m, &old) != 0)
                return -2;
            if (old != NONE) {
                const hist *h = th->h;
                char kb[64], vb[64];
                hist_value_format(mp->key, kb, sizeof kb);
                hist_value_format(mp->arg, vb, sizeof vb);
                hist_error(c->err, c->cap, h->source, h->events[th->txns[t].invoke_pos].line,
                           "expected unique writes per key: %s is written to key %s twice "
                           "(also by the transaction invoked on line %u)", vb, kb,
                           h->events[th->txns[inf->mop_txn[old]].invoke_pos].line);
                return -1;
            }
        }
    return 0;
}

/* Groups the ok reads by key (CSR in 'read_first'/'reads'). */
static int group_reads(ctx *c)
{
    const txn_hist *th = c->th;
    size_t keys = c->inf->key_count;
    c->read_first = calloc(keys + 1, sizeof *c->read_first);
    c->last_read_invoke = calloc(keys + 1, sizeof *c->last_read_invoke);
    if (c->read_first == NULL || c->last_read_invoke == NULL)
        return -2;
    size_t n = 0;
    for (size_t m = 0; m < th->mop_count; m++)
        if (th->mops[m].kind == TXN_MOP_READ && th->mops[m].arg != NULL) {
            c->read_first[txn_infer_key(c->inf, th->mops[m].key) + 1]++;
            n++;
        }
    for (size_t k = 0; k < keys; k++)
        c->read_first[k + 1] += c->read_first[k];
    c->reads = malloc((n ? n : 1) * sizeof *c->reads);
    uint32_t *fill = malloc((keys + 1) * sizeof *fill);
    if (c->reads == NULL || fill == NULL) {
        free(fill);
        return -2;
    }
    memcpy(fill, c->read_first, (keys + 1) * sizeof *fill);
    for (size_t m = 0; m < th->mop_count; m++)
        if (th->mops[m].kind == TXN_MOP_READ && th->mops[m].arg != NULL) {
            uint32_t k = txn_infer_key(c->inf, th->mops[m].key);
            c->reads[fill[k]++] = (uint32_t)m;
            size_t pos = th->txns[c->inf->mop_txn[m]].invoke_pos + 1;
            if (pos > c->last_read_invoke[k])
                c->last_read_invoke[k] = pos;   /* plus one: 0 means no read */
        }
    free(fill);
    return 0;
}

/* --- pass 2: internal consistency, external reads ----------------------- */

static size_t list_len(const hist_value *v)
{
    return v->kind == HIST_LIST ? v->len : 0;
}

/* Does read 'r' (list-append) equal 'prefix' (or, without a prior read,
** end with) followed by the elements appended by mops 'app'? */
static bool append_read_consistent(const txn_hist *th, const hist_value *r,
                                   const hist_value *prefix, const uint32_t *app, size_t napp)
{
    size_t rl = list_len(r), pl = prefix ? list_len(prefix) : 0;
    if (rl < napp || (prefix != NULL && rl != pl + napp))
        return false;
    for (size_t i = 0; prefix != NULL && i < pl; i++)
        if (r->items[i] != prefix->items[i])
            return false;
    for (size_t i = 0; i < napp; i++)
        if (r->items[rl - napp + i] != th->mops[app[i]].arg)
            return false;
    return true;
}

/* One ok transaction: its reads after its own accesses must agree with
** them. Per key: the last read (or NULL) and the writes since. Marks the
** external reads (a transaction's first access to a key). */
static int internal_txn(ctx *c, uint32_t t)
{
    const txn_hist *th = c->th;
    const txn *tx = &th->txns[t];
    for (uint32_t j = 0; j < tx->mop_count; j++) {
        uint32_t m = tx->mop_first + j;
        const txn_mop *mp = &th->mops[m];
        if (mp->kind != TXN_MOP_READ)
            continue;
        const hist_value *last_read = NULL;
        uint32_t app[64];
        size_t napp = 0;
        bool seen = false, overflow = false;
        for (uint32_t i = 0; i < j; i++) {   /* earlier accesses to the key */
            const txn_mop *q = &th->mops[tx->mop_first + i];
            if (q->key != mp->key)
                continue;
            seen = true;
            if (q->kind == TXN_MOP_READ) {
                last_read = q->arg;
                napp = 0;
            } else if (napp < 64) {
                app[napp++] = tx->mop_first + i;
            } else {
                overflow = true;
            }
        }
        c->external[m] = !seen;
        if (!seen || overflow)
            continue;
        /* Own writes unseen: internal. Own writes seen (or none) but an
        ** earlier read of the key not repeated: a non-repeatable read,
        ** which read committed allows. */
        bool ok, own;
        if (th->workload == TXN_WL_APPEND) {
            ok = append_read_consistent(th, mp->arg, last_read, app, napp);
            own = ok || append_read_consistent(th, mp->arg, NULL, app, napp);
        } else {
            own = napp == 0 || mp->arg == th->mops[app[napp - 1]].arg;
            ok = napp > 0 ? own : mp->arg == last_read;
        }
        txn_anomaly a = own ? TXN_NONREPEATABLE : TXN_INTERNAL;
        if (!ok && add_finding(c->inf, finding(a, t, m, NONE, NONE, NULL)) != 0)
            return -2;
    }
    return 0;
}

/* Is write mop 'w' the last write of its key in its transaction? */
static bool final_write(const txn_hist *th, const txn_infer *inf, uint32_t w)
{
    const txn *tx = &th->txns[inf->mop_txn[w]];
    for (uint32_t m = w + 1; m < tx->mop_first + tx->mop_count; m++)
        if (th->mops[m].kind != TXN_MOP_READ && th->mops[m].key == th->mops[w].key)
            return false;
    return true;
}

/* Checks one element 'el' read by ok mop 'm' on key 'k': garbage, aborted
** read (reported once per read: '*bad'); marks its writer observed, so
** that no edge treats a write that was read as unread. */
static int check_element(ctx *c, uint32_t m, uint32_t k, const hist_value *el, bool *bad,
                         uint32_t *writer)
{
    txn_infer *inf = c->inf;
    uint32_t w = map_get(&c->writes, wkey(k, el));
    uint32_t t = inf->mop_txn[m];
    bool first = !*bad;
    *writer = w;
    if (w == NONE) {
        *bad = true;
        return first && add_finding(inf, finding(TXN_GARBAGE, t, m, NONE, NONE, el)) ? -2 : 0;
    }
    c->observed[w] = true;
    uint32_t wt = inf->mop_txn[w];
    if (c->th->txns[wt].status == HIST_OP_FAIL) {
        *bad = true;
        return first && add_finding(inf, finding(TXN_G1A, t, m, wt, w, el)) ? -2 : 0;
    }
    return 0;
}

/* Every ok read: garbage, aborted and intermediate reads; observation. */
static int check_reads(ctx *c)
{
    const txn_hist *th = c->th;
    for (size_t m = 0; m < th->mop_count; m++) {
        const txn_mop *mp = &th->mops[m];
        if (mp->kind != TXN_MOP_READ || mp->arg == NULL || mp->arg->kind == HIST_NIL)
            continue;
        uint32_t k = txn_infer_key(c->inf, mp->key), w = NONE;
        bool bad = false;
        size_t n = th->workload == TXN_WL_APPEND ? mp->arg->len : 1;
        for (size_t i = 0; i < n; i++) {
            const hist_value *el = th->workload == TXN_WL_APPEND ? mp->arg->items[i] : mp->arg;
            if (check_element(c, (uint32_t)m, k, el, &bad, &w) != 0)
                return -2;
        }
        uint32_t t = c->inf->mop_txn[m];
        if (!bad && c->external[m] && w != NONE && c->inf->mop_txn[w] != t &&
            !final_write(th, c->inf, w) &&
            add_finding(c->inf, finding(TXN_G1B, t, (uint32_t)m, c->inf->mop_txn[w], w,
                                        th->mops[w].arg)) != 0)
            return -2;
    }
    return 0;
}

static void mark_in(ctx *c)
{
    const txn_hist *th = c->th;
    for (size_t t = 0; t < th->count; t++)
        c->inf->in[t] = th->txns[t].status == HIST_OP_OK;
    for (size_t m = 0; m < th->mop_count; m++)
        if (c->observed[m] && th->txns[c->inf->mop_txn[m]].status != HIST_OP_FAIL)
            c->inf->in[c->inf->mop_txn[m]] = true;
}

/* --- list-append: version orders and edges ------------------------------- */

static bool has_duplicates(ctx *c, const hist_value *r, uint32_t *stamp, uint32_t serial)
{
    (void)c;
    for (size_t i = 0; i < list_len(r); i++) {
        if (stamp[r->items[i]->id] == serial)
            return true;
        stamp[r->items[i]->id] = serial;
    }
    return false;
}

static bool is_prefix(const hist_value *r, const hist_value *longest)
{
    if (r == longest || list_len(r) == 0)
        return true;
    if (list_len(r) > list_len(longest))
        return false;
    for (size_t i = 0; i < r->len; i++)
        if (r->items[i] != longest->items[i])
            return false;
    return true;
}

/* The order of key 'k': the longest read, checked against every read. */
static int order_key(ctx *c, uint32_t k, uint32_t *stamp, uint32_t *serial)
{
    const txn_hist *th = c->th;
    txn_infer *inf = c->inf;
    txn_key_order *o = &inf->orders[k];
    uint32_t best = NONE;
    for (uint32_t i = c->read_first[k]; i < c->read_first[k + 1]; i++) {
        uint32_t m = c->reads[i];
        const hist_value *r = th->mops[m].arg;
        if (has_duplicates(c, r, stamp, ++*serial)) {
            o->broken = true;
            if (add_finding(inf, finding(TXN_DUPLICATE, inf->mop_txn[m], m, NONE, NONE, NULL)))
                return -2;
        }
        if (best == NONE || list_len(r) > list_len(th->mops[best].arg))
            best = m;
    }
    if (best == NONE)
        return 0;
    const hist_value *longest = th->mops[best].arg;
    for (uint32_t i = c->read_first[k]; i < c->read_first[k + 1]; i++) {
        uint32_t m = c->reads[i];
        if (is_prefix(th->mops[m].arg, longest))
            continue;
        if (!o->broken && add_finding(inf, finding(TXN_INCOMPATIBLE, inf->mop_txn[m], m,
                                                   inf->mop_txn[best], best, NULL)) != 0)
            return -2;
        o->broken = true;
    }
    o->count = (uint32_t)list_len(longest);
    o->elements = longest->kind == HIST_LIST ? longest->items : NULL;
    o->source_txn = inf->mop_txn[best];
    return 0;
}

static uint32_t writer_txn(ctx *c, uint32_t k, const hist_value *el)
{
    uint32_t w = map_get(&c->writes, wkey(k, el));
    return w == NONE ? NONE : c->inf->mop_txn[w];
}

/* ww between consecutive elements; unobserved appends after the last. */
static int append_ww(ctx *c, uint32_t k)
{
    txn_infer *inf = c->inf;
    const txn_key_order *o = &inf->orders[k];
    for (uint32_t i = 0; i + 1 < o->count; i++)
        if (add_edge(inf, writer_txn(c, k, o->elements[i]), writer_txn(c, k, o->elements[i + 1]),
                     TXN_EDGE_WW) != 0)
            return -2;
    return 0;
}

static int append_edges(ctx *c)
{
    const txn_hist *th = c->th;
    txn_infer *inf = c->inf;
    for (uint32_t k = 0; k < inf->key_count; k++)
        if (!inf->orders[k].broken && append_ww(c, k) != 0)
            return -2;
    for (size_t m = 0; m < th->mop_count; m++) {   /* reads: wr and rw */
        const txn_mop *mp = &th->mops[m];
        if (mp->kind != TXN_MOP_READ || mp->arg == NULL || !c->external[m])
            continue;
        uint32_t k = txn_infer_key(inf, mp->key), t = inf->mop_txn[m];
        const txn_key_order *o = &inf->orders[k];
        size_t n = list_len(mp->arg);
        if (n > 0 && add_edge(inf, writer_txn(c, k, mp->arg->items[n - 1]), t, TXN_EDGE_WR))
            return -2;
        if (!o->broken && n < o->count &&
            add_edge(inf, t, writer_txn(c, k, o->elements[n]), TXN_EDGE_RW) != 0)
            return -2;
    }
    for (size_t m = 0; m < th->mop_count; m++) {   /* unobserved appends */
        const txn_mop *mp = &th->mops[m];
        uint32_t t = inf->mop_txn[m];
        if (mp->kind == TXN_MOP_READ || c->observed[m] || !inf->in[t])
            continue;
        uint32_t k = txn_infer_key(inf, mp->key);
        const txn_key_order *o = &inf->orders[k];
        if (o->broken)
            continue;
        if (o->count > 0 && add_edge(inf, writer_txn(c, k, o->elements[o->count - 1]), t,
                                     TXN_EDGE_WW) != 0)
            return -2;
        for (uint32_t i = c->read_first[k]; i < c->read_first[k + 1] && !inf->edges_dropped; i++) {
            uint32_t r = c->reads[i];
            if (c->external[r] && list_len(th->mops[r].arg) == o->count &&
                add_edge(inf, inf->mop_txn[r], t, TXN_EDGE_RW) != 0)
                return -2;
        }
    }
    return 0;
}

/* Lost appends: an ok append no read saw, though a read of its key was
** invoked after the append's transaction completed. */
static int lost_appends(ctx *c)
{
    const txn_hist *th = c->th;
    for (size_t m = 0; m < th->mop_count; m++) {
        const txn_mop *mp = &th->mops[m];
        uint32_t t = c->inf->mop_txn[m];
        if (mp->kind != TXN_MOP_APPEND || c->observed[m] || th->txns[t].status != HIST_OP_OK)
            continue;
        uint32_t k = txn_infer_key(c->inf, mp->key);
        if (c->last_read_invoke[k] > th->txns[t].complete_pos + 1 &&
            add_finding(c->inf, finding(TXN_LOST_APPEND, t, (uint32_t)m, NONE, NONE,
                                        mp->arg)) != 0)
            return -2;
    }
    return 0;
}

/* --- rw-register: version pairs and edges -------------------------------- */

/* For each transaction that reads key k = a (external) and then writes
** k = b (its final write): the pair a < b. 'succ' maps (k, a) to a chain
** of such write mops through 'next'; 'first' chains, per key, the writes
** with no known predecessor but nil (through 'first_next'). */
typedef struct rw_ctx {
    u64map succ;
    uint32_t *next, *first, *first_next;
    bool *has_pred;
} rw_ctx;

static int rw_pairs(ctx *c, rw_ctx *x)
{
    const txn_hist *th = c->th;
    txn_infer *inf = c->inf;
    for (size_t m = 0; m < th->mop_count; m++) {   /* write-follows-read */
        const txn_mop *mp = &th->mops[m];
        uint32_t t = inf->mop_txn[m];
        if (mp->kind != TXN_MOP_WRITE || !inf->in[t] || !final_write(th, inf, (uint32_t)m))
            continue;
        for (uint32_t r = th->txns[t].mop_first; r < m; r++) {
            if (th->mops[r].key != mp->key || !c->external[r] || th->mops[r].arg == NULL)
                continue;
            uint32_t k = txn_infer_key(inf, mp->key);
            const hist_value *a = th->mops[r].arg;
            bool created;
            x->has_pred[m] = a->kind != HIST_NIL;
            uint32_t *head = map_ref(&x->succ, wkey(k, a), &created);
            if (head == NULL)
                return -2;
            x->next[m] = *head;   /* a chain; the map keeps the newest head */
            *head = (uint32_t)m;
            if (a->kind != HIST_NIL && add_edge(inf, writer_txn(c, k, a), t, TXN_EDGE_WW) != 0)
                return -2;
        }
    }
    for (size_t k = 0; k < inf->key_count; k++)
        x->first[k] = NONE;
    for (size_t m = 0; m < th->mop_count; m++) {
        const txn_mop *mp = &th->mops[m];
        if (mp->kind != TXN_MOP_WRITE || !inf->in[inf->mop_txn[m]] || x->has_pred[m] ||
            !final_write(th, inf, (uint32_t)m))
            continue;
        uint32_t k = txn_infer_key(inf, mp->key);
        x->first_next[m] = x->first[k];
        x->first[k] = (uint32_t)m;
    }
    return 0;
}

/* Reads: wr from the value's writer, rw to the writes that follow it. */
static int rw_reads(ctx *c, rw_ctx *x)
{
    const txn_hist *th = c->th;
    txn_infer *inf = c->inf;
    int rc = 0;
    for (size_t m = 0; m < th->mop_count && rc == 0; m++) {
        const txn_mop *mp = &th->mops[m];
        if (mp->kind != TXN_MOP_READ || mp->arg == NULL || !c->external[m])
            continue;
        uint32_t k = txn_infer_key(inf, mp->key), t = inf->mop_txn[m];
        if (mp->arg->kind != HIST_NIL) {
            rc = add_edge(inf, writer_txn(c, k, mp->arg), t, TXN_EDGE_WR);
            for (uint32_t w = map_get(&x->succ, wkey(k, mp->arg)); w != NONE && rc == 0;
                 w = x->next[w])
                rc = add_edge(inf, t, inf->mop_txn[w], TXN_EDGE_RW);
            continue;
        }
        for (uint32_t w = x->first[k]; w != NONE && rc == 0 && !inf->edges_dropped;
             w = x->first_next[w])   /* nil */
            rc = add_edge(inf, t, inf->mop_txn[w], TXN_EDGE_RW);
    }
    return rc;
}

static int rw_edges(ctx *c)
{
    size_t mops = c->th->mop_count + 1;
    rw_ctx x = {.next = malloc(mops * sizeof *x.next), .has_pred = calloc(mops, sizeof(bool)),
                .first = malloc((c->inf->key_count + 1) * sizeof *x.first),
                .first_next = malloc(mops * sizeof *x.first_next)};
    int rc = x.next && x.has_pred && x.first && x.first_next ? 0 : -2;
    rc = rc ? rc : rw_pairs(c, &x);
    rc = rc ? rc : rw_reads(c, &x);
    map_free(&x.succ);
    free(x.next);
    free(x.has_pred);
    free(x.first);
    free(x.first_next);
    return rc;
}

/* --- process and real-time edges ----------------------------------------- */

static int process_edges(ctx *c)
{
    const txn_hist *th = c->th;
    u64map last = {0};
    int rc = 0;
    for (size_t t = 0; t < th->count && rc == 0; t++) {
        if (!c->inf->in[t])
            continue;
        bool created;
        uint32_t *slot = map_ref(&last, (uint64_t)th->txns[t].process, &created);
        if (slot == NULL) {
            rc = -2;
            break;
        }
        uint32_t prev = *slot;
        *slot = (uint32_t)t;
        if (!created && th->txns[prev].status == HIST_OP_OK)
            rc = add_edge(c->inf, prev, (uint32_t)t, TXN_EDGE_PROCESS);
    }
    map_free(&last);
    return rc ? -2 : 0;
}

static int cmp_pos(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The frontier sweep; see the file comment. */
static int realtime_edges(ctx *c)
{
    const txn_hist *th = c->th;
    txn_infer *inf = c->inf;
    size_t n = 0;
    size_t *done = malloc((th->count ? th->count : 1) * 2 * sizeof *done);
    uint32_t *frontier = malloc((th->count ? th->count : 1) * sizeof *frontier);
    size_t *rt_first = malloc((th->count ? th->count : 1) * 2 * sizeof *rt_first);
    bool *live = calloc(th->count + 1, sizeof *live);
    int rc = done && frontier && rt_first && live ? 0 : -2;
    size_t *rt_n = rt_first ? rt_first + th->count : NULL;   /* edges into t at its invoke */
    for (size_t t = 0; t < th->count && rc == 0; t++)
        if (inf->in[t] && th->txns[t].status == HIST_OP_OK) {
            done[2 * n] = th->txns[t].complete_pos;
            done[2 * n + 1] = t;
            n++;
        }
    if (rc == 0)
        qsort(done, n, 2 * sizeof *done, cmp_pos);
    /* The frontier drops covered members lazily (compacted when half are
    ** dead), so a crowd of concurrent transactions costs no quadratic
    ** sweep; once edges are dropped (TXN_EDGES_MAX) the sweep stops. */
    size_t fn = 0, dead = 0, di = 0;
    for (size_t t = 0; t < th->count && rc == 0 && !inf->edges_dropped; t++) {
        for (; di < n && done[2 * di] < th->txns[t].invoke_pos; di++) {   /* completed before */
            uint32_t d = (uint32_t)done[2 * di + 1];
            for (size_t e = rt_first[d]; e < rt_first[d] + rt_n[d]; e++) {
                dead += live[inf->edges[e].from];
                live[inf->edges[e].from] = false;
            }
            if (2 * dead > fn) {
                size_t keep = 0;
                for (size_t i = 0; i < fn; i++)
                    if (live[frontier[i]])
                        frontier[keep++] = frontier[i];
                fn = keep;
                dead = 0;
            }
            frontier[fn++] = d;
            live[d] = true;
        }
        if (!inf->in[t])
            continue;
        rt_first[t] = inf->edge_count;
        for (size_t i = 0; i < fn && rc == 0; i++)
            if (live[frontier[i]])
                rc = add_edge(inf, frontier[i], (uint32_t)t, TXN_EDGE_REALTIME);
        rt_n[t] = inf->edge_count - rt_first[t];
    }
    free(done);
    free(frontier);
    free(rt_first);
    free(live);
    return rc;
}

/* --- the whole inference --------------------------------------------------- */

static int infer_all(ctx *c)
{
    const txn_hist *th = c->th;
    int rc = index_writes(c);
    rc = rc ? rc : group_reads(c);
    for (size_t t = 0; t < th->count && rc == 0; t++)
        if (th->txns[t].status == HIST_OP_OK)
            rc = internal_txn(c, (uint32_t)t);
    rc = rc ? rc : check_reads(c);
    if (rc != 0)
        return rc;
    mark_in(c);
    if (th->workload == TXN_WL_APPEND) {
        uint32_t *stamp = calloc((size_t)th->value_id_max + 1, sizeof *stamp), serial = 0;
        if (stamp == NULL)
            return -2;
        for (uint32_t k = 0; k < c->inf->key_count && rc == 0; k++)
            rc = order_key(c, k, stamp, &serial);
        free(stamp);
        rc = rc ? rc : append_edges(c);
        rc = rc ? rc : lost_appends(c);
    } else {
        rc = rw_edges(c);
    }
    rc = rc ? rc : process_edges(c);
    return rc ? rc : realtime_edges(c);
}

int txn_infer_run(const txn_hist *th, txn_infer *inf, char *err, size_t cap)
{
    *inf = (txn_infer){.th = th};
    ctx c = {.inf = inf, .th = th, .err = err, .cap = cap};
    size_t n = th->count ? th->count : 1, mops = th->mop_count ? th->mop_count : 1;
    inf->in = calloc(n, sizeof *inf->in);
    inf->mop_txn = malloc(mops * sizeof *inf->mop_txn);
    inf->key_index = calloc((size_t)th->value_id_max + 1, sizeof *inf->key_index);
    inf->orders = calloc((size_t)th->value_id_max + 1, sizeof *inf->orders);
    c.external = calloc(mops, sizeof *c.external);
    c.observed = calloc(mops, sizeof *c.observed);
    int rc = inf->in && inf->mop_txn && inf->key_index && inf->orders && c.external && c.observed
                 ? infer_all(&c) : -2;
    free(c.external);
    free(c.observed);
    free(c.read_first);
    free(c.reads);
    free(c.last_read_invoke);
    inf->writes = malloc(sizeof(u64map));
    if (inf->writes != NULL)
        *(u64map *)inf->writes = c.writes;
    else
        map_free(&c.writes);
    if (rc == 0 && inf->writes == NULL)
        rc = -2;
    if (rc == -2)
        hist_error(err, cap, th->h->source, 0, "out of memory");
    return rc;
}

void txn_infer_free(txn_infer *inf)
{
    if (inf->writes != NULL)
        map_free(inf->writes);
    free(inf->writes);
    free(inf->in);
    free(inf->mop_txn);
    free(inf->key_index);
    free(inf->orders);
    free(inf->edges);
    free(inf->findings);
    *inf = (txn_infer){0};
}
