/*
** store.c — the reference state machine ('dsim_store' in dsim.h): every
** client operation of every workload, applied to registers and lists.
**
** A protocol that replicates operations (Raft, single) keeps one store per
** replica and applies the same operations in the same order; it never needs
** to know what a workload means. The store is plain bytes: registers
** ('value', 'present') and singly linked lists whose cells come from one
** fixed pool with a free list (a dequeue gives its cell back).
**
** Invariants:
** - 'digest' is the sum of a hash per present register (key, value) and per
**   live list element (key, absolute position, value); every change keeps it
**   up to date, so equal contents have equal digests, whatever the history.
** - A list's cells are reachable from 'head' in order, 'len' of them, the
**   last is 'tail'; popped counts the elements a dequeue removed (so a
**   position never repeats within a key).
** - An operation that would pass a bound (key, cells, list length) fails
**   before it changes anything: a transaction is checked whole first.
** - An add micro-operation (a bank transfer's debit and credit) never takes
**   a register below zero: a transaction that would fails whole, before
**   any change (a plain add, the counter's, has no such floor).
** - 'dsim_store_init' is the empty store plus the run's workload's initial
**   state (bank: every account's opening balance; others: nothing), so a
**   store made by init is what every replica starts from.
*/
#include <string.h>

#include "world.h"

#define STORE_CELLS 4096        /* cell 0 is "none" */
#define STORE_LIST_MAX 1024

typedef struct store_cell {
    int64_t value;
    uint32_t next;              /* the next cell of the list, or of the free list */
    uint32_t pad;
} store_cell;

/* The layout keeps the contents in a prefix: everything up to the pool's
** high-water mark ('dsim_store_bytes'); cells past it were never used. */
typedef struct store_in {
    uint64_t digest;
    uint32_t cells_used;        /* high-water mark of the pool */
    uint32_t free_head;         /* freed cells, linked through 'next' */
    uint32_t cells_live;        /* cells in lists */
    uint32_t pad;
    int64_t value[DSIM_STORE_KEYS];
    uint8_t present[DSIM_STORE_KEYS];
    uint32_t head[DSIM_STORE_KEYS], tail[DSIM_STORE_KEYS];
    uint32_t len[DSIM_STORE_KEYS], popped[DSIM_STORE_KEYS];
    store_cell cell[STORE_CELLS];
} store_in;

_Static_assert(sizeof(store_in) <= sizeof(dsim_store), "dsim_store is too small");
_Static_assert(sizeof(dsim_store) - sizeof(store_in) < 64, "dsim_store wastes space");
_Static_assert(DSIM_RESULT_WORDS_MAX >= DSIM_MOPS_MAX * (1 + STORE_LIST_MAX), "results fit");

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

static uint64_t reg_hash(uint32_t key, int64_t v) { return mix(mix(0x7265, key), (uint64_t)v); }

static uint64_t elem_hash(uint32_t key, uint32_t pos, int64_t v)
{
    return mix(mix(mix(0x6c69, key), pos), (uint64_t)v);
}

size_t dsim_op_bytes(const dsim_op *op)
{
    if (op->f != DSIM_F_TXN)
        return op->token ? offsetof(dsim_op, mops) : offsetof(dsim_op, mops_len);
    DSIM_ASSERT(op->mops_len <= DSIM_MOPS_MAX);
    return offsetof(dsim_op, mops) + op->mops_len * sizeof(dsim_mop);
}

bool dsim_op_readonly(const dsim_op *op)
{
    if (op->f == DSIM_F_READ || op->f == DSIM_F_READ_LIST)
        return true;
    if (op->f != DSIM_F_TXN)
        return false;
    for (uint32_t i = 0; i < op->mops_len; i++)
        if (op->mops[i].f != DSIM_F_READ && op->mops[i].f != DSIM_F_READ_LIST)
            return false;
    return true;
}

size_t dsim_store_bytes(const dsim_store *st)
{
    const store_in *s = (const store_in *)st;
    DSIM_ASSERT(s->cells_used < STORE_CELLS);
    return offsetof(store_in, cell) + (s->cells_used + 1) * sizeof(store_cell);
}

_Static_assert(offsetof(store_in, cells_used) + sizeof(uint32_t) <= DSIM_STORE_HEAD_BYTES,
               "dsim_store_bytes reads the head only");

void dsim_store_copy(dsim_store *dst, const dsim_store *src)
{
    DSIM_ASSERT(dst != NULL && src != NULL);
    if (dst == src)
        return;
    size_t had = dsim_store_bytes(dst), len = dsim_store_bytes(src);
    memcpy(dst, src, len);
    if (had > len)   /* past 'had' dst is zero already */
        memset((char *)dst + len, 0, had - len);
}

size_t store_bytes_checked(const dsim_store *st)
{
    const store_in *s = (const store_in *)st;
    if (s->cells_used >= STORE_CELLS)
        return 0;
    return offsetof(store_in, cell) + (s->cells_used + 1) * sizeof(store_cell);
}

uint64_t dsim_store_digest(const dsim_store *s)
{
    return ((const store_in *)s)->digest;
}

static void reg_set(store_in *s, uint32_t key, int64_t v)
{
    if (s->present[key])
        s->digest -= reg_hash(key, s->value[key]);
    s->present[key] = 1;
    s->value[key] = v;
    s->digest += reg_hash(key, v);
}

static uint32_t cells_free(const store_in *s)
{
    DSIM_ASSERT(s->cells_live <= s->cells_used && s->cells_used < STORE_CELLS);
    return STORE_CELLS - 1 - s->cells_live;
}

static void list_push(store_in *s, uint32_t key, int64_t v)
{
    uint32_t c = s->free_head;
    if (c != 0)
        s->free_head = s->cell[c].next;
    else
        c = ++s->cells_used;
    DSIM_ASSERT(c > 0 && c < STORE_CELLS && s->len[key] < STORE_LIST_MAX);
    s->cell[c].value = v;
    s->cell[c].next = 0;
    if (s->len[key] == 0)
        s->head[key] = c;
    else
        s->cell[s->tail[key]].next = c;
    s->tail[key] = c;
    s->cells_live++;
    s->digest += elem_hash(key, s->popped[key] + s->len[key], v);
    s->len[key]++;
}

static int64_t list_pop(store_in *s, uint32_t key)
{
    if (s->len[key] == 0)
        return DSIM_NIL;
    uint32_t c = s->head[key];
    int64_t v = s->cell[c].value;
    s->digest -= elem_hash(key, s->popped[key], v);
    s->head[key] = s->cell[c].next;
    s->cell[c].next = s->free_head;
    s->free_head = c;
    s->popped[key]++;
    s->cells_live--;
    if (--s->len[key] == 0)
        s->head[key] = s->tail[key] = 0;
    return v;
}

/* Drops every copy of 'v' from key's list, keeping the others' order
** (popped and pushed back, so the digest stays the sum it always is). */
static void list_remove(store_in *s, uint32_t key, int64_t v)
{
    uint32_t n = s->len[key];
    for (uint32_t i = 0; i < n; i++) {
        int64_t x = list_pop(s, key);
        if (x != v)
            list_push(s, key, x);
    }
}

/* Appends key's list to 'r' (count first when 'counted'). */
static void list_out(const store_in *s, uint32_t key, dsim_result *r, bool counted)
{
    if (r == NULL)
        return;
    if (counted)
        r->words[r->len++] = s->len[key];
    uint32_t c = s->head[key];
    for (uint32_t i = 0; i < s->len[key]; i++, c = s->cell[c].next) {
        DSIM_ASSERT(c != 0 && r->len < DSIM_RESULT_WORDS_MAX);
        r->words[r->len++] = s->cell[c].value;
    }
}

static int64_t reg_get(const store_in *s, uint32_t key)
{
    return s->present[key] ? s->value[key] : DSIM_NIL;
}

/* Whether a transaction stays within every bound: keys, list lengths
** (counting its own appends) and free cells. */
static bool txn_fits(const store_in *s, const dsim_op *op)
{
    uint32_t appends = 0;
    if (op->mops_len > DSIM_MOPS_MAX)
        return false;
    for (uint32_t i = 0; i < op->mops_len; i++) {
        const dsim_mop *m = &op->mops[i];
        if (m->key >= DSIM_STORE_KEYS)
            return false;
        if (m->f == DSIM_F_ADD) {   /* the register after this add, writes before it counted */
            int64_t v = s->present[m->key] ? s->value[m->key] : 0;
            for (uint32_t j = 0; j <= i; j++) {
                const dsim_mop *x = &op->mops[j];
                if (x->key == m->key && x->f == DSIM_F_WRITE)
                    v = x->value;
                else if (x->key == m->key && x->f == DSIM_F_ADD)
                    v += x->value;
            }
            if (v < 0)
                return false;
        }
        if (m->f != DSIM_F_APPEND)
            continue;
        uint32_t same = 0;
        for (uint32_t j = 0; j <= i; j++)
            same += op->mops[j].f == DSIM_F_APPEND && op->mops[j].key == m->key;
        if (s->len[m->key] + same > STORE_LIST_MAX)
            return false;
        appends++;
    }
    return appends == 0 || cells_free(s) >= appends;
}

static dsim_status apply_txn(store_in *s, const dsim_op *op, dsim_result *r)
{
    if (!txn_fits(s, op))
        return DSIM_FAIL;
    for (uint32_t i = 0; i < op->mops_len; i++) {
        const dsim_mop *m = &op->mops[i];
        switch (m->f) {
        case DSIM_F_READ:
            if (r) {
                r->words[r->len++] = 1;
                r->words[r->len++] = reg_get(s, m->key);
            }
            break;
        case DSIM_F_READ_LIST:
            list_out(s, m->key, r, true);
            break;
        case DSIM_F_WRITE:
            reg_set(s, m->key, m->value);
            if (r)
                r->words[r->len++] = 0;
            break;
        case DSIM_F_APPEND:
            list_push(s, m->key, m->value);
            if (r)
                r->words[r->len++] = 0;
            break;
        case DSIM_F_ADD:
            reg_set(s, m->key, (s->present[m->key] ? s->value[m->key] : 0) + m->value);
            DSIM_ASSERT(s->value[m->key] >= 0);   /* txn_fits refused overdrafts */
            if (r)
                r->words[r->len++] = 0;
            break;
        default:
            DSIM_ASSERT(!"a micro-operation must be read, write, add, append or read-list");
        }
    }
    return DSIM_OK;
}

static dsim_status apply_in(store_in *s, const dsim_op *op, dsim_result *r)
{
    if (op->f == DSIM_F_TXN)
        return apply_txn(s, op, r);
    if (op->key >= DSIM_STORE_KEYS)
        return DSIM_FAIL;
    int64_t out = 0;
    switch (op->f) {
    case DSIM_F_READ:
        out = reg_get(s, op->key);
        break;
    case DSIM_F_WRITE:
        reg_set(s, op->key, op->value);
        break;
    case DSIM_F_CAS:
        if (!s->present[op->key] || s->value[op->key] != op->value)
            return DSIM_FAIL;
        reg_set(s, op->key, op->value2);
        break;
    case DSIM_F_ADD:
        reg_set(s, op->key, (s->present[op->key] ? s->value[op->key] : 0) + op->value);
        break;
    case DSIM_F_APPEND:
        if (s->len[op->key] >= STORE_LIST_MAX || cells_free(s) == 0)
            return DSIM_FAIL;
        list_push(s, op->key, op->value);
        break;
    case DSIM_F_READ_LIST:
        list_out(s, op->key, r, false);
        break;
    case DSIM_F_DEQUEUE:
        out = list_pop(s, op->key);
        break;
    case DSIM_F_REMOVE:
        list_remove(s, op->key, op->value);
        break;
    default:
        DSIM_ASSERT(!"unknown operation");
    }
    if (r)
        r->value = out;
    return DSIM_OK;
}

dsim_status dsim_store_apply(dsim_store *st, const dsim_op *op, dsim_result *r)
{
    store_in *s = (store_in *)st;
    DSIM_ASSERT(op->f < DSIM_F_COUNT_);
    if (r) {
        r->value = 0;
        r->len = 0;
    }
    dsim_status status = apply_in(s, op, r);
    if (status != DSIM_OK && r) {
        r->value = 0;
        r->len = 0;
    }
    return status;
}

dsim_status dsim_store_read(const dsim_store *s, const dsim_op *op, dsim_result *r)
{
    DSIM_ASSERT(dsim_op_readonly(op));
    /* A read-only op writes nothing; the cast only shares apply's code. */
    return dsim_store_apply((dsim_store *)s, op, r);
}

void dsim_store_init(dsim_node *n, dsim_store *st)
{
    memset(st, 0, sizeof *st);
    const workload *wl = n->w->wl;
    if (wl && wl->init)
        wl->init(&n->w->workload, st);
}
