/*
** queue.c — the kernel's event queue: a 4-ary min-heap of 16-byte keys over
** a pool of payload slots, with lazy cancellation.
**
** Design. Payloads ('queue_item', 40 bytes) live in 'slots' and never move
** while pending. The heap holds only a 'queue_key' of 16 bytes: the time
** (sign bit flipped, so unsigned order is signed order) and one order word,
** seq << slot_bits | slot. Four keys fill a 64-byte cache line, and the
** heap array is offset so that the four children of every node share one
** line: a sift-down step reads one line. Keys carry no back pointer and
** slots no heap position, so moving a key writes 16 bytes and nothing else.
** A cancel only marks the slot; the key stays in the heap and is dropped
** when it reaches the front (or when the heap is compacted). Free slots are
** kept on a stack ('free_list').
**
** Invariants:
** - Heap order: for every position i > 0, key(parent(i)) <= key(i), where
**   keys compare by time, then by seq. 'seq' is unique and increasing in
**   push order, so equal times pop in push order.
** - Every key in the heap names a slot that is PENDING or CANCELLED, and
**   every such slot is named by exactly one key; a FREE slot is on the free
**   list exactly once. len + free_len == cap <= cap_max; live <= len, and
**   len - live is the number of CANCELLED slots.
** - A handle is (generation << 32 | (slot + 1)); a slot's generation is
**   bumped every time it is released, so handles of popped or cancelled
**   events never match again (until the 32-bit generation wraps around).
** - seq < seq_limit = 2^(64 - slot_bits). At the limit (2^42 pushes with
**   the default 4M cap) the pending keys are renumbered 0..len-1 in their
**   order, which keeps every comparison between them.
**
** Bounds: at most 'cap_max' live events. When the pool is full, cancelled
** keys are compacted away first (O(len) and a heapify), and only then does
** the pool grow (doubling) or a push fail. Compaction also runs when at
** least half the keys are cancelled, so the pool stays within twice the
** live peak. Pop and cancel never allocate.
**
** Why this shape (callgrind, 'dsim bench kernel', 10,000 pending): the
** previous heap kept a 24-byte key plus a heap position in every slot for
** O(log n) cancel; rewriting that position for every key moved was most of
** a pop. Timers are the only events cancelled, and few of them, so marking
** costs nothing and the dead keys are few.
*/
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "dsim.h"

#define QUEUE_CAP_INITIAL 64u
#define QUEUE_LINE 64u
#define KEY_SIGN (UINT64_C(1) << 63)

enum { SLOT_FREE = 0, SLOT_PENDING = 1, SLOT_CANCELLED = 2 };

struct queue_key {
    uint64_t time;   /* (uint64_t)time ^ KEY_SIGN */
    uint64_t ord;    /* seq << slot_bits | slot */
};

struct queue_slot {
    queue_item item;
    uint32_t generation;
    uint32_t state;      /* SLOT_* */
};

_Static_assert(sizeof(queue_key) == 16, "four keys per cache line");
_Static_assert(QUEUE_LINE % sizeof(queue_key) == 0, "keys tile a line");
_Static_assert(QUEUE_CAP_INITIAL >= 1, "initial capacity must be positive");
_Static_assert(sizeof(((queue_key *)0)->ord) == 8, "seq and slot share one 64-bit word");

/* Keys offset by three so that children 4i+1..4i+4 start on a line. */
#define HEAP_OFFSET 3u

/* (time, ord) as one 128-bit number: a compare and a subtract-with-borrow,
** no branch for the compiler to mispredict. */
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

/* Moves 'k' up from the hole at 'pos' to its place. */
static void sift_up(queue *q, uint32_t pos, queue_key k)
{
    DSIM_ASSERT(pos < q->len);
    queue_key *h = q->heap;
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 4;
        if (!key_less(k, h[parent]))
            break;
        h[pos] = h[parent];
        pos = parent;
    }
    h[pos] = k;
    DSIM_ASSERT(pos == 0 || key_less(h[(pos - 1) / 4], h[pos]));   /* strict: seq is unique */
}

/* Moves 'k' down from the hole at 'pos' to its place. */
static void sift_down(queue *q, uint32_t pos, queue_key k)
{
    DSIM_ASSERT(pos < q->len);
    queue_key *h = q->heap;
    uint32_t len = q->len;
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
    /* strict: seq is unique (the parent may be out of order during a heapify) */
    DSIM_ASSERT((uint64_t)pos * 4 + 1 >= len || key_less(k, h[pos * 4 + 1]));
}

/* Removes the key at the front. */
static inline void heap_remove_top(queue *q)
{
    DSIM_ASSERT(q->len > 0);
    q->len--;
    if (q->len > 0)
        sift_down(q, 0, q->heap[q->len]);
}

static inline void slot_release(queue *q, uint32_t s)
{
    queue_slot *slot = &q->slots[s];
    DSIM_ASSERT(slot->state != SLOT_FREE);
    slot->state = SLOT_FREE;
    slot->generation++;
    q->free_list[q->free_len++] = s;
    DSIM_ASSERT(q->free_len <= q->cap);
}

/* Drops every cancelled key and restores heap order (Floyd's heapify; the
** pop order of the rest is that of their keys, so it does not change). */
static void queue_compact(queue *q)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < q->len; i++) {
        uint32_t s = key_slot(q, q->heap[i]);
        if (q->slots[s].state == SLOT_PENDING)
            q->heap[kept++] = q->heap[i];
        else
            slot_release(q, s);
    }
    q->len = kept;
    DSIM_ASSERT(q->len == q->live);
    for (uint32_t i = q->len / 4 + 1; i-- > 0;)
        if (i < q->len)
            sift_down(q, i, q->heap[i]);
}

typedef struct ord_pos { uint64_t ord; uint32_t pos; } ord_pos;

static int cmp_ord(const void *a, const void *b)
{
    uint64_t x = ((const ord_pos *)a)->ord, y = ((const ord_pos *)b)->ord;
    return (x > y) - (x < y);
}

/* Gives the pending keys sequence numbers 0..len-1 in their present order.
** Every comparison between keys is unchanged, so is the heap. Returns
** false when out of memory. */
static bool queue_renumber(queue *q)
{
    ord_pos *v = malloc(((size_t)q->len + 1) * sizeof *v);
    if (v == NULL)
        return false;
    for (uint32_t i = 0; i < q->len; i++)
        v[i] = (ord_pos){q->heap[i].ord, i};
    qsort(v, q->len, sizeof *v, cmp_ord);
    for (uint32_t r = 0; r < q->len; r++) {
        uint64_t slot = v[r].ord & ((UINT64_C(1) << q->slot_bits) - 1);
        q->heap[v[r].pos].ord = (uint64_t)r << q->slot_bits | slot;
    }
    free(v);
    q->seq_next = q->len;
    DSIM_ASSERT(q->seq_next < q->seq_limit);
    return true;
}

/* Grows the three arrays to 'cap_new' and puts the new slots on the free
** list (lowest index on top). Returns false when out of memory; the queue is
** then unchanged in meaning (arrays may be larger than 'cap'). */
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
    if (q->len > 0)
        memcpy(heap, q->heap, (size_t)q->len * sizeof *heap);
    free(q->heap_mem);
    q->heap_mem = mem;
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
        q->slots[s].state = SLOT_FREE;
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
    DSIM_ASSERT(capacity_max < UINT32_MAX);   /* slot + 1 fits in 32 bits */
    memset(q, 0, sizeof *q);
    q->cap_max = capacity_max;
    q->slot_bits = 1;
    while ((UINT64_C(1) << q->slot_bits) < capacity_max)
        q->slot_bits++;
    q->seq_limit = UINT64_C(1) << (64 - q->slot_bits);
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
    free(q->heap_mem);
    free(q->slots);
    free(q->free_list);
    memset(q, 0, sizeof *q);
}

/* Makes room for one more key: compacts cancelled keys away when the pool
** is at its bound or they are half of it, else grows. False at the bound. */
static bool queue_make_room(queue *q)
{
    uint32_t dead = q->len - q->live;
    if (dead > 0 && (q->cap == q->cap_max || dead >= q->len / 2))
        queue_compact(q);
    if (q->free_len > 0)
        return true;
    if (q->cap == q->cap_max)
        return false;
    uint64_t cap_new = (uint64_t)q->cap * 2;
    if (cap_new > q->cap_max)
        cap_new = q->cap_max;
    return queue_grow(q, (uint32_t)cap_new);
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
    DSIM_ASSERT(q->free_len > 0);
    uint32_t s = q->free_list[--q->free_len];
    queue_slot *slot = &q->slots[s];
    DSIM_ASSERT(slot->state == SLOT_FREE);
    slot->item = *item;
    slot->state = SLOT_PENDING;
    queue_key k = {.time = (uint64_t)time ^ KEY_SIGN, .ord = q->seq_next++ << q->slot_bits | s};
    q->len++;
    q->live++;
    sift_up(q, q->len - 1, k);
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    return (uint64_t)slot->generation << 32 | ((uint64_t)s + 1);
}

/* Marks the event; its key is dropped when it reaches the front. */
bool queue_cancel(queue *q, uint64_t handle)
{
    uint64_t low = handle & 0xffffffffu;
    if (low == 0 || low > q->cap)
        return false;
    queue_slot *slot = &q->slots[low - 1];
    if (slot->generation != (uint32_t)(handle >> 32) || slot->state != SLOT_PENDING)
        return false;
    slot->state = SLOT_CANCELLED;
    DSIM_ASSERT(q->live > 0);
    q->live--;
    return true;
}

/* Drops cancelled keys at the front; afterwards the front, if any, is live. */
static inline void queue_skip_cancelled(queue *q)
{
    while (q->len > q->live) {   /* some key is cancelled: maybe the front */
        uint32_t s = key_slot(q, q->heap[0]);
        if (q->slots[s].state != SLOT_CANCELLED)
            return;
        heap_remove_top(q);
        slot_release(q, s);
    }
}

bool queue_pop_until(queue *q, int64_t until, int64_t *time, queue_item *out)
{
    queue_skip_cancelled(q);
    if (q->len == 0)
        return false;
    queue_key top = q->heap[0];
    int64_t t = (int64_t)(top.time ^ KEY_SIGN);
    if (t > until)
        return false;
    uint32_t s = key_slot(q, top);
    DSIM_ASSERT(q->slots[s].state == SLOT_PENDING);
    if (time != NULL)
        *time = t;
    if (out != NULL)
        *out = q->slots[s].item;
    heap_remove_top(q);
    slot_release(q, s);
    q->live--;
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    return true;
}

bool queue_pop(queue *q, int64_t *time, queue_item *out)
{
    return queue_pop_until(q, INT64_MAX, time, out);
}

int64_t queue_peek_time(queue *q)
{
    queue_skip_cancelled(q);
    DSIM_ASSERT(q->len <= q->cap);
    return q->len == 0 ? INT64_MAX : (int64_t)(q->heap[0].time ^ KEY_SIGN);
}

uint32_t queue_len(const queue *q)
{
    DSIM_ASSERT(q->live <= q->len);
    DSIM_ASSERT(q->len + q->free_len == q->cap);
    return q->live;
}
