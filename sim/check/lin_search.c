/*
** lin_search.c — the Wing-Gong-Lowe linearizability search.
**
** The partition's call and return events form a doubly linked list in
** position order (array indices; 0 is the head sentinel, 2n+1 the tail).
** The search walks it: at a call it tries to linearize that operation now
** (the model accepts it from the current state and the pair (linearized
** set + op, new state) was never seen); if so it lifts the call and its
** return out of the list, pushes, and restarts from the head. At a return
** whose operation is not linearized yet it backtracks: pops the last
** operation, puts it back and tries the next call after it.
**
** Info and open operations return at LIN_POS_INF and after: reaching such
** a return means every operation with a known completion is linearized,
** and the rest may simply never have happened, so the answer is "ok".
**
** Read-only operations (lin_op.readonly: legal only where they change
** nothing) are linearized greedily: if one is legal now, any linearization
** from here can be rearranged to start with it (it commutes to the front:
** nothing before it needs its effect, and every operation that must come
** first is already linearized, or it would not be enabled). So such a
** frame is "forced": when its subtree fails, the node fails, and if its
** child was already seen (so failed), the node fails at once.
**
** Optional operations (lin_op.optional, set only by lin_explain) may also
** never happen: reaching the return of one not linearized, the search
** skips it (a forced frame: its call and return leave the list, its bit is
** set, the state is unchanged - the memo needs no more than that, as the
** future depends only on what is left and on the state).
**
** Memo: a hash set of (linearized bitset, state). The bitset's hash is
** kept incrementally (Zobrist: XOR of a fixed 64-bit code per operation),
** so probing costs O(1) plus one bitset compare on a hash match. A set is
** stored by its window: operations with a known completion get bits in
** call order, and below the first operation not yet linearized every bit
** is set, above the last linearized one none is, so only the words in
** between (about the history's concurrency) are kept, plus the bits of the
** info operations (they may stay pending forever, so they get their own
** words). A 50 000-operation history then costs a few words per state,
** not 800. Entries are never removed. Bound: 'states_max' entries, and a memory cap that
** keeps the memo under 'LIN_MEMO_BYTES_MAX'; hitting either, or the deadline,
** answers LIN_UNKNOWN - never LIN_OK.
**
** Longest prefix: each time the search is stopped by a return event, every
** operation returning before it is linearized, so the events before that
** return form a linearizable prefix (the stack is its witness). The
** furthest such return over the whole search ends the longest one.
*/
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hosttime.h"
#include "lin.h"

enum { DEADLINE_EVERY = 4096 };
#define FORCED 0x80000000u                /* flags in 'stack_entry' */
#define PHASE 0x40000000u
#define HASH_HIGH 0xffffffff00000000ULL   /* table slots keep these hash bits */
#define NO_TWIN UINT32_MAX

/* A memo entry: the set is stored as its window of known-operation words
** [lo, lo + len - info words) followed by all the info words: inline in
** 'w' when 'len' <= 2 (one cache line less to touch on a probe), else at
** offset w[0] in the 'words' arena. */
enum { INLINE_WORDS = 2 };
typedef struct memo_entry {
    uint64_t hash, state;
    uint32_t lo, len;
    uint64_t w[INLINE_WORDS];
} memo_entry;

/* Where the walk is: the current node's state and linearized-set hash,
** the entry being looked at, and the phase of the scan at this node. */
typedef struct walk {
    lin_state state;
    uint64_t zhash;
    uint32_t e;
    uint32_t after;    /* the info operation just linearized, NO_TWIN if none */
    bool info_phase;   /* false: try operations with a known result first */
} walk;

struct lin_run {
    const lin_model *m;
    lin_ctx *c;
    const lin_op *ops;
    size_t n;
    /* the linearized set 'cur': bit pos_of[op]; known operations (a real
    ** completion) in call order in words [0, kwords), info/open ones after,
    ** in words [kwords, kwords + iwords). Words below 'lo' are full, words
    ** from 'end' on are empty: only [lo, end) and the info words vary. */
    uint64_t *cur;
    uint32_t *pos_of;
    size_t kwords, iwords, lo, end;
    bool whole;                /* few words: keep them all, skip the window */
    uint64_t last_mask;        /* the valid bits of word kwords - 1 */
    /* event list */
    uint32_t *next, *prev, *match, *op_of;   /* match[e]: return of call e, 0 for returns */
    uint32_t *call_of;         /* call_of[r]: the call of return r */
    uint32_t *twin;            /* twin[op]: the last earlier-called identical info
                                  operation, NO_TWIN when none */
    uint32_t *rank;            /* rank[op] of an info op: its place when they are
                                  sorted by class (model fields), then call */
    uint64_t *zob;
    uint64_t *zafter;          /* hash code of a node's 'after' (see 'useful') */
    /* doomed reads (lin_model.doomed): resets_before[op], for a read-only
    ** op with a known result, counts the 'resets' operations called before
    ** its return; 'resets_done' those linearized (every linearized op was
    ** called before the return of any op not yet linearized). */
    uint32_t *resets_before;
    uint32_t resets_done;
    bool use_doomed;
    /* memo */
    memo_entry *entries;
    uint64_t *words;           /* the stored sets */
    size_t words_count, words_cap;
    size_t entries_count, entries_cap, entries_max, bytes_max;
    uint64_t *table;           /* 0 empty, else (hash high half, entry index + 1) */
    size_t table_cap;
    /* current path */
    uint32_t *stack_entry;     /* high bit: a forced (read-only) frame */
    lin_state *stack_state;
    uint32_t *stack_after;
    size_t depth;
    /* between calls of 'lin_run_continue' */
    walk w;
    uint64_t best, iter;
    bool want_prefix;
    lin_outcome out;
};
typedef struct lin_run search;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t state_hash(const search *s, lin_state st)
{
    if (s->m->hash != NULL)
        return s->m->hash(st);
    uint64_t x = st * 0xff51afd7ed558ccdULL;
    return x ^ (x >> 32);
}

static bool state_equal(const search *s, lin_state a, lin_state b)
{
    return s->m->equal != NULL ? s->m->equal(a, b) : a == b;
}

typedef struct ev { uint64_t pos; uint32_t op; bool call; } ev;

static int by_pos(const void *a, const void *b)
{
    uint64_t x = ((const ev *)a)->pos, y = ((const ev *)b)->pos;
    return (x > y) - (x < y);
}

/* Info operations that are the same operation (same model fields) are
** interchangeable: both may take effect at any time after their calls or
** never. So a linearization that uses a later-called one while an earlier
** identical one is unused stays a linearization when the earlier one
** takes its place, and the search only ever linearizes the first unused
** one of each such class (in call order): 'twin[i]' is the previous one,
** and 'i' is enabled only once its twin is linearized. */
static bool same_info_op(const lin_op *x, const lin_op *y)
{
    return x->kind == y->kind && x->a == y->a && x->b == y->b && x->out == y->out &&
           x->out_known == y->out_known && x->readonly == y->readonly &&
           x->optional == y->optional && x->resets == y->resets;
}

/* An info operation and its index, sorted by class (model fields), then
** call. */
typedef struct info_ref { lin_op op; uint32_t i; } info_ref;

static int by_info_class(const void *pa, const void *pb)
{
    const lin_op *x = &((const info_ref *)pa)->op, *y = &((const info_ref *)pb)->op;
#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
    CMP(kind); CMP(a); CMP(b); CMP(out); CMP(out_known); CMP(readonly); CMP(optional);
    CMP(resets); CMP(call_pos);
#undef CMP
    return 0;
}

static int build_twins(search *s)
{
    s->twin = malloc((s->n + 1) * sizeof *s->twin);
    s->rank = calloc(s->n + 1, sizeof *s->rank);
    info_ref *info = malloc((s->n + 1) * sizeof *info);
    if (s->twin == NULL || s->rank == NULL || info == NULL) {
        free(info);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->twin[i] = NO_TWIN;
        if (s->ops[i].ret_pos >= LIN_POS_INF && !s->ops[i].out_known)
            info[k++] = (info_ref){s->ops[i], (uint32_t)i};
    }
    qsort(info, k, sizeof *info, by_info_class);
    for (size_t j = 0; j < k; j++) {
        s->rank[info[j].i] = (uint32_t)j;
        if (j > 0 && same_info_op(&info[j - 1].op, &info[j].op))
            s->twin[info[j].i] = info[j - 1].i;
    }
    free(info);
    return 0;
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* 'resets_before' of every read-only operation with a known result. */
static int build_resets(search *s)
{
    s->resets_before = calloc(s->n + 1, sizeof *s->resets_before);
    uint64_t *calls = malloc((s->n + 1) * sizeof *calls);
    if (s->resets_before == NULL || calls == NULL) {
        free(calls);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->ops[i].resets)
            calls[k++] = s->ops[i].call_pos;
    qsort(calls, k, sizeof *calls, by_u64);
    for (size_t i = 0; i < s->n; i++) {
        size_t lo = 0, hi = k;   /* how many calls come before the return */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (calls[mid] < s->ops[i].ret_pos)
                lo = mid + 1;
            else
                hi = mid;
        }
        s->resets_before[i] = (uint32_t)lo;
    }
    free(calls);
    return 0;
}

/* Is some read-only operation not linearized yet certain to fail below a
** node in state 'st'? Any such operation must be linearized in a state
** reached from 'st' by operations called before its return, so it need
** not be callable yet; only the calls up to the LOOKAHEAD-th return after
** the first one are looked at: nearer ones cut more (fewer resets can come
** between), and looking further costs more than it cuts (Porcupine's
** c50-ok and c50-bad, callgrind: 0 returns 30.4M and 42.9M instructions,
** 2 21.4M and 16.1M, 4 21.4M and 15.9M, 8 22.6M and 16.8M, all 54M). */
enum { LOOKAHEAD = 4 };

static bool window_doomed(const search *s, lin_state st)
{
    const uint32_t tail = (uint32_t)(2 * s->n + 1);
    int look = LOOKAHEAD;
    for (uint32_t e = s->next[0]; e != tail && look >= 0; e = s->next[e]) {
        if (s->match[e] == 0) {
            look--;
            continue;
        }
        const lin_op *o = &s->ops[s->op_of[e]];
        if (o->readonly && o->out_known && !o->optional && s->resets_before[s->op_of[e]] == s->resets_done &&
            s->m->doomed(s->c, st, o))
            return true;
    }
    return false;
}

/* Builds the event list; returns 0 or -1 on OOM. */
static int build_list(search *s)
{
    size_t n = s->n, m = 2 * n + 2;
    ev *evs = malloc((2 * n + 1) * sizeof *evs);
    s->next = malloc(m * sizeof *s->next);
    s->prev = malloc(m * sizeof *s->prev);
    s->match = calloc(m, sizeof *s->match);
    s->op_of = calloc(m, sizeof *s->op_of);
    s->call_of = calloc(m, sizeof *s->call_of);
    s->zob = malloc((n + 1) * sizeof *s->zob);
    s->zafter = malloc((n + 1) * sizeof *s->zafter);
    s->pos_of = malloc((n + 1) * sizeof *s->pos_of);
    if (!evs || !s->next || !s->prev || !s->match || !s->op_of || !s->zob || !s->zafter ||
        !s->call_of ||
        !s->pos_of) {
        free(evs);
        return -1;
    }
    uint64_t seed = 0x6c696e6561726973ULL;   /* fixed: runs are repeatable */
    for (size_t i = 0; i < n; i++) {
        CHECK_ASSERT(s->ops[i].call_pos < s->ops[i].ret_pos);
        evs[2 * i] = (ev){s->ops[i].call_pos, (uint32_t)i, true};
        evs[2 * i + 1] = (ev){s->ops[i].ret_pos, (uint32_t)i, false};
        s->zob[i] = splitmix(&seed);
    }
    /* splitmix is a bijection of its counter: all codes are distinct, so
    ** two nodes with the same set and state but different 'after' always
    ** hash apart (the memo compares sets and states, not 'after') */
    for (size_t i = 0; i < n; i++) {
        s->zafter[i] = splitmix(&seed);
        CHECK_ASSERT(s->zafter[i] != 0);
    }
    qsort(evs, 2 * n, sizeof *evs, by_pos);
    uint32_t *call_entry = malloc((n + 1) * sizeof *call_entry);
    if (call_entry == NULL) {
        free(evs);
        return -1;
    }
    size_t known = 0, info = 0;
    for (size_t i = 0; i < n; i++)
        known += s->ops[i].ret_pos < LIN_POS_INF;
    s->kwords = (known + 63) / 64;
    s->last_mask = known % 64 ? ((uint64_t)1 << (known % 64)) - 1 : ~(uint64_t)0;
    known = 0;
    for (size_t e = 1; e <= 2 * n; e++) {
        const ev *x = &evs[e - 1];
        s->op_of[e] = x->op;
        if (x->call)
            s->pos_of[x->op] = s->ops[x->op].ret_pos < LIN_POS_INF
                                   ? (uint32_t)known++ : (uint32_t)(s->kwords * 64 + info++);
        if (x->call)
            call_entry[x->op] = (uint32_t)e;
        else {
            s->match[call_entry[x->op]] = (uint32_t)e;
            s->call_of[e] = call_entry[x->op];
        }
    }
    for (size_t e = 0; e < m; e++) {
        s->next[e] = (uint32_t)(e + 1 < m ? e + 1 : e);
        s->prev[e] = (uint32_t)(e > 0 ? e - 1 : 0);
    }
    free(call_entry);
    free(evs);
    s->iwords = (info + 63) / 64;
    s->whole = s->kwords + s->iwords <= INLINE_WORDS;
    s->cur = calloc(s->kwords + s->iwords + 1, sizeof *s->cur);
    return s->cur != NULL ? 0 : -1;
}

static int table_grow(search *s)
{
    size_t cap = s->table_cap ? 2 * s->table_cap : 256;
    uint64_t *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < s->entries_count; i++) {
        uint64_t h = s->entries[i].hash;
        size_t j = h & (cap - 1);
        while (t[j] != 0)
            j = (j + 1) & (cap - 1);
        t[j] = (h & HASH_HIGH) | (i + 1);
    }
    free(s->table);
    s->table = t;
    s->table_cap = cap;
    CHECK_ASSERT((cap & (cap - 1)) == 0);   /* a power of two: masks index it */
    CHECK_ASSERT(2 * s->entries_count <= cap);
    return 0;
}

static int entries_grow(search *s)
{
    size_t cap = s->entries_cap ? 2 * s->entries_cap : 64;
    memo_entry *e = realloc(s->entries, cap * sizeof *e);
    if (e == NULL)
        return -1;
    s->entries = e;
    s->entries_cap = cap;
    CHECK_ASSERT(s->entries_count < s->entries_cap);
    return 0;
}

/* Room for 'need' more words in the arena. */
static int words_reserve(search *s, size_t need)
{
    if (s->words_count + need <= s->words_cap)
        return 0;
    size_t cap = s->words_cap ? 2 * s->words_cap : 256;
    while (cap < s->words_count + need)
        cap *= 2;
    uint64_t *w = realloc(s->words, cap * sizeof *w);
    if (w == NULL)
        return -1;
    s->words = w;
    s->words_cap = cap;
    CHECK_ASSERT(s->words_count + need <= s->words_cap);
    return 0;
}

static bool word_full(const search *s, size_t i)
{
    return s->cur[i] == (i + 1 == s->kwords ? s->last_mask : ~(uint64_t)0);
}

/* The window [lo, end) of 'cur' with bit 'pos' set (it is not yet). */
static void window_with(const search *s, size_t pos, size_t *lo, size_t *end)
{
    size_t w = pos / 64;
    *lo = s->lo;
    *end = s->end;
    if (w >= s->kwords)
        return;   /* an info word: always stored whole */
    if (w + 1 > *end)
        *end = w + 1;
    if (w == *lo && (s->cur[w] | (uint64_t)1 << (pos % 64)) ==
                        (w + 1 == s->kwords ? s->last_mask : ~(uint64_t)0)) {
        for (*lo = w + 1; *lo < s->kwords && word_full(s, *lo); (*lo)++)
            ;
    }
}

static void set_pos(search *s, size_t pos)
{
    CHECK_ASSERT(pos / 64 < s->kwords + s->iwords);
    CHECK_ASSERT((s->cur[pos / 64] & (uint64_t)1 << (pos % 64)) == 0);   /* not linearized yet */
    size_t lo, end;
    window_with(s, pos, &lo, &end);
    s->cur[pos / 64] |= (uint64_t)1 << (pos % 64);
    s->lo = lo;
    s->end = end;
}

static void clear_pos(search *s, size_t pos)
{
    size_t w = pos / 64;
    CHECK_ASSERT(w < s->kwords + s->iwords);
    CHECK_ASSERT((s->cur[w] & (uint64_t)1 << (pos % 64)) != 0);   /* it was linearized */
    s->cur[w] &= ~((uint64_t)1 << (pos % 64));
    if (w >= s->kwords)
        return;
    if (w < s->lo)
        s->lo = w;
    while (s->end > s->lo && s->cur[s->end - 1] == 0)
        s->end--;
}

/* Inserts ('cur' with 'op' set, 'st'); returns 1 when new, 0 when seen,
** -1 on OOM, -2 when the memo is full (budget). 'cur' is unchanged. */
static int memo_insert(search *s, uint64_t zhash, size_t op, lin_state st)
{
    uint64_t h = zhash ^ state_hash(s, st);
    size_t pos = s->pos_of[op], w = pos / 64, lo = 0, end = s->kwords + s->iwords;
    size_t ilo = end, iend = end;   /* the info words, when not in [lo, end) */
    uint64_t bit = (uint64_t)1 << (pos % 64);
    if (!s->whole) {
        window_with(s, pos, &lo, &end);
        ilo = s->kwords;
        iend = s->kwords + s->iwords;
    }
    uint32_t len = (uint32_t)(end - lo + iend - ilo);
    CHECK_ASSERT(lo <= end);
    CHECK_ASSERT(2 * s->entries_count <= s->table_cap);   /* probing ends at an empty slot */
    size_t j = h & (s->table_cap - 1);
    for (; s->table[j] != 0; j = (j + 1) & (s->table_cap - 1)) {
        if ((s->table[j] & HASH_HIGH) != (h & HASH_HIGH))
            continue;
        const memo_entry *me = &s->entries[(s->table[j] & ~HASH_HIGH) - 1];
        if (me->hash != h || me->lo != lo || me->len != len || !state_equal(s, me->state, st))
            continue;
        const uint64_t *b = me->len <= INLINE_WORDS ? me->w : s->words + me->w[0];
        bool same = true;
        for (size_t i = lo; i < end && same; i++)
            same = *b++ == (s->cur[i] | (i == w ? bit : 0));
        for (size_t i = ilo; i < iend && same; i++)
            same = *b++ == (s->cur[i] | (i == w ? bit : 0));
        if (same)
            return 0;
    }
    size_t bytes = s->entries_count * (sizeof(memo_entry) + 16) + s->words_count * 8;
    if (s->entries_count >= s->entries_max || bytes >= s->bytes_max)
        return -2;
    bool inline_words = len <= INLINE_WORDS;
    if ((s->entries_count == s->entries_cap && entries_grow(s) != 0) ||
        (!inline_words && words_reserve(s, len) != 0))
        return -1;
    size_t k = s->entries_count++;
    memo_entry *me = &s->entries[k];
    *me = (memo_entry){.hash = h, .state = st, .lo = (uint32_t)lo, .len = len};
    uint64_t *b = inline_words ? me->w : s->words + s->words_count;
    if (!inline_words) {
        me->w[0] = s->words_count;
        s->words_count += len;
    }
    for (size_t i = lo; i < end; i++)
        *b++ = s->cur[i] | (i == w ? bit : 0);
    for (size_t i = ilo; i < iend; i++)
        *b++ = s->cur[i] | (i == w ? bit : 0);
    CHECK_ASSERT(b == (inline_words ? me->w : s->words + s->words_count - len) + len);
    s->table[j] = (h & HASH_HIGH) | (k + 1);
    if (2 * s->entries_count > s->table_cap && table_grow(s) != 0)
        return -1;
    return 1;
}

/* May 'op' be linearized as far as its identical twins go? */
static bool linearized_twin(const search *s, uint32_t op)
{
    uint32_t t = s->twin[op];
    if (t == NO_TWIN)
        return true;
    uint32_t pos = s->pos_of[t];
    return (s->cur[pos / 64] >> (pos % 64) & 1) != 0;
}

static void lift(search *s, uint32_t e)
{
    uint32_t r = s->match[e];
    s->next[s->prev[e]] = s->next[e];
    s->prev[s->next[e]] = s->prev[e];
    s->next[s->prev[r]] = s->next[r];
    s->prev[s->next[r]] = s->prev[r];
}

static void unlift(search *s, uint32_t e)
{
    uint32_t r = s->match[e];
    s->next[s->prev[r]] = r;
    s->prev[s->next[r]] = r;
    s->next[s->prev[e]] = e;
    s->prev[s->next[e]] = e;
}

static void search_free(search *s)
{
    free(s->next);
    free(s->prev);
    free(s->match);
    free(s->op_of);
    free(s->call_of);
    free(s->twin);
    free(s->rank);
    free(s->resets_before);
    free(s->zob);
    free(s->entries);
    free(s->words);
    free(s->table);
    free(s->cur);
    free(s->pos_of);
    free(s->stack_entry);
    free(s->stack_state);
    free(s->stack_after);
    free(s->zafter);
}

static int search_init(search *s, lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n)
{
    *s = (search){.m = m, .c = c, .ops = ops, .n = n};
    if (n >= PHASE / 2)
        return -1;   /* entry indices must leave the flag bits free */
    s->stack_entry = malloc((n + 1) * sizeof *s->stack_entry);
    s->stack_state = malloc((n + 1) * sizeof *s->stack_state);
    s->stack_after = malloc((n + 1) * sizeof *s->stack_after);
    if (!s->stack_entry || !s->stack_state || !s->stack_after || build_list(s) != 0 || build_twins(s) != 0 ||
        build_resets(s) != 0 ||
        table_grow(s) != 0 || entries_grow(s) != 0)
        return -1;
    s->w = (walk){.state = m->init(c), .e = s->next[0], .after = NO_TWIN};
    s->best = UINT64_MAX;
    s->out.result = LIN_UNKNOWN;
    return 0;
}

/* Records the stack as the longest prefix witness if 'e' is the furthest
** blocking return so far. */
static int note_block(search *s, uint32_t e, uint64_t *best, lin_outcome *out)
{
    uint64_t pos = s->ops[s->op_of[e]].ret_pos;
    if (*best != UINT64_MAX && pos <= *best)
        return 0;
    *best = pos;
    out->block_op = s->op_of[e];
    uint32_t *p = realloc(out->prefix, (s->depth + 1) * sizeof *p);
    if (p == NULL)
        return -1;
    for (size_t i = 0; i < s->depth; i++)
        p[i] = s->op_of[s->stack_entry[i] & ~(FORCED | PHASE)];
    out->prefix = p;
    out->prefix_count = s->depth;
    return 0;
}

static void push(search *s, walk *w, lin_state next, bool forced)
{
    uint32_t op = s->op_of[w->e];
    s->stack_entry[s->depth] = w->e | (forced ? FORCED : 0) | (w->info_phase ? PHASE : 0);
    s->stack_after[s->depth] = w->after;
    s->stack_state[s->depth++] = w->state;
    w->after = !forced && s->ops[op].ret_pos >= LIN_POS_INF ? op : NO_TWIN;
    set_pos(s, s->pos_of[op]);
    s->resets_done += s->ops[op].resets;
    w->zhash ^= s->zob[op];
    w->state = next;
    lift(s, w->e);
    w->e = s->next[0];
    w->info_phase = false;
}

/* Info operations (no completion: they may take effect any time after
** their call, or never) are linearized only where they matter. In any
** linearization, an info operation I that leaves the state unchanged can
** be dropped; and if the operation X right after I either gives the same
** state without I (X overwrites I's effect: drop I) or commutes with it
** (X is legal before I, and I after X, ending in the same state: swap
** them - I has no return to respect, and X was callable before I), I can
** move one place later; when X is an info operation too, only if X comes
** first in 'rank' (or two commuting info operations would swap forever).
** Repeating that (and dropping an I that ends up last) ends - each swap
** moves a known operation before an info one or removes an inversion of
** 'rank', and renaming twins (above) changes neither, as 'rank' orders
** classes first - in a linearization where every info operation changes
** the state and is followed by an operation that depends on it. The search
** only builds those: below an info operation ('walk.after') only the
** dependent operations are tried. Such a node has fewer children than the
** node with the same set and state reached otherwise, so 'after' is part
** of the memo's key (its code is in the hash). */
static bool useful(search *s, const walk *w, const lin_op *x, lin_state nx)
{
    if (x->ret_pos >= LIN_POS_INF && state_equal(s, nx, w->state))
        return false;
    if (w->after == NO_TWIN)
        return true;
    CHECK_ASSERT(s->depth > 0);
    CHECK_ASSERT(s->op_of[s->stack_entry[s->depth - 1] & ~(FORCED | PHASE)] == w->after);
    const lin_op *i = &s->ops[w->after];
    lin_state before = s->stack_state[s->depth - 1], y, z;
    if (!s->m->step(s->c, before, x, &y))
        return true;
    if (state_equal(s, y, nx))
        return false;   /* x overwrites i's effect */
    if (x->ret_pos >= LIN_POS_INF && s->rank[x - s->ops] > s->rank[w->after])
        return true;   /* commuting info operations keep the order of 'rank' */
    return !(s->m->step(s->c, y, i, &z) && state_equal(s, z, nx));   /* commute */
}

/* Backtracks out of a failed node: pops its frame, and the frames of
** forced parents (they fail with it). Returns false when the stack is
** empty: the whole partition failed. */
static bool pop_failed(search *s, walk *w)
{
    for (;;) {
        if (s->depth == 0)
            return false;
        uint32_t top = s->stack_entry[--s->depth];
        w->e = top & ~(FORCED | PHASE);
        w->info_phase = (top & PHASE) != 0;
        w->state = s->stack_state[s->depth];
        w->after = s->stack_after[s->depth];
        uint32_t op = s->op_of[w->e];
        clear_pos(s, s->pos_of[op]);
        s->resets_done -= s->ops[op].resets;
        w->zhash ^= s->zob[op];
        unlift(s, w->e);
        if ((top & FORCED) == 0)
            break;
    }
    w->e = s->next[w->e];
    return true;
}

/* The search loop; returns 0 with 'out->result' set, or -1 on OOM.
** Each node is scanned twice: first the calls whose result is known, then
** the info and open ones (which rarely explain anything, so trying them
** last finds a linearization of a valid history sooner; every enabled
** call is still tried, so the search stays complete). */
static int run(search *s, double deadline)
{
    const uint32_t tail = (uint32_t)(2 * s->n + 1);
    walk w = s->w;
    lin_outcome *out = &s->out;
    int rc = 0;
    for (;;) {
        if (++s->iter % DEADLINE_EVERY == 0 && deadline > 0 && host_seconds() > deadline)
            break;
        uint32_t e = w.e, op = s->op_of[e];
        if (e == tail || (s->match[e] == 0 && s->ops[op].ret_pos >= LIN_POS_INF)) {
            out->result = LIN_OK;   /* only unknown completions are left */
            break;
        }
        const lin_op *o = &s->ops[op];
        bool back = false;
        if (s->match[e] == 0 && !w.info_phase) {   /* second scan of this node */
            w.info_phase = true;
            w.e = s->next[0];
            continue;
        }
        if (s->match[e] == 0 && o->optional) {    /* or it never happened */
            int r = memo_insert(s, w.zhash ^ s->zob[op], op, w.state);
            if (r < 0) {
                rc = r == -2 ? 0 : -1;
                break;
            }
            if (r == 1) {
                w.e = s->call_of[e];
                push(s, &w, w.state, true);
                continue;
            }
            back = true;
        } else if (s->match[e] == 0) {             /* a return: the node failed */
            if (s->want_prefix && note_block(s, e, &s->best, out) != 0) {
                rc = -1;
                break;
            }
            back = true;
        } else if (o->out_known == !w.info_phase && linearized_twin(s, op)) {   /* a call of this scan */
            lin_state nx;
            if (s->m->step(s->c, w.state, o, &nx) && useful(s, &w, o, nx)) {
                uint64_t after = o->ret_pos >= LIN_POS_INF ? s->zafter[op] : 0;
                int r = memo_insert(s, w.zhash ^ s->zob[op] ^ after, op, nx);
                if (r < 0) {   /* -2: the budget; 'w' is unchanged, so resumable */
                    rc = r == -2 ? 0 : -1;
                    break;
                }
                if (r == 1) {
                    CHECK_ASSERT(!o->readonly || nx == w.state);
                    bool changed = nx != w.state;
                    push(s, &w, nx, o->readonly);
                    if (!(s->use_doomed && changed && window_doomed(s, w.state)))
                        continue;
                    back = true;   /* the new node fails: see 'window_doomed' */
                } else {
                    back = o->readonly;   /* its forced subtree already failed */
                }
            }
        }
        if (!back) {
            w.e = s->next[e];
        } else if (!pop_failed(s, &w)) {
            out->result = LIN_FAIL;
            break;
        }
    }
    s->w = w;
    return rc;
}

lin_run *lin_run_new(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
                     bool want_prefix)
{
    search *s = malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    if (search_init(s, c, m, ops, n) != 0) {
        search_free(s);
        free(s);
        return NULL;
    }
    s->want_prefix = want_prefix;
    /* doomed states are cut before they reach any return, which could
    ** shorten the longest prefix: only verdict-only searches use it */
    s->use_doomed = !want_prefix && m->doomed != NULL;
    return s;
}

int lin_run_continue(lin_run *s, uint64_t states_max, size_t memo_bytes_max, double deadline,
                     lin_outcome *out)
{
    if (s->out.result == LIN_UNKNOWN) {
        if (memo_bytes_max == 0 || memo_bytes_max > LIN_MEMO_BYTES_MAX)
            memo_bytes_max = LIN_MEMO_BYTES_MAX;
        s->bytes_max = memo_bytes_max / 2;   /* /2: arrays grow by doubling */
        s->entries_max = states_max != 0 && states_max < UINT32_MAX - 1 ? (size_t)states_max
                                                                        : UINT32_MAX - 1;
        if (run(s, deadline) != 0)
            return -1;
    }
    s->out.states = s->entries_count;
    *out = s->out;
    return 0;
}

void lin_run_free(lin_run *s)
{
    if (s == NULL)
        return;
    free(s->out.prefix);
    search_free(s);
    free(s);
}

int lin_search(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
               const lin_limits *lim, bool want_prefix, lin_outcome *out)
{
    *out = (lin_outcome){.result = LIN_UNKNOWN};
    lin_run *r = lin_run_new(c, m, ops, n, want_prefix);
    int rc = r ? lin_run_continue(r, lim->states_max, 0, lim->deadline, out) : -1;
    if (rc == 0 && out->result == LIN_FAIL && want_prefix)
        r->out.prefix = NULL;   /* ownership moves to the caller */
    else
        out->prefix = NULL, out->prefix_count = 0;
    lin_run_free(r);
    return rc;
}
