/*
** queue.c — the kernel's event queue: a ring of time buckets for the near
** future over a 4-ary heap for the far future, one pooled 64-byte slot per
** event, lazy cancellation. Pops in exactly (time, seq) order.
**
** Design. An event's slot holds its payload ('queue_item', 40 bytes), its
** time (sign bit flipped, so unsigned order is signed order), its sequence
** number, one link and its generation and state: one cache line. Time is
** cut into buckets of 2^shift ns; 'cur' is the bucket number of the run
** list. Three places hold the pending events:
** - the run list: every event whose bucket number is at most 'cur', sorted
**   by (time, seq); a pop takes its head;
** - the ring: 'nb' buckets (a power of two) for bucket numbers cur+1 ..
**   cur+nb-1, each an unsorted singly linked list through the slots, with a
**   bitmap of the non-empty ones; a push is a list prepend;
** - the heap: 16-byte keys (time, seq << slot_bits | slot) of the rest.
** When the run list is empty the next non-empty bucket (bitmap scan) or the
** heap's front, whichever is earlier, becomes 'cur'; heap keys that now fall
** inside the ring move into it, and the bucket is sorted into the run list.
** Most events are pushed into the ring and popped from a run of a few, so
** an event costs a few writes to its own line (a pop frees the slot that
** the next push takes) instead of a heap path of cache lines.
**
** Invariants:
** - Every stored slot (PENDING or CANCELLED) is in exactly one of the run
**   list, bucket (b & (nb-1)) for its bucket number b in cur+1..cur+nb-1,
**   or the heap (bucket number >= cur+nb when it was placed or moved); run
**   list entries have b <= cur; ring entries b > cur, heap entries b > cur.
**   So the run list's head is the earliest stored event.
** - (time, seq) is unique: seq grows with every push, so equal times pop in
**   push order, whatever place each event went through.
** - stored + free_len == cap <= cap_max; live <= stored, and stored - live
**   is the number of CANCELLED slots.
** - A handle is (generation << 32 | (slot + 1)); a slot's generation (30
**   bits) is bumped every time it is released.
** - seq < seq_limit = 2^(64 - slot_bits) (heap keys pack seq and slot); at
**   the limit the stored events are renumbered in their order.
**
** Bounds and sizing: at most 'cap_max' live events. A rebuild re-lays every
** stored event (dropping cancelled ones): when the pool is full and holds
** cancelled events, when the live count passes twice the bucket count (the
** ring doubles), and, at most once per 'live' pops, when the layout is
** poor (a bucket of many distinct times, or most events in the heap). It
** picks nb >= live (at least 64) and a width from a sample of the pending
** times: the earliest nine tenths span half the ring. Pop and cancel never
** allocate (a rebuild from a pop keeps the ring's memory).
**
** Why this shape ('dsim bench kernel', callgrind): the 4-ary heap it
** replaced spent about 570 instructions and six or seven cache lines per
** event on 10,000 pending; this costs a few dozen and about one line.
** Brown's calendar queue (1988) keeps sorted lists in every bucket and
** wraps "years"; here only the run is sorted, and the far future waits in
** a heap instead of being scanned each year, so long timers cost nothing.
*/
#include "queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsim.h"

#define QUEUE_CAP_INITIAL 64u
#define QUEUE_LINE 64u
#define KEY_SIGN (UINT64_C(1) << 63)
#define NONE UINT32_MAX
#define NB_MIN 64u              /* buckets at least: whole bitmap words */
#define BUCKET_SORT_MANY 32u    /* a bucket this long with distinct times: too wide */
#define SAMPLE_MAX 256u         /* pending times sampled to choose the width */
#define HEAP_OFFSET 3u          /* keys offset by three: children 4i+1..4i+4 share a line */

enum { SLOT_FREE = 0, SLOT_PENDING = 1, SLOT_CANCELLED = 2, SLOT_STATE_MASK = 3 };

struct queue_key {
    uint64_t time;   /* (uint64_t)time ^ KEY_SIGN */
    uint64_t ord;    /* seq << slot_bits | slot */
};

struct queue_slot {
    queue_item item;
    uint64_t time;   /* (uint64_t)time ^ KEY_SIGN */
    uint64_t seq;
    uint32_t next;   /* run list, bucket or free list link */
    uint32_t tag;    /* generation << 2 | state */
};

_Static_assert(sizeof(queue_key) == 16, "four keys per cache line");
_Static_assert(sizeof(queue_slot) == QUEUE_LINE, "one event, one cache line");
_Static_assert(NB_MIN % 64 == 0, "the bitmap has whole words");
_Static_assert(QUEUE_CAP_INITIAL >= 1, "initial capacity must be positive");

static inline uint32_t slot_state(const queue_slot *s) { return s->tag & SLOT_STATE_MASK; }

/* (time, seq) of two slots. */
static inline bool slot_less(const queue *q, uint32_t a, uint32_t b)
{
    const queue_slot *x = &q->slots[a], *y = &q->slots[b];
    return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static inline uint64_t bucket_no(const queue *q, uint64_t time) { return time >> q->shift; }

/* ---- the heap (far tier) ---------------------------------------------------- */

static inline bool key_less(queue_key x, queue_key y)
{
    unsigned __int128 a = (unsigned __int128)x.time << 64 | x.ord;
    unsigned __int128 b = (unsigned __int128)y.time << 64 | y.ord;
    return a < b;
}

static inline uint32_t key_slot(const queue *q, queue_key k)
{
    return (uint32_t)(k.ord & ((UINT64_C(1) << q->slot_bits) - 1));
}

static inline queue_key slot_key(const queue *q, uint32_t s)
{
    return (queue_key){.time = q->slots[s].time, .ord = q->slots[s].seq << q->slot_bits | s};
}

static void sift_up(queue *q, uint32_t pos, queue_key k)
{
    DSIM_ASSERT(pos < q->heap_len);
    queue_key *h = q->heap;
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 4;
        if (!key_less(k, h[parent]))
            break;
        h[pos] = h[parent];
        pos = parent;
    }
    h[pos] = k;
}

static void sift_down(queue *q, uint32_t pos, queue_key k)
{
    DSIM_ASSERT(pos < q->heap_len);
    queue_key *h = q->heap;
    uint32_t len = q->heap_len;
    for (;;) {
        uint64_t first = (uint64_t)pos * 4 + 1;
        if (first + 4 <= len) {   /* all four children: one cache line */
            uint32_t c = (uint32_t)first;
            uint32_t b01 = key_less(h[c + 1], h[c]) ? c + 1 : c;
            uint32_t b23 = key_less(h[c + 3], h[c + 2]) ? c + 3 : c + 2;
            uint32_t best = key_less(h[b23], h[b01]) ? b23 : b01;
            if (!key_less(h[best], k))
                break;
            h[pos] = h[best];
            pos = best;
            continue;
        }
        if (first >= len)
            break;
        uint32_t best = (uint32_t)first;
        for (uint32_t c = best + 1; c < len; c++)
            if (key_less(h[c], h[best]))
                best = c;
        if (!key_less(h[best], k))
            break;
        h[pos] = h[best];
        pos = best;
    }
    h[pos] = k;
}

static void heap_push(queue *q, uint32_t s)
{
    DSIM_ASSERT(q->heap_len < q->cap);   /* the heap has room for every slot */
    q->heap_len++;
    sift_up(q, q->heap_len - 1, slot_key(q, s));
}

static void heap_remove_top(queue *q)
{
    DSIM_ASSERT(q->heap_len > 0);
    q->heap_len--;
    if (q->heap_len > 0)
        sift_down(q, 0, q->heap[q->heap_len]);
}

/* ---- slots -------------------------------------------------------------------- */

static inline void slot_release(queue *q, uint32_t s)
{
    queue_slot *slot = &q->slots[s];
    DSIM_ASSERT(slot_state(slot) != SLOT_FREE);
    slot->tag = (slot->tag & ~(uint32_t)SLOT_STATE_MASK) + 4;   /* generation + 1, FREE */
    slot->next = q->free_head;
    q->free_head = s;
    q->free_len++;
    q->stored--;
    DSIM_ASSERT(q->stored + q->free_len == q->cap);
}

/* ---- the run list and the ring ------------------------------------------------ */

/* Inserts 's' into the sorted run list; its seq is the largest, so it goes
** after every event of its time. */
static void run_insert(queue *q, uint32_t s)
{
    queue_slot *sl = q->slots;
    if (q->run_head == NONE) {
        sl[s].next = NONE;
        q->run_head = q->run_tail = s;
    } else if (!slot_less(q, s, q->run_tail)) {
        sl[s].next = NONE;
        sl[q->run_tail].next = s;
        q->run_tail = s;
    } else if (slot_less(q, s, q->run_head)) {
        sl[s].next = q->run_head;
        q->run_head = s;
    } else {
        uint32_t p = q->run_head;   /* p < s < tail: the walk ends before the tail */
        while (!slot_less(q, s, sl[p].next))
            p = sl[p].next;
        sl[s].next = sl[p].next;
        sl[p].next = s;
    }
}

static inline void bucket_add(queue *q, uint32_t s, uint64_t b)
{
    uint32_t i = (uint32_t)b & (q->nb - 1);
    q->slots[s].next = q->bucket[i];
    q->bucket[i] = s;
    q->bits[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* Puts a stored slot where its time belongs. */
static inline void place(queue *q, uint32_t s)
{
    uint64_t b = bucket_no(q, q->slots[s].time);
    if (b <= q->cur)
        run_insert(q, s);
    else if (b - q->cur < q->nb)
        bucket_add(q, s, b);
    else
        heap_push(q, s);
}

/* Merges two sorted lists. */
static uint32_t list_merge(queue *q, uint32_t a, uint32_t b)
{
    uint32_t head = NONE, *link = &head;
    while (a != NONE && b != NONE) {
        if (slot_less(q, b, a)) {
            *link = b;
            link = &q->slots[b].next;
            b = *link;
        } else {
            *link = a;
            link = &q->slots[a].next;
            a = *link;
        }
    }
    *link = a != NONE ? a : b;
    return head;
}

/* Sorts 'chain' (linked through 'next') into the empty run list: insertion
** for a few, else a bottom-up merge sort (sublist k holds 2^k events; 32
** levels hold any pool). */
static void run_from_chain(queue *q, uint32_t chain, uint32_t count)
{
    DSIM_ASSERT(q->run_head == NONE);
    if (count <= 8) {
        for (uint32_t s = chain, nx; s != NONE; s = nx) {
            nx = q->slots[s].next;
            run_insert(q, s);
        }
        return;
    }
    uint32_t part[33];
    for (int k = 0; k < 33; k++)
        part[k] = NONE;
    for (uint32_t s = chain, nx; s != NONE; s = nx) {
        nx = q->slots[s].next;
        q->slots[s].next = NONE;
        uint32_t carry = s;
        int k = 0;
        for (; part[k] != NONE; k++) {
            DSIM_ASSERT(k < 32);
            carry = list_merge(q, part[k], carry);
            part[k] = NONE;
        }
        part[k] = carry;
    }
    uint32_t all = NONE;
    for (int k = 0; k < 33; k++)
        if (part[k] != NONE)
            all = all == NONE ? part[k] : list_merge(q, part[k], all);
    q->run_head = all;
    uint32_t t = all;
    while (q->slots[t].next != NONE)
        t = q->slots[t].next;
    q->run_tail = t;
}

/* The smallest bucket number in cur+1 .. cur+nb-1 whose bucket is not
** empty; false when the ring is empty. */
static bool ring_next(const queue *q, uint64_t *b)
{
    uint32_t mask = q->nb - 1, start = (uint32_t)(q->cur + 1) & mask;
    for (uint32_t off = 0; off < q->nb;) {
        uint32_t i = (start + off) & mask;
        uint64_t word = q->bits[i >> 6] >> (i & 63);
        if (word) {
            off += (uint32_t)__builtin_ctzll(word);
            DSIM_ASSERT(off < q->nb - 1);   /* the current bucket is empty */
            *b = q->cur + 1 + off;
            return true;
        }
        off += 64 - (i & 63);
    }
    return false;
}

/* Takes bucket 'b''s list out of the ring: its chain and length. */
static uint32_t bucket_take(queue *q, uint64_t b, uint32_t *count)
{
    uint32_t i = (uint32_t)b & (q->nb - 1);
    uint32_t chain = q->bucket[i], n = 0;
    q->bucket[i] = NONE;
    q->bits[i >> 6] &= ~(UINT64_C(1) << (i & 63));
    for (uint32_t s = chain; s != NONE; s = q->slots[s].next)
        n++;
    *count = n;
    return chain;
}

/* ---- rebuild ------------------------------------------------------------------ */

/* Every stored slot out of the run list, the ring and the heap, cancelled
** ones released; the rest as one chain. */
static uint32_t detach_all(queue *q, uint32_t *count)
{
    uint32_t chain = NONE, n = 0;
#define KEEP(s)                                   \
    do {                                          \
        if (slot_state(&q->slots[s]) == SLOT_CANCELLED) \
            slot_release(q, s);                   \
        else {                                    \
            q->slots[s].next = chain;             \
            chain = s;                            \
            n++;                                  \
        }                                         \
    } while (0)
    for (uint32_t s = q->run_head, nx; s != NONE; s = nx) {
        nx = q->slots[s].next;
        KEEP(s);
    }
    q->run_head = q->run_tail = NONE;
    for (uint32_t w = 0; w < q->nb / 64; w++) {
        while (q->bits[w]) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(q->bits[w]);
            q->bits[w] &= q->bits[w] - 1;
            for (uint32_t s = q->bucket[i], nx; s != NONE; s = nx) {
                nx = q->slots[s].next;
                KEEP(s);
            }
            q->bucket[i] = NONE;
        }
    }
    for (uint32_t k = 0; k < q->heap_len; k++) {
        uint32_t s = key_slot(q, q->heap[k]);
        KEEP(s);
    }
#undef KEEP
    q->heap_len = 0;
    DSIM_ASSERT(n == q->live);
    *count = n;
    return chain;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The bucket width for 'n' events of 'chain' over 'nb' buckets: the
** earliest nine tenths of a sample span half the ring. */
static uint32_t choose_shift(const queue *q, uint32_t chain, uint32_t n, uint32_t nb, uint64_t tmin)
{
    uint64_t sample[SAMPLE_MAX];
    uint32_t every = n / SAMPLE_MAX + 1, got = 0, k = 0;
    for (uint32_t s = chain; s != NONE && got < SAMPLE_MAX; s = q->slots[s].next, k++)
        if (k % every == 0)
            sample[got++] = q->slots[s].time;
    if (got < 2)
        return q->shift;
    qsort(sample, got, sizeof sample[0], cmp_u64);
    uint64_t span = sample[got * 9 / 10] - tmin;
    uint64_t width = span / (nb / 2) + 1;
    uint32_t shift = 0;
    while (shift < 62 && (UINT64_C(1) << shift) < width)
        shift++;
    return shift;
}

/* Re-lays every stored event over about max(live, 64) buckets (at least
** 'nb_min'), dropping cancelled ones. Allocates only when 'may_alloc' and
** the ring must grow; without memory the ring keeps its size. */
static void rebuild(queue *q, uint32_t nb_min, bool may_alloc)
{
    uint32_t n;
    uint32_t chain = detach_all(q, &n);
    uint32_t nb = NB_MIN;
    while (nb < n && nb < (UINT32_C(1) << 30))
        nb *= 2;
    if (nb < nb_min)
        nb = nb_min;
    if (nb > q->nb_cap && may_alloc) {
        uint32_t *bucket = malloc((size_t)nb * sizeof *bucket);
        uint64_t *bits = malloc((size_t)nb / 64 * sizeof *bits);
        if (bucket && bits) {
            free(q->bucket);
            free(q->bits);
            q->bucket = bucket;
            q->bits = bits;
            q->nb_cap = nb;
        } else {
            free(bucket);
            free(bits);
        }
    }
    if (nb > q->nb_cap)
        nb = q->nb_cap;
    q->nb = nb;
    memset(q->bucket, 0xff, (size_t)nb * sizeof *q->bucket);
    memset(q->bits, 0, (size_t)nb / 64 * sizeof *q->bits);
    uint64_t tmin = UINT64_MAX;
    for (uint32_t s = chain; s != NONE; s = q->slots[s].next)
        if (q->slots[s].time < tmin)
            tmin = q->slots[s].time;
    q->shift = choose_shift(q, chain, n, nb, tmin);
    q->cur = n > 0 ? bucket_no(q, tmin) : 0;
    uint32_t run = NONE, run_n = 0;
    for (uint32_t s = chain, nx; s != NONE; s = nx) {
        nx = q->slots[s].next;
        uint64_t b = bucket_no(q, q->slots[s].time);
        if (b == q->cur) {
            q->slots[s].next = run;
            run = s;
            run_n++;
        } else if (b - q->cur < q->nb) {
            bucket_add(q, s, b);
        } else {
            q->heap[q->heap_len++] = slot_key(q, s);
        }
    }
    for (uint32_t i = q->heap_len / 4 + 1; i-- > 0;)   /* Floyd's heapify */
        if (i < q->heap_len)
            sift_down(q, i, q->heap[i]);
    run_from_chain(q, run, run_n);
    q->ops_since_rebuild = 0;
    DSIM_ASSERT(q->live == n);
}

/* ---- moving the front ------------------------------------------------------- */

/* The run list is empty and events are stored: makes the next non-empty
** bucket (or the heap's first) the run list. */
static void advance(queue *q)
{
    DSIM_ASSERT(q->run_head == NONE);
    uint64_t b = 0;
    bool found = ring_next(q, &b);
    if (q->heap_len > 0) {
        uint64_t hb = bucket_no(q, q->heap[0].time);
        if (!found || hb < b)
            b = hb;
        found = true;
    }
    DSIM_ASSERT(found);
    q->cur = b;
    while (q->heap_len > 0) {   /* keys now inside the ring move into it */
        uint64_t kb = bucket_no(q, q->heap[0].time);
        DSIM_ASSERT(kb >= q->cur);
        if (kb - q->cur >= q->nb)
            break;
        uint32_t s = key_slot(q, q->heap[0]);
        heap_remove_top(q);
        if (slot_state(&q->slots[s]) == SLOT_CANCELLED)
            slot_release(q, s);
        else
            bucket_add(q, s, kb);
    }
    uint32_t n;
    uint32_t chain = bucket_take(q, b, &n);
    run_from_chain(q, chain, n);
    if (n > BUCKET_SORT_MANY && q->ops_since_rebuild >= q->live &&
        q->slots[q->run_head].time != q->slots[q->run_tail].time)
        rebuild(q, NB_MIN, false);   /* the width is too coarse here */
}

/* Makes the run list's head the earliest live event; false when none. */
static bool front(queue *q)
{
    for (;;) {
        while (q->run_head != NONE) {
            uint32_t s = q->run_head;
            if (slot_state(&q->slots[s]) == SLOT_PENDING)
                return true;
            q->run_head = q->slots[s].next;
            if (q->run_head == NONE)
                q->run_tail = NONE;
            slot_release(q, s);
        }
        if (q->live == 0)
            return false;
        if (q->ops_since_rebuild >= q->live &&
            ((q->heap_len > 64 && q->heap_len > q->live / 2) || (q->nb > NB_MIN && q->live < q->nb / 8)))
            rebuild(q, NB_MIN, false);   /* the ring is too narrow, or too big */
        else
            advance(q);
    }
}

/* ---- growth and renumbering -------------------------------------------------- */

/* Grows the pool and the heap to 'cap_new' slots, the new ones free.
** The pool grows by realloc (large blocks move by remapping, so the peak
** is not old plus new) and is re-aligned to a line inside its block.
** False when out of memory; the queue is then unchanged in meaning. */
static bool queue_grow(queue *q, uint32_t cap_new)
{
    DSIM_ASSERT(cap_new > q->cap);
    DSIM_ASSERT(cap_new <= q->cap_max);
    size_t bytes = ((size_t)cap_new + HEAP_OFFSET + 1) * sizeof(queue_key);
    bytes = (bytes + QUEUE_LINE - 1) / QUEUE_LINE * QUEUE_LINE;
    void *mem = aligned_alloc(QUEUE_LINE, bytes);
    if (mem == NULL)
        return false;
    queue_key *heap = (queue_key *)mem + HEAP_OFFSET;
    if (q->heap_len > 0)
        memcpy(heap, q->heap, (size_t)q->heap_len * sizeof *heap);
    free(q->heap_mem);
    q->heap_mem = mem;
    q->heap = heap;
    unsigned char *raw = realloc(q->slots_mem, ((size_t)cap_new + 1) * sizeof(queue_slot));
    if (raw == NULL)
        return false;
    /* alignment only: the address never reaches behaviour */
    size_t off = (QUEUE_LINE - (uintptr_t)raw % QUEUE_LINE) % QUEUE_LINE;
    if (q->cap > 0 && off != q->slots_off)
        memmove(raw + off, raw + q->slots_off, (size_t)q->cap * sizeof(queue_slot));
    q->slots_mem = raw;
    q->slots_off = (uint32_t)off;
    q->slots = (queue_slot *)(void *)(raw + off);
    for (uint32_t s = cap_new; s > q->cap; s--) {   /* lowest index on top */
        q->slots[s - 1].tag = SLOT_FREE;
        q->slots[s - 1].next = q->free_head;
        q->free_head = s - 1;
        q->free_len++;
    }
    q->cap = cap_new;
    DSIM_ASSERT(q->stored + q->free_len == q->cap);
    return true;
}

typedef struct seq_slot { uint64_t seq; uint32_t slot; } seq_slot;

static int cmp_seq(const void *a, const void *b)
{
    uint64_t x = ((const seq_slot *)a)->seq, y = ((const seq_slot *)b)->seq;
    return (x > y) - (x < y);
}

/* Gives the stored events sequence numbers 0..stored-1 in their present
** order; every comparison between them is unchanged, so is every list and
** the heap (its keys are rewritten). False when out of memory. */
static bool queue_renumber(queue *q)
{
    seq_slot *v = malloc(((size_t)q->stored + 1) * sizeof *v);
    if (v == NULL)
        return false;
    uint32_t n = 0;
    for (uint32_t s = 0; s < q->cap; s++)
        if (slot_state(&q->slots[s]) != SLOT_FREE)
            v[n++] = (seq_slot){q->slots[s].seq, s};
    DSIM_ASSERT(n == q->stored);
    qsort(v, n, sizeof *v, cmp_seq);
    for (uint32_t r = 0; r < n; r++)
        q->slots[v[r].slot].seq = r;
    free(v);
    for (uint32_t k = 0; k < q->heap_len; k++)
        q->heap[k] = slot_key(q, key_slot(q, q->heap[k]));
    q->seq_next = n;
    DSIM_ASSERT(q->seq_next < q->seq_limit);
    return true;
}

/* Makes room for one more event: drops cancelled ones when the pool is at
** its bound or they are half of it, else grows. False at the bound. */
static bool queue_make_room(queue *q)
{
    uint32_t dead = q->stored - q->live;
    if (dead > 0 && (q->cap == q->cap_max || dead >= q->stored / 2))
        rebuild(q, q->nb, false);
    if (q->free_len > 0)
        return true;
    if (q->cap == q->cap_max)
        return false;
    uint64_t cap_new = (uint64_t)q->cap * 2;
    if (cap_new > q->cap_max)
        cap_new = q->cap_max;
    return queue_grow(q, (uint32_t)cap_new);
}

/* ---- the interface -------------------------------------------------------------- */

int queue_init(queue *q, uint32_t capacity_max)
{
    DSIM_ASSERT(capacity_max >= 1);
    DSIM_ASSERT(capacity_max < UINT32_MAX);   /* slot + 1 fits in 32 bits */
    memset(q, 0, sizeof *q);
    q->cap_max = capacity_max;
    q->free_head = NONE;
    q->run_head = q->run_tail = NONE;
    q->slot_bits = 1;
    while ((UINT64_C(1) << q->slot_bits) < capacity_max)
        q->slot_bits++;
    q->seq_limit = UINT64_C(1) << (64 - q->slot_bits);
    q->bucket = malloc(NB_MIN * sizeof *q->bucket);
    q->bits = calloc(NB_MIN / 64, sizeof *q->bits);
    q->nb = q->nb_cap = NB_MIN;
    uint32_t cap = capacity_max < QUEUE_CAP_INITIAL ? capacity_max : QUEUE_CAP_INITIAL;
    if (!q->bucket || !q->bits || !queue_grow(q, cap)) {
        queue_free(q);
        return -1;
    }
    memset(q->bucket, 0xff, NB_MIN * sizeof *q->bucket);
    DSIM_ASSERT(q->free_len == q->cap);
    return 0;
}

void queue_free(queue *q)
{
    free(q->heap_mem);
    free(q->slots_mem);
    free(q->bucket);
    free(q->bits);
    memset(q, 0, sizeof *q);
}

/* Returns 0 when the queue holds 'cap_max' live events, or when growing the
** pool fails for lack of memory; the caller reports both as an event-limit
** error. */
uint64_t queue_push(queue *q, int64_t time, const queue_item *item)
{
    DSIM_ASSERT(item != NULL);
    if (q->free_len == 0 && !queue_make_room(q))
        return 0;
    if (q->seq_next >= q->seq_limit && !queue_renumber(q))
        return 0;
    if (q->live >= 2 * q->nb && q->ops_since_rebuild >= q->live / 2)
        rebuild(q, 2 * q->nb, true);   /* the ring doubles */
    uint32_t s = q->free_head;
    queue_slot *slot = &q->slots[s];
    DSIM_ASSERT(slot_state(slot) == SLOT_FREE);
    q->free_head = slot->next;
    q->free_len--;
    slot->item = *item;
    slot->time = (uint64_t)time ^ KEY_SIGN;
    slot->seq = q->seq_next++;
    slot->tag |= SLOT_PENDING;
    q->live++;
    q->ops_since_rebuild++;
    if (q->stored++ == 0)
        q->cur = bucket_no(q, slot->time);   /* empty: start the ring here */
    place(q, s);
    return (uint64_t)(slot->tag >> 2) << 32 | ((uint64_t)s + 1);
}

/* Marks the event; it is dropped when it reaches the front. */
bool queue_cancel(queue *q, uint64_t handle)
{
    uint64_t low = handle & 0xffffffffu;
    if (low == 0 || low > q->cap)
        return false;
    queue_slot *slot = &q->slots[low - 1];
    if ((slot->tag >> 2) != (uint32_t)(handle >> 32) || slot_state(slot) != SLOT_PENDING)
        return false;
    slot->tag = (slot->tag & ~(uint32_t)SLOT_STATE_MASK) | SLOT_CANCELLED;
    DSIM_ASSERT(q->live > 0);
    q->live--;
    return true;
}

bool queue_pop_until(queue *q, int64_t until, int64_t *time, queue_item *out)
{
    if (!front(q))
        return false;
    uint32_t s = q->run_head;
    queue_slot *slot = &q->slots[s];
    int64_t t = (int64_t)(slot->time ^ KEY_SIGN);
    if (t > until)
        return false;
    if (time != NULL)
        *time = t;
    if (out != NULL)
        *out = slot->item;
    q->run_head = slot->next;
    if (q->run_head == NONE)
        q->run_tail = NONE;
    q->live--;
    q->ops_since_rebuild++;
    slot_release(q, s);
    return true;
}

bool queue_pop(queue *q, int64_t *time, queue_item *out)
{
    return queue_pop_until(q, INT64_MAX, time, out);
}

int64_t queue_peek_time(queue *q)
{
    if (!front(q))
        return INT64_MAX;
    return (int64_t)(q->slots[q->run_head].time ^ KEY_SIGN);
}

uint32_t queue_len(const queue *q)
{
    DSIM_ASSERT(q->live <= q->stored);
    DSIM_ASSERT(q->stored + q->free_len == q->cap);
    return q->live;
}
