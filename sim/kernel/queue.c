/*
** queue.c — the kernel's event queue: a d-ary min-heap of small keys over a
** pool of payload slots.
**
** Design. Payloads ('queue_item', 48 bytes) live in 'slots' and never move
** while pending. The heap holds only a 'queue_key': the 16-byte ordering key
** (time, seq) plus the slot index, so sifting moves 24 bytes instead of a
** whole event. Free slots are kept on a stack ('free_list').
**
** Invariants:
** - Heap order: for every position i > 0, key(parent(i)) <= key(i), where
**   keys compare by time, then by seq. 'seq' is unique and increasing in push
**   order, so equal times pop in push order.
** - For every pending slot s, heap[slots[s].heap_pos].slot == s; a free slot
**   has heap_pos == SLOT_FREE and is on the free list exactly once.
** - len + free_len == cap <= cap_max.
** - A handle is (generation << 32 | (slot + 1)); a slot's generation is
**   bumped every time it is released, so handles of popped or cancelled
**   events never match again (until the 32-bit generation wraps around).
**
** Arity: QUEUE_ARITY children per node, chosen by a throwaway benchmark
** (hold model: pop one, push it again at its time + uniform [0, 1ms);
** gcc 12 -O2, a shared 2-core machine; ns per pop+push, min / median of 7
** interleaved runs):
**     pending    d=2        d=4        d=8
**     1,000      93 / 100   97 / 105   101 / 110
**     10,000     138 / 175  138 / 189  194 / 208
**     100,000    452 / 562  510 / 622  448 / 515
** Of the two candidates d=4 wins at the sizes runs actually have (hundreds
** to tens of thousands pending); d=8 only pulls ahead at 100,000. d=2 is
** within noise of d=4. Most of the cost is the random write of 'heap_pos'
** into the slot of every key moved, the price of O(log n) cancel.
** -DQUEUE_ARITY=n overrides the choice, for such benchmarks.
**
** Memory: push allocates only when the pool is full and below 'cap_max'
** (doubling); pop and cancel never allocate.
*/
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "dsim.h"

#ifndef QUEUE_ARITY
#define QUEUE_ARITY 4
#endif
#define QUEUE_CAP_INITIAL 64u
#define SLOT_FREE UINT32_MAX

struct queue_key {
    int64_t time;
    uint64_t seq;
    uint32_t slot;
};

struct queue_slot {
    queue_item item;
    uint32_t generation;
    uint32_t heap_pos;   /* SLOT_FREE when not pending */
};

_Static_assert(QUEUE_ARITY >= 2, "a heap needs at least two children per node");
_Static_assert(QUEUE_CAP_INITIAL >= 1, "initial capacity must be positive");
_Static_assert(sizeof(queue_key) == 24, "a sift moves 24 bytes per key (see the design note)");
_Static_assert(sizeof(((queue_key *)0)->slot) == 4, "a handle packs the slot in its low 32 bits");

static bool key_less(const queue_key *x, const queue_key *y)
{
    DSIM_ASSERT(x->seq != y->seq || x == y);   /* seq is unique: no ties */
    if (x->time != y->time)
        return x->time < y->time;
    return x->seq < y->seq;
}

/* Places 'k' at 'pos' and records the position in its slot. */
static void heap_set(queue *q, uint32_t pos, const queue_key *k)
{
    DSIM_ASSERT(pos < q->len);
    DSIM_ASSERT(k->slot < q->cap);
    q->heap[pos] = *k;
    q->slots[k->slot].heap_pos = pos;
}

/* Moves 'k' up from the hole at 'pos' to its place. */
static void sift_up(queue *q, uint32_t pos, queue_key k)
{
    DSIM_ASSERT(pos < q->len);
    while (pos > 0) {
        uint32_t parent = (pos - 1) / QUEUE_ARITY;
        if (!key_less(&k, &q->heap[parent]))
            break;
        heap_set(q, pos, &q->heap[parent]);
        pos = parent;
    }
    heap_set(q, pos, &k);
    DSIM_ASSERT(pos == 0 || !key_less(&q->heap[pos], &q->heap[(pos - 1) / QUEUE_ARITY]));
}

/* Moves 'k' down from the hole at 'pos' to its place. */
static void sift_down(queue *q, uint32_t pos, queue_key k)
{
    DSIM_ASSERT(pos < q->len);
    for (;;) {
        uint64_t first = (uint64_t)pos * QUEUE_ARITY + 1;
        if (first >= q->len)
            break;
        uint64_t end = first + QUEUE_ARITY;
        if (end > q->len)
            end = q->len;
        uint32_t best = (uint32_t)first;
        if (end - first == QUEUE_ARITY) {   /* all children: a fixed-trip loop */
            for (uint32_t c = 1; c < QUEUE_ARITY; c++)
                if (key_less(&q->heap[first + c], &q->heap[best]))
                    best = (uint32_t)first + c;
        } else {
            for (uint64_t c = first + 1; c < end; c++)
                if (key_less(&q->heap[c], &q->heap[best]))
                    best = (uint32_t)c;
        }
        if (!key_less(&q->heap[best], &k))
            break;
        heap_set(q, pos, &q->heap[best]);
        pos = best;
    }
    heap_set(q, pos, &k);
    DSIM_ASSERT(q->slots[k.slot].heap_pos == pos);
}

/* Grows the three arrays to 'cap_new' and puts the new slots on the free
** list (lowest index on top). Returns false when out of memory; the queue is
** then unchanged in meaning (arrays may be larger than 'cap'). */
static bool queue_grow(queue *q, uint32_t cap_new)
{
    DSIM_ASSERT(cap_new > q->cap);
    DSIM_ASSERT(cap_new <= q->cap_max);
    queue_key *heap = realloc(q->heap, (size_t)cap_new * sizeof *heap);
    if (heap == NULL)
        return false;
    q->heap = heap;
    queue_slot *slots = realloc(q->slots, (size_t)cap_new * sizeof *slots);
    if (slots == NULL)
        return false;
    q->slots = slots;
    uint32_t *free_list = realloc(q->free_list, (size_t)cap_new * sizeof *free_list);
    if (free_list == NULL)
        return false;
    q->free_list = free_list;
    for (uint32_t s = q->cap; s < cap_new; s++) {
        q->slots[s].generation = 0;
        q->slots[s].heap_pos = SLOT_FREE;
    }
    for (uint32_t s = cap_new; s > q->cap; s--)
        q->free_list[q->free_len++] = s - 1;
    q->cap = cap_new;
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    return true;
}

int queue_init(queue *q, uint32_t capacity_max)
{
    DSIM_ASSERT(capacity_max >= 1);
    DSIM_ASSERT(capacity_max < SLOT_FREE);   /* slot + 1 fits in 32 bits */
    memset(q, 0, sizeof *q);
    q->cap_max = capacity_max;
    DSIM_ASSERT(q->len == 0);
    uint32_t cap = capacity_max < QUEUE_CAP_INITIAL ? capacity_max : QUEUE_CAP_INITIAL;
    if (!queue_grow(q, cap)) {
        queue_free(q);
        return -1;
    }
    DSIM_ASSERT(q->free_len == q->cap);
    return 0;
}

void queue_free(queue *q)
{
    free(q->heap);
    free(q->slots);
    free(q->free_list);
    memset(q, 0, sizeof *q);
}

/* Returns 0 when the queue holds 'cap_max' events, or when growing the pool
** fails for lack of memory; the caller reports both as an event-limit error. */
uint64_t queue_push(queue *q, int64_t time, const queue_item *item)
{
    DSIM_ASSERT(item != NULL);
    if (q->free_len == 0) {
        if (q->cap == q->cap_max)
            return 0;
        uint64_t cap_new = (uint64_t)q->cap * 2;
        if (cap_new > q->cap_max)
            cap_new = q->cap_max;
        if (!queue_grow(q, (uint32_t)cap_new))
            return 0;
    }
    DSIM_ASSERT(q->free_len > 0);
    uint32_t s = q->free_list[--q->free_len];
    queue_slot *slot = &q->slots[s];
    DSIM_ASSERT(slot->heap_pos == SLOT_FREE);
    slot->item = *item;
    queue_key k = { .time = time, .seq = q->seq_next++, .slot = s };
    q->len++;
    sift_up(q, q->len - 1, k);
    DSIM_ASSERT(slot->heap_pos < q->len);
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    return (uint64_t)slot->generation << 32 | ((uint64_t)s + 1);
}

/* Removes the key at heap position 'pos' and frees its slot. */
static void queue_remove_at(queue *q, uint32_t pos)
{
    DSIM_ASSERT(pos < q->len);
    uint32_t s = q->heap[pos].slot;
    queue_slot *slot = &q->slots[s];
    DSIM_ASSERT(slot->heap_pos == pos);
    slot->heap_pos = SLOT_FREE;
    slot->generation++;
    q->free_list[q->free_len++] = s;
    q->len--;
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    if (pos == q->len)
        return;   /* it was the last key: nothing to refill */
    queue_key last = q->heap[q->len];
    if (pos > 0 && key_less(&last, &q->heap[(pos - 1) / QUEUE_ARITY]))
        sift_up(q, pos, last);
    else
        sift_down(q, pos, last);
}

bool queue_cancel(queue *q, uint64_t handle)
{
    uint64_t low = handle & 0xffffffffu;
    if (low == 0 || low > q->cap)
        return false;
    uint32_t s = (uint32_t)(low - 1);
    const queue_slot *slot = &q->slots[s];
    if (slot->generation != (uint32_t)(handle >> 32) || slot->heap_pos == SLOT_FREE)
        return false;
    DSIM_ASSERT(q->heap[slot->heap_pos].slot == s);
    queue_remove_at(q, slot->heap_pos);
    DSIM_ASSERT(slot->heap_pos == SLOT_FREE);
    return true;
}

bool queue_pop(queue *q, int64_t *time, queue_item *out)
{
    if (q->len == 0)
        return false;
    const queue_key *top = &q->heap[0];
    DSIM_ASSERT(q->slots[top->slot].heap_pos == 0);
    if (time != NULL)
        *time = top->time;
    if (out != NULL)
        *out = q->slots[top->slot].item;
    queue_remove_at(q, 0);
    return true;
}

int64_t queue_peek_time(const queue *q)
{
    DSIM_ASSERT(q->len <= q->cap);
    return q->len == 0 ? INT64_MAX : q->heap[0].time;
}

uint32_t queue_len(const queue *q)
{
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    return q->len;
}
